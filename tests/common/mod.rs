//! Helpers shared by the integration tests: fixture loading and independent decoding.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Every decodable fixture with the format it is in.
pub const INPUTS: &[(&str, imagemint_core::ImageFormat)] = {
    use imagemint_core::ImageFormat::*;
    &[
        ("rocket.jpg", Jpeg),
        ("rocket-gps.jpg", Jpeg),
        ("chelsea.png", Png),
        ("chelsea-16bit.png", Png),
        ("brick.png", Png),
        ("horse-palette.png", Png),
        ("logo-cutout.png", Png),
        ("chelsea-lossy.webp", Webp),
        ("chelsea-lossless.webp", Webp),
        ("logo-cutout.webp", Webp),
        ("chelsea.gif", Gif),
        ("chelsea.bmp", Bmp),
        ("chelsea.tiff", Tiff),
        ("chelsea.avif", Avif),
        ("chelsea-10bit-444.avif", Avif),
        ("chelsea-12bit-422.avif", Avif),
        ("logo-bt709-limited.avif", Avif),
        ("chelsea-451x299.avif", Avif),
        ("chelsea-irot-imir.avif", Avif),
        ("brick-mono.avif", Avif),
        ("logo-cutout.avif", Avif),
    ]
};

/// Decodes `data` with the `image` crate (independent of imagemint's decode path) for
/// the formats it reads here: JPEG, PNG, WebP.
pub fn decode_independently(data: &[u8]) -> image::DynamicImage {
    image::load_from_memory(data).expect("output decodes with the image crate")
}

/// Mean absolute difference per channel between two RGBA8 buffers of the same size.
pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "buffers differ in size");
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.len() as f64
}

/// What a viewer shows for stored pixels `src` (w×h RGBA) under EXIF orientation `o`.
pub fn displayed(src: &[u8], w: usize, h: usize, o: u16) -> (usize, usize, Vec<u8>) {
    let (dw, dh) = if o >= 5 { (h, w) } else { (w, h) };
    let mut out = vec![0u8; src.len()];
    for y in 0..dh {
        for x in 0..dw {
            let (sx, sy) = match o {
                1 => (x, y),
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                8 => (w - 1 - y, x),
                _ => unreachable!(),
            };
            let (d, s) = ((y * dw + x) * 4, (sy * w + sx) * 4);
            out[d..d + 4].copy_from_slice(&src[s..s + 4]);
        }
    }
    (dw, dh, out)
}

pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Appends a PNG chunk (length, type, data, CRC) to `out`.
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// `png` with an extra chunk inserted right after IHDR.
pub fn png_with_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let after_ihdr = 8 + 8 + 13 + 4;
    let mut out = png[..after_ihdr].to_vec();
    png_chunk(&mut out, kind, data);
    out.extend_from_slice(&png[after_ihdr..]);
    out
}
