//! imagemint-core: image optimisation that runs entirely on the user's device.
//!
//! Bytes in, bytes out. [`process`] runs the whole pipeline
//!
//! ```text
//! decode → transform → (AI mask, coming) → encode
//! ```
//!
//! from one plain-data [`Options`] value. The stages are public too ([`decode`],
//! [`transform`], [`encode`]) for callers that want the pixels in between.
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

mod avif;
mod decode;
mod encode;
mod error;
mod exif;
mod image;
mod options;
mod transform;

use web_time::Instant;

pub use crate::decode::{decode, sniff};
pub use crate::encode::{Encoded, encode};
pub use crate::error::{Error, Result};
pub use crate::image::{Image, Metadata};
pub use crate::options::{
    AvifOptions, ChromaSubsampling, DecodeOptions, Effort, EncodeOptions, Filter, Fit, Format,
    ImageFormat, JpegOptions, Limits, MetadataPolicy, Options, ParseEnumError, Preset, Rect,
    Resize, Rgb, Rotation, TransformOptions, WebpOptions,
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
#[non_exhaustive]
pub struct Report {
    /// Format of the input.
    pub input_format: ImageFormat,
    /// Format of the output.
    pub output_format: ImageFormat,
    /// Input size in bytes.
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
#[non_exhaustive]
pub struct Timings {
    /// Decoding, including orientation.
    pub decode_ms: f64,
    /// Crop, rotate, flip and resize.
    pub transform_ms: f64,
    /// Encoding, including PNG optimisation and metadata.
    pub encode_ms: f64,
    /// The whole run.
    pub total_ms: f64,
}

/// Runs the whole pipeline on an encoded image: decode → transform → encode.
///
/// The format is sniffed from the bytes. `options` are validated first, so a bad value is
/// reported before any work is done.
pub fn process(input: &[u8], options: &Options) -> Result<Output> {
    options.validate()?;
    let start = Instant::now();
    let image = decode(input, &options.decode)?;
    let decoded = Instant::now();
    let input_format = image.source_format().unwrap_or(ImageFormat::Png);
    let input_dimensions = (image.width(), image.height());

    let image = transform(image, &options.transform)?;
    let transformed = Instant::now();

    // The AI-mask stage will run here, on `image`, between transform and encode.

    let encoded = encode(&image, &options.encode)?;
    let done = Instant::now();

    let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1000.0;
    let input_bytes = input.len() as u64;
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
                encode_ms: ms(transformed, done),
                total_ms: ms(start, done),
            },
        },
        data: encoded.data,
    })
}
