//! Encode stage: pick the output format, fit the pixels to what its encoder takes, write
//! the metadata the policy allows.

#[cfg(feature = "avif")]
mod avif_icc;
mod jpeg;
mod webp_mux;

use std::borrow::Cow;

use image::DynamicImage;

use crate::transform::flatten;
use crate::{EncodeOptions, Error, Image, ImageFormat, MetadataPolicy, Result};

/// Quality used when [`EncodeOptions::quality`] is `None`.
const DEFAULT_JPEG_QUALITY: u8 = 75;
const DEFAULT_WEBP_QUALITY: u8 = 75;
#[cfg(feature = "avif")]
const DEFAULT_AVIF_QUALITY: u8 = 60;
const DEFAULT_PNG_LEVEL: u8 = 2;
const DEFAULT_WEBP_METHOD: u8 = 4;
#[cfg(feature = "avif")]
const DEFAULT_AVIF_SPEED: u8 = 6;

/// An encoded image.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Encoded {
    /// The file's bytes.
    pub data: Vec<u8>,
    /// Its format.
    pub format: ImageFormat,
    /// The lossy quality used, `None` for lossless output.
    pub quality: Option<u8>,
}

/// Encodes `image` as `options` say. Alpha is flattened onto
/// [`EncodeOptions::background`] for JPEG; 16-bit pixels are reduced to 8 bits for every
/// format but PNG.
pub fn encode(image: &Image, options: &EncodeOptions) -> Result<Encoded> {
    options.validate()?;
    let format = options.format.resolve(image.source_format);
    let (icc, exif) = metadata_to_write(image, options.metadata);
    let pixels = &image.pixels;
    let (data, quality) = match format {
        ImageFormat::Jpeg => encode_jpeg(pixels, options, icc, exif)?,
        ImageFormat::Png => (encode_png(pixels, options, icc, exif)?, None),
        ImageFormat::Webp => encode_webp(pixels, options, icc, exif)?,
        #[cfg(feature = "avif")]
        ImageFormat::Avif => encode_avif(pixels, options, icc, exif)?,
        #[cfg(not(feature = "avif"))]
        ImageFormat::Avif => return Err(not_writable(format)),
        ImageFormat::Gif | ImageFormat::Bmp | ImageFormat::Tiff => {
            return Err(not_writable(format));
        }
    };
    Ok(Encoded {
        data,
        format,
        quality,
    })
}

/// Why this build cannot write `format`: AVIF without the `avif` feature, or a format
/// imagemint only reads (see [`ImageFormat::can_encode`]).
pub(crate) fn not_writable(format: ImageFormat) -> Error {
    match format {
        ImageFormat::Avif => Error::not_built("writing", format, "avif"),
        _ => Error::UnsupportedFormat {
            what: format!("writing {}", format.label()),
        },
    }
}

/// The ICC profile and EXIF block to write under `policy`.
fn metadata_to_write(image: &Image, policy: MetadataPolicy) -> (Option<&[u8]>, Option<&[u8]>) {
    let m = &image.metadata;
    let icc = m.icc.as_deref().filter(|_| policy != MetadataPolicy::Strip);
    let exif = m.exif.as_deref().filter(|_| policy == MetadataPolicy::Keep);
    (icc, exif)
}

fn encode_jpeg(
    pixels: &DynamicImage,
    options: &EncodeOptions,
    icc: Option<&[u8]>,
    exif: Option<&[u8]>,
) -> Result<(Vec<u8>, Option<u8>)> {
    let quality = options.quality.unwrap_or(DEFAULT_JPEG_QUALITY);
    let flat = flatten(pixels, options.background);
    let grey = matches!(
        flat.as_ref(),
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageLuma16(_)
    );
    let params = jpeg::Params {
        quality,
        progressive: options.jpeg.progressive,
        subsampling: options.jpeg.chroma_subsampling,
        fast: options.effort.is_some_and(|e| e.get() < 3),
        icc: icc.filter(|p| icc_fits(p, grey)),
        exif,
    };
    let (w, h) = (flat.width(), flat.height());
    let data = if grey {
        let g = match flat.as_ref() {
            DynamicImage::ImageLuma8(g) => Cow::Borrowed(g.as_raw()),
            other => Cow::Owned(other.to_luma8().into_raw()),
        };
        jpeg::encode(&g, w, h, jpeg::Layout::Grey, &params)
    } else {
        jpeg::encode(&rgb8(&flat), w, h, jpeg::Layout::Rgb, &params)
    };
    let data = data.map_err(|e| Error::encode(ImageFormat::Jpeg, e))?;
    Ok((data, Some(quality)))
}

/// Whether an ICC profile describes the pixels written: a GRAY profile for grey pixels,
/// an RGB one for colour (a CMYK profile from a CMYK JPEG never fits: the pixels were
/// converted to RGB).
fn icc_fits(icc: &[u8], grey: bool) -> bool {
    match icc.get(16..20) {
        Some(b"GRAY") => grey,
        Some(b"RGB ") => !grey,
        _ => false,
    }
}

fn encode_png(
    pixels: &DynamicImage,
    options: &EncodeOptions,
    icc: Option<&[u8]>,
    exif: Option<&[u8]>,
) -> Result<Vec<u8>> {
    use oxipng::{BitDepth, ColorType, RawImage};
    let fail = |e: oxipng::PngError| Error::encode(ImageFormat::Png, e.to_string());
    let (w, h) = (pixels.width(), pixels.height());
    // PNG stores 16-bit samples big-endian.
    let be16 = |samples: &[u16]| {
        samples
            .iter()
            .flat_map(|s| s.to_be_bytes())
            .collect::<Vec<u8>>()
    };
    let (color_type, depth, data) = match pixels {
        DynamicImage::ImageLuma8(p) => (
            ColorType::Grayscale {
                transparent_shade: None,
            },
            BitDepth::Eight,
            p.as_raw().clone(),
        ),
        DynamicImage::ImageLumaA8(p) => (
            ColorType::GrayscaleAlpha,
            BitDepth::Eight,
            p.as_raw().clone(),
        ),
        DynamicImage::ImageRgb8(p) => (
            ColorType::RGB {
                transparent_color: None,
            },
            BitDepth::Eight,
            p.as_raw().clone(),
        ),
        DynamicImage::ImageRgba8(p) => (ColorType::RGBA, BitDepth::Eight, p.as_raw().clone()),
        DynamicImage::ImageLuma16(p) => (
            ColorType::Grayscale {
                transparent_shade: None,
            },
            BitDepth::Sixteen,
            be16(p.as_raw()),
        ),
        DynamicImage::ImageLumaA16(p) => (
            ColorType::GrayscaleAlpha,
            BitDepth::Sixteen,
            be16(p.as_raw()),
        ),
        DynamicImage::ImageRgb16(p) => (
            ColorType::RGB {
                transparent_color: None,
            },
            BitDepth::Sixteen,
            be16(p.as_raw()),
        ),
        DynamicImage::ImageRgba16(p) => (ColorType::RGBA, BitDepth::Sixteen, be16(p.as_raw())),
        other => (
            ColorType::RGBA,
            BitDepth::Sixteen,
            be16(other.to_rgba16().as_raw()),
        ),
    };
    let grey = matches!(
        color_type,
        ColorType::Grayscale { .. } | ColorType::GrayscaleAlpha
    );
    let mut raw = RawImage::new(w, h, color_type, depth, data).map_err(fail)?;
    if let Some(icc) = icc.filter(|p| icc_fits(p, grey)) {
        raw.add_icc_profile(icc);
    }
    if let Some(exif) = exif {
        raw.add_png_chunk(*b"eXIf", exif.to_vec());
    }
    let level = options.effort.map_or(DEFAULT_PNG_LEVEL, |e| e.scale(6));
    let mut opts = oxipng::Options::from_preset(level);
    // Only the chunks added above exist; what they are is the metadata policy's call.
    opts.strip = oxipng::StripChunks::None;
    raw.create_optimized_png(&opts).map_err(fail)
}

fn encode_webp(
    pixels: &DynamicImage,
    options: &EncodeOptions,
    icc: Option<&[u8]>,
    exif: Option<&[u8]>,
) -> Result<(Vec<u8>, Option<u8>)> {
    let fail = |e: String| Error::encode(ImageFormat::Webp, e);
    let (w, h) = (pixels.width(), pixels.height());
    if w > 16383 || h > 16383 {
        return Err(fail(format!(
            "WebP is limited to 16383×16383, the image is {w}×{h}"
        )));
    }
    let alpha = pixels.color().has_alpha();
    let buffer = if alpha { rgba8(pixels) } else { rgb8(pixels) };
    let encoder = if alpha {
        webp::Encoder::from_rgba(&buffer, w, h)
    } else {
        webp::Encoder::from_rgb(&buffer, w, h)
    };
    let mut config =
        webp::WebPConfig::new().map_err(|()| fail("libwebp version mismatch".into()))?;
    let lossless = options.webp.lossless;
    let quality = options.quality.unwrap_or(DEFAULT_WEBP_QUALITY);
    config.lossless = i32::from(lossless);
    config.quality = if lossless { 75.0 } else { f32::from(quality) };
    config.method = i32::from(options.effort.map_or(DEFAULT_WEBP_METHOD, |e| e.scale(6)));
    config.alpha_quality = i32::from(options.webp.alpha_quality);
    // Lossy WebP would otherwise keep the invisible colour of transparent pixels.
    config.exact = 0;
    let encoded = encoder
        .encode_advanced(&config)
        .map_err(|e| fail(format!("{e:?}")))?;
    let icc = icc.filter(|p| icc_fits(p, false));
    let data = webp_mux::add_metadata(&encoded, w, h, alpha, icc, exif).map_err(fail)?;
    Ok((data, (!lossless).then_some(quality)))
}

#[cfg(feature = "avif")]
fn encode_avif(
    pixels: &DynamicImage,
    options: &EncodeOptions,
    icc: Option<&[u8]>,
    exif: Option<&[u8]>,
) -> Result<(Vec<u8>, Option<u8>)> {
    use ravif::Img;
    use rgb::FromSlice;
    let fail = |e: ravif::Error| Error::encode(ImageFormat::Avif, e);
    let quality = options.quality.unwrap_or(DEFAULT_AVIF_QUALITY);
    let speed = options
        .effort
        .map_or(DEFAULT_AVIF_SPEED, |e| 10 - e.scale(9));
    let mut encoder = ravif::Encoder::new()
        .with_quality(f32::from(quality))
        .with_alpha_quality(f32::from(options.avif.alpha_quality.unwrap_or(quality)))
        .with_speed(speed);
    if let Some(exif) = exif {
        encoder = encoder.with_exif(exif);
    }
    let (w, h) = (pixels.width() as usize, pixels.height() as usize);
    let encoded = if pixels.color().has_alpha() {
        let rgba = rgba8(pixels);
        encoder
            .encode_rgba(Img::new(rgba.as_rgba(), w, h))
            .map_err(fail)?
    } else {
        let rgb = rgb8(pixels);
        encoder
            .encode_rgb(Img::new(rgb.as_rgb(), w, h))
            .map_err(fail)?
    };
    let data = match icc.filter(|p| icc_fits(p, false)) {
        // ravif cannot write a profile; it is added to the finished file.
        Some(icc) => avif_icc::add_icc(&encoded.avif_file, icc)
            .map_err(|e| Error::encode(ImageFormat::Avif, e))?,
        None => encoded.avif_file,
    };
    Ok((data, Some(quality)))
}

/// The pixels as 8-bit RGBA bytes, borrowed when they already are.
fn rgba8(pixels: &DynamicImage) -> Cow<'_, [u8]> {
    match pixels {
        DynamicImage::ImageRgba8(p) => Cow::Borrowed(p.as_raw()),
        other => Cow::Owned(other.to_rgba8().into_raw()),
    }
}

/// The pixels as 8-bit RGB bytes, borrowed when they already are.
fn rgb8(pixels: &DynamicImage) -> Cow<'_, [u8]> {
    match pixels {
        DynamicImage::ImageRgb8(p) => Cow::Borrowed(p.as_raw()),
        other => Cow::Owned(other.to_rgb8().into_raw()),
    }
}

#[cfg(test)]
mod tests {
    use super::icc_fits;

    fn profile(space: &[u8; 4]) -> Vec<u8> {
        let mut p = vec![0u8; 128];
        p[16..20].copy_from_slice(space);
        p
    }

    #[test]
    fn profiles_are_written_only_for_pixels_they_describe() {
        assert!(icc_fits(&profile(b"RGB "), false));
        assert!(!icc_fits(&profile(b"RGB "), true));
        assert!(icc_fits(&profile(b"GRAY"), true));
        assert!(!icc_fits(&profile(b"GRAY"), false));
        assert!(!icc_fits(&profile(b"CMYK"), false));
        assert!(!icc_fits(&[0u8; 10], false), "truncated profile");
    }
}
