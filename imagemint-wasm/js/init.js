// `init()` for every entry point: loads a module once, in browsers, Workers and Node.

/**
 * @param {(input: object) => Promise<unknown>} initBindings wasm-bindgen's default export
 * @param {URL} defaultUrl the `.wasm` beside the entry point (a literal `new URL(…,
 *   import.meta.url)` there, so bundlers find and copy the file)
 */
export function makeInit(initBindings, defaultUrl) {
  let ready;
  return function init(source) {
    ready ??= load(initBindings, source ?? defaultUrl).catch((error) => {
      ready = undefined; // a failed load (e.g. the network) may be retried
      throw error;
    });
    return ready;
  };
}

async function load(initBindings, module) {
  await initBindings({ module_or_path: (await readFileUrl(module)) ?? module });
}

/**
 * The bytes of a `file:` URL when running in Node, whose fetch does not read them;
 * `undefined` for anything else (left to fetch).
 * @param {unknown} url
 */
export async function readFileUrl(url) {
  if (!(url instanceof URL && url.protocol === "file:" && globalThis.process?.versions?.node)) return undefined;
  const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
  return new Uint8Array(await readFile(url));
}
