export { process, decode } from "./imagemint.js";
export type * from "./imagemint.js";
export { ImageMintError, type ErrorKind } from "./error.js";

/**
 * Loads the WebAssembly module (about 0.9 MB gzipped) once; later calls return the
 * same promise (a failed load may be retried). Call it before anything else.
 * @param source where `imagemint_bg.wasm` is, or its bytes; default: beside this file.
 */
export function init(source?: RequestInfo | URL | BufferSource | WebAssembly.Module): Promise<void>;
