// `imagemint/all`: the `imagemint` entry point with every format (AVIF output; GIF, BMP
// and TIFF input), in a module of its own, 1.7× larger gzipped.
import initBindings from "./imagemint_all.js";
import { makeInit } from "./init.js";

export { process, decode } from "./imagemint_all.js";
export { ImageMintError } from "./error.js";

/**
 * Loads the WebAssembly module once; later calls return the same promise (a failed load
 * may be retried). Call it before anything else.
 * @param {RequestInfo | URL | BufferSource | WebAssembly.Module} [source]
 *   where `imagemint_all_bg.wasm` is, or its bytes; default: beside this file.
 */
export const init = makeInit(initBindings, new URL("./imagemint_all_bg.wasm", import.meta.url));
