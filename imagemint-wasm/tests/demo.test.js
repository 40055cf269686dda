// The demo page (examples/web/) in headless Chromium, served as the README says: a person
// picks a photo, converts it to each format, downloads the results; broken files show an
// error; and nothing the page does sends anything anywhere.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as masking from "../pkg/mask.js";
import { fixture, magic, modelPath, root, sameBytes } from "./helpers.js";
import { launch, openContext, screenshotPath, serve } from "./browser.js";

let server, browser;
before(async () => {
  server = await serve(root);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.close();
});

const photo = join(root, "tests", "fixtures", "rocket-gps.jpg");

async function openDemo() {
  const session = await openContext(browser);
  const page = await session.context.newPage();
  await page.goto(`${server.origin}/examples/web/`);
  return { ...session, page };
}

/** Waits until card `n` shows a finished result whose caption starts with `prefix`. */
async function waitForResult(page, n, prefix) {
  await page.waitForFunction(
    ([n, prefix]) => {
      const card = document.querySelectorAll(".card")[n];
      const caption = card?.querySelector(".result figcaption").textContent ?? "";
      return card?.dataset.state === "done" && caption.startsWith(prefix);
    },
    [n, prefix],
    { timeout: 60_000 },
  );
}

async function download(page, n) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.locator(".card .download").nth(n).click()]);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(await file.path())) };
}

/**
 * Chromium's own decoders (not imagemint's) read `bytes` and the original photo; returns
 * the size and the mean absolute difference per channel (0–255) after scaling the
 * original to the same size.
 */
function compareInBrowser(page, bytes, original) {
  return page.evaluate(
    async ([bytes, original]) => {
      const image = await createImageBitmap(new Blob([new Uint8Array(bytes)]));
      const { width, height } = image;
      const pixels = async (bitmap) => {
        const canvas = new OffscreenCanvas(width, height);
        const context = canvas.getContext("2d");
        context.drawImage(bitmap, 0, 0, width, height);
        return context.getImageData(0, 0, width, height).data;
      };
      const [a, b] = [await pixels(image), await pixels(await createImageBitmap(new Blob([new Uint8Array(original)])))];
      let diff = 0;
      for (let i = 0; i < a.length; i += 4) {
        diff += Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
      }
      return { width, height, diff: diff / ((a.length / 4) * 3) };
    },
    [Array.from(bytes), Array.from(original)],
  );
}

/** The names of the `.wasm` modules the page (or its Worker) has fetched so far. */
const modules = (requests) =>
  requests.map((r) => new URL(r.url()).pathname).filter((p) => p.endsWith(".wasm")).map((p) => p.split("/").pop());

/** Every request must go to the page's own origin and carry nothing: GET, no body. */
function assertPrivate(requests, origin) {
  // The log covers the Worker too: its script and the module it fetched are in it.
  const paths = requests.map((r) => new URL(r.url()).pathname);
  assert.ok(paths.includes("/examples/web/worker.js"), paths.join(" "));
  assert.ok(paths.some((p) => /^\/imagemint-wasm\/pkg\/imagemint(_all|_mask)?_bg\.wasm$/.test(p)), paths.join(" "));
  for (const request of requests) {
    const url = new URL(request.url());
    // blob: URLs are the page's own object URLs (previews, downloads), not network.
    assert.equal(url.origin, origin, `request to ${request.url()}`);
    assert.equal(request.method(), "GET", request.url());
    assert.equal(request.postDataBuffer(), null, request.url());
    if (url.protocol !== "blob:") assert.equal(url.search, "", request.url());
  }
}

test("the demo converts a photo to each format in a Worker; nothing leaves the page", async () => {
  const { context, page, requests, problems } = await openDemo();
  await page.setInputFiles("#files", photo);
  const original = fixture("rocket-gps.jpg");
  const sizes = {};
  for (const format of ["webp", "avif", "jpeg", "png"]) {
    await page.selectOption("select[name=format]", format);
    await waitForResult(page, 0, `${format.toUpperCase()} · 640×427`);
    const { name, bytes } = await download(page, 0);
    assert.equal(name, `rocket-gps.${format === "jpeg" ? "jpg" : format}`);
    assert.ok(magic[format](bytes), `${format} signature`);
    const seen = await compareInBrowser(page, bytes, original);
    assert.deepEqual([seen.width, seen.height], [640, 427], format);
    // Lossy at quality 75 stays close to the photo; PNG is lossless (the difference is
    // only libjpeg-turbo's and mozjpeg's JPEG decoders rounding apart).
    assert.ok(seen.diff < (format === "png" ? 0.5 : 8), `${format}: mean difference ${seen.diff}`);
    // The small module until AVIF is asked for; then the one with every format.
    const expected = format === "webp" ? ["imagemint_bg.wasm"] : ["imagemint_bg.wasm", "imagemint_all_bg.wasm"];
    assert.deepEqual(modules(requests), expected, format);
    // The photo's EXIF (with its GPS position) is dropped by default.
    const text = new TextDecoder("latin1").decode(bytes);
    assert.ok(!/Exif|EXIF|eXIf/.test(text), `${format} carries no EXIF`);
    sizes[format] = bytes.length;
  }
  // Quality 75 shrinks the photo; lossless PNG of a photo is larger than its JPEG.
  for (const format of ["webp", "avif", "jpeg"]) assert.ok(sizes[format] < original.length / 3, `${format}: ${sizes[format]}`);
  assert.ok(sizes.png > original.length);

  // Resizing, and the caption's numbers are the result's.
  await page.fill("input[name=width]", "320");
  await waitForResult(page, 0, "PNG · 320×214"); // 427 / 2 rounds up
  const caption = await page.textContent(".card .result figcaption");
  const resized = await download(page, 0);
  assert.equal((await compareInBrowser(page, resized.bytes, original)).width, 320);
  assert.match(caption, new RegExp(`${(resized.bytes.length / 1e3).toFixed(1)} kB`));
  assert.equal(
    await page.textContent(".card .original figcaption"),
    `original · JPEG · 640×427 · ${(original.length / 1e3).toFixed(1)} kB`,
  );

  assert.equal(page.workers().length, 1, "the work runs in one Worker");
  await page.screenshot({ path: screenshotPath("demo-after-conversion.png"), fullPage: true });
  assert.deepEqual(problems, []);
  assertPrivate(requests, server.origin);
  await context.close();
});

test("a broken file shows a readable error and the page keeps working", async () => {
  const { context, page, requests, problems } = await openDemo();
  await page.setInputFiles("#files", [
    { name: "broken.jpg", mimeType: "image/jpeg", buffer: Buffer.from(fixture("rocket.jpg").subarray(0, 600)) },
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image at all\n") },
  ]);
  await page.waitForFunction(() => [...document.querySelectorAll(".card")].every((c) => c.dataset.state === "error"));
  const errors = await page.locator(".card .error").allTextContents();
  assert.match(errors[0], /^Could not convert broken\.jpg: .*decod/i);
  assert.match(errors[1], /^Could not convert notes\.txt: unsupported format/);
  assert.equal(await page.locator(".card .download:visible").count(), 0);

  // The same page then converts a good photo.
  await page.setInputFiles("#files", join(root, "tests", "fixtures", "chelsea.png"));
  await waitForResult(page, 2, "WEBP · 451×300");
  assert.equal(await page.textContent("#status"), "Done.");
  // A file that is no image at all did not make the page fetch the larger module; a GIF
  // does, once.
  assert.deepEqual(modules(requests), ["imagemint_bg.wasm"]);
  await page.setInputFiles("#files", join(root, "tests", "fixtures", "chelsea.gif"));
  await waitForResult(page, 3, "WEBP · 451×300");
  assert.deepEqual(modules(requests), ["imagemint_bg.wasm", "imagemint_all_bg.wasm"]);
  assert.deepEqual(problems, []);
  assertPrivate(requests, server.origin);
  await context.close();
});

test("background removal with a model file the person picks, in the same Worker", async () => {
  const { context, page, requests, problems } = await openDemo();
  await page.selectOption("select[name=format]", "png");
  await page.check("input[name=removeBackground]");
  await page.setInputFiles("#files", join(root, "tests", "fixtures", "astronaut.png"));
  await page.waitForFunction(() => document.querySelector(".card")?.dataset.state === "error");
  assert.match(await page.textContent(".card .error"), /pick a model file/);

  // Picking the model converts the photo again, now without its background.
  await page.selectOption("select[name=spec]", "u2netp");
  await page.setInputFiles("input[name=model]", modelPath("u2netp.onnx"));
  await waitForResult(page, 0, "PNG · 512×512");
  const { bytes } = await download(page, 0);
  await masking.init();
  const model = masking.MaskModel.fromBytes(readFileSync(modelPath("u2netp.onnx")), "u2netp");
  const expected = model.process(fixture("astronaut.png"), { mask: { output: "cutout" }, encode: { format: "png", metadata: "icc" } });
  model.free();
  assert.ok(sameBytes(bytes, expected.data), "the page's cutout is the package's in Node");
  const alpha = await page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)]));
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d");
    context.drawImage(bitmap, 0, 0);
    const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let clear = 0, opaque = 0;
    for (let i = 3; i < data.length; i += 4) (data[i] < 16 ? clear++ : data[i] > 240 && opaque++);
    return { clear: clear / (data.length / 4), opaque: opaque / (data.length / 4) };
  }, Array.from(bytes));
  assert.ok(alpha.clear > 0.2 && alpha.opaque > 0.2, JSON.stringify(alpha));
  await page.screenshot({ path: screenshotPath("demo-background-removed.png"), fullPage: true });
  assert.deepEqual(problems, []);
  assertPrivate(requests, server.origin);
  await context.close();
});
