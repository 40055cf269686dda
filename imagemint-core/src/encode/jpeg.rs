//! A small safe JPEG encoder over `mozjpeg-sys`.
//!
//! The `mozjpeg` wrapper crate does not build for wasm32, so this one wrapper serves every
//! target. libjpeg reports fatal errors through `error_exit`, which must not return; ours
//! unwinds (mozjpeg-sys compiles libjpeg with `-fexceptions` for that) and the unwind is
//! caught here and turned into `Err`. Everything libjpeg would reject from us is checked
//! first (sizes, quality, marker lengths), so in practice only allocation failure can
//! reach `error_exit`. wasm32 has no unwinding: there `error_exit` traps, as any failed
//! allocation in a wasm module does, and the JS caller gets a `WebAssembly.RuntimeError`.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use mozjpeg_sys::{
    J_COLOR_SPACE, JBOOLEAN_OPTIMIZE_SCANS, JBOOLEAN_TRELLIS_QUANT, JCP_FASTEST,
    JINT_COMPRESS_PROFILE, JPEG_LIB_VERSION, boolean, jpeg_c_set_bool_param, jpeg_c_set_int_param,
    jpeg_common_struct, jpeg_compress_struct, jpeg_destination_mgr, jpeg_error_mgr,
};

use crate::ChromaSubsampling;

/// libjpeg's largest supported dimension.
const MAX_DIMENSION: u32 = 65_500;
/// Payload limit of one JPEG marker segment.
const MAX_MARKER_PAYLOAD: usize = 65_533;
const EXIF_HEADER: &[u8] = b"Exif\0\0";
/// An ICC profile is split over at most 255 APP2 markers of 65,519 bytes each.
const MAX_ICC: usize = 255 * 65_519;
/// libjpeg's message buffer size (`JMSG_LENGTH_MAX`).
const MESSAGE_LENGTH: usize = 200;

pub(super) enum Layout {
    Grey,
    Rgb,
}

pub(super) struct Params<'a> {
    pub(super) quality: u8,
    pub(super) progressive: bool,
    pub(super) subsampling: ChromaSubsampling,
    /// libjpeg-turbo defaults (no trellis, no scan optimisation) instead of mozjpeg's.
    pub(super) fast: bool,
    pub(super) icc: Option<&'a [u8]>,
    pub(super) exif: Option<&'a [u8]>,
}

/// Encodes `pixels` (rows of 1 or 3 bytes per pixel) as JPEG.
pub(super) fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    layout: Layout,
    params: &Params<'_>,
) -> Result<Vec<u8>, String> {
    let components = match layout {
        Layout::Grey => 1,
        Layout::Rgb => 3,
    };
    if width == 0 || height == 0 || width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(format!(
            "JPEG sides must be 1..={MAX_DIMENSION} pixels, the image is {width}×{height}"
        ));
    }
    let row_len = width as usize * components;
    if pixels.len() != row_len * height as usize {
        return Err("pixel buffer does not match the image size".into());
    }
    if !(1..=100).contains(&params.quality) {
        return Err(format!(
            "quality {} is out of range 1..=100",
            params.quality
        ));
    }
    if let Some(exif) = params
        .exif
        .filter(|e| EXIF_HEADER.len() + e.len() > MAX_MARKER_PAYLOAD)
    {
        return Err(format!(
            "the EXIF block ({} bytes) does not fit in a JPEG APP1 segment (at most {} bytes)",
            exif.len(),
            MAX_MARKER_PAYLOAD - EXIF_HEADER.len()
        ));
    }
    if params.icc.is_some_and(|icc| icc.len() > MAX_ICC) {
        return Err(format!(
            "the ICC profile is larger than JPEG can hold ({MAX_ICC} bytes)"
        ));
    }
    let exif = params.exif.filter(|e| !e.is_empty());
    compress(pixels, width, height, components, params, exif)
}

/// Runs libjpeg, turning its fatal errors into `Err`. The caller has validated the input;
/// libjpeg checks again and reports through `error_exit`.
fn compress(
    pixels: &[u8],
    width: u32,
    height: u32,
    components: usize,
    params: &Params<'_>,
    exif: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let mut c = Compressor::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `c` is boxed (stable addresses for libjpeg's internal pointers) and
        // fresh from `Compressor::new`; unwinds from `error_exit` are caught right here.
        unsafe { c.run(pixels, width, height, components, params, exif) }
    }));
    match result {
        Ok(()) => Ok(std::mem::take(&mut c.out)),
        Err(payload) => match payload.downcast::<LibjpegError>() {
            Ok(e) => Err(e.0),
            // A real bug in our code: keep its panic as it was.
            Err(other) => resume_unwind(other),
        },
    }
}

/// The message of a libjpeg fatal error, carried by the unwind out of `error_exit`.
struct LibjpegError(String);

/// libjpeg's state plus the output buffer; boxed because libjpeg keeps pointers into it.
#[repr(C)]
struct Compressor {
    cinfo: jpeg_compress_struct,
    err: jpeg_error_mgr,
    dest: jpeg_destination_mgr,
    out: Vec<u8>,
}

impl Compressor {
    fn new() -> Box<Self> {
        // SAFETY: these are plain C structs for which all-zero is the "unset" state that
        // jpeg_std_error / jpeg_CreateCompress expect to fill in.
        let mut c: Box<Self> = Box::new(Compressor {
            cinfo: unsafe { std::mem::zeroed() },
            err: unsafe { std::mem::zeroed() },
            dest: unsafe { std::mem::zeroed() },
            out: Vec::new(),
        });
        // SAFETY: `c.err` is a valid error manager to initialise.
        unsafe { mozjpeg_sys::jpeg_std_error(&mut c.err) };
        c.err.error_exit = Some(error_exit);
        // The library must not print; warnings are not fatal and are ignored.
        c.err.output_message = Some(silent);
        c
    }

    /// Runs a whole compression into `self.out`.
    ///
    /// # Safety
    /// `self` must be boxed and fresh from [`Compressor::new`]; the caller must catch
    /// unwinds from `error_exit`.
    unsafe fn run(
        &mut self,
        pixels: &[u8],
        width: u32,
        height: u32,
        components: usize,
        p: &Params<'_>,
        exif: Option<&[u8]>,
    ) {
        // Taken from the same `&mut self` as everything below, so the pointer stays valid
        // for as long as libjpeg uses it.
        self.cinfo.common.err = &raw mut self.err;
        let cinfo = &mut self.cinfo;
        // SAFETY (whole block): `cinfo` lives in the box with its error manager set; the
        // libjpeg calls below follow the documented compression sequence.
        unsafe {
            mozjpeg_sys::jpeg_CreateCompress(
                cinfo,
                JPEG_LIB_VERSION,
                size_of::<jpeg_compress_struct>(),
            );
            self.dest.init_destination = Some(init_destination);
            self.dest.empty_output_buffer = Some(empty_output_buffer);
            self.dest.term_destination = Some(term_destination);
            cinfo.dest = &mut self.dest;
            cinfo.common.client_data = (&raw mut self.out).cast();

            cinfo.image_width = width;
            cinfo.image_height = height;
            cinfo.input_components = components as c_int;
            cinfo.in_color_space = if components == 1 {
                J_COLOR_SPACE::JCS_GRAYSCALE
            } else {
                J_COLOR_SPACE::JCS_RGB
            };
            if p.fast {
                // Must precede jpeg_set_defaults, which reads the profile.
                jpeg_c_set_int_param(cinfo, JINT_COMPRESS_PROFILE, JCP_FASTEST as c_int);
            }
            mozjpeg_sys::jpeg_set_defaults(cinfo);
            if p.fast {
                jpeg_c_set_bool_param(cinfo, JBOOLEAN_TRELLIS_QUANT, 0);
            }
            // Baseline-compatible (8-bit) quantisation tables, readable by every decoder.
            mozjpeg_sys::jpeg_set_quality(cinfo, c_int::from(p.quality), 1);
            if p.progressive {
                mozjpeg_sys::jpeg_simple_progression(cinfo);
            } else {
                jpeg_c_set_bool_param(cinfo, JBOOLEAN_OPTIMIZE_SCANS, 0);
                cinfo.num_scans = 0;
                cinfo.scan_info = std::ptr::null();
            }
            cinfo.optimize_coding = 1;
            if components == 3 {
                let factor = match p.subsampling {
                    ChromaSubsampling::Yuv420 => 2,
                    ChromaSubsampling::Yuv444 => 1,
                };
                // comp_info has `num_components` (3 after set_defaults for RGB) entries.
                let comps = std::slice::from_raw_parts_mut(cinfo.comp_info, 3);
                comps[0].h_samp_factor = factor;
                comps[0].v_samp_factor = factor;
                for c in &mut comps[1..] {
                    c.h_samp_factor = 1;
                    c.v_samp_factor = 1;
                }
            }
            mozjpeg_sys::jpeg_start_compress(cinfo, 1);
            if let Some(exif) = exif {
                let mut app1 = EXIF_HEADER.to_vec();
                app1.extend_from_slice(exif);
                mozjpeg_sys::jpeg_write_marker(cinfo, 0xE1, app1.as_ptr(), app1.len() as u32);
            }
            if let Some(icc) = p.icc.filter(|icc| !icc.is_empty()) {
                // Splits the profile over as many APP2 markers as it needs.
                mozjpeg_sys::jpeg_write_icc_profile(cinfo, icc.as_ptr(), icc.len() as u32);
            }
            let row_len = width as usize * components;
            for row in pixels.chunks_exact(row_len) {
                let mut row_ptr = row.as_ptr();
                mozjpeg_sys::jpeg_write_scanlines(cinfo, &mut row_ptr as *mut *const u8 as _, 1);
            }
            mozjpeg_sys::jpeg_finish_compress(cinfo);
        }
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        // SAFETY: destroying a zeroed or created compressor is allowed; it frees whatever
        // libjpeg allocated, also after an error.
        unsafe { mozjpeg_sys::jpeg_destroy_compress(&mut self.cinfo) }
    }
}

/// The output buffer and the destination manager of `cinfo`.
///
/// # Safety
/// `cinfo` must be set up by [`Compressor::run`]: `client_data` points at the
/// compressor's `out` and `dest` at its `dest`, both distinct fields of the same box.
unsafe fn parts(cinfo: &mut jpeg_compress_struct) -> (&mut Vec<u8>, &mut jpeg_destination_mgr) {
    // SAFETY: see above; the two references do not alias each other or `cinfo`.
    unsafe {
        (
            &mut *cinfo.common.client_data.cast::<Vec<u8>>(),
            &mut *cinfo.dest,
        )
    }
}

unsafe extern "C-unwind" fn init_destination(cinfo: &mut jpeg_compress_struct) {
    // SAFETY: only installed by `Compressor::run`.
    let (out, dest) = unsafe { parts(cinfo) };
    out.clear();
    out.resize(64 * 1024, 0);
    dest.next_output_byte = out.as_mut_ptr();
    dest.free_in_buffer = out.len();
}

unsafe extern "C-unwind" fn empty_output_buffer(cinfo: &mut jpeg_compress_struct) -> boolean {
    // libjpeg calls this when the whole buffer is full; grow it and continue after the end.
    // SAFETY: only installed by `Compressor::run`.
    let (out, dest) = unsafe { parts(cinfo) };
    let used = out.len();
    out.resize(used * 2, 0);
    dest.next_output_byte = out[used..].as_mut_ptr();
    dest.free_in_buffer = out.len() - used;
    1
}

unsafe extern "C-unwind" fn term_destination(cinfo: &mut jpeg_compress_struct) {
    // SAFETY: only installed by `Compressor::run`.
    let (out, dest) = unsafe { parts(cinfo) };
    let used = out.len() - dest.free_in_buffer;
    out.truncate(used);
}

unsafe extern "C-unwind" fn error_exit(cinfo: &mut jpeg_common_struct) {
    let mut buffer = [0u8; MESSAGE_LENGTH];
    // SAFETY: `err` is our error manager; format_message writes at most JMSG_LENGTH_MAX
    // (200) bytes including the NUL. mozjpeg-sys declares the buffer as `&[u8; 80]`,
    // which is both too small and read-only, so it is called through a pointer type.
    let message = unsafe {
        match (*cinfo.err).format_message {
            Some(format) => {
                let format: unsafe extern "C-unwind" fn(&mut jpeg_common_struct, *mut c_char) =
                    std::mem::transmute(format);
                format(cinfo, buffer.as_mut_ptr().cast());
                CStr::from_bytes_until_nul(&buffer)
                    .map(|m| m.to_string_lossy().into_owned())
                    .unwrap_or_else(|_| "libjpeg error".to_owned())
            }
            None => format!("libjpeg error {}", (*cinfo.err).msg_code),
        }
    };
    // resume_unwind skips the panic hook: a library must not print.
    resume_unwind(Box::new(LibjpegError(message)))
}

unsafe extern "C-unwind" fn silent(_: &mut jpeg_common_struct) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params<'static> {
        Params {
            quality: 75,
            progressive: true,
            subsampling: ChromaSubsampling::Yuv420,
            fast: false,
            icc: None,
            exif: None,
        }
    }

    #[test]
    fn libjpeg_fatal_errors_become_err_and_the_next_call_still_works() {
        // Skipping our own checks lets libjpeg see an empty image, which it refuses
        // through error_exit.
        let err = compress(&[], 0, 0, 3, &params(), None).unwrap_err();
        assert!(err.to_lowercase().contains("empty"), "{err}");
        // Nothing was left broken: a real encode right after succeeds.
        let grey = vec![128u8; 16 * 8];
        let jpeg = encode(&grey, 16, 8, Layout::Grey, &params()).unwrap();
        assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
        assert_eq!(&jpeg[jpeg.len() - 2..], [0xFF, 0xD9]);
    }

    #[test]
    fn metadata_that_jpeg_cannot_hold_is_an_error_not_a_silent_drop() {
        let grey = vec![128u8; 8 * 8];
        let big_exif = vec![0u8; 70_000];
        let mut p = params();
        p.exif = Some(&big_exif);
        let err = encode(&grey, 8, 8, Layout::Grey, &p).unwrap_err();
        assert!(err.contains("EXIF"), "{err}");
        // An empty profile or EXIF block is simply not written.
        let mut p = params();
        p.icc = Some(&[]);
        p.exif = Some(&[]);
        assert!(encode(&grey, 8, 8, Layout::Grey, &p).is_ok());
    }

    #[test]
    fn checks_come_before_libjpeg() {
        assert!(encode(&[], 0, 1, Layout::Rgb, &params()).is_err());
        assert!(encode(&[0; 3], 70_000, 1, Layout::Rgb, &params()).is_err());
        assert!(encode(&[0; 2], 1, 1, Layout::Rgb, &params()).is_err());
        let mut p = params();
        p.quality = 0;
        assert!(encode(&[0; 3], 1, 1, Layout::Rgb, &p).is_err());
    }
}
