//! Options: validation, presets, and the serde form the bindings hand in.

mod common;

use common::*;
use imagemint_core::{
    ChromaSubsampling, Effort, Error, Filter, Fit, Format, ImageFormat, MetadataPolicy, Options,
    Preset, Rect, Resize, Rgb, Rotation, process,
};

fn invalid_field(o: &Options) -> String {
    match o.validate() {
        Err(Error::InvalidOptions { field, .. }) => field.into_owned(),
        other => panic!("expected InvalidOptions, got {other:?}"),
    }
}

#[test]
fn defaults_are_valid_and_documented_values_hold() {
    let o = Options::default();
    o.validate().unwrap();
    assert_eq!(o.encode.format, Format::Same);
    assert_eq!(o.encode.metadata, MetadataPolicy::Icc);
    assert_eq!(o.encode.background, Rgb::WHITE);
    assert!(o.encode.jpeg.progressive);
    assert_eq!(o.encode.jpeg.chroma_subsampling, ChromaSubsampling::Yuv420);
    assert!(o.decode.auto_orient);
    assert_eq!(o.decode.limits.max_pixels, 100_000_000);
    assert_eq!(o.decode.limits.max_alloc, 512 * 1024 * 1024);
    assert!(o.transform.resize.is_none());
}

#[test]
fn validate_names_the_bad_field() {
    let mut o = Options::default();
    o.encode.quality = Some(0);
    assert_eq!(invalid_field(&o), "encode.quality");
    o.encode.quality = Some(101);
    assert_eq!(invalid_field(&o), "encode.quality");

    let mut o = Options::default();
    o.encode.webp.alpha_quality = 0;
    assert_eq!(invalid_field(&o), "encode.webp.alphaQuality");

    let mut o = Options::default();
    o.encode.avif.alpha_quality = Some(200);
    assert_eq!(invalid_field(&o), "encode.avif.alphaQuality");

    let mut o = Options::default();
    let mut neither = Resize::width(1);
    neither.width = None;
    o.transform.resize = Some(neither);
    assert_eq!(invalid_field(&o), "transform.resize");
    o.transform.resize = Some(Resize::width(0));
    assert_eq!(invalid_field(&o), "transform.resize.width");

    let mut o = Options::default();
    o.transform.crop = Some(Rect {
        x: 0,
        y: 0,
        width: 0,
        height: 5,
    });
    assert_eq!(invalid_field(&o), "transform.crop");

    let mut o = Options::default();
    o.decode.limits.max_pixels = 0;
    assert_eq!(invalid_field(&o), "decode.limits.maxPixels");

    // process refuses before decoding anything.
    let mut o = Options::default();
    o.encode.quality = Some(0);
    assert!(matches!(
        process(&fixture("rocket.jpg"), &o),
        Err(Error::InvalidOptions { field, .. }) if field == "encode.quality"
    ));
}

#[test]
fn effort_is_range_checked_by_construction() {
    assert_eq!(Effort::new(10), Some(Effort::MAX));
    assert_eq!(Effort::new(11), None);
    assert!("11".parse::<Effort>().is_err());
    assert_eq!("3".parse::<Effort>().unwrap().get(), 3);
}

#[test]
fn presets_are_constructors_of_the_same_struct() {
    let web = Options::web();
    assert_eq!(web, Options::from_preset(Preset::Web));
    assert_eq!(web.encode.format, Format::Webp);
    assert_eq!(web.encode.quality, Some(75));
    let max = Options::max_compression();
    assert_eq!(max.encode.effort, Some(Effort::MAX));
    assert_eq!(max.encode.metadata, MetadataPolicy::Strip);
    assert_eq!(Options::from_preset(Preset::Default), Options::default());

    let out = process(&fixture("rocket.jpg"), &web).unwrap();
    assert_eq!(out.format, ImageFormat::Webp);
    let max = process(&fixture("chelsea.png"), &max).unwrap();
    let default = process(&fixture("chelsea.png"), &Options::default()).unwrap();
    assert_eq!(max.format, ImageFormat::Png);
    assert!(
        max.data.len() < default.data.len(),
        "max compression should be smaller"
    );
}

#[test]
fn names_parse_case_insensitively_with_aliases() {
    assert_eq!("JPG".parse::<Format>().unwrap(), Format::Jpeg);
    assert_eq!("inside".parse::<Fit>().unwrap(), Fit::Contain);
    assert_eq!("catmull-rom".parse::<Filter>().unwrap(), Filter::CatmullRom);
    assert_eq!(
        "444".parse::<ChromaSubsampling>().unwrap(),
        ChromaSubsampling::Yuv444
    );
    assert_eq!(
        "max-compression".parse::<Preset>().unwrap(),
        Preset::MaxCompression
    );
    assert_eq!("270".parse::<Rotation>().unwrap(), Rotation::Cw270);
    assert!("45".parse::<Rotation>().is_err());
    let err = "gif".parse::<Format>().unwrap_err().to_string();
    assert!(err.contains("gif") && err.contains("webp"), "{err}");
    assert_eq!(
        "#F80".parse::<Rgb>().unwrap(),
        Rgb {
            r: 0xFF,
            g: 0x88,
            b: 0x00
        }
    );
    assert_eq!("ff8800".parse::<Rgb>().unwrap().to_string(), "#ff8800");
    assert!("#12345".parse::<Rgb>().is_err());
    assert!("#gggggg".parse::<Rgb>().is_err());
    for name in Format::NAMES {
        assert_eq!(name.parse::<Format>().unwrap().name(), *name);
    }
}

#[cfg(feature = "serde")]
mod serde_form {
    use super::*;

    #[test]
    fn camel_case_json_maps_onto_options_and_missing_keys_default() {
        let json = r##"{
            "encode": {
                "format": "webp", "quality": 70, "effort": 8, "metadata": "strip",
                "background": "#000000",
                "jpeg": { "chromaSubsampling": "4:4:4", "progressive": false },
                "webp": { "alphaQuality": 90 }
            },
            "transform": {
                "resize": { "width": 100, "fit": "cover", "filter": "mitchell" },
                "rotate": 90, "flipHorizontal": true,
                "crop": { "x": 1, "y": 2, "width": 30, "height": 40 }
            },
            "decode": { "autoOrient": false, "limits": { "maxPixels": 5000000 } }
        }"##;
        let o: Options = serde_json::from_str(json).unwrap();
        assert_eq!(o.encode.format, Format::Webp);
        assert_eq!(o.encode.quality, Some(70));
        assert_eq!(o.encode.effort, Effort::new(8));
        assert_eq!(o.encode.metadata, MetadataPolicy::Strip);
        assert_eq!(o.encode.background, Rgb::BLACK);
        assert_eq!(o.encode.jpeg.chroma_subsampling, ChromaSubsampling::Yuv444);
        assert!(!o.encode.jpeg.progressive);
        assert_eq!(o.encode.webp.alpha_quality, 90);
        assert!(!o.encode.webp.lossless, "missing keys take their defaults");
        let r = o.transform.resize.unwrap();
        assert_eq!(
            (r.width, r.height, r.fit, r.filter),
            (Some(100), None, Fit::Cover, Filter::Mitchell)
        );
        assert_eq!(o.transform.rotate, Rotation::Cw90);
        assert!(o.transform.flip_horizontal);
        assert_eq!(
            o.transform.crop,
            Some(Rect {
                x: 1,
                y: 2,
                width: 30,
                height: 40
            })
        );
        assert!(!o.decode.auto_orient);
        assert_eq!(o.decode.limits.max_pixels, 5_000_000);
        assert_eq!(
            o.decode.limits.max_width, 65_535,
            "sibling keys keep defaults"
        );

        let empty: Options = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Options::default());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected_by_name_and_path() {
        for (json, needle, path) in [
            (r#"{"encode": {"qualty": 70}}"#, "qualty", "encode.qualty"),
            (r#"{"encodes": {}}"#, "encodes", "encodes"),
            (r#"{"encode": {"format": "gif"}}"#, "gif", "encode.format"),
            (r#"{"encode": {"quality": 300}}"#, "300", "encode.quality"),
            (r#"{"encode": {"effort": 11}}"#, "11", "encode.effort"),
            (r#"{"transform": {"rotate": 45}}"#, "45", "transform.rotate"),
            (
                r#"{"encode": {"background": "blue"}}"#,
                "blue",
                "encode.background",
            ),
            (
                r#"{"transform": {"resize": {"fit": "stretch"}}}"#,
                "stretch",
                "transform.resize.fit",
            ),
            (r#"{"encode": "#, "EOF", "encode"),
            (r#"{} {}"#, "invalid options: trailing", ""),
            (r#""webp""#, "invalid options: invalid type", ""),
        ] {
            match imagemint_core::from_json::<Options>(json) {
                Err(e @ Error::InvalidOptions { .. }) => {
                    let message = e.to_string();
                    assert!(
                        message.contains(needle),
                        "{json}: error `{message}` should name `{needle}`"
                    );
                    let Error::InvalidOptions { field, .. } = e else {
                        unreachable!()
                    };
                    assert_eq!(field, path, "{json}");
                }
                other => panic!("{json}: expected InvalidOptions, got {other:?}"),
            }
        }
        let o: Options = imagemint_core::from_json(r#"{"encode": {"quality": 42}}"#).unwrap();
        assert_eq!(o.encode.quality, Some(42));
        assert_eq!(
            imagemint_core::from_json::<Options>("{}").unwrap(),
            Options::default()
        );
    }

    #[test]
    fn every_default_round_trips_through_json() {
        for o in [
            Options::default(),
            Options::web(),
            Options::max_compression(),
        ] {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<Options>(&json).unwrap(), o, "{json}");
        }
        let json = serde_json::to_value(Options::default()).unwrap();
        assert_eq!(json["encode"]["jpeg"]["chromaSubsampling"], "4:2:0");
        assert_eq!(json["encode"]["metadata"], "icc");
        assert_eq!(json["transform"]["rotate"], 0);
        assert_eq!(json["decode"]["limits"]["maxAlloc"], 536_870_912);
    }

    #[test]
    fn report_serialises_in_camel_case() {
        let out = process(&fixture("rocket.jpg"), &Options::web()).unwrap();
        let json = serde_json::to_value(&out.report).unwrap();
        assert_eq!(json["inputFormat"], "jpeg");
        assert_eq!(json["outputFormat"], "webp");
        assert_eq!(json["inputBytes"], out.report.input_bytes);
        assert!(json["timings"]["encodeMs"].as_f64().unwrap() > 0.0);
    }
}
