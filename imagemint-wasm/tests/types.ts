// Compiled (not run) by types.test.js with `tsc --strict`: the package's declarations
// type a real use, and reject what core would reject.
import { init, process, decode, ImageMintError } from "../pkg/index.js";
import type { Options, ProcessResult, Report, ErrorKind } from "../pkg/index.js";
import * as everything from "../pkg/all.js";
import * as masking from "../pkg/mask.js";

await init();
await everything.init();
const avif: Uint8Array = everything.process(new Uint8Array(), { encode: { format: "avif" } }).data;
await masking.init();
const options: Options = {
  transform: { resize: { width: 1200, fit: "contain", filter: "lanczos3" }, rotate: 90 },
  encode: { format: "webp", quality: 75, metadata: "strip", webp: { lossless: false } },
  mask: { output: { background: "#ffffff" }, cropToSubject: true, padding: 8 },
};
const result: ProcessResult = process(new Uint8Array(), options);
const bytes: Uint8Array = result.data;
const report: Report = result.report;
const total: number = report.timings.totalMs + bytes.length + result.width;
const pixels: Uint8Array = decode(new Uint8Array(), { autoOrient: false }).data;
const model = masking.MaskModel.fromBytes(new Uint8Array(), { ...masking.builtinModelSpec("u2netp"), inputWidth: 256 });
const cutout: ProcessResult = model.process(new Uint8Array(), { mask: { output: "cutout" } });
model.process(new ArrayBuffer(8));
const loaded: masking.MaskModel = await masking.loadModel("/models/u2netp.onnx", { spec: "u2netp", sha256: "ab", cacheName: null });
loaded.free();
console.log(cutout.width, model.spec.inputWidth);
try {
  process(new Uint8Array());
} catch (e) {
  if (e instanceof ImageMintError) {
    const kind: ErrorKind = e.kind;
    console.log(kind === "formatNotBuilt", e.field, total, pixels.length, avif.length);
  }
}

// @ts-expect-error: an unknown key
process(new Uint8Array(), { encode: { qualty: 5 } });
// @ts-expect-error: not an output format
process(new Uint8Array(), { encode: { format: "gif" } });
// @ts-expect-error: rotation is 0, 90, 180 or 270
process(new Uint8Array(), { transform: { rotate: 45 } });
// @ts-expect-error: a file name is not the file
process("photo.jpg");
// @ts-expect-error: loadModel has no such option
await masking.loadModel("/m.onnx", { integrity: "sha256-x" });
