// `imagemint/mask`: everything in `imagemint` plus background removal, in a larger
// module of its own (tract).
import initBindings from "./imagemint_mask.js";
import { makeInit } from "./init.js";

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
 * Fetches an ONNX model and loads it. Where there is Cache Storage (browsers, Workers) the
 * file is kept there, so a page downloads a model once, not on every visit.
 * @param {string | URL} url
 * @param {{ spec?: string | object, sha256?: string, cacheName?: string | null }} [options]
 * @returns {Promise<import("./imagemint_mask.js").MaskModel>}
 */
export async function loadModel(url, { spec, sha256, cacheName = "imagemint-models" } = {}) {
  url = new URL(url, globalThis.location?.href);
  const cache = cacheName !== null && globalThis.caches ? await caches.open(cacheName) : undefined;
  let bytes = await cached(cache, url);
  const fromCache = bytes !== undefined;
  bytes ??= await download(url);
  if (sha256 !== undefined) {
    const actual = await digest(bytes);
    if (actual !== sha256.toLowerCase()) {
      await cache?.delete(url); // a damaged copy must not stay
      throw new ImageMintError("model", `${url} has SHA-256 ${actual}, expected ${sha256}`);
    }
  }
  const model = MaskModel.fromBytes(bytes, spec);
  // Stored only once it loaded: a truncated or wrong file is not kept.
  if (cache && !fromCache) await cache.put(url, new Response(bytes));
  return model;
}

async function cached(cache, url) {
  const response = await cache?.match(url);
  return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
}

async function download(url) {
  // Node's fetch does not read file: URLs.
  if (url.protocol === "file:" && globalThis.process?.versions?.node) {
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new ImageMintError("model", `${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function digest(bytes) {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}
