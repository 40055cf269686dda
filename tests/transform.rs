//! Resize, crop, rotate and flip on real photos.

mod common;

use common::*;
use imagemint_core::{
    DecodeOptions, Error, Filter, Fit, Image, Rect, Resize, Rotation, TransformOptions, decode,
    transform,
};

fn photo() -> Image {
    decode(&fixture("rocket.jpg"), &DecodeOptions::default()).unwrap() // 640×427
}

fn with(options: impl FnOnce(&mut TransformOptions)) -> TransformOptions {
    let mut o = TransformOptions::default();
    options(&mut o);
    o
}

fn resized(image: Image, resize: Resize) -> Image {
    transform(image, &with(|o| o.resize = Some(resize))).unwrap()
}

fn size(image: &Image) -> (u32, u32) {
    (image.width(), image.height())
}

#[test]
fn resize_by_width_height_or_box() {
    assert_eq!(size(&resized(photo(), Resize::width(320))), (320, 214));
    assert_eq!(size(&resized(photo(), Resize::height(100))), (150, 100));
    assert_eq!(
        size(&resized(photo(), Resize::to_box(200, 200, Fit::Contain))),
        (200, 133)
    );
    assert_eq!(
        size(&resized(photo(), Resize::to_box(200, 200, Fit::Cover))),
        (200, 200)
    );
    assert_eq!(
        size(&resized(photo(), Resize::to_box(200, 50, Fit::Fill))),
        (200, 50)
    );
}

#[test]
fn never_enlarges_unless_asked() {
    let same = resized(photo(), Resize::width(1200));
    assert_eq!(size(&same), (640, 427));
    assert!(
        same.to_rgba8() == photo().to_rgba8(),
        "an image that fits is left untouched"
    );
    let mut bigger = Resize::width(1280);
    bigger.enlarge = true;
    assert_eq!(size(&resized(photo(), bigger)), (1280, 854));
}

#[test]
fn cover_is_a_centred_crop_of_the_scaled_image() {
    let cover = resized(photo(), Resize::to_box(200, 200, Fit::Cover));
    // The same picture by hand: the centred 427×427 square, scaled to 200×200.
    let square = transform(
        photo(),
        &with(|o| {
            o.crop = Some(Rect {
                x: 106,
                y: 0,
                width: 427,
                height: 427,
            });
            o.resize = Some(Resize::to_box(200, 200, Fit::Fill));
        }),
    )
    .unwrap();
    let diff = mean_abs_diff(&cover.to_rgba8(), &square.to_rgba8());
    assert!(diff < 1.5, "cover differs from a centre crop by {diff:.2}");
}

#[test]
fn every_filter_resizes_and_nearest_picks_source_pixels() {
    let src = photo().to_rgba8();
    let mut outputs = Vec::new();
    for filter in [
        Filter::Lanczos3,
        Filter::Mitchell,
        Filter::CatmullRom,
        Filter::Bilinear,
        Filter::Nearest,
    ] {
        let mut r = Resize::width(320);
        r.filter = filter;
        let out = resized(photo(), r);
        assert_eq!(size(&out), (320, 214), "{filter}");
        outputs.push(out.to_rgba8());
    }
    for i in 0..outputs.len() {
        for j in i + 1..outputs.len() {
            assert!(
                outputs[i] != outputs[j],
                "filters {i} and {j} gave identical pixels"
            );
        }
    }
    // Halving with Nearest copies source pixels: each output pixel is one of the 2×2
    // source pixels it covers.
    let mut r = Resize::to_box(320, 213, Fit::Fill);
    r.filter = Filter::Nearest;
    let nearest = resized(photo(), r).to_rgba8();
    for y in 0..213usize {
        for x in 0..320usize {
            let got = &nearest[(y * 320 + x) * 4..][..4];
            let covered = [(0, 0), (1, 0), (0, 1), (1, 1)].iter().any(|(dx, dy)| {
                let s = ((2 * y + dy) * 640 + 2 * x + dx) * 4;
                &src[s..s + 4] == got
            });
            assert!(covered, "pixel ({x}, {y}) is not a source pixel");
        }
    }
}

#[test]
fn crop_takes_exactly_the_rectangle() {
    let src = photo().to_rgba8();
    let rect = Rect {
        x: 100,
        y: 50,
        width: 64,
        height: 32,
    };
    let cropped = transform(photo(), &with(|o| o.crop = Some(rect))).unwrap();
    assert_eq!(size(&cropped), (64, 32));
    let got = cropped.to_rgba8();
    for y in 0..32usize {
        let s = ((50 + y) * 640 + 100) * 4;
        assert_eq!(&got[y * 64 * 4..][..64 * 4], &src[s..s + 64 * 4], "row {y}");
    }
}

#[test]
fn crop_outside_the_image_is_an_options_error() {
    for rect in [
        Rect {
            x: 600,
            y: 0,
            width: 64,
            height: 10,
        },
        Rect {
            x: 0,
            y: 427,
            width: 1,
            height: 1,
        },
        Rect {
            x: u32::MAX,
            y: 0,
            width: 2,
            height: 2,
        },
    ] {
        match transform(photo(), &with(|o| o.crop = Some(rect))) {
            Err(Error::InvalidOptions { field, .. }) => assert_eq!(field, "transform.crop"),
            other => panic!("{rect:?}: expected InvalidOptions, got {other:?}"),
        }
    }
}

#[test]
fn rotations_and_flips_move_pixels_exactly() {
    let src = photo().to_rgba8();
    // EXIF orientation numbers describe the same moves: 6 = 90°, 3 = 180°, 8 = 270°,
    // 2 = mirror left–right, 4 = mirror top–bottom.
    let cases: [(TransformOptions, u16); 5] = [
        (with(|o| o.rotate = Rotation::Cw90), 6),
        (with(|o| o.rotate = Rotation::Cw180), 3),
        (with(|o| o.rotate = Rotation::Cw270), 8),
        (with(|o| o.flip_horizontal = true), 2),
        (with(|o| o.flip_vertical = true), 4),
    ];
    for (options, orientation) in cases {
        let out = transform(photo(), &options).unwrap();
        let (w, h, expected) = displayed(&src, 640, 427, orientation);
        assert_eq!(size(&out), (w as u32, h as u32), "{options:?}");
        assert!(out.to_rgba8() == expected, "{options:?}");
    }
}

#[test]
fn resizing_premultiplies_alpha_so_edges_keep_their_colour() {
    // logo-cutout.png: an orange/green disc on fully transparent pixels whose hidden
    // colour is black. Resizing without premultiplied alpha mixes that black into the
    // half-transparent edge pixels (a dark fringe).
    let logo = decode(&fixture("logo-cutout.png"), &DecodeOptions::default()).unwrap();
    let small = resized(logo, Resize::width(125)).to_rgba8();
    let luma =
        |p: &[u8]| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
    let (mut edge, mut edge_n, mut opaque, mut opaque_n) = (0.0, 0, 0.0, 0);
    for p in small.chunks_exact(4) {
        match p[3] {
            32..=223 => {
                edge += luma(p);
                edge_n += 1;
            }
            255 => {
                opaque += luma(p);
                opaque_n += 1;
            }
            _ => {}
        }
    }
    assert!(
        edge_n > 100,
        "expected a soft edge, found {edge_n} partly transparent pixels"
    );
    let (edge, opaque) = (edge / f64::from(edge_n), opaque / f64::from(opaque_n));
    assert!(
        edge > 0.85 * opaque,
        "dark fringe: edge pixels average luma {edge:.0}, opaque pixels {opaque:.0}"
    );
}

#[test]
fn growing_past_the_decode_limits_is_refused() {
    let mut decode_options = DecodeOptions::default();
    decode_options.limits.max_pixels = 1_000_000;
    let image = decode(&fixture("rocket.jpg"), &decode_options).unwrap();
    let mut huge = Resize::width(20_000);
    huge.enlarge = true;
    match transform(image, &with(|o| o.resize = Some(huge))) {
        Err(Error::LimitsExceeded { .. }) => {}
        other => panic!("expected LimitsExceeded, got {other:?}"),
    }
}

#[test]
fn transform_order_is_crop_rotate_flip_resize() {
    let o = with(|o| {
        o.crop = Some(Rect {
            x: 0,
            y: 0,
            width: 400,
            height: 200,
        });
        o.rotate = Rotation::Cw90;
        o.flip_horizontal = true;
        o.resize = Some(Resize::height(200));
    });
    // crop → 400×200, rotate → 200×400, resize to height 200 → 100×200.
    let out = transform(photo(), &o).unwrap();
    assert_eq!(size(&out), (100, 200));
}
