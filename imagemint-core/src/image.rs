//! Decoded pixels plus the metadata that may travel with them.

use image::DynamicImage;

use crate::{Error, ImageFormat, Limits, Result};

/// Metadata carried from the decoder to the encoder. What is finally written depends on
/// [`EncodeOptions::metadata`](crate::EncodeOptions::metadata).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metadata {
    /// The ICC colour profile, as found in the input.
    pub icc: Option<Vec<u8>>,
    /// The EXIF block as a TIFF structure (no `Exif\0\0` prefix), without its embedded
    /// thumbnail (which shows the unedited picture). After auto-orientation its
    /// orientation tag has been reset to 1.
    pub exif: Option<Vec<u8>>,
}

/// An image between stages: pixels (8 or 16 bits per channel, grey or RGB, with or
/// without alpha), its metadata, and where it came from.
#[derive(Debug, Clone)]
pub struct Image {
    pub(crate) pixels: DynamicImage,
    pub(crate) metadata: Metadata,
    pub(crate) source_format: Option<ImageFormat>,
    /// The limits it was decoded under; transforms may not grow it past them.
    pub(crate) limits: Limits,
}

impl Image {
    pub(crate) fn new(
        pixels: DynamicImage,
        metadata: Metadata,
        source: ImageFormat,
        limits: Limits,
    ) -> Self {
        Self {
            pixels,
            metadata,
            source_format: Some(source),
            limits,
        }
    }

    /// An image from 8-bit RGBA pixels, row by row, without metadata.
    pub fn from_rgba8(width: u32, height: u32, rgba: Vec<u8>) -> Result<Self> {
        check_len(width, height, 4, rgba.len())?;
        let pixels = image::RgbaImage::from_raw(width, height, rgba).ok_or_else(size_error)?;
        Self::from_pixels(DynamicImage::ImageRgba8(pixels))
    }

    /// An image from 8-bit RGB pixels, row by row, without metadata.
    pub fn from_rgb8(width: u32, height: u32, rgb: Vec<u8>) -> Result<Self> {
        check_len(width, height, 3, rgb.len())?;
        let pixels = image::RgbImage::from_raw(width, height, rgb).ok_or_else(size_error)?;
        Self::from_pixels(DynamicImage::ImageRgb8(pixels))
    }

    fn from_pixels(pixels: DynamicImage) -> Result<Self> {
        if pixels.width() == 0 || pixels.height() == 0 {
            return Err(Error::invalid(
                "pixels",
                "width and height must be at least 1",
            ));
        }
        Ok(Self {
            pixels,
            metadata: Metadata::default(),
            source_format: None,
            limits: Limits::default(),
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.pixels.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.pixels.height()
    }

    /// Whether the pixels have an alpha channel (which may still be fully opaque).
    pub fn has_alpha(&self) -> bool {
        self.pixels.color().has_alpha()
    }

    /// Bits per channel: 8 or 16.
    pub fn bits_per_channel(&self) -> u8 {
        (self.pixels.color().bytes_per_pixel() / self.pixels.color().channel_count() * 8).min(16)
    }

    /// The format the image was decoded from, if it was decoded.
    pub fn source_format(&self) -> Option<ImageFormat> {
        self.source_format
    }

    /// The metadata carried along.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The metadata, to change before encoding.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// Bytes per pixel as stored: channels × bytes per channel.
    pub fn bytes_per_pixel(&self) -> u8 {
        self.pixels.color().bytes_per_pixel()
    }

    /// A copy of the pixels as 8-bit RGB (alpha dropped), row by row.
    pub fn to_rgb8(&self) -> Vec<u8> {
        self.pixels.to_rgb8().into_raw()
    }

    /// A copy of the pixels as 8-bit RGBA, row by row.
    pub fn to_rgba8(&self) -> Vec<u8> {
        self.pixels.to_rgba8().into_raw()
    }
}

/// Refuses a pixel buffer that is not exactly `width × height × channels` bytes.
fn check_len(width: u32, height: u32, channels: u64, len: usize) -> Result<()> {
    let need = u64::from(width)
        .checked_mul(u64::from(height))
        .and_then(|n| n.checked_mul(channels));
    if need != Some(len as u64) {
        let need = need.map_or_else(|| "more than 2^64".to_owned(), |n| n.to_string());
        return Err(Error::invalid(
            "pixels",
            format!("{width}×{height}×{channels} needs {need} bytes, got {len}"),
        ));
    }
    Ok(())
}

fn size_error() -> Error {
    Error::invalid("pixels", "buffer does not match the size")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_pixels_must_match_the_size_exactly() {
        assert!(Image::from_rgba8(2, 2, vec![0; 16]).is_ok());
        assert!(Image::from_rgba8(2, 2, vec![0; 17]).is_err(), "too long");
        assert!(Image::from_rgba8(2, 2, vec![0; 15]).is_err(), "too short");
        assert!(Image::from_rgb8(2, 2, vec![0; 12]).is_ok());
        assert!(Image::from_rgb8(0, 2, vec![]).is_err(), "empty");
        assert!(Image::from_rgb8(u32::MAX, u32::MAX, vec![]).is_err());
    }
}
