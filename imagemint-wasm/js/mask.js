// `imagemint/mask`: everything in `imagemint` plus background removal, in a larger
// module of its own (tract). The generated bindings, plus `init()` that finds the
// WebAssembly module next to this file in browsers, Workers and Node alike.
import initBindings from "./imagemint_mask.js";

export { process, decode, MaskModel, builtinModelSpec } from "./imagemint_mask.js";
export { ImageMintError } from "./error.js";

let ready;

/**
 * Loads the WebAssembly module once; later calls return the same promise.
 * @param {RequestInfo | URL | BufferSource | WebAssembly.Module} [source]
 *   where `imagemint_mask_bg.wasm` is, or its bytes; default: beside this file.
 */
export function init(source) {
  ready ??= (async () => {
    let module = source ?? new URL("./imagemint_mask_bg.wasm", import.meta.url);
    // Node's fetch does not read file: URLs.
    if (module instanceof URL && module.protocol === "file:") {
      const { readFile } = await import("node:fs/promises");
      module = await readFile(module);
    }
    await initBindings({ module_or_path: module });
  })();
  return ready;
}
