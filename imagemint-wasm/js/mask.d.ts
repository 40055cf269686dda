export { process, decode, MaskModel, builtinModelSpec } from "./imagemint_mask.js";
export type * from "./imagemint_mask.js";
import type { MaskModel, ModelSpec } from "./imagemint_mask.js";
export { ImageMintError, type ErrorKind } from "./error.js";

/**
 * Loads the WebAssembly module (about 5 MB gzipped, with tract) once; later calls return the
 * same promise (a failed load may be retried). Call it before anything else.
 * @param source where `imagemint_mask_bg.wasm` is, or its bytes; default: beside this file.
 */
export function init(source?: RequestInfo | URL | BufferSource | WebAssembly.Module): Promise<void>;

/**
 * Fetches an ONNX model and loads it (`MaskModel.fromBytes`). Where there is Cache Storage
 * (browsers, Workers; not Node) the file is kept in the cache `cacheName`, so a page
 * downloads a model once, not on every visit. A file that does not load is not kept; a
 * cached copy that fails its checksum or does not load is dropped and downloaded again;
 * a cache that cannot be opened or written only costs a download.
 *
 * Throws an `ImageMintError` of kind "model" on an HTTP error status, a wrong checksum or
 * a file that is not a usable model, and of kind "invalidOptions" on a bad `spec`. A
 * failed fetch (offline) rejects with the browser's `TypeError`; `sha256` needs
 * `crypto.subtle`, which browsers give only to secure origins (https, localhost).
 */
export function loadModel(
  url: string | URL,
  options?: {
    /** How to feed the model; default `"isnet-imgly"`. */
    spec?: string | ModelSpec;
    /** Expected SHA-256 of the file, in hex: checked on download and on every cache hit. */
    sha256?: string;
    /** Cache Storage name; `null` turns the cache off. Default `"imagemint-models"`. */
    cacheName?: string | null;
  },
): Promise<MaskModel>;
