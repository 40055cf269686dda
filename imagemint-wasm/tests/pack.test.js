// The package as a user gets it: `npm pack` of pkg/, installed into a fresh folder, imported
// by its name in Node (and type-checked), and in Chromium on a page, in a Worker, and for
// background removal with the model fetched once into Cache Storage.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init, process as run } from "../pkg/index.js";
import * as all from "../pkg/all.js";
import * as masking from "../pkg/mask.js";
import { fixture, modelPath, root, sameBytes } from "./helpers.js";
import { launch, openContext, serve } from "./browser.js";

const pkg = join(root, "imagemint-wasm", "pkg");
let app; // the fresh folder the package is installed into
let server, browser;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "imagemint-pack-"));
  const [{ filename }] = JSON.parse(
    execFileSync("npm", ["pack", pkg, "--pack-destination", dir, "--json"], { encoding: "utf8" }),
  );
  app = join(dir, "app");
  execFileSync("mkdir", [app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", join(dir, filename)], { cwd: app, stdio: "ignore" });
  copyFileSync(join(root, "tests", "fixtures", "chelsea.png"), join(app, "chelsea.png"));
  copyFileSync(modelPath("u2netp.onnx"), join(app, "u2netp.onnx"));
  server = await serve(app);
  browser = await launch();
  await init();
  await all.init();
  await masking.init();
});
after(async () => {
  await browser?.close();
  server?.close();
});

const options = { transform: { resize: { width: 300 } }, encode: { format: "webp", quality: 70 } };
const maskOptions = { mask: { output: "cutout" }, encode: { format: "png" } };
const avifOptions = { transform: { resize: { width: 300 } }, encode: { format: "avif" } };
const sha256 = () => createHash("sha256").update(readFileSync(modelPath("u2netp.onnx"))).digest("hex");

test("the packed package has only what it declares", () => {
  const [{ files }] = JSON.parse(execFileSync("npm", ["pack", pkg, "--dry-run", "--json"], { encoding: "utf8" }));
  const names = files.map((f) => f.path).sort();
  const declared = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).files;
  assert.deepEqual(names, [...declared, "package.json"].sort());
});

test("installed by name in Node: imagemint, imagemint/all and imagemint/mask work and type-check", () => {
  const script = `
    import { init, process } from "imagemint";
    import { init as initAll, process as processAll } from "imagemint/all";
    import { init as initMask, loadModel } from "imagemint/mask";
    import { readFileSync } from "node:fs";
    import { pathToFileURL } from "node:url";
    await init();
    await initAll();
    await initMask();
    const input = readFileSync("chelsea.png");
    const out = process(input, ${JSON.stringify(options)});
    const avif = processAll(input, ${JSON.stringify(avifOptions)});
    const model = await loadModel(pathToFileURL("u2netp.onnx"), { spec: "u2netp", sha256: "${sha256()}" });
    const cut = model.process(input, ${JSON.stringify(maskOptions)});
    console.log(JSON.stringify([out, avif, cut].map(({ data }) => Buffer.from(data).toString("base64"))));
  `;
  const [webp, avif, cutout] = JSON.parse(execFileSync("node", ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" }));
  assert.ok(sameBytes(Buffer.from(webp, "base64"), run(fixture("chelsea.png"), options).data));
  assert.ok(sameBytes(Buffer.from(avif, "base64"), all.process(fixture("chelsea.png"), avifOptions).data));
  assert.equal(Buffer.from(cutout, "base64").subarray(1, 4).toString(), "PNG");

  writeFileSync(
    join(app, "use.ts"),
    `import { init, process, type Options } from "imagemint";
     import { init as initAll, process as processAll } from "imagemint/all";
     import { loadModel, type MaskOptions } from "imagemint/mask";
     await init();
     await initAll();
     console.log(processAll(new Uint8Array(), { encode: { format: "avif", avif: { alphaQuality: 90 } } }).format);
     const options: Options = ${JSON.stringify(options)};
     const mask: MaskOptions = { output: "cutout", refineEdges: true };
     const model = await loadModel("/u2netp.onnx", { spec: "u2netp" });
     const bytes: Uint8Array = process(new Uint8Array(), options).data;
     console.log(bytes.length, model.process(new ArrayBuffer(0), { mask }).width);
     // @ts-expect-error: "jpg" is not a format (it is "jpeg")
     process(new Uint8Array(), { encode: { format: "jpg" } });
    `,
  );
  const tsc = join(root, "imagemint-wasm", "node_modules", ".bin", "tsc");
  execFileSync(tsc, ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--lib", "es2022,esnext.disposable,dom", "use.ts"], {
    cwd: app,
    stdio: "inherit",
  });
});

test("installed by name in Chromium: a page, a Worker, and a model cached after its first download", async () => {
  writeFileSync(
    join(app, "index.html"),
    `<!doctype html><link rel="icon" href="data:,">
     <script type="importmap">{ "imports": {
       "imagemint": "./node_modules/imagemint/index.js",
       "imagemint/all": "./node_modules/imagemint/all.js",
       "imagemint/mask": "./node_modules/imagemint/mask.js" } }</script>
     <script type="module">
       import { init, process } from "imagemint";
       await init();
       const input = new Uint8Array(await (await fetch("chelsea.png")).arrayBuffer());
       window.onPage = process(input, ${JSON.stringify(options)}).data;
       window.inWorker = await new Promise((resolve, reject) => {
         const worker = new Worker("worker.js", { type: "module" });
         worker.onmessage = ({ data }) => (data instanceof Uint8Array ? resolve(data) : reject(new Error(data)));
         worker.onerror = (e) => reject(new Error(e.message));
         worker.postMessage(input, [input.buffer]);
       });
       window.avif = async () => {
         const { init, process } = await import("imagemint/all");
         await init();
         const input = await (await fetch("chelsea.png")).arrayBuffer(); // the first went to the Worker
         return Array.from(process(input, ${JSON.stringify(avifOptions)}).data);
       };
       window.cutout = async () => {
         const { init, loadModel } = await import("imagemint/mask");
         await init();
         const model = await loadModel("u2netp.onnx", { spec: "u2netp", sha256: "${sha256()}" });
         const input = await (await fetch("chelsea.png")).arrayBuffer();
         return Array.from(model.process(input, ${JSON.stringify(maskOptions)}).data);
       };
       // Loads a model that should fail; its error, and whether a copy was cached.
       window.failedLoad = async (url) => {
         const { init, loadModel } = await import("imagemint/mask");
         await init();
         const error = await loadModel(url, { spec: "u2netp" }).then(() => undefined, (e) => e);
         const kept = await (await caches.open("imagemint-models")).match(new URL(url, location.href));
         return { name: error?.name, kind: error?.kind, message: error?.message, kept: kept !== undefined };
       };
       window.ready = true;
     </script>`,
  );
  // Import maps do not reach module Workers: a Worker imports the package by its path.
  writeFileSync(
    join(app, "worker.js"),
    `import { init, process } from "./node_modules/imagemint/index.js";
     self.onmessage = async ({ data }) => {
       try {
         await init();
         const out = process(data, ${JSON.stringify(options)}).data;
         self.postMessage(out, [out.buffer]);
       } catch (e) { self.postMessage(String(e)); }
     };`,
  );
  const { context, requests, problems } = await openContext(browser);
  const page = await context.newPage();
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.ready, null, { timeout: 60_000 });
  const expected = run(fixture("chelsea.png"), options).data;
  const [onPage, inWorker] = await page.evaluate(() => [Array.from(window.onPage), Array.from(window.inWorker)]);
  assert.ok(sameBytes(Uint8Array.from(onPage), expected), "page: same bytes as in Node");
  assert.ok(sameBytes(Uint8Array.from(inWorker), expected), "Worker: same bytes as in Node");
  const avif = Uint8Array.from(await page.evaluate(() => window.avif()));
  assert.ok(sameBytes(avif, all.process(fixture("chelsea.png"), avifOptions).data), "imagemint/all: AVIF as in Node");

  const model = masking.MaskModel.fromBytes(readFileSync(modelPath("u2netp.onnx")), "u2netp");
  const expectedCutout = model.process(fixture("chelsea.png"), maskOptions).data;
  model.free();
  const first = Uint8Array.from(await page.evaluate(() => window.cutout()));
  assert.ok(sameBytes(first, expectedCutout), "Chromium's cutout is Node's, byte for byte");
  // A new visit: the model comes from Cache Storage, not the network.
  await page.reload();
  await page.waitForFunction(() => window.ready, null, { timeout: 60_000 });
  assert.ok(sameBytes(Uint8Array.from(await page.evaluate(() => window.cutout())), expectedCutout));
  const modelRequests = () => requests.filter((r) => r.url().endsWith("/u2netp.onnx")).length;
  assert.equal(modelRequests(), 1, "the model is downloaded once");

  // A damaged cached copy is dropped and the model downloaded again, then cached whole.
  const cachedSize = () =>
    page.evaluate(async () => {
      const copy = await (await caches.open("imagemint-models")).match(new URL("u2netp.onnx", location.href));
      return copy && (await copy.arrayBuffer()).byteLength;
    });
  assert.equal(await cachedSize(), statSync(modelPath("u2netp.onnx")).size);
  await page.evaluate(async () => {
    const cache = await caches.open("imagemint-models");
    await cache.put(new URL("u2netp.onnx", location.href), new Response(new Uint8Array(1000)));
  });
  assert.ok(sameBytes(Uint8Array.from(await page.evaluate(() => window.cutout())), expectedCutout));
  assert.equal(modelRequests(), 2, "downloaded again after the damaged copy");
  assert.equal(await cachedSize(), statSync(modelPath("u2netp.onnx")).size);

  assert.ok(requests.every((r) => r.url().startsWith(`${server.origin}/`)), "only the page's own origin");
  assert.deepEqual(problems, []);

  // An HTTP error and a file that is no model: "model" errors, nothing cached.
  writeFileSync(join(app, "garbage.onnx"), Buffer.alloc(5000, 7));
  for (const [url, words] of [["missing.onnx", "404"], ["garbage.onnx", "model"]]) {
    const failed = await page.evaluate((url) => window.failedLoad(url), url);
    assert.equal(failed.name, "ImageMintError", JSON.stringify(failed));
    assert.equal(failed.kind, "model", failed.message);
    assert.ok(failed.message.includes(words), failed.message);
    assert.equal(failed.kept, false, `${url} must not be cached`);
  }
  await context.close();
});
