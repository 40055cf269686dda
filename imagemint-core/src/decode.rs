//! Decode stage: sniff the format from the bytes, check limits from the header, decode,
//! apply EXIF orientation, keep ICC and EXIF for the encoder to decide about.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, metadata::Orientation};

#[cfg(all(feature = "avif", not(target_family = "wasm")))]
use crate::avif;
use crate::{DecodeOptions, Error, Image, ImageFormat, Limits, Metadata, Result, exif};

/// The format of `input`, judged from its first bytes only; `None` if it is none of the
/// formats imagemint knows. A build may still leave out the format's decoder
/// ([`decode`] says so).
pub fn sniff(input: &[u8]) -> Option<ImageFormat> {
    if is_avif(input) {
        return Some(ImageFormat::Avif);
    }
    match image::guess_format(input).ok()? {
        image::ImageFormat::Jpeg => Some(ImageFormat::Jpeg),
        image::ImageFormat::Png => Some(ImageFormat::Png),
        image::ImageFormat::WebP => Some(ImageFormat::Webp),
        image::ImageFormat::Gif => Some(ImageFormat::Gif),
        image::ImageFormat::Bmp => Some(ImageFormat::Bmp),
        image::ImageFormat::Tiff => Some(ImageFormat::Tiff),
        _ => None,
    }
}

/// Whether `input` starts with an ISO-BMFF `ftyp` box that lists an AVIF brand.
fn is_avif(input: &[u8]) -> bool {
    if input.len() < 16 || &input[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([input[0], input[1], input[2], input[3]]) as usize;
    let ftyp = &input[..size.clamp(16, input.len())];
    // Major brand at 8..12, minor version at 12..16, then compatible brands.
    std::iter::once(&ftyp[8..12])
        .chain(ftyp[16..].chunks_exact(4))
        .any(|brand| brand == b"avif" || brand == b"avis")
}

/// Decodes `input` into an [`Image`]. A format [`sniff`] recognises but this build has no
/// decoder for is an [`Error::FormatNotBuilt`] (its cargo feature is off), or, for AVIF
/// in WebAssembly, an [`Error::UnsupportedFormat`].
///
/// Dimensions are checked against `options.limits` from the header, before the pixel
/// buffer is allocated. Float images (some TIFFs) become 16-bit.
pub fn decode(input: &[u8], options: &DecodeOptions) -> Result<Image> {
    let format = sniff(input).ok_or_else(|| Error::UnsupportedFormat {
        what: describe_unknown(input),
    })?;
    let limits = &options.limits;
    let decoded = match decoder(format)? {
        Decoder::Image(image_format) => decode_with_image(input, format, image_format, limits)?,
        #[cfg(all(feature = "avif", not(target_family = "wasm")))]
        Decoder::Avif => avif::decode(input, limits)?,
    };
    let Decoded {
        mut pixels,
        mut orientation,
        mut metadata,
    } = decoded;
    if let Some(exif) = &mut metadata.exif {
        exif::strip_prefix(exif);
        // Decoders miss the tag when a writer kept the `Exif\0\0` prefix; the block
        // itself is the authority when it has one.
        orientation = Orientation::from_exif_chunk(exif).unwrap_or(orientation);
        exif::remove_thumbnail(exif);
    }
    if options.auto_orient {
        pixels.apply_orientation(orientation);
        if let Some(exif) = &mut metadata.exif {
            // The pixels are upright now; a kept tag would make viewers turn them again.
            let _previous = Orientation::remove_from_exif_chunk(exif);
        }
    }
    let pixels = match pixels {
        DynamicImage::ImageRgb32F(_) => DynamicImage::ImageRgb16(pixels.to_rgb16()),
        DynamicImage::ImageRgba32F(_) => DynamicImage::ImageRgba16(pixels.to_rgba16()),
        other => other,
    };
    Ok(Image::new(pixels, metadata, format, limits.clone()))
}

/// Who decodes a format in this build.
enum Decoder {
    /// The `image` crate, under its name for the format.
    Image(image::ImageFormat),
    /// rav1d, through `avif.rs`.
    #[cfg(all(feature = "avif", not(target_family = "wasm")))]
    Avif,
}

/// The decoder for `format`, or why this build has none: its cargo feature is off, or (AVIF
/// in WebAssembly) no such build can have it.
fn decoder(format: ImageFormat) -> Result<Decoder> {
    let (image_format, feature, built) = match format {
        ImageFormat::Jpeg => return Ok(Decoder::Image(image::ImageFormat::Jpeg)),
        ImageFormat::Png => return Ok(Decoder::Image(image::ImageFormat::Png)),
        ImageFormat::Webp => return Ok(Decoder::Image(image::ImageFormat::WebP)),
        ImageFormat::Gif => (image::ImageFormat::Gif, "gif", cfg!(feature = "gif")),
        ImageFormat::Bmp => (image::ImageFormat::Bmp, "bmp", cfg!(feature = "bmp")),
        ImageFormat::Tiff => (image::ImageFormat::Tiff, "tiff", cfg!(feature = "tiff")),
        #[cfg(all(feature = "avif", not(target_family = "wasm")))]
        ImageFormat::Avif => return Ok(Decoder::Avif),
        #[cfg(all(not(feature = "avif"), not(target_family = "wasm")))]
        ImageFormat::Avif => return Err(Error::not_built("reading", format, "avif")),
        // Not a question of features: rav1d does not build for wasm32.
        #[cfg(target_family = "wasm")]
        ImageFormat::Avif => {
            return Err(Error::UnsupportedFormat {
                what: "AVIF decoding in the WebAssembly build (its AV1 decoder, rav1d, \
                       does not build for wasm32)"
                    .into(),
            });
        }
    };
    if built {
        Ok(Decoder::Image(image_format))
    } else {
        Err(Error::not_built("reading", format, feature))
    }
}

/// What a format-specific decoder hands back.
pub(crate) struct Decoded {
    pub(crate) pixels: DynamicImage,
    pub(crate) orientation: Orientation,
    pub(crate) metadata: Metadata,
}

fn decode_with_image(
    input: &[u8],
    format: ImageFormat,
    image_format: image::ImageFormat,
    limits: &Limits,
) -> Result<Decoded> {
    let mut reader = ImageReader::with_format(Cursor::new(input), image_format);
    let mut image_limits = image::Limits::default();
    // Dimensions are checked below, with a clearer message; the decoders still enforce
    // `max_alloc` on their own working memory.
    image_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(image_limits);
    let map = |e| map_image_error(format, e);
    let mut decoder = reader.into_decoder().map_err(map)?;
    let (width, height) = decoder.dimensions();
    check_limits(
        width,
        height,
        u64::from(decoder.color_type().bytes_per_pixel()),
        limits,
    )?;
    // Broken metadata is not worth losing the picture over: treat it as absent.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let exif = decoder.exif_metadata().ok().flatten();
    let pixels = DynamicImage::from_decoder(decoder).map_err(map)?;
    Ok(Decoded {
        pixels,
        orientation,
        metadata: Metadata { icc, exif },
    })
}

/// Refuses a `width`×`height` image of `bytes_per_pixel` that `limits` do not allow.
pub(crate) fn check_limits(
    width: u32,
    height: u32,
    bytes_per_pixel: u64,
    limits: &Limits,
) -> Result<()> {
    let pixels = u64::from(width) * u64::from(height);
    let reason = if width == 0 || height == 0 {
        return Err(Error::UnsupportedFormat {
            what: format!("image has no pixels ({width}×{height})"),
        });
    } else if width > limits.max_width {
        format!("width {width} > maxWidth {}", limits.max_width)
    } else if height > limits.max_height {
        format!("height {height} > maxHeight {}", limits.max_height)
    } else if pixels > limits.max_pixels {
        format!(
            "{width}×{height} = {pixels} pixels > maxPixels {}",
            limits.max_pixels
        )
    } else if pixels.saturating_mul(bytes_per_pixel) > limits.max_alloc {
        format!(
            "{width}×{height} pixels need {} bytes > maxAlloc {}",
            pixels.saturating_mul(bytes_per_pixel),
            limits.max_alloc
        )
    } else {
        return Ok(());
    };
    Err(Error::LimitsExceeded { reason })
}

fn map_image_error(format: ImageFormat, e: ImageError) -> Error {
    match e {
        ImageError::Limits(e) => Error::LimitsExceeded {
            reason: e.to_string(),
        },
        ImageError::Unsupported(e) => Error::UnsupportedFormat {
            what: format!("{}: {e}", format.label()),
        },
        other => Error::decode(format, other),
    }
}

fn describe_unknown(input: &[u8]) -> String {
    if input.is_empty() {
        return "input is empty".to_owned();
    }
    let head: Vec<String> = input.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "not a JPEG, PNG, WebP, AVIF, GIF, BMP or TIFF image (starts with {})",
        head.join(" ")
    )
}
