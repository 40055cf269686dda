//! Every input format × every output format, on real photos.

mod common;

use common::*;
use imagemint_core::{
    DecodeOptions, Effort, Format, Image, ImageFormat, Options, Pipeline, Rect, Resize, Rotation,
    TransformOptions, decode, process, sniff, transform,
};

fn options(format: Format) -> Options {
    let mut o = Options::default();
    o.encode.format = format;
    o
}

fn decoded(data: &[u8]) -> Image {
    decode(data, &DecodeOptions::default()).expect("decodes")
}

/// RGBA pixels of `image` blended onto white, for comparing with JPEG output.
fn on_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let a = u32::from(p[3]);
            let mut out = [255u8; 4];
            for c in 0..3 {
                out[c] = ((u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
            }
            out
        })
        .collect()
}

#[test]
fn sniffing_uses_bytes_not_names() {
    for (name, format) in INPUTS {
        assert_eq!(sniff(&fixture(name)), Some(*format), "{name}");
    }
    assert_eq!(sniff(b"hello, world"), None);
    assert_eq!(sniff(&[]), None);
}

#[test]
fn every_input_to_every_output() {
    let outputs = [
        (Format::Jpeg, ImageFormat::Jpeg),
        (Format::Png, ImageFormat::Png),
        (Format::Webp, ImageFormat::Webp),
        (Format::Avif, ImageFormat::Avif),
    ];
    for (name, _) in INPUTS {
        let input = fixture(name);
        let source = decoded(&input);
        let source_rgba = source.to_rgba8();
        for (format, expected) in outputs {
            let what = format!("{name} → {format}");
            let out = process(&input, &options(format)).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(out.format, expected, "{what}");
            assert_eq!(sniff(&out.data), Some(expected), "{what}: output bytes");
            assert_eq!(
                (out.width, out.height),
                (source.width(), source.height()),
                "{what}"
            );
            assert_eq!(out.report.output_bytes, out.data.len() as u64, "{what}");

            let back = decoded(&out.data);
            assert_eq!(
                (back.width(), back.height()),
                (out.width, out.height),
                "{what}"
            );
            if expected != ImageFormat::Avif {
                let independent = decode_independently(&out.data);
                assert_eq!(
                    (independent.width(), independent.height()),
                    (out.width, out.height),
                    "{what}: image crate disagrees"
                );
            }

            // The pixels must still be the picture: lossless PNG exactly, lossy formats
            // close to it. Compared as seen on white, since lossy encoders may change the
            // hidden colour of fully transparent pixels.
            let got_rgba = back.to_rgba8();
            let diff = mean_abs_diff(&on_white(&source_rgba), &on_white(&got_rgba));
            let limit = match expected {
                ImageFormat::Png => 0.0,
                _ => 6.0,
            };
            if source.has_alpha() && expected != ImageFormat::Jpeg {
                let alpha = |px: &[u8]| px.iter().skip(3).step_by(4).copied().collect::<Vec<u8>>();
                let alpha_diff = mean_abs_diff(&alpha(&source_rgba), &alpha(&got_rgba));
                assert!(
                    alpha_diff <= limit,
                    "{what}: alpha differs by {alpha_diff:.2}"
                );
            }
            assert!(diff <= limit, "{what}: mean abs diff {diff:.2} > {limit}");
        }
    }
}

#[test]
fn avif_and_webp_decoders_agree_with_the_png_they_were_made_from() {
    // The fixtures were encoded from chelsea.png by libavif and cwebp: what we decode must
    // be that photo, which catches wrong YUV matrices, ranges or bit-depth handling.
    let reference = decoded(&fixture("chelsea.png")).to_rgba8();
    for (name, limit) in [
        ("chelsea.avif", 4.0),
        ("chelsea-10bit-444.avif", 3.0),
        ("chelsea-12bit-422.avif", 3.0),
        ("chelsea-lossy.webp", 4.0),
        ("chelsea-lossless.webp", 0.0),
        ("chelsea.tiff", 0.0),
        ("chelsea.bmp", 0.0),
    ] {
        let got = decoded(&fixture(name)).to_rgba8();
        let diff = mean_abs_diff(&reference, &got);
        assert!(diff <= limit, "{name}: mean abs diff {diff:.2} > {limit}");
    }
    // Matrix and range must come from the file (BT.709, limited range), not a BT.601
    // full-range default: on the logo's saturated orange and green the difference shows.
    let logo = decoded(&fixture("logo.png")).to_rgba8();
    let bt709 = decoded(&fixture("logo-bt709-limited.avif")).to_rgba8();
    let diff = mean_abs_diff(&logo, &bt709);
    assert!(
        diff <= 2.0,
        "logo-bt709-limited.avif: mean abs diff {diff:.2}"
    );

    let grey = decoded(&fixture("brick.png")).to_rgba8();
    let mono = decoded(&fixture("brick-mono.avif")).to_rgba8();
    let diff = mean_abs_diff(&grey, &mono);
    assert!(diff <= 6.0, "brick-mono.avif: mean abs diff {diff:.2}");
}

#[test]
fn avif_odd_sizes_and_container_transforms_decode_to_the_right_picture() {
    let chelsea = decoded(&fixture("chelsea.png"));
    let expect = |t: TransformOptions| transform(chelsea.clone(), &t).unwrap().to_rgba8();
    let mut crop = TransformOptions::default();
    crop.crop = Some(Rect {
        x: 0,
        y: 0,
        width: 451,
        height: 299,
    });
    // irot 1 is 90° anticlockwise (270° clockwise); imir 0 exchanges top and bottom.
    let mut turned = TransformOptions::default();
    turned.rotate = Rotation::Cw270;
    turned.flip_vertical = true;
    for (name, expected, size) in [
        ("chelsea-451x299.avif", expect(crop), (451, 299)),
        ("chelsea-irot-imir.avif", expect(turned), (300, 451)),
    ] {
        let got = decoded(&fixture(name));
        assert_eq!((got.width(), got.height()), size, "{name}");
        let diff = mean_abs_diff(&expected, &got.to_rgba8());
        assert!(diff <= 4.0, "{name}: mean abs diff {diff:.2}");
    }
}

#[test]
fn high_bit_depth_survives_into_png_and_is_reduced_for_8_bit_encoders() {
    let name = "chelsea-10bit-444.avif";
    let input = fixture(name);
    assert_eq!(
        decoded(&input).bits_per_channel(),
        16,
        "{name} decodes to 16 bits"
    );
    let png = process(&input, &options(Format::Png)).unwrap();
    assert_eq!(decoded(&png.data).bits_per_channel(), 16, "{name} → PNG");
    // (ravif is fed 8 bits too, but stores them as 10-bit AV1, so it is not checked here.)
    for format in [Format::Jpeg, Format::Webp] {
        let out = process(&input, &options(format)).unwrap();
        assert_eq!(
            decoded(&out.data).bits_per_channel(),
            8,
            "{name} → {format}"
        );
    }
    // chelsea-16bit.png holds 8-bit values widened to 16 (v × 257): oxipng stores it as
    // 8-bit losslessly, and every pixel must survive that.
    let wide = fixture("chelsea-16bit.png");
    assert_eq!(decoded(&wide).bits_per_channel(), 16);
    let png = process(&wide, &options(Format::Png)).unwrap();
    let diff = mean_abs_diff(&decoded(&wide).to_rgba8(), &decoded(&png.data).to_rgba8());
    assert_eq!(diff, 0.0);
}

#[test]
fn format_same_keeps_what_can_be_written_and_makes_png_of_the_rest() {
    for (name, expected) in [
        ("rocket.jpg", ImageFormat::Jpeg),
        ("chelsea.png", ImageFormat::Png),
        ("chelsea-lossy.webp", ImageFormat::Webp),
        ("chelsea.avif", ImageFormat::Avif),
        ("chelsea.gif", ImageFormat::Png),
        ("chelsea.bmp", ImageFormat::Png),
        ("chelsea.tiff", ImageFormat::Png),
    ] {
        let out = process(&fixture(name), &Options::default()).unwrap();
        assert_eq!(out.format, expected, "{name}");
        assert_eq!(
            out.report.input_format,
            Some(sniff(&fixture(name)).unwrap())
        );
    }
}

#[test]
fn alpha_is_kept_where_the_format_has_it_and_flattened_for_jpeg() {
    for name in [
        "logo-cutout.png",
        "logo-cutout.webp",
        "logo-cutout.avif",
        "horse-palette.png",
    ] {
        let input = fixture(name);
        for format in [Format::Png, Format::Webp, Format::Avif] {
            let out = process(&input, &options(format)).unwrap();
            let back = decoded(&out.data);
            assert!(back.has_alpha(), "{name} → {format} lost alpha");
            let corner = &back.to_rgba8()[..4];
            assert_eq!(
                corner[3], 0,
                "{name} → {format}: corner should stay transparent"
            );
        }
        let mut o = options(Format::Jpeg);
        o.encode.background = "#ff0000".parse().unwrap();
        let out = process(&input, &o).unwrap();
        let back = decoded(&out.data);
        assert!(!back.has_alpha());
        let corner = &back.to_rgba8()[..4];
        assert!(
            corner[0] > 240 && corner[1] < 20 && corner[2] < 20,
            "{name} → JPEG: transparent corner should be the red background, got {corner:?}"
        );
    }
}

#[test]
fn jpeg_at_q75_is_far_smaller_than_png_of_the_same_photo() {
    let input = fixture("chelsea.png");
    let mut jpeg = options(Format::Jpeg);
    jpeg.encode.quality = Some(75);
    let jpeg = process(&input, &jpeg).unwrap();
    let png = process(&input, &options(Format::Png)).unwrap();
    assert_eq!(jpeg.report.quality, Some(75));
    assert_eq!(png.report.quality, None);
    assert!(
        jpeg.data.len() * 4 < png.data.len(),
        "JPEG {} bytes vs PNG {} bytes",
        jpeg.data.len(),
        png.data.len()
    );
}

#[test]
fn quality_and_effort_change_the_output() {
    let input = fixture("rocket.jpg");
    for format in [Format::Jpeg, Format::Webp, Format::Avif] {
        let size = |q: u8| {
            let mut o = options(format);
            o.encode.quality = Some(q);
            process(&input, &o).unwrap().data.len()
        };
        let (low, high) = (size(30), size(90));
        assert!(low < high, "{format}: q30 {low} bytes, q90 {high} bytes");
    }
    let png_size = |effort: u8| {
        let mut o = options(Format::Png);
        o.encode.effort = Effort::new(effort);
        process(&fixture("chelsea.png"), &o).unwrap().data.len()
    };
    assert!(
        png_size(8) < png_size(0),
        "more PNG effort should not give a bigger file"
    );
    let mut lossless = options(Format::Webp);
    lossless.encode.webp.lossless = true;
    let out = process(&fixture("chelsea.png"), &lossless).unwrap();
    assert_eq!(out.report.quality, None);
    let exact = mean_abs_diff(
        &decoded(&fixture("chelsea.png")).to_rgba8(),
        &decoded(&out.data).to_rgba8(),
    );
    assert_eq!(exact, 0.0, "lossless WebP must keep every pixel");
}

#[test]
fn jpeg_knobs_progressive_and_subsampling_are_written() {
    let input = fixture("chelsea.png");
    let mut o = options(Format::Jpeg);
    o.encode.jpeg.progressive = false;
    o.encode.jpeg.chroma_subsampling = "4:4:4".parse().unwrap();
    let baseline = process(&input, &o).unwrap().data;
    // SOF0 (baseline) marker, and 1×1 sampling for the first component.
    let sof0 = baseline
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline SOF0");
    assert_eq!(baseline[sof0 + 11], 0x11, "4:4:4 sampling");

    let progressive = process(&input, &options(Format::Jpeg)).unwrap().data;
    let sof2 = progressive
        .windows(2)
        .position(|w| w == [0xFF, 0xC2])
        .expect("progressive SOF2");
    assert_eq!(progressive[sof2 + 11], 0x22, "4:2:0 sampling by default");
}

#[test]
fn report_is_honest() {
    let input = fixture("rocket.jpg");
    let mut o = options(Format::Webp);
    o.transform.resize = Some(Resize::width(320));
    let out = process(&input, &o).unwrap();
    let r = &out.report;
    assert_eq!(r.input_bytes, input.len() as u64);
    assert_eq!(r.output_bytes, out.data.len() as u64);
    assert!((r.ratio - out.data.len() as f64 / input.len() as f64).abs() < 1e-12);
    assert_eq!(r.input_dimensions, (640, 427));
    assert_eq!(r.output_dimensions, (320, 214));
    assert_eq!((out.width, out.height), (320, 214));
    assert_eq!(r.quality, Some(75));
    let t = r.timings;
    assert!(t.decode_ms > 0.0 && t.transform_ms > 0.0 && t.encode_ms > 0.0);
}

#[test]
fn pixels_skip_decoding_and_report_their_raw_size() {
    let photo = decode(&fixture("chelsea.png"), &DecodeOptions::default()).unwrap();
    let rgb = Image::from_rgb8(photo.width(), photo.height(), photo.to_rgb8()).unwrap();
    let pipeline = Pipeline::new(options(Format::Png)).unwrap();
    let out = pipeline.process_image(rgb).unwrap();
    let r = &out.report;
    assert_eq!(r.input_format, None);
    assert_eq!(r.input_bytes, 451 * 300 * 3);
    assert_eq!(r.timings.decode_ms, 0.0);
    let back = decode(&out.data, &DecodeOptions::default()).unwrap();
    assert_eq!(back.to_rgb8(), photo.to_rgb8(), "PNG is lossless");
    // Options are still checked.
    let mut bad = options(Format::Png);
    bad.encode.quality = Some(0);
    assert!(Pipeline::new(bad).is_err());
}
