export { process, decode } from "./imagemint_all.js";
export type * from "./imagemint_all.js";
export { ImageMintError, type ErrorKind } from "./error.js";

/**
 * Loads the WebAssembly module with every format (about 1.5 MB gzipped) once; later calls
 * return the same promise (a failed load may be retried). Call it before anything else.
 * @param source where `imagemint_all_bg.wasm` is, or its bytes; default: beside this file.
 */
export function init(source?: RequestInfo | URL | BufferSource | WebAssembly.Module): Promise<void>;
