// The built package (pkg/) in Node: every output format, the same bytes as the native
// command, what each module leaves out, errors as ImageMintError, background removal
// against the native mask.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { init, process as run, decode, ImageMintError } from "../pkg/index.js";
import * as all from "../pkg/all.js";
import * as masking from "../pkg/mask.js";
import { fixture, magic, native, modelPath, sameBytes } from "./helpers.js";

await init();
await all.init();
await masking.init();

// `imagemint` writes JPEG, PNG and WebP; AVIF is in `imagemint/all` (see below).
for (const format of ["jpeg", "png", "webp", "avif"]) {
  test(`chelsea.png → ${format}: decodable, same bytes as native`, () => {
    const options = { encode: { format } };
    const input = fixture("chelsea.png");
    const out = (format === "avif" ? all.process : run)(input, options);
    assert.equal(out.format, format);
    assert.ok(magic[format](out.data), "file signature");
    assert.deepEqual([out.width, out.height], [451, 300]);
    assert.equal(out.report.outputBytes, out.data.length);
    assert.equal(out.report.inputBytes, input.length);
    assert.equal(out.report.inputFormat, "png");
    if (format !== "png") assert.ok(out.data.length < input.length / 2, `${format} ${out.data.length} bytes`);

    if (format === "avif") {
      // No AV1 decoder in the WebAssembly build (rav1d does not build for wasm32).
      assert.throws(() => all.decode(out.data), (e) => e.kind === "unsupportedFormat" && /WebAssembly/.test(e.message));
      // Not a question of which module: `imagemint` must not send people to another one.
      assert.throws(() => decode(out.data), (e) => e.kind === "unsupportedFormat" && /WebAssembly/.test(e.message));
    } else {
      const back = decode(out.data);
      assert.deepEqual([back.width, back.height], [451, 300]);
      assert.equal(back.data.length, 451 * 300 * 4);
    }

    const expected = native("chelsea.png", options);
    assert.ok(sameBytes(out.data, expected), `${format}: ${out.data.length} bytes vs native ${expected.length}`);
  });
}

// Lossless WebP is where libwebp sorts and searches (the Rust qsort and bsearch of
// wasm_libc.rs); the cutout keeps an alpha channel through every encoder.
for (const [name, encode] of [
  ["horse-palette.png", { format: "webp", webp: { lossless: true } }],
  ["logo-cutout.png", { format: "webp", webp: { lossless: true } }],
  ["logo-cutout.png", { format: "webp", quality: 80 }],
  ["logo-cutout.png", { format: "png" }],
  ["logo-cutout.png", { format: "avif" }],
]) {
  test(`${name} → ${JSON.stringify(encode)}: same bytes as native`, () => {
    const out = (encode.format === "avif" ? all.process : run)(fixture(name), { encode });
    const expected = native(name, { encode });
    assert.ok(sameBytes(out.data, expected), `${out.data.length} bytes vs native ${expected.length}`);
  });
}

test("resize, rotate and metadata options reach core, as natively", () => {
  const options = {
    transform: { resize: { width: 200 }, rotate: 90 },
    encode: { format: "webp", quality: 60 },
  };
  const out = run(fixture("rocket-gps.jpg"), options);
  // 640×427, turned to 427×640, then 200 wide.
  assert.deepEqual([out.width, out.height], [200, 300]);
  assert.equal(out.report.quality, 60);
  // GPS is stripped by default: no EXIF chunk at all in the WebP.
  assert.ok(!Buffer.from(out.data).includes("EXIF"));
  const kept = run(fixture("rocket-gps.jpg"), { encode: { format: "webp", metadata: "keep" } });
  assert.ok(Buffer.from(kept.data).includes("EXIF"));
  const expected = native("rocket-gps.jpg", options);
  assert.ok(sameBytes(out.data, expected), `${out.data.length} bytes vs native ${expected.length}`);
});

test("errors are ImageMintErrors with core's kind, and the module keeps working", () => {
  const cases = [
    [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), undefined, "unsupportedFormat"],
    [fixture("rocket.jpg").slice(0, 600), undefined, "decode"],
    [fixture("chelsea.png").slice(0, 5000), undefined, "decode"],
    [fixture("chelsea.png"), { encode: { quality: 0 } }, "invalidOptions", "encode.quality"],
    [fixture("chelsea.png"), { encod: {} }, "invalidOptions", "encod"],
    [fixture("chelsea.png"), { encode: { format: "gif" } }, "invalidOptions", "encode.format"],
    // Out of a u8's range: refused while reading the options, still named.
    [fixture("chelsea.png"), { encode: { quality: 300 } }, "invalidOptions", "encode.quality"],
    [fixture("chelsea.png"), "webp", "invalidOptions"], // not an object: no one field at fault
    // Not JSON: JSON.stringify throws on a BigInt.
    [fixture("chelsea.png"), { encode: { quality: 5n } }, "invalidOptions"],
    [fixture("chelsea.png"), { mask: {} }, "model"],
    [fixture("chelsea.png"), { decode: { limits: { maxPixels: 1000 } } }, "limitsExceeded"],
  ];
  for (const [input, options, kind, field] of cases) {
    assert.throws(
      () => run(input, options),
      (e) => {
        assert.ok(e instanceof ImageMintError, `${kind}: ${e}`);
        assert.ok(e instanceof Error);
        assert.equal(e.name, "ImageMintError");
        assert.equal(e.kind, kind, e.message);
        assert.equal(e.field, field, e.message);
        assert.ok(e.message.length > 10);
        return true;
      },
    );
  }
  assert.equal(run(fixture("chelsea.png"), { encode: { format: "webp" } }).format, "webp");
});

test("background removal: the wasm mask matches the native one (U²-Netp)", () => {
  const bytes = new Uint8Array(readFileSync(modelPath("u2netp.onnx")));
  const model = masking.MaskModel.fromBytes(bytes, "u2netp");
  assert.equal(model.spec.inputWidth, 320);
  const options = { mask: { output: "maskOnly" }, encode: { format: "png" } };
  const out = model.process(fixture("chelsea.png"), options);
  const expected = native("chelsea.png", options, ["--model", modelPath("u2netp.onnx"), "--model-spec", "u2netp"]);
  const [a, b] = [masking.decode(out.data), masking.decode(expected)];
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let inter = 0, union = 0, diff = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const [x, y] = [a.data[i] >= 128, b.data[i] >= 128];
    inter += x && y;
    union += x || y;
    diff += Math.abs(a.data[i] - b.data[i]);
  }
  const pixels = a.data.length / 4;
  assert.ok(union > pixels * 0.1, "the cat is found");
  assert.ok(inter / union > 0.99, `IoU ${inter / union}`);
  assert.ok(diff / pixels < 1, `mean difference ${diff / pixels} of 255`);

  // Without a mask in the options, the default one: a cutout, the background transparent.
  const cutout = masking.decode(model.process(fixture("chelsea.png"), { encode: { format: "png" } }).data);
  const agree = { background: [0, 0], subject: [0, 0] };
  for (let i = 0; i < b.data.length; i += 4) {
    const alpha = cutout.data[i + 3];
    if (b.data[i] < 10) agree.background = [agree.background[0] + (alpha < 16), agree.background[1] + 1];
    if (b.data[i] > 245) agree.subject = [agree.subject[0] + (alpha > 240), agree.subject[1] + 1];
  }
  for (const [where, [yes, all]] of Object.entries(agree)) {
    assert.ok(all > pixels * 0.05 && yes > 0.99 * all, `${where}: ${yes} of ${all} pixels`);
  }
  model.free();
});

test("a bad model or spec is an error, not a crash", () => {
  const { MaskModel, builtinModelSpec } = masking;
  const isError = (kind) => (e) => e instanceof ImageMintError && e.kind === kind;
  assert.throws(() => MaskModel.fromBytes(new Uint8Array(100).fill(7)), isError("model"));
  assert.throws(() => MaskModel.fromBytes(new Uint8Array(10), "no-such-net"), isError("invalidOptions"));
  assert.throws(() => builtinModelSpec("no-such-net"), isError("invalidOptions"));
  const spec = builtinModelSpec("u2netp");
  assert.equal(spec.inputWidth, 320);
  assert.throws(() => MaskModel.fromBytes(new Uint8Array(10), { ...spec, extra: 1 }), isError("invalidOptions"));
  assert.throws(() => masking.process(fixture("chelsea.png"), { mask: {} }), isError("model"));
  assert.equal(masking.process(fixture("chelsea.png"), { encode: { format: "png" } }).format, "png");
});

test("every entry point throws the same ImageMintError class", () => {
  for (const entry of [{ process: run }, all, masking]) {
    assert.throws(() => entry.process(new Uint8Array(3)), (e) => e instanceof ImageMintError && e.kind === "unsupportedFormat");
  }
  assert.equal(all.ImageMintError, ImageMintError);
  assert.equal(masking.ImageMintError, ImageMintError);
});

test("`imagemint` leaves out AVIF output and GIF, BMP, TIFF input, and says where they are", () => {
  const notBuilt = (what) => (e) => {
    assert.ok(e instanceof ImageMintError, String(e));
    assert.equal(e.kind, "formatNotBuilt", e.message);
    assert.equal(e.message, `${what} is not in the \`imagemint\` module, to keep it small: import "imagemint/all" for it`);
    return true;
  };
  assert.throws(() => run(fixture("chelsea.png"), { encode: { format: "avif" } }), notBuilt("writing AVIF"));
  // Refused by the options, before decoding: bytes that are no image get the same error.
  assert.throws(() => run(new Uint8Array(3), { encode: { format: "avif" } }), notBuilt("writing AVIF"));
  for (const [name, label] of [["chelsea.gif", "GIF"], ["chelsea.bmp", "BMP"], ["chelsea.tiff", "TIFF"]]) {
    assert.throws(() => run(fixture(name)), notBuilt(`reading ${label}`));
    assert.throws(() => decode(fixture(name)), notBuilt(`reading ${label}`));
    // `imagemint/all` and `imagemint/mask` read them, as the native command does.
    const options = { encode: { format: "png" } };
    const expected = native(name, options);
    for (const [module, entry] of [["all", all], ["mask", masking]]) {
      const out = entry.process(fixture(name), options);
      assert.equal(out.report.inputFormat, label.toLowerCase(), `${module}: ${name}`);
      assert.ok(sameBytes(out.data, expected), `${module}: ${name}: ${out.data.length} bytes vs native ${expected.length}`);
    }
  }
  // The module is still usable afterwards.
  assert.equal(run(fixture("chelsea.png"), { encode: { format: "webp" } }).format, "webp");
});

test("input may be any ArrayBuffer view or an ArrayBuffer; anything else is a TypeError", () => {
  const png = fixture("chelsea.png");
  const expected = run(png, { encode: { format: "webp" } }).data;
  // A view into the middle of a larger buffer, as Node's pooled Buffers are.
  const padded = new Uint8Array(png.length + 16);
  padded.set(png, 7);
  const inputs = {
    ArrayBuffer: png.slice().buffer,
    Buffer: Buffer.from(png),
    "offset Uint8Array": padded.subarray(7, 7 + png.length),
    DataView: new DataView(padded.buffer, 7, png.length),
    Uint8ClampedArray: new Uint8ClampedArray(png),
    // Wider elements: the bytes are what counts (one zero byte after the PNG's end if its
    // length is odd, which decoders ignore).
    Uint16Array: new Uint16Array(Uint8Array.from([...png, ...(png.length % 2 ? [0] : [])]).buffer),
  };
  for (const [what, input] of Object.entries(inputs)) {
    assert.ok(sameBytes(run(input, { encode: { format: "webp" } }).data, expected), what);
    assert.equal(decode(input).width, 451, what);
  }
  for (const input of ["chelsea.png", 42, {}, null]) {
    assert.throws(() => run(input), (e) => e instanceof TypeError && /Uint8Array/.test(e.message), String(input));
  }
  assert.throws(() => masking.MaskModel.fromBytes("model.onnx"), TypeError);
});

// HTTP errors and Cache Storage are tested in Chromium (pack.test.js); Node has neither here.
test("loadModel reads a model, checks its SHA-256 and refuses a bad spec", async () => {
  const path = modelPath("u2netp.onnx");
  const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
  const model = await masking.loadModel(pathToFileURL(path), { spec: "u2netp", sha256 });
  assert.equal(model.spec.inputWidth, 320);
  model.free();
  await assert.rejects(
    masking.loadModel(pathToFileURL(path), { spec: "u2netp", sha256: "0".repeat(64) }),
    (e) => e instanceof ImageMintError && e.kind === "model" && /SHA-256/.test(e.message),
  );
  await assert.rejects(masking.loadModel(pathToFileURL(path), { spec: "no-such-net" }), ImageMintError);
});
