// `init()` for both entry points: loads a module once, in browsers, Workers and Node.

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
  // Node's fetch does not read file: URLs.
  if (module instanceof URL && module.protocol === "file:" && globalThis.process?.versions?.node) {
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
    module = await readFile(module);
  }
  await initBindings({ module_or_path: module });
}
