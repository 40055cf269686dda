//! Decompression bombs and size limits: refused from the header, before allocation.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use imagemint_core::{DecodeOptions, Error, Limits, Options, decode, process};

/// Counts the bytes the current thread has live and its peak, so parallel tests do not
/// disturb each other's numbers.
struct PerThreadPeak;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add_signed(delta);
        live.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: forwards to the system allocator; the bookkeeping never allocates.
unsafe impl GlobalAlloc for PerThreadPeak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: PerThreadPeak = PerThreadPeak;

/// Peak bytes allocated by `f` on this thread, above what was live before.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(Cell::get) - base)
}

/// A well-formed PNG whose header claims `width`×`height` RGBA pixels (10^10 for the
/// bomb) but whose data is a few bytes of zlib.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// `rocket.jpg` with its SOF0 header claiming `width`×`height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = fixture("rocket.jpg");
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

fn assert_limits_error(result: Result<impl std::fmt::Debug, Error>, what: &str) {
    match result {
        Err(Error::LimitsExceeded { reason }) => assert!(!reason.is_empty()),
        other => panic!("{what}: expected LimitsExceeded, got {other:?}"),
    }
}

#[test]
fn png_bomb_header_is_refused_without_allocating() {
    let bomb = png_claiming(100_000, 100_000);
    let (result, peak) = peak_during(|| decode(&bomb, &DecodeOptions::default()));
    assert_limits_error(result, "100000×100000 PNG");
    // 10^10 RGBA pixels would be 40 GB; refusing must cost next to nothing.
    assert!(
        peak < 1024 * 1024,
        "refusing the bomb allocated {peak} bytes"
    );
    // The same header within the limits is decoded (and fails on the missing data).
    assert!(matches!(
        decode(&png_claiming(64, 64), &DecodeOptions::default()),
        Err(Error::Decode { .. })
    ));
}

#[test]
fn jpeg_bomb_header_is_refused_without_allocating() {
    let bomb = jpeg_claiming(60_000, 60_000);
    let (result, peak) = peak_during(|| process(&bomb, &Options::default()));
    assert_limits_error(result, "60000×60000 JPEG");
    assert!(
        peak < 4 * 1024 * 1024,
        "refusing the bomb allocated {peak} bytes"
    );
}

#[test]
fn every_format_checks_every_limit_before_decoding() {
    let limited = |f: fn(&mut Limits)| {
        let mut o = DecodeOptions::default();
        f(&mut o.limits);
        o
    };
    let cases: [(&str, DecodeOptions); 4] = [
        ("maxPixels", limited(|l| l.max_pixels = 10_000)),
        ("maxWidth", limited(|l| l.max_width = 100)),
        ("maxHeight", limited(|l| l.max_height = 100)),
        ("maxAlloc", limited(|l| l.max_alloc = 100_000)),
    ];
    for (name, _) in INPUTS {
        let input = fixture(name);
        for (limit, options) in &cases {
            let (result, peak) = peak_during(|| decode(&input, options));
            assert_limits_error(result, &format!("{name} with {limit}"));
            // Decoders may copy the input and set up buffers (zlib windows); nothing pixel-sized.
            let allowed = input.len() + 256 * 1024;
            assert!(
                peak < allowed,
                "{name} with {limit}: allocated {peak} bytes first"
            );
        }
        assert!(
            decode(&input, &DecodeOptions::default()).is_ok(),
            "{name} within limits"
        );
    }
}

#[test]
fn avif_that_understates_its_size_in_the_container_is_still_refused() {
    // chelsea.avif with its `ispe` box claiming 8×8: the AV1 sequence header (what the
    // decoder obeys) still says 451×300, and that is what the limits see.
    let mut avif = fixture("chelsea.avif");
    let at = avif
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("ispe box")
        + 8;
    avif[at..at + 8].copy_from_slice(&[0, 0, 0, 8, 0, 0, 0, 8]);
    let mut options = DecodeOptions::default();
    options.limits.max_pixels = 10_000;
    let (result, peak) = peak_during(|| decode(&avif, &options));
    assert_limits_error(result, "AVIF with a lying ispe");
    assert!(
        peak < avif.len() + 256 * 1024,
        "allocated {peak} bytes first"
    );
}

#[test]
fn pixel_input_is_held_to_the_limits() {
    let image = imagemint_core::Image::from_rgb8(100, 100, vec![0; 100 * 100 * 3]).unwrap();
    let mut options = Options::default();
    options.decode.limits.max_pixels = 9_999;
    let pipeline = imagemint_core::Pipeline::new(options.clone()).unwrap();
    assert_limits_error(pipeline.process_image(image.clone()), "maxPixels");
    options.decode.limits.max_pixels = 10_000;
    let pipeline = imagemint_core::Pipeline::new(options).unwrap();
    assert!(pipeline.process_image(image).is_ok());
    assert_limits_error(Limits::default().check(70_000, 1, 4), "maxWidth");
}
