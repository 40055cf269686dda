// Shared by the Node tests: the built package, fixtures, and the native command for
// comparisons.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
export const fixture = (name) => new Uint8Array(readFileSync(join(root, "tests", "fixtures", name)));

/** The `imagemint` command built by `cargo test` (or IMAGEMINT_BIN). */
export function nativeBin() {
  const bin =
    process.env.IMAGEMINT_BIN ??
    join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug", "imagemint");
  if (!existsSync(bin)) throw new Error(`native imagemint not found at ${bin}: run cargo build -p imagemint-cli`);
  return bin;
}

/**
 * Runs the native command on `name` with `options` (core's serde form) and returns its
 * output bytes. On one thread, as the WebAssembly module runs: ravif splits an AVIF into
 * tiles by thread count, so native AVIF bytes depend on the machine's cores.
 */
export function native(name, options, extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), "imagemint-node-"));
  const opts = join(dir, "options.json");
  writeFileSync(opts, JSON.stringify(options));
  const out = join(dir, "out");
  execFileSync(nativeBin(), [join(root, "tests", "fixtures", name), "--options", opts, "-o", out, ...extraArgs], {
    env: { ...process.env, RAYON_NUM_THREADS: "1" },
  });
  return new Uint8Array(readFileSync(out));
}

export function modelPath(file) {
  const dir = process.env.IMAGEMINT_MODEL_DIR ?? join(homedir(), ".cache", "imagemint", "models");
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: run bash scripts/fetch-model.sh`);
  return path;
}

/** Each output format's file signature. */
export const magic = {
  jpeg: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  png: (b) => String.fromCharCode(...b.subarray(1, 4)) === "PNG",
  webp: (b) => String.fromCharCode(...b.subarray(8, 12)) === "WEBP",
  avif: (b) => String.fromCharCode(...b.subarray(4, 12)) === "ftypavif",
};

export const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
