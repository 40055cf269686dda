// Runs imagemint off the page's main thread, so the page stays responsive while a
// photo is encoded. Jobs may finish out of order (a first one waits for its module to
// load); the page matches each answer to its job by id.
import { init, process, ImageMintError } from "../../imagemint-wasm/pkg/index.js";

// The larger modules load only when a job first needs them: `imagemint/all` for AVIF
// output and GIF, BMP or TIFF input, `imagemint/mask` (tract) for background removal.
let allFormats;
let masking;
let modelFile; // { bytes, spec }: the model the page picked, loaded on first use
let model;

async function convert(bytes, options) {
  if (!options.mask) return encode(bytes, options);
  if (!modelFile) throw new ImageMintError("model", "pick a model file (.onnx) first");
  masking ??= await import("../../imagemint-wasm/pkg/mask.js");
  await masking.init();
  model ??= masking.MaskModel.fromBytes(modelFile.bytes, modelFile.spec);
  return model.process(bytes, options);
}

async function encode(bytes, options) {
  if (!allFormats) {
    await init(); // loads once; retried by the next job if it failed (e.g. offline)
    try {
      return process(bytes, options);
    } catch (error) {
      // The job needs a format `imagemint` leaves out: from now on every job goes to
      // `imagemint/all`, which has them all.
      if (!(error instanceof ImageMintError && error.kind === "formatNotBuilt")) throw error;
    }
    allFormats = await import("../../imagemint-wasm/pkg/all.js");
  }
  await allFormats.init();
  return allFormats.process(bytes, options);
}

self.onmessage = async ({ data: message }) => {
  if ("model" in message) { // undefined when the page's model file was un-picked
    model?.free();
    model = undefined;
    modelFile = message.model;
    return;
  }
  const { id, bytes, options } = message;
  try {
    const { data, format, width, height, report } = await convert(bytes, options);
    self.postMessage({ id, ok: true, data, format, width, height, report }, [data.buffer]);
  } catch (error) {
    self.postMessage({
      id,
      ok: false,
      error: {
        message: error?.message ?? String(error),
        kind: error?.kind,
        field: error?.field,
        // A trap (out of memory, a bug) may have left the module in a bad state: the
        // page replaces this Worker. Errors and failed loads leave it usable.
        fatal: error instanceof WebAssembly.RuntimeError,
      },
    });
  }
};
