//! AVIF decoding: the HEIF container is parsed by `mp4parse`, the AV1 payloads are
//! decoded by `rav1d` (a pure-Rust port of dav1d), and YUV is turned into RGB by `yuv`.
//!
//! rav1d only offers dav1d's C-style API, hence the `unsafe` below; every call follows
//! dav1d's documented contract and owned resources are released by `Drop` guards.
#![allow(unsafe_code)]

use std::io::Cursor;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use image::metadata::Orientation;
use image::{DynamicImage, ImageBuffer, Luma, LumaA, Rgb, Rgba};
use mp4parse::{ImageMirror, ImageRotation, ParseStrictness};
use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_MC_BT470BG, DAV1D_MC_BT601, DAV1D_MC_BT709, DAV1D_MC_BT2020_CL, DAV1D_MC_BT2020_NCL,
    DAV1D_MC_FCC, DAV1D_MC_IDENTITY, DAV1D_MC_SMPTE240, DAV1D_MC_UNKNOWN, DAV1D_PIXEL_LAYOUT_I400,
    DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422, DAV1D_PIXEL_LAYOUT_I444,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib as dav1d;
use yuv::{YuvPlanarImage, YuvRange, YuvStandardMatrix};

use crate::decode::{Decoded, check_limits};
use crate::{Error, ImageFormat, Limits, Metadata, Result};

/// Whether `input` starts with an ISO-BMFF `ftyp` box that lists an AVIF brand.
pub(crate) fn is_avif(input: &[u8]) -> bool {
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

fn err(e: impl Into<crate::error::BoxError>) -> Error {
    Error::decode(ImageFormat::Avif, e)
}

pub(crate) fn decode(input: &[u8], limits: &Limits) -> Result<Decoded> {
    let container =
        mp4parse::read_avif(&mut Cursor::new(input), ParseStrictness::Normal).map_err(err)?;
    let color_obus = container
        .primary_item_coded_data()
        .ok_or_else(|| err("the file has no primary image item"))?;
    // Check the declared size before the decoder allocates anything (8-bit RGBA assumed;
    // the real depth is checked again below).
    let extents = container.spatial_extents_ptr().map_err(err)?;
    // SAFETY: mp4parse returns null or a pointer into `container`; the property is
    // `#[repr(C)]` with exactly two `u32` fields (width, height) for its C API.
    if let Some(&[w, h]) = unsafe { extents.cast::<[u32; 2]>().as_ref() } {
        check_limits(w, h, 4, limits)?;
    }
    let color = decode_av1(color_obus, limits)?;
    let (width, height) = color.size();
    check_limits(
        width,
        height,
        if color.high_bit_depth() { 8 } else { 4 },
        limits,
    )?;

    let alpha = container
        .alpha_item_coded_data()
        .map(|obus| decode_av1(obus, limits))
        .transpose()?;
    if let Some(alpha) = alpha.as_ref().filter(|a| a.size() != (width, height)) {
        return Err(err(format!(
            "alpha plane is {:?} but the colour image is {width}×{height}",
            alpha.size()
        )));
    }

    let mut pixels = to_rgb(&color, alpha.as_ref())?;
    if container.premultiplied_alpha {
        unpremultiply(&mut pixels);
    }
    // irot/imir are part of the image, not optional metadata, so they always apply.
    pixels = match container.image_rotation().map_err(err)? {
        ImageRotation::D0 => pixels,
        ImageRotation::D90 => pixels.rotate270(), // irot counts anti-clockwise
        ImageRotation::D180 => pixels.rotate180(),
        ImageRotation::D270 => pixels.rotate90(),
    };
    let mirror = container.image_mirror_ptr().map_err(err)?;
    // SAFETY: mp4parse returns null or a pointer into `container`, which is alive here.
    if let Some(mirror) = unsafe { mirror.as_ref() } {
        pixels = match mirror {
            ImageMirror::TopBottom => pixels.flipv(),
            ImageMirror::LeftRight => pixels.fliph(),
        };
    }
    let icc = container
        .icc_colour_information()
        .and_then(|r| r.ok())
        .map(<[u8]>::to_vec);
    Ok(Decoded {
        pixels,
        orientation: Orientation::NoTransforms,
        metadata: Metadata { icc, exif: None },
    })
}

/// A decoded AV1 frame, released when dropped.
struct Picture(Dav1dPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: the picture was filled by dav1d_get_picture and is unreferenced once.
        unsafe { dav1d::dav1d_picture_unref(Some(NonNull::from(&mut self.0))) }
    }
}

impl Picture {
    fn size(&self) -> (u32, u32) {
        (self.0.p.w.max(0) as u32, self.0.p.h.max(0) as u32)
    }

    fn high_bit_depth(&self) -> bool {
        self.0.p.bpc > 8
    }

    /// Plane `i` (0 = Y, 1 = U, 2 = V) as samples of `T`, with its stride in samples.
    fn plane<T>(&self, i: usize, rows: usize) -> Option<(&[T], usize)> {
        let data = self.0.data[i]?;
        let stride_bytes = usize::try_from(self.0.stride[i.min(1)]).ok()?;
        let stride = stride_bytes / size_of::<T>();
        // SAFETY: dav1d allocates every plane as `stride × rows` bytes, suitably aligned
        // for its sample type, and keeps it alive as long as the picture is referenced.
        let samples =
            unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<T>(), stride * rows) };
        Some((samples, stride))
    }

    fn full_range(&self) -> bool {
        // SAFETY: seq_hdr points into the picture's reference-counted header.
        self.0
            .seq_hdr
            .is_some_and(|h| unsafe { h.as_ref() }.color_range != 0)
    }

    fn matrix(&self) -> u32 {
        // SAFETY: as in `full_range`.
        self.0
            .seq_hdr
            .map_or(DAV1D_MC_UNKNOWN, |h| unsafe { h.as_ref() }.mtrx)
    }
}

/// A dav1d decoder instance, closed when dropped.
struct Context(Option<Dav1dContext>);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the context came from dav1d_open; dav1d_close accepts it once.
        unsafe { dav1d::dav1d_close(Some(NonNull::from(&mut self.0))) }
    }
}

/// Input data handed to dav1d, released if dav1d has not taken all of it.
struct Data(Dav1dData);

impl Drop for Data {
    fn drop(&mut self) {
        if self.0.sz > 0 {
            // SAFETY: the data came from dav1d_data_create and is unreferenced once.
            unsafe { dav1d::dav1d_data_unref(Some(NonNull::from(&mut self.0))) }
        }
    }
}

fn check(result: rav1d::Dav1dResult, what: &str) -> Result<()> {
    if result.0 < 0 {
        Err(err(format!("AV1 {what} failed (error {})", -result.0)))
    } else {
        Ok(())
    }
}

fn is_again(result: rav1d::Dav1dResult) -> bool {
    result.0 == -libc::EAGAIN
}

/// Decodes one AV1 still frame.
fn decode_av1(obus: &[u8], limits: &Limits) -> Result<Picture> {
    let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
    // SAFETY: dav1d_default_settings initialises the whole struct.
    let mut settings = unsafe {
        dav1d::dav1d_default_settings(NonNull::from(&mut settings).cast());
        settings.assume_init()
    };
    // rav1d 1.1 aborts the process on any decode error when it runs one frame context
    // (memorysafety/rav1d#1497: `on_error` unwraps a header already taken, inside an
    // `extern "C"` function). Two frame contexts take the other error path; they need
    // both settings at 2 (automatic thread counts can fall back to 1), and the frame
    // then arrives on a later `dav1d_get_picture`, which the loop below allows for.
    settings.n_threads = 2;
    settings.max_frame_delay = 2;
    // dav1d refuses larger frames before allocating them.
    settings.frame_size_limit = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);

    let mut ctx = Context(None);
    // SAFETY: both pointers are valid for the call; dav1d writes the context into `ctx`.
    let opened = unsafe {
        dav1d::dav1d_open(
            Some(NonNull::from(&mut ctx.0)),
            Some(NonNull::from(&mut settings)),
        )
    };
    check(opened, "decoder start")?;
    let handle = ctx.0.ok_or_else(|| err("AV1 decoder did not start"))?;

    let mut data = Data(Dav1dData::default());
    // SAFETY: dav1d_data_create allocates `obus.len()` bytes owned by `data`.
    let buffer = unsafe { dav1d::dav1d_data_create(Some(NonNull::from(&mut data.0)), obus.len()) };
    if buffer.is_null() {
        return Err(err("cannot allocate AV1 input buffer"));
    }
    // SAFETY: `buffer` has room for exactly `obus.len()` bytes and does not overlap `obus`.
    unsafe { std::ptr::copy_nonoverlapping(obus.as_ptr(), buffer, obus.len()) };

    let mut picture = Picture(Dav1dPicture::default());
    // A still image is one temporal unit: feed it, then ask for the frame. dav1d may ask
    // for the picture to be taken before accepting more data (EAGAIN either way); the
    // bound keeps a hostile stream from looping forever.
    for _ in 0..64 {
        if data.0.sz > 0 {
            // SAFETY: `handle` is open and `data` is a valid dav1d data reference.
            let sent =
                unsafe { dav1d::dav1d_send_data(Some(handle), Some(NonNull::from(&mut data.0))) };
            if !is_again(sent) {
                check(sent, "decoding")?;
            }
        }
        // SAFETY: `handle` is open; `picture` is an empty picture dav1d may fill.
        let got =
            unsafe { dav1d::dav1d_get_picture(Some(handle), Some(NonNull::from(&mut picture.0))) };
        if got.0 == 0 {
            return Ok(picture);
        }
        if !is_again(got) {
            check(got, "decoding")?;
        }
    }
    Err(err("AV1 stream holds no complete frame"))
}

/// Converts the colour picture (and optional alpha picture) to 8- or 16-bit pixels.
fn to_rgb(color: &Picture, alpha: Option<&Picture>) -> Result<DynamicImage> {
    let (w, h) = color.size();
    let (wu, hu) = (w as usize, h as usize);
    let depth = color.0.p.bpc as u32;
    let layout = color.0.p.layout;
    let range = if color.full_range() {
        YuvRange::Full
    } else {
        YuvRange::Limited
    };
    let chroma_rows = if layout == DAV1D_PIXEL_LAYOUT_I420 {
        hu.div_ceil(2)
    } else {
        hu
    };
    let matrix = match color.matrix() {
        DAV1D_MC_BT709 => YuvStandardMatrix::Bt709,
        DAV1D_MC_BT470BG | DAV1D_MC_BT601 | DAV1D_MC_UNKNOWN => YuvStandardMatrix::Bt601,
        DAV1D_MC_BT2020_NCL | DAV1D_MC_BT2020_CL => YuvStandardMatrix::Bt2020,
        DAV1D_MC_SMPTE240 => YuvStandardMatrix::Smpte240,
        DAV1D_MC_FCC => YuvStandardMatrix::Fcc,
        DAV1D_MC_IDENTITY if layout == DAV1D_PIXEL_LAYOUT_I444 => {
            return identity_to_rgb(color, alpha);
        }
        other => {
            return Err(Error::UnsupportedFormat {
                what: format!("AVIF with matrix coefficients {other}"),
            });
        }
    };
    let missing = || err("picture plane missing");
    let conversion_failed = |e: yuv::YuvError| err(format!("YUV conversion: {e}"));

    if depth == 8 {
        let (y, ys) = color.plane::<u8>(0, hu).ok_or_else(missing)?;
        if layout == DAV1D_PIXEL_LAYOUT_I400 {
            let grey = luma_plane(y, ys, w, h, range == YuvRange::Full, 8);
            return Ok(match alpha {
                None => DynamicImage::ImageLuma8(ImageBuffer::from_fn(w, h, |x, yy| {
                    Luma([grey[yy as usize * wu + x as usize] as u8])
                })),
                Some(a) => {
                    let a = alpha_plane(a, 8)?;
                    DynamicImage::ImageLumaA8(ImageBuffer::from_fn(w, h, |x, yy| {
                        let i = yy as usize * wu + x as usize;
                        LumaA([grey[i] as u8, a[i] as u8])
                    }))
                }
            });
        }
        let (u, us) = color.plane::<u8>(1, chroma_rows).ok_or_else(missing)?;
        let (v, vs) = color.plane::<u8>(2, chroma_rows).ok_or_else(missing)?;
        let planar = YuvPlanarImage {
            y_plane: y,
            y_stride: ys as u32,
            u_plane: u,
            u_stride: us as u32,
            v_plane: v,
            v_stride: vs as u32,
            width: w,
            height: h,
        };
        let convert = match layout {
            DAV1D_PIXEL_LAYOUT_I420 => yuv::yuv420_to_rgb,
            DAV1D_PIXEL_LAYOUT_I422 => yuv::yuv422_to_rgb,
            _ => yuv::yuv444_to_rgb,
        };
        let mut rgb = vec![0u8; wu * hu * 3];
        convert(&planar, &mut rgb, w * 3, range, matrix).map_err(conversion_failed)?;
        let rgb: ImageBuffer<Rgb<u8>, _> =
            ImageBuffer::from_raw(w, h, rgb).ok_or_else(|| err("bad buffer size"))?;
        return Ok(match alpha {
            None => DynamicImage::ImageRgb8(rgb),
            Some(a) => {
                let a = alpha_plane(a, 8)?;
                DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, yy| {
                    let [r, g, b] = rgb.get_pixel(x, yy).0;
                    Rgba([r, g, b, a[yy as usize * wu + x as usize] as u8])
                }))
            }
        });
    }

    // 10 and 12 bits: convert at native depth, then widen to 16 bits.
    let (y, ys) = color.plane::<u16>(0, hu).ok_or_else(missing)?;
    if layout == DAV1D_PIXEL_LAYOUT_I400 {
        let grey = luma_plane(y, ys, w, h, range == YuvRange::Full, depth);
        return Ok(match alpha {
            None => DynamicImage::ImageLuma16(ImageBuffer::from_fn(w, h, |x, yy| {
                Luma([grey[yy as usize * wu + x as usize]])
            })),
            Some(a) => {
                let a = alpha_plane(a, 16)?;
                DynamicImage::ImageLumaA16(ImageBuffer::from_fn(w, h, |x, yy| {
                    let i = yy as usize * wu + x as usize;
                    LumaA([grey[i], a[i]])
                }))
            }
        });
    }
    let (u, us) = color.plane::<u16>(1, chroma_rows).ok_or_else(missing)?;
    let (v, vs) = color.plane::<u16>(2, chroma_rows).ok_or_else(missing)?;
    let planar = YuvPlanarImage {
        y_plane: y,
        y_stride: ys as u32,
        u_plane: u,
        u_stride: us as u32,
        v_plane: v,
        v_stride: vs as u32,
        width: w,
        height: h,
    };
    type Convert16 = fn(
        &YuvPlanarImage<u16>,
        &mut [u16],
        u32,
        YuvRange,
        YuvStandardMatrix,
    ) -> Result<(), yuv::YuvError>;
    let convert: Convert16 = match (layout, depth) {
        (DAV1D_PIXEL_LAYOUT_I420, 10) => yuv::i010_to_rgb10,
        (DAV1D_PIXEL_LAYOUT_I422, 10) => yuv::i210_to_rgb10,
        (DAV1D_PIXEL_LAYOUT_I444, 10) => yuv::i410_to_rgb10,
        (DAV1D_PIXEL_LAYOUT_I420, 12) => yuv::i012_to_rgb12,
        (DAV1D_PIXEL_LAYOUT_I422, 12) => yuv::i212_to_rgb12,
        (DAV1D_PIXEL_LAYOUT_I444, 12) => yuv::i412_to_rgb12,
        _ => {
            return Err(Error::UnsupportedFormat {
                what: format!("AVIF with {depth}-bit samples"),
            });
        }
    };
    let mut rgb = vec![0u16; wu * hu * 3];
    convert(&planar, &mut rgb, w * 3, range, matrix).map_err(conversion_failed)?;
    rgb.iter_mut().for_each(|s| *s = widen(*s, depth));
    let rgb: ImageBuffer<Rgb<u16>, _> =
        ImageBuffer::from_raw(w, h, rgb).ok_or_else(|| err("bad buffer size"))?;
    Ok(match alpha {
        None => DynamicImage::ImageRgb16(rgb),
        Some(a) => {
            let a = alpha_plane(a, 16)?;
            DynamicImage::ImageRgba16(ImageBuffer::from_fn(w, h, |x, yy| {
                let [r, g, b] = rgb.get_pixel(x, yy).0;
                Rgba([r, g, b, a[yy as usize * wu + x as usize]])
            }))
        }
    })
}

/// `depth`-bit sample to 16 bits, repeating the top bits so that white stays white.
fn widen(s: u16, depth: u32) -> u16 {
    (s << (16 - depth)) | (s >> (2 * depth - 16))
}

/// A monochrome Y plane as full-range samples: 8-bit values for `depth == 8`, else 16-bit.
fn luma_plane<T: Copy + Into<u32>>(
    y: &[T],
    stride: usize,
    w: u32,
    h: u32,
    full: bool,
    depth: u32,
) -> Vec<u16> {
    let max = (1u32 << depth) - 1;
    let shift = depth - 8;
    let to_full = |s: u32| {
        if full {
            s
        } else {
            // Limited range: black at 16, white at 235 (scaled for depth).
            (s.saturating_sub(16 << shift) * max / (219 << shift)).min(max)
        }
    };
    y.chunks(stride)
        .take(h as usize)
        .flat_map(|row| &row[..w as usize])
        .map(|&s| {
            let s = to_full(s.into());
            if depth == 8 {
                s as u16
            } else {
                widen(s as u16, depth)
            }
        })
        .collect()
}

/// The alpha picture as a full-range plane of `out_bits` (8 or 16) samples.
fn alpha_plane(a: &Picture, out_bits: u32) -> Result<Vec<u16>> {
    let (w, h) = a.size();
    let depth = a.0.p.bpc as u32;
    let full = a.full_range();
    let plane = if depth == 8 {
        let (y, ys) = a
            .plane::<u8>(0, h as usize)
            .ok_or_else(|| err("alpha plane missing"))?;
        luma_plane(y, ys, w, h, full, 8)
    } else {
        let (y, ys) = a
            .plane::<u16>(0, h as usize)
            .ok_or_else(|| err("alpha plane missing"))?;
        luma_plane(y, ys, w, h, full, depth)
    };
    Ok(match (depth == 8, out_bits == 8) {
        (true, true) | (false, false) => plane,
        (true, false) => plane.into_iter().map(|s| s * 257).collect(),
        (false, true) => plane.into_iter().map(|s| s >> 8).collect(),
    })
}

/// Matrix coefficients 0 ("identity"): the planes hold G, B, R directly.
fn identity_to_rgb(color: &Picture, alpha: Option<&Picture>) -> Result<DynamicImage> {
    let (w, h) = color.size();
    let rows = h as usize;
    let depth = color.0.p.bpc as u32;
    let full = color.full_range();
    let planes: Vec<Vec<u16>> = (0..3)
        .map(|i| {
            Ok(if depth == 8 {
                let (p, s) = color
                    .plane::<u8>(i, rows)
                    .ok_or_else(|| err("plane missing"))?;
                luma_plane(p, s, w, h, full, 8)
            } else {
                let (p, s) = color
                    .plane::<u16>(i, rows)
                    .ok_or_else(|| err("plane missing"))?;
                luma_plane(p, s, w, h, full, depth)
            })
        })
        .collect::<Result<_>>()?;
    let (g, b, r) = (&planes[0], &planes[1], &planes[2]);
    let idx = |x: u32, y: u32| y as usize * w as usize + x as usize;
    Ok(match (depth == 8, alpha) {
        (true, None) => DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, h, |x, y| {
            let i = idx(x, y);
            Rgb([r[i] as u8, g[i] as u8, b[i] as u8])
        })),
        (true, Some(a)) => {
            let a = alpha_plane(a, 8)?;
            DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| {
                let i = idx(x, y);
                Rgba([r[i] as u8, g[i] as u8, b[i] as u8, a[i] as u8])
            }))
        }
        (false, None) => DynamicImage::ImageRgb16(ImageBuffer::from_fn(w, h, |x, y| {
            let i = idx(x, y);
            Rgb([r[i], g[i], b[i]])
        })),
        (false, Some(a)) => {
            let a = alpha_plane(a, 16)?;
            DynamicImage::ImageRgba16(ImageBuffer::from_fn(w, h, |x, y| {
                let i = idx(x, y);
                Rgba([r[i], g[i], b[i], a[i]])
            }))
        }
    })
}

/// Undoes premultiplied alpha (flagged by the container's `prem` reference).
fn unpremultiply(pixels: &mut DynamicImage) {
    match pixels {
        DynamicImage::ImageRgba8(img) => {
            for p in img.pixels_mut() {
                let a = u32::from(p[3]);
                for c in &mut p.0[..3] {
                    if let Some(v) = (u32::from(*c) * 255 + a / 2).checked_div(a) {
                        *c = v.min(255) as u8;
                    }
                }
            }
        }
        DynamicImage::ImageRgba16(img) => {
            for p in img.pixels_mut() {
                let a = u64::from(p[3]);
                for c in &mut p.0[..3] {
                    if let Some(v) = (u64::from(*c) * 65535 + a / 2).checked_div(a) {
                        *c = v.min(65535) as u16;
                    }
                }
            }
        }
        _ => {}
    }
}
