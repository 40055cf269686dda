// Encoding speed of the npm package in Node (one thread): a 12 MP JPEG (the astronaut
// photo enlarged to 4000×3000) resized to 1200 wide, then that 1200×900 image encoded to
// each format at default settings; medians of 3. Build the package first
// (imagemint-wasm/build.sh). ENTRY is the entry point's file: `index.js` (`imagemint`,
// the default) or `all.js` (`imagemint/all`); a format the module leaves out is "—".
//
//   node benches/wasm_codecs.mjs [PACKAGE_DIR] [ENTRY]
import { readFileSync } from "node:fs";

const dir = process.argv[2] ?? new URL("../imagemint-wasm/pkg", import.meta.url).pathname;
const { init, process: run } = await import(`${dir}/${process.argv[3] ?? "index.js"}`);
await init();

const astronaut = new Uint8Array(readFileSync(new URL("../tests/fixtures/astronaut.png", import.meta.url)));
const big = run(astronaut, {
  transform: { resize: { width: 4000, height: 3000, fit: "fill", enlarge: true } },
  encode: { format: "jpeg", quality: 90 },
}).data;
const small = run(big, { transform: { resize: { width: 1200 } }, encode: { format: "png", effort: 0 } }).data;

function median(f) {
  const times = [0, 1, 2].map(() => {
    const t = performance.now();
    f();
    return performance.now() - t;
  });
  return times.sort((a, b) => a - b)[1];
}
function time(format) {
  try {
    return `${median(() => run(small, { encode: { format } })).toFixed(0)} ms`;
  } catch (error) {
    if (error.kind !== "formatNotBuilt") throw error;
    return "—";
  }
}
const results = ["jpeg", "webp", "avif", "png"].map((format) => `${format} ${time(format)}`);
const pipeline = median(() => run(big, { transform: { resize: { width: 1200 } }, encode: { format: "webp" } }));
console.log(`${results.join(", ")}, 12 MP JPEG → 1200 wide WebP ${pipeline.toFixed(0)} ms`);
