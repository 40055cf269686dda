// `imagemint`, the package's main entry point: JPEG, PNG and WebP, without background removal.
import initBindings from "./imagemint.js";
import { makeInit } from "./init.js";

export { process, decode } from "./imagemint.js";
export { ImageMintError } from "./error.js";

/**
 * Loads the WebAssembly module once; later calls return the same promise (a failed load
 * may be retried). Call it before anything else.
 * @param {RequestInfo | URL | BufferSource | WebAssembly.Module} [source]
 *   where `imagemint_bg.wasm` is, or its bytes; default: beside this file.
 */
export const init = makeInit(initBindings, new URL("./imagemint_bg.wasm", import.meta.url));
