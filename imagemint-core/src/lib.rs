//! imagemint-core: image optimisation that runs entirely on the user's device.
//!
//! Bytes in, bytes out. [`process`] runs the whole pipeline
//!
//! ```text
//! decode → transform → AI mask → encode
//! ```
//!
//! from one plain-data [`Options`] value. The mask stage needs a loaded [`MaskModel`],
//! which travels beside the options in a [`Pipeline`]. The stages are public too
//! ([`decode`], [`transform`], [`apply_mask`], [`encode`]) for callers that want the pixels
//! in between.
//!
//! ```
//! use imagemint_core::{Format, Options, Resize, process};
//!
//! let photo = std::fs::read("../examples/sample.jpg")?;
//! let mut options = Options::default();
//! options.encode.format = Format::Webp;
//! options.encode.quality = Some(70);
//! options.transform.resize = Some(Resize::width(300));
//!
//! let out = process(&photo, &options)?;
//! assert_eq!(out.width, 300);
//! assert!(out.data.starts_with(b"RIFF"));
//! println!("{} → {} bytes", out.report.input_bytes, out.report.output_bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Nothing here touches the network, the file system or global state, and bad input
//! (corrupt, truncated, hostile, or contradictory options) gives an [`Error`], never a
//! panic.
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

/// Adds a hand-written TypeScript declaration to imagemint-wasm's `.d.ts`, for the few
/// types whose serde form is not their Rust shape (tsify derives the rest).
macro_rules! typescript_decl {
    ($decl:expr) => {
        #[cfg(feature = "typescript")]
        const _: () = {
            #[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
            const TYPESCRIPT: &'static str = $decl;
        };
    };
}
pub(crate) use typescript_decl;

#[cfg(all(feature = "avif", not(target_family = "wasm")))]
mod avif;
mod decode;
mod encode;
mod error;
mod exif;
mod image;
#[cfg(feature = "serde")]
mod json;
#[cfg(feature = "mask")]
mod mask;
mod options;
mod transform;
#[cfg(any(test, all(target_family = "wasm", target_os = "unknown")))]
mod wasm_libc;

use web_time::Instant;

pub use crate::decode::{decode, sniff};
pub use crate::encode::{Encoded, encode};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::image::{Image, Metadata};
#[cfg(feature = "serde")]
pub use crate::json::from_json;
#[cfg(feature = "mask")]
pub use crate::mask::{
    Activation, ChannelOrder, InputTensor, Mask, MaskModel, ModelSpec, apply as apply_mask,
};
pub use crate::options::{
    AvifOptions, ChromaSubsampling, DecodeOptions, Effort, EncodeOptions, Filter, Fit, Format,
    ImageFormat, JpegOptions, Limits, MaskOptions, MaskOutput, MetadataPolicy, Options,
    ParseEnumError, Preset, Rect, Resize, Rgb, Rotation, TransformOptions, WebpOptions,
};
pub use crate::transform::transform;

/// The result of [`process`]: the encoded file and what it took to make it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Output {
    /// The encoded file.
    pub data: Vec<u8>,
    /// Its format.
    pub format: ImageFormat,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// Sizes, ratio, quality and timings.
    pub report: Report,
}

/// What one [`process`] run did, for people and scripts.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[non_exhaustive]
pub struct Report {
    /// Format of the input; `None` for pixels that did not come from a file
    /// ([`Image::from_rgba8`] into [`Pipeline::process_image`]).
    pub input_format: Option<ImageFormat>,
    /// Format of the output.
    pub output_format: ImageFormat,
    /// Input size in bytes: the file's, or for pixels their raw size.
    pub input_bytes: u64,
    /// Output size in bytes.
    pub output_bytes: u64,
    /// `output_bytes / input_bytes`: below 1 means the file got smaller.
    pub ratio: f64,
    /// Input width and height after auto-orientation.
    pub input_dimensions: (u32, u32),
    /// Output width and height.
    pub output_dimensions: (u32, u32),
    /// Lossy quality the encoder used; `None` for lossless output.
    pub quality: Option<u8>,
    /// Wall time of each stage.
    pub timings: Timings,
}

/// Wall-clock time per pipeline stage, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[non_exhaustive]
pub struct Timings {
    /// Decoding, including orientation.
    pub decode_ms: f64,
    /// Crop, rotate, flip and resize.
    pub transform_ms: f64,
    /// The AI mask: inference and applying the mask (0 without a mask stage).
    pub mask_ms: f64,
    /// Encoding, including PNG optimisation and metadata.
    pub encode_ms: f64,
    /// The whole run.
    pub total_ms: f64,
}

/// Runs the whole pipeline on an encoded image: decode → transform → encode.
///
/// The format is sniffed from the bytes. `options` are validated first, so a bad value is
/// reported before any work is done. Options with a mask stage need a model: use a
/// [`Pipeline`].
pub fn process(input: &[u8], options: &Options) -> Result<Output> {
    run(input, options, None)
}

/// Options plus the loaded model the mask stage uses, for many images. Cheap to clone;
/// `Send + Sync`, so a parallel batch can share one.
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    options: Options,
    #[cfg(feature = "mask")]
    model: Option<std::sync::Arc<MaskModel>>,
}

impl Pipeline {
    /// A pipeline with `options`, checked now so every image does not have to fail alone.
    pub fn new(options: Options) -> Result<Self> {
        options.validate()?;
        Ok(Self {
            options,
            #[cfg(feature = "mask")]
            model: None,
        })
    }

    /// Uses `model` for the mask stage, turning the stage on with the default
    /// [`MaskOptions`] (a cutout) if the options have none: a model is given to be used.
    #[cfg(feature = "mask")]
    pub fn with_model(mut self, model: std::sync::Arc<MaskModel>) -> Self {
        self.options.mask.get_or_insert_with(MaskOptions::default);
        self.model = Some(model);
        self
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Runs every stage on one encoded image.
    pub fn process(&self, input: &[u8]) -> Result<Output> {
        run(input, &self.options, self.model())
    }

    /// Runs every stage but decoding on pixels (from [`Image::from_rgba8`], say, or
    /// [`decode`]). Of the [`DecodeOptions`], only the limits apply: to the image, and
    /// transforms may not grow it past them.
    pub fn process_image(&self, mut image: Image) -> Result<Output> {
        self.options.validate()?;
        image.limits = self.options.decode.limits.clone();
        let bytes_per_pixel = u64::from(image.bytes_per_pixel());
        image
            .limits
            .check(image.width(), image.height(), bytes_per_pixel)?;
        let start = Instant::now();
        let raw_bytes = u64::from(image.width())
            * u64::from(image.height())
            * u64::from(image.bytes_per_pixel());
        finish(image, raw_bytes, start, start, &self.options, self.model())
    }

    fn model(&self) -> ModelRef<'_> {
        #[cfg(feature = "mask")]
        return self.model.as_deref();
        #[cfg(not(feature = "mask"))]
        None
    }
}

#[cfg(feature = "mask")]
type ModelRef<'a> = Option<&'a MaskModel>;
#[cfg(not(feature = "mask"))]
type ModelRef<'a> = Option<&'a std::convert::Infallible>;

fn run(input: &[u8], options: &Options, model: ModelRef<'_>) -> Result<Output> {
    options.validate()?;
    let start = Instant::now();
    let image = decode(input, &options.decode)?;
    finish(
        image,
        input.len() as u64,
        start,
        Instant::now(),
        options,
        model,
    )
}

/// transform → mask → encode, and the report; `start` is when the run began, `decoded`
/// when its pixels were ready.
fn finish(
    image: Image,
    input_bytes: u64,
    start: Instant,
    decoded: Instant,
    options: &Options,
    model: ModelRef<'_>,
) -> Result<Output> {
    let input_format = image.source_format();
    let input_dimensions = (image.width(), image.height());

    let image = transform(image, &options.transform)?;
    let transformed = Instant::now();

    let image = match (&options.mask, model) {
        (None, _) => image,
        #[cfg(feature = "mask")]
        (Some(mask), Some(model)) => apply_mask(image, model, mask)?,
        #[cfg(not(feature = "mask"))]
        (Some(_), Some(never)) => match *never {},
        (Some(_), None) => {
            return Err(Error::Model {
                reason: "the mask stage needs a model: load a MaskModel and use a Pipeline".into(),
            });
        }
    };
    let masked = Instant::now();

    let encoded = encode(&image, &options.encode)?;
    let done = Instant::now();

    let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1000.0;
    let output_bytes = encoded.data.len() as u64;
    Ok(Output {
        width: image.width(),
        height: image.height(),
        format: encoded.format,
        report: Report {
            input_format,
            output_format: encoded.format,
            input_bytes,
            output_bytes,
            ratio: output_bytes as f64 / input_bytes.max(1) as f64,
            input_dimensions,
            output_dimensions: (image.width(), image.height()),
            quality: encoded.quality,
            timings: Timings {
                decode_ms: ms(start, decoded),
                transform_ms: ms(decoded, transformed),
                mask_ms: ms(transformed, masked),
                encode_ms: ms(masked, done),
                total_ms: ms(start, done),
            },
        },
        data: encoded.data,
    })
}
