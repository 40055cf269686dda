// Background-removal speed of the npm package in Node (one thread, wasm32 + simd128):
// the mask stage's time (report.timings.maskMs: inference plus applying the mask) on the
// astronaut photo, at each input size. Build the package first (imagemint-wasm/build.sh).
//
//   node benches/wasm_mask.mjs [MODEL] [SPEC] [SIZES] [RUNS]
//   node benches/wasm_mask.mjs ~/.cache/imagemint/models/isnet-fp16.onnx isnet-imgly 1024,768 3
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { init, MaskModel, builtinModelSpec } from "../imagemint-wasm/pkg/mask.js";

const [
  model = `${homedir()}/.cache/imagemint/models/isnet-fp16.onnx`,
  specName = "isnet-imgly",
  sizes = "1024,768",
  runs = "3",
] = process.argv.slice(2);

await init();
const bytes = new Uint8Array(readFileSync(model));
const photo = new Uint8Array(readFileSync(new URL("../tests/fixtures/astronaut.png", import.meta.url)));
for (const size of sizes.split(",").map(Number)) {
  const spec = { ...builtinModelSpec(specName), inputWidth: size, inputHeight: size };
  let t = performance.now();
  const loaded = MaskModel.fromBytes(bytes, spec);
  const loadMs = performance.now() - t;
  const options = { mask: { output: "maskOnly" }, encode: { format: "png", effort: 0 } };
  loaded.process(photo, options); // untimed warm-up
  const times = [];
  for (let i = 0; i < Number(runs); i++) times.push(loaded.process(photo, options).report.timings.maskMs);
  times.sort((a, b) => a - b);
  console.log(
    `${specName} ${size}²: load ${(loadMs / 1000).toFixed(2)} s, mask ${times.map((t) => (t / 1000).toFixed(2)).join(" / ")} s (median ${(times[times.length >> 1] / 1000).toFixed(2)} s)`,
  );
  loaded.free();
}
