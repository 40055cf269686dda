// `imagemint/mask`: everything in `imagemint` plus background removal, in a larger
// module of its own (tract).
import initBindings from "./imagemint_mask.js";
import { makeInit } from "./init.js";

export { process, decode, MaskModel, builtinModelSpec } from "./imagemint_mask.js";
export { ImageMintError } from "./error.js";

/**
 * Loads the WebAssembly module once; later calls return the same promise (a failed load
 * may be retried). Call it before anything else.
 * @param {RequestInfo | URL | BufferSource | WebAssembly.Module} [source]
 *   where `imagemint_mask_bg.wasm` is, or its bytes; default: beside this file.
 */
export const init = makeInit(initBindings, new URL("./imagemint_mask_bg.wasm", import.meta.url));
