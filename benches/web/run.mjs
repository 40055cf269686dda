// imagemint's npm package against jSquash in headless Chromium, and against the native
// command: the 12 MP photo (astronaut.png enlarged to 4000×3000, a JPEG at quality 90)
// converted to WebP, AVIF and JPEG. Medians; PSNR against the input as Chromium decodes it.
// Then background removal in Chromium (needs the models: scripts/fetch-model.sh).
//
//   bash imagemint-wasm/build.sh && cargo build --release -p imagemint-cli
//   npm --prefix benches/web ci && node benches/web/run.mjs [RUNS] [mask]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// The Chromium tests' static server and browser (playwright-core from imagemint-wasm).
import { launch, serve } from "../../imagemint-wasm/tests/browser.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const maskOnly = process.argv[3] === "mask"; // skip the conversions
const bin =
  process.env.IMAGEMINT_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "imagemint");
const models = process.env.IMAGEMINT_MODEL_DIR ?? join(homedir(), ".cache", "imagemint", "models");

const dir = mkdtempSync(join(tmpdir(), "imagemint-bench-"));
const input = join(dir, "in.jpg");
execFileSync(bin, [join(root, "tests/fixtures/astronaut.png"), "-r", "4000x3000", "--fit", "fill", "--enlarge",
  "-f", "jpeg", "-q", "90", "-m", "strip", "-o", input]);
const jpeg = readFileSync(input);

function native(format, quality, threads) {
  const times = [];
  let bytes;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(bin, [input, "-f", format, "-q", String(quality), "-m", "strip", "--json", "-o", join(dir, `out.${format}`)], {
      env: { ...process.env, RAYON_NUM_THREADS: String(threads) },
      encoding: "utf8",
    });
    const { report } = JSON.parse(out);
    times.push(report.timings.totalMs);
    bytes = report.outputBytes;
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(runs / 2)], bytes };
}

// The page is served from a folder of links: the repository's top level plus /models.
// (Handing an 88 MB model to the page through page.route crashed the renderer.)
const www = join(dir, "www");
mkdirSync(www);
for (const name of readdirSync(root)) symlinkSync(join(root, name), join(www, name));
if (existsSync(models)) symlinkSync(models, join(www, "models"));
const server = await serve(www);
const browser = await launch();
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.route("**/bench-input.jpg", (route) => route.fulfill({ body: jpeg, contentType: "image/jpeg" }));
  await page.goto(`${server.origin}/benches/web/`);
  await page.waitForFunction(() => document.querySelector("#state").textContent === "ready");

  console.log(`Chromium ${browser.version()}, ${runs} runs, input ${(jpeg.length / 1e6).toFixed(2)} MB JPEG 4000×3000\n`);
  console.log("| conversion | time | bytes | PSNR |");
  console.log("| --- | ---: | ---: | ---: |");
  const quality = { webp: 75, avif: 60, jpeg: 75 };
  for (const format of maskOnly ? [] : ["webp", "avif", "jpeg"]) {
    for (const who of ["imagemint", "jSquash"]) {
      const r = await page.evaluate(([name, runs]) => window.bench(name, runs), [`${who} ${format}`, runs]);
      console.log(`| ${who} (Chromium) → ${format} q${quality[format]} | ${(r.ms / 1e3).toFixed(2)} s | ${r.bytes.toLocaleString("en")} | ${r.psnr.toFixed(2)} dB |`);
    }
    for (const threads of [1, 2]) {
      const r = native(format, quality[format], threads);
      console.log(`| imagemint native, ${threads} thread${threads > 1 ? "s" : ""} → ${format} | ${(r.ms / 1e3).toFixed(2)} s | ${r.bytes.toLocaleString("en")} | |`);
    }
  }
  console.log("\n| background removal in Chromium (astronaut.png, 512×512), after one untimed run | mask stage | total |");
  console.log("| --- | ---: | ---: |");
  for (const [file, spec, size] of [["u2netp.onnx", "u2netp", 320], ["isnet-fp16.onnx", "isnet-imgly", 1024], ["isnet-fp16.onnx", "isnet-imgly", 768]]) {
    if (!existsSync(join(models, file))) continue;
    const r = await page.evaluate((args) => window.maskBench(...args), [`/models/${file}`, spec, size, "/tests/fixtures/astronaut.png"]);
    console.log(`| ${spec} at ${size}² | ${(r.maskMs / 1e3).toFixed(2)} s | ${(r.totalMs / 1e3).toFixed(2)} s |`);
  }
} finally {
  await browser.close();
  server.close();
}
