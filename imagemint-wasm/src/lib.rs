//! imagemint for JavaScript: the npm package `imagemint`, built with wasm-bindgen.
//!
//! Thin on purpose: options arrive as JS objects in core's serde form (camelCase, unknown
//! keys rejected) and results leave as plain objects, so they can be posted between a
//! page and its Worker. Errors become `ImageMintError`s whose `kind` is core's
//! [`Error::kind`](imagemint_core::Error::kind).

use imagemint_core::{DecodeOptions, Error, ImageFormat, Pipeline, Report};
use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "./error.js")]
extern "C" {
    /// Defined in `js/error.js`, which the package's entry point exports too, so
    /// `instanceof` works on what `process` throws.
    #[wasm_bindgen(extends = js_sys::Error)]
    type ImageMintError;

    #[wasm_bindgen(constructor)]
    fn new(kind: &str, message: &str, field: Option<&str>) -> ImageMintError;

    /// Core's options in their serde form; every key optional.
    #[wasm_bindgen(typescript_type = "Options")]
    pub type JsOptions;

    /// Core's decode options in their serde form; every key optional.
    #[wasm_bindgen(typescript_type = "DecodeOptions")]
    pub type JsDecodeOptions;

    #[wasm_bindgen(typescript_type = "ProcessResult")]
    pub type JsProcessResult;

    #[wasm_bindgen(typescript_type = "DecodedImage")]
    pub type JsDecodedImage;

    /// An encoded file: bytes in any form a `fetch`, a `File` or Node's `fs` gives them.
    #[wasm_bindgen(typescript_type = "Uint8Array | ArrayBuffer | ArrayBufferView")]
    pub type JsBytes;
}

/// Copies `value`'s bytes into wasm memory (wasm-bindgen's `&[u8]` copies too). Written
/// out because its `&[u8]` reads an `ArrayBuffer` as empty and a `Uint16Array` element
/// by element; a wrong type must not look like an empty file.
pub(crate) fn bytes_from_js(value: JsBytes) -> Result<Vec<u8>, JsValue> {
    let value = JsValue::from(value);
    let bytes = if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
        bytes.clone()
    } else if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(buffer)
    } else if js_sys::ArrayBuffer::is_view(&value) {
        let view: &js_sys::DataView = value.unchecked_ref(); // any view has these three
        js_sys::Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        )
    } else {
        let got = value.js_typeof().as_string().unwrap_or_default();
        return Err(js_sys::TypeError::new(&format!(
            "imagemint: the input must be a Uint8Array, an ArrayBuffer or another ArrayBuffer view, not {got}"
        ))
        .into());
    };
    Ok(bytes.to_vec())
}

/// Plain JS objects out: structured-cloneable, so a Worker can post them.
pub(crate) fn to_object<T: Serialize, J: JsCast>(value: &T) -> Result<J, JsValue> {
    Ok(serde_wasm_bindgen::to_value(value)?.unchecked_into())
}

/// What [`process`] returns: the encoded file and its report.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ProcessResult {
    /// The encoded file.
    #[serde(with = "serde_bytes")]
    #[tsify(type = "Uint8Array")]
    pub data: Vec<u8>,
    /// Its format.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Sizes, ratio, quality and timings.
    pub report: Report,
}

/// What [`decode`] returns: 8-bit RGBA pixels (for a canvas:
/// `new ImageData(new Uint8ClampedArray(data.buffer), width)`).
#[derive(Serialize, Tsify)]
pub struct DecodedImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Rows of RGBA, 4 bytes per pixel (16-bit inputs are reduced to 8 bits).
    #[serde(with = "serde_bytes")]
    #[tsify(type = "Uint8Array")]
    pub data: Vec<u8>,
}

pub(crate) fn to_js(error: &Error) -> JsValue {
    let field = match error {
        Error::InvalidOptions { field, .. } if !field.is_empty() => Some(field.as_ref()),
        _ => None,
    };
    let message = match error {
        // Only the `imagemint` module leaves formats out; a JS user needs the module's
        // name, not the cargo feature's.
        Error::FormatNotBuilt { what, .. } => format!(
            "{what} is not in the `imagemint` module, to keep it small: \
             import \"imagemint/all\" for it"
        ),
        other => other.to_string(),
    };
    ImageMintError::new(error.kind().name(), &message, field).into()
}

/// Options from JS: `undefined` and `null` mean the defaults. They go through JSON
/// because serde-wasm-bindgen only reads the keys a struct knows, and core rejects
/// unknown keys (a misspelt option must not be ignored).
pub(crate) fn from_js<T: Default + serde::de::DeserializeOwned>(
    value: Option<JsValue>,
) -> Result<T, JsValue> {
    match value.filter(|v| !v.is_null() && !v.is_undefined()) {
        Some(value) => from_json(&value),
        None => Ok(T::default()),
    }
}

/// Reads `value` as `T`'s serde form, by way of `JSON.stringify` (serde-wasm-bindgen
/// would silently ignore unknown keys).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, JsValue> {
    // No one field is at fault when the value has no JSON form at all.
    let not_json = |reason: String| {
        to_js(&Error::InvalidOptions {
            field: "".into(),
            reason,
        })
    };
    let json = js_sys::JSON::stringify(value)
        .map_err(|e| not_json(format!("{e:?}")))?
        .as_string()
        .ok_or_else(|| not_json("not a JSON value".into()))?;
    imagemint_core::from_json(&json).map_err(|e| to_js(&e))
}

/// Decodes `input` (after EXIF orientation, as `process` sees it) to RGBA pixels.
#[wasm_bindgen]
pub fn decode(input: JsBytes, options: Option<JsDecodeOptions>) -> Result<JsDecodedImage, JsValue> {
    let input = bytes_from_js(input)?;
    let options: DecodeOptions = from_js(options.map(JsValue::from))?;
    let image = imagemint_core::decode(&input, &options).map_err(|e| to_js(&e))?;
    to_object(&DecodedImage {
        width: image.width(),
        height: image.height(),
        data: image.to_rgba8(),
    })
}

/// Decodes `input`, applies `options` and encodes the result. Every module reads and
/// writes JPEG, PNG and WebP; `imagemint/all` and `imagemint/mask` also write AVIF and
/// read GIF, BMP and TIFF (AVIF is read only natively). Options with a `mask` stage need a
/// model: use `MaskModel.process` from `imagemint/mask`. Throws an `ImageMintError` on
/// bad input or options.
#[wasm_bindgen]
pub fn process(input: JsBytes, options: Option<JsOptions>) -> Result<JsProcessResult, JsValue> {
    let input = bytes_from_js(input)?;
    let pipeline = Pipeline::new(from_js(options.map(JsValue::from))?).map_err(|e| to_js(&e))?;
    run(&pipeline, &input)
}

pub(crate) fn run(pipeline: &Pipeline, input: &[u8]) -> Result<JsProcessResult, JsValue> {
    let out = pipeline.process(input).map_err(|e| to_js(&e))?;
    to_object(&ProcessResult {
        format: out.format,
        width: out.width,
        height: out.height,
        report: out.report,
        data: out.data,
    })
}

#[cfg(feature = "mask")]
mod mask;
