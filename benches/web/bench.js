// Runs in Chromium (run.mjs drives it): the same 12 MP JPEG converted by imagemint's npm
// package and by jSquash, both on the page's thread, one thread each.
import { init, process } from "../../imagemint-wasm/pkg/index.js";
import * as all from "../../imagemint-wasm/pkg/all.js"; // AVIF is not in `imagemint`
import decodeJpeg from "@jsquash/jpeg/decode.js";
import encodeJpeg from "@jsquash/jpeg/encode.js";
import encodeWebp from "@jsquash/webp/encode.js";
import encodeAvif from "@jsquash/avif/encode.js";

await init();
await all.init();

/** Each case: the whole conversion, from the JPEG's bytes to the encoded file's. */
const cases = {
  "imagemint webp": (jpeg) => process(jpeg, { encode: { format: "webp", quality: 75, metadata: "strip" } }).data,
  "jSquash webp": async (jpeg) => encodeWebp(await decodeJpeg(jpeg), { quality: 75 }),
  "imagemint avif": (jpeg) => all.process(jpeg, { encode: { format: "avif", quality: 60, metadata: "strip" } }).data,
  "jSquash avif": async (jpeg) => encodeAvif(await decodeJpeg(jpeg), { quality: 60, speed: 6 }),
  "imagemint jpeg": (jpeg) => process(jpeg, { encode: { format: "jpeg", quality: 75, metadata: "strip" } }).data,
  "jSquash jpeg": async (jpeg) => encodeJpeg(await decodeJpeg(jpeg), { quality: 75 }),
};

/** PSNR (RGB) of `file` against `reference` pixels, both read by Chromium's decoders. */
async function psnr(file, reference) {
  const bitmap = await createImageBitmap(new Blob([file]));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  let sum = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += (pixels[i + c] - reference[i + c]) ** 2;
  }
  return 10 * Math.log10((255 * 255) / (sum / ((pixels.length / 4) * 3)));
}

window.bench = async (name, runs) => {
  const jpeg = new Uint8Array(await (await fetch("/bench-input.jpg")).arrayBuffer());
  const times = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    out = new Uint8Array(await cases[name](jpeg));
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  // The reference: the input as Chromium reads it, as the outputs are read.
  const bitmap = await createImageBitmap(new Blob([jpeg]));
  const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const reference = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  return { name, ms: times[Math.floor(times.length / 2)], bytes: out.length, psnr: await psnr(out, reference) };
};
/** Background removal: a cutout of `image` with the model at `modelUrl`, timed after one
 * untimed run (as benches/wasm_mask.mjs does in Node). */
window.maskBench = async (modelUrl, specName, size, image) => {
  const mask = await import("../../imagemint-wasm/pkg/mask.js");
  await mask.init();
  const spec = { ...mask.builtinModelSpec(specName), inputWidth: size, inputHeight: size };
  const model = await mask.loadModel(modelUrl, { spec, cacheName: null });
  const input = new Uint8Array(await (await fetch(image)).arrayBuffer());
  model.process(input, { encode: { format: "png" } });
  const out = model.process(input, { encode: { format: "png" } });
  model.free();
  return { maskMs: out.report.timings.maskMs, totalMs: out.report.timings.totalMs };
};
document.querySelector("#state").textContent = "ready";
