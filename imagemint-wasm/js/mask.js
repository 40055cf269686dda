// `imagemint/mask`: everything in `imagemint/all` plus background removal, in a larger
// module of its own (tract).
import initBindings from "./imagemint_mask.js";
import { makeInit, readFileUrl } from "./init.js";

import { MaskModel } from "./imagemint_mask.js";
import { ImageMintError } from "./error.js";

export { process, decode, MaskModel, builtinModelSpec } from "./imagemint_mask.js";
export { ImageMintError };

/**
 * Loads the WebAssembly module once; later calls return the same promise (a failed load
 * may be retried). Call it before anything else.
 * @param {RequestInfo | URL | BufferSource | WebAssembly.Module} [source]
 *   where `imagemint_mask_bg.wasm` is, or its bytes; default: beside this file.
 */
export const init = makeInit(initBindings, new URL("./imagemint_mask_bg.wasm", import.meta.url));

/**
 * Fetches an ONNX model and loads it; see `mask.d.ts` for the options and what it throws.
 */
export async function loadModel(url, { spec, sha256, cacheName = "imagemint-models" } = {}) {
  url = new URL(url, globalThis.location?.href);
  const cache = cacheName === null ? undefined : await openCache(cacheName);
  const copy = await cached(cache, url);
  if (copy !== undefined) {
    try {
      await check(copy, url, sha256);
      return MaskModel.fromBytes(copy, spec);
    } catch (error) {
      // A copy that fails its checksum or does not load (the file at this URL changed, or
      // storage is damaged) is dropped and the model downloaded again. A bad spec is not
      // the copy's fault.
      if (!(error instanceof ImageMintError && error.kind === "model")) throw error;
      await cache.delete(url);
    }
  }
  const bytes = await download(url);
  await check(bytes, url, sha256);
  const model = MaskModel.fromBytes(bytes, spec);
  // Stored only once it loaded, so a truncated or wrong file is not kept. A full quota
  // costs the next visit a download, not this one its model.
  await cache?.put(url, new Response(bytes)).catch(() => {});
  return model;
}

/** The cache, or none where Cache Storage is missing or refused (Node, private modes). */
async function openCache(name) {
  try {
    return globalThis.caches ? await caches.open(name) : undefined;
  } catch {
    return undefined;
  }
}

async function cached(cache, url) {
  const response = await cache?.match(url);
  return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
}

async function check(bytes, url, sha256) {
  if (sha256 === undefined) return;
  const actual = await digest(bytes);
  if (actual !== sha256.toLowerCase()) {
    throw new ImageMintError("model", `${url} has SHA-256 ${actual}, expected ${sha256}`);
  }
}

async function download(url) {
  const local = await readFileUrl(url);
  if (local) return local;
  const response = await fetch(url);
  if (!response.ok) throw new ImageMintError("model", `${url}: HTTP ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
}

async function digest(bytes) {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}
