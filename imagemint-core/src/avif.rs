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
use image::{DynamicImage, ImageBuffer};
use mp4parse::{ImageMirror, ImageRotation, ParseStrictness};
use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::headers::Dav1dSequenceHeader;
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

fn err(e: impl Into<crate::error::BoxError>) -> Error {
    Error::decode(ImageFormat::Avif, e)
}

/// Peak bytes per pixel while decoding: dav1d's picture plus the RGB and RGBA buffers
/// of the conversion, for 8-bit and for 10/12-bit samples.
const PEAK_BYTES_PER_PIXEL: [u64; 2] = [10, 20];

pub(crate) fn decode(input: &[u8], limits: &Limits) -> Result<Decoded> {
    let container =
        mp4parse::read_avif(&mut Cursor::new(input), ParseStrictness::Normal).map_err(err)?;
    let color_obus = container.primary_item_coded_data().ok_or_else(|| {
        err("the file has no primary image item (image sequences are not supported)")
    })?;
    let alpha_obus = container.alpha_item_coded_data();

    // Every size the file declares is checked before the AV1 decoder allocates: the
    // container's `ispe` and each item's sequence header (which is what the decoder
    // actually obeys).
    let extents = container.spatial_extents_ptr().map_err(err)?;
    // SAFETY: mp4parse returns null or a pointer into `container`; the property is
    // `#[repr(C)]` with exactly two `u32` fields (width, height) for its C API (the
    // mp4parse version is pinned for that reason).
    if let Some(&[w, h]) = unsafe { extents.cast::<[u32; 2]>().as_ref() } {
        check_limits(w, h, PEAK_BYTES_PER_PIXEL[0], limits)?;
    }
    for obus in std::iter::once(color_obus).chain(alpha_obus) {
        let (w, h, high_depth) = sequence_size(obus)?;
        check_limits(w, h, PEAK_BYTES_PER_PIXEL[usize::from(high_depth)], limits)?;
    }

    let color = decode_av1(color_obus, limits)?;
    let (width, height) = color.size();
    // Frames may be smaller than the sequence maximum, never larger; check what came.
    check_limits(
        width,
        height,
        PEAK_BYTES_PER_PIXEL[usize::from(color.high_bit_depth())],
        limits,
    )?;
    let alpha = alpha_obus
        .map(|obus| decode_av1(obus, limits))
        .transpose()?;
    if let Some(alpha) = alpha.as_ref().filter(|a| a.size() != (width, height)) {
        return Err(err(format!(
            "alpha plane is {:?} but the colour image is {width}×{height}",
            alpha.size()
        )));
    }
    let matrix = matrix_of(&container, &color);

    let mut pixels = to_rgb(&color, matrix, alpha.as_ref())?;
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

/// A sample type of decoded planes and of output pixels: `u8` or `u16`.
trait Sample: Copy + Into<u32> + 'static {
    /// Bits of the output pixels made from this sample type.
    const OUTPUT_BITS: u32;
    fn from_u32(v: u32) -> Self;
    /// An image of `channels` (1–4) interleaved channels.
    fn image(w: u32, h: u32, channels: usize, data: Vec<Self>) -> Option<DynamicImage>;
}

impl Sample for u8 {
    const OUTPUT_BITS: u32 = 8;
    fn from_u32(v: u32) -> Self {
        v as u8
    }
    fn image(w: u32, h: u32, channels: usize, data: Vec<u8>) -> Option<DynamicImage> {
        Some(match channels {
            1 => DynamicImage::ImageLuma8(ImageBuffer::from_raw(w, h, data)?),
            2 => DynamicImage::ImageLumaA8(ImageBuffer::from_raw(w, h, data)?),
            3 => DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, data)?),
            _ => DynamicImage::ImageRgba8(ImageBuffer::from_raw(w, h, data)?),
        })
    }
}

impl Sample for u16 {
    const OUTPUT_BITS: u32 = 16;
    fn from_u32(v: u32) -> Self {
        v as u16
    }
    fn image(w: u32, h: u32, channels: usize, data: Vec<u16>) -> Option<DynamicImage> {
        Some(match channels {
            1 => DynamicImage::ImageLuma16(ImageBuffer::from_raw(w, h, data)?),
            2 => DynamicImage::ImageLumaA16(ImageBuffer::from_raw(w, h, data)?),
            3 => DynamicImage::ImageRgb16(ImageBuffer::from_raw(w, h, data)?),
            _ => DynamicImage::ImageRgba16(ImageBuffer::from_raw(w, h, data)?),
        })
    }
}

impl Picture {
    fn size(&self) -> (u32, u32) {
        (self.0.p.w.max(0) as u32, self.0.p.h.max(0) as u32)
    }

    fn depth(&self) -> u32 {
        self.0.p.bpc.max(0) as u32
    }

    fn high_bit_depth(&self) -> bool {
        self.depth() > 8
    }

    /// Plane `i` (0 = Y, 1 = U, 2 = V) with its stride, both in samples of `T`; `None`
    /// if the picture has no such plane or `T` is not its sample type.
    fn plane<T: Sample>(&self, i: usize) -> Option<(&[T], usize)> {
        let layout = self.0.p.layout;
        if i > 2 || (i > 0 && layout == DAV1D_PIXEL_LAYOUT_I400) {
            return None;
        }
        if size_of::<T>() != if self.high_bit_depth() { 2 } else { 1 } {
            return None;
        }
        let (_, h) = self.size();
        let rows = if i > 0 && layout == DAV1D_PIXEL_LAYOUT_I420 {
            h.div_ceil(2)
        } else {
            h
        } as usize;
        let data = self.0.data[i]?;
        let stride = usize::try_from(self.0.stride[i.min(1)]).ok()? / size_of::<T>();
        // SAFETY: dav1d allocates each plane as its stride times its (aligned) height in
        // rows, half the luma height rounded up for 4:2:0 chroma, aligned for 16-bit
        // samples, and keeps it alive while the picture is referenced; `rows` and the
        // sample type were derived from the picture's own layout and depth above.
        let samples =
            unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<T>(), stride * rows) };
        Some((samples, stride))
    }

    /// Whether samples use the full range (else 16–235, scaled to the bit depth).
    fn full_range(&self) -> bool {
        // SAFETY: seq_hdr points into the picture's reference-counted header.
        self.0
            .seq_hdr
            .is_some_and(|h| unsafe { h.as_ref() }.color_range != 0)
    }

    /// Matrix coefficients from the AV1 sequence header.
    fn matrix(&self) -> u32 {
        // SAFETY: as in `full_range`.
        self.0
            .seq_hdr
            .map_or(DAV1D_MC_UNKNOWN, |h| unsafe { h.as_ref() }.mtrx)
    }
}

/// Matrix coefficients of the colour item: the container's `nclx` box when it has one
/// (as libavif reads it), else the AV1 sequence header.
fn matrix_of(container: &mp4parse::AvifContext, color: &Picture) -> u32 {
    match container.nclx_colour_information_ptr() {
        // SAFETY: a pointer into `container`; `NclxColourInformation` is `#[repr(C)]`
        // with four one-byte fields: primaries, transfer, matrix, full-range flag (the
        // mp4parse version is pinned for that reason).
        Some(Ok(nclx)) => unsafe { nclx.cast::<[u8; 4]>().as_ref() }
            .map_or_else(|| color.matrix(), |n| u32::from(n[2])),
        _ => color.matrix(),
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
        // SAFETY: the data came from dav1d_data_create; unref releases what is left and
        // is a no-op on data dav1d already took.
        unsafe { dav1d::dav1d_data_unref(Some(NonNull::from(&mut self.0))) }
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

/// Width, height and whether samples exceed 8 bits, from an item's AV1 sequence header.
fn sequence_size(obus: &[u8]) -> Result<(u32, u32, bool)> {
    let data = NonNull::new(obus.as_ptr().cast_mut()).filter(|_| !obus.is_empty());
    let data = data.ok_or_else(|| err("empty AV1 item"))?;
    let mut header = MaybeUninit::<Dav1dSequenceHeader>::uninit();
    // SAFETY: `data` points at `obus.len()` readable bytes (dav1d only reads them), and on
    // success dav1d has written the whole header.
    let header = unsafe {
        let parsed = dav1d::dav1d_parse_sequence_header(
            Some(NonNull::from(&mut header).cast()),
            Some(data),
            obus.len(),
        );
        check(parsed, "sequence header")?;
        header.assume_init()
    };
    let side = |v: i32| u32::try_from(v).map_err(|_| err("negative size in sequence header"));
    Ok((
        side(header.max_width)?,
        side(header.max_height)?,
        header.hbd != 0,
    ))
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
    let most_pixels = limits
        .max_pixels
        .min(u64::from(limits.max_width) * u64::from(limits.max_height));
    settings.frame_size_limit = u32::try_from(most_pixels).unwrap_or(u32::MAX);

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
fn to_rgb(color: &Picture, matrix: u32, alpha: Option<&Picture>) -> Result<DynamicImage> {
    if color.high_bit_depth() {
        to_rgb_as::<u16>(color, matrix, alpha)
    } else {
        to_rgb_as::<u8>(color, matrix, alpha)
    }
}

/// [`to_rgb`] for samples of type `T`; output is 8-bit for `u8`, 16-bit for `u16`.
fn to_rgb_as<T: Sample>(
    color: &Picture,
    matrix: u32,
    alpha: Option<&Picture>,
) -> Result<DynamicImage> {
    let (w, h) = color.size();
    let depth = color.depth();
    let full = color.full_range();
    let layout = color.0.p.layout;
    let missing = || err("picture plane missing");
    let alpha = alpha.map(alpha_plane::<T>).transpose()?;

    let (channels, pixels): (usize, Vec<T>) = if layout == DAV1D_PIXEL_LAYOUT_I400 {
        let (y, ys) = color.plane::<T>(0).ok_or_else(missing)?;
        (1, to_full_range::<T, T>(y, ys, w, h, full, depth))
    } else if matrix == DAV1D_MC_IDENTITY {
        // The planes hold G, B, R directly; only 4:4:4 makes sense.
        if layout != DAV1D_PIXEL_LAYOUT_I444 {
            return Err(Error::UnsupportedFormat {
                what: "AVIF with identity matrix and subsampled chroma".into(),
            });
        }
        let mut planes = Vec::new();
        for i in 0..3 {
            let (p, stride) = color.plane::<T>(i).ok_or_else(missing)?;
            planes.push(to_full_range::<T, T>(p, stride, w, h, full, depth));
        }
        let (g, b, r) = (&planes[0], &planes[1], &planes[2]);
        let rgb = (0..g.len()).flat_map(|i| [r[i], g[i], b[i]]).collect();
        (3, rgb)
    } else {
        (3, yuv_to_rgb::<T>(color, yuv_matrix(matrix)?, full)?)
    };
    let (channels, data) = match alpha {
        None => (channels, pixels),
        Some(a) => {
            let with_alpha = pixels
                .chunks_exact(channels)
                .zip(a)
                .flat_map(|(px, a)| px.iter().copied().chain(std::iter::once(a)))
                .collect();
            (channels + 1, with_alpha)
        }
    };
    T::image(w, h, channels, data).ok_or_else(|| err("pixel buffer size mismatch"))
}

/// The `yuv` crate's matrix for AV1 matrix coefficients `mc`.
fn yuv_matrix(mc: u32) -> Result<YuvStandardMatrix> {
    Ok(match mc {
        DAV1D_MC_BT709 => YuvStandardMatrix::Bt709,
        // Unspecified is read as BT.601, as browsers and libavif do.
        DAV1D_MC_BT470BG | DAV1D_MC_BT601 | DAV1D_MC_UNKNOWN => YuvStandardMatrix::Bt601,
        DAV1D_MC_BT2020_NCL | DAV1D_MC_BT2020_CL => YuvStandardMatrix::Bt2020,
        DAV1D_MC_SMPTE240 => YuvStandardMatrix::Smpte240,
        DAV1D_MC_FCC => YuvStandardMatrix::Fcc,
        other => {
            return Err(Error::UnsupportedFormat {
                what: format!("AVIF with matrix coefficients {other}"),
            });
        }
    })
}

/// YUV planes to interleaved RGB samples of `T` (the picture's own sample type).
fn yuv_to_rgb<T: Sample>(color: &Picture, matrix: YuvStandardMatrix, full: bool) -> Result<Vec<T>> {
    let (w, h) = color.size();
    let missing = || err("picture plane missing");
    let range = if full {
        YuvRange::Full
    } else {
        YuvRange::Limited
    };
    let failed = |e: yuv::YuvError| err(format!("YUV conversion: {e}"));
    let layout = color.0.p.layout;
    let rgb_len = w as usize * h as usize * 3;
    // The yuv crate is typed per sample width; dispatch on T's size.
    if size_of::<T>() == 1 {
        let (y, ys) = color.plane::<u8>(0).ok_or_else(missing)?;
        let (u, us) = color.plane::<u8>(1).ok_or_else(missing)?;
        let (v, vs) = color.plane::<u8>(2).ok_or_else(missing)?;
        let planar = planar(y, ys, u, us, v, vs, w, h);
        let convert = match layout {
            DAV1D_PIXEL_LAYOUT_I420 => yuv::yuv420_to_rgb,
            DAV1D_PIXEL_LAYOUT_I422 => yuv::yuv422_to_rgb,
            _ => yuv::yuv444_to_rgb,
        };
        let mut rgb = vec![0u8; rgb_len];
        convert(&planar, &mut rgb, w * 3, range, matrix).map_err(failed)?;
        Ok(rgb.into_iter().map(|v| T::from_u32(v.into())).collect())
    } else {
        let depth = color.depth();
        let (y, ys) = color.plane::<u16>(0).ok_or_else(missing)?;
        let (u, us) = color.plane::<u16>(1).ok_or_else(missing)?;
        let (v, vs) = color.plane::<u16>(2).ok_or_else(missing)?;
        let planar = planar(y, ys, u, us, v, vs, w, h);
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
        let mut rgb = vec![0u16; rgb_len];
        convert(&planar, &mut rgb, w * 3, range, matrix).map_err(failed)?;
        Ok(rgb
            .into_iter()
            .map(|v| T::from_u32(widen(v, depth).into()))
            .collect())
    }
}

#[allow(clippy::too_many_arguments)]
fn planar<'a, S: Copy + std::fmt::Debug>(
    y: &'a [S],
    ys: usize,
    u: &'a [S],
    us: usize,
    v: &'a [S],
    vs: usize,
    width: u32,
    height: u32,
) -> YuvPlanarImage<'a, S> {
    YuvPlanarImage {
        y_plane: y,
        y_stride: ys as u32,
        u_plane: u,
        u_stride: us as u32,
        v_plane: v,
        v_stride: vs as u32,
        width,
        height,
    }
}

/// `depth`-bit sample to 16 bits, repeating the top bits so that white stays white.
fn widen(s: u16, depth: u32) -> u16 {
    (s << (16 - depth)) | (s >> (2 * depth - 16))
}

/// One plane of `depth`-bit samples as full-range output samples of type `O` (8-bit
/// values for `u8`, 16-bit for `u16`).
fn to_full_range<S: Sample, O: Sample>(
    plane: &[S],
    stride: usize,
    w: u32,
    h: u32,
    full: bool,
    depth: u32,
) -> Vec<O> {
    let max = (1u32 << depth) - 1;
    let shift = depth - 8;
    plane
        .chunks(stride)
        .take(h as usize)
        .flat_map(|row| &row[..w as usize])
        .map(|&s| {
            let s: u32 = s.into();
            let s = if full {
                s
            } else {
                // Limited range: black at 16, white at 235 (scaled for depth).
                (s.saturating_sub(16 << shift) * max / (219 << shift)).min(max)
            };
            // To the output depth: 8 → 8 bits as is, deeper → 16 bits.
            let out = match (depth, O::OUTPUT_BITS) {
                (8, 8) => s,
                (8, _) => s * 257,
                (_, 8) => s >> (depth - 8),
                _ => u32::from(widen(s as u16, depth)),
            };
            O::from_u32(out)
        })
        .collect()
}

/// The alpha picture as full-range samples of the colour output's type `O`.
fn alpha_plane<O: Sample>(a: &Picture) -> Result<Vec<O>> {
    let (w, h) = a.size();
    let (depth, full) = (a.depth(), a.full_range());
    let missing = || err("alpha plane missing");
    Ok(if a.high_bit_depth() {
        let (y, ys) = a.plane::<u16>(0).ok_or_else(missing)?;
        to_full_range::<u16, O>(y, ys, w, h, full, depth)
    } else {
        let (y, ys) = a.plane::<u8>(0).ok_or_else(missing)?;
        to_full_range::<u8, O>(y, ys, w, h, full, depth)
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
        DynamicImage::ImageLumaA8(img) => {
            for p in img.pixels_mut() {
                let a = u32::from(p[1]);
                if let Some(v) = (u32::from(p[0]) * 255 + a / 2).checked_div(a) {
                    p[0] = v.min(255) as u8;
                }
            }
        }
        DynamicImage::ImageLumaA16(img) => {
            for p in img.pixels_mut() {
                let a = u64::from(p[1]);
                if let Some(v) = (u64::from(p[0]) * 65535 + a / 2).checked_div(a) {
                    p[0] = v.min(65535) as u16;
                }
            }
        }
        _ => {}
    }
}
