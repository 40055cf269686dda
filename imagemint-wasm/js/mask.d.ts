export { process, decode, MaskModel, builtinModelSpec } from "./imagemint_mask.js";
export type * from "./imagemint_mask.js";
export { ImageMintError, type ErrorKind } from "./error.js";

/**
 * Loads the WebAssembly module (about 5 MB gzipped, with tract) once; later calls return the
 * same promise (a failed load may be retried). Call it before anything else.
 * @param source where `imagemint_mask_bg.wasm` is, or its bytes; default: beside this file.
 */
export function init(source?: RequestInfo | URL | BufferSource | WebAssembly.Module): Promise<void>;
