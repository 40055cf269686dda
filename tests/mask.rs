//! The AI-mask stage with the real IS-Net model (fetch it with `scripts/fetch-model.sh`;
//! `scripts/test.sh` does). The mask is checked against ONNX Runtime, an independent
//! runtime, on the same preprocessed input.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use common::*;
use imagemint_core::{
    DecodeOptions, Error, Format, Image, MaskModel, MaskOptions, MaskOutput, ModelSpec, Options,
    Pipeline, decode,
};

fn model_path() -> PathBuf {
    let dir = std::env::var_os("IMAGEMINT_MODEL_DIR").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/imagemint/models"),
        PathBuf::from,
    );
    let path = dir.join("isnet-fp16.onnx");
    assert!(
        path.exists(),
        "{} is missing: run `bash scripts/fetch-model.sh` (scripts/test.sh does)",
        path.display()
    );
    path
}

/// Loading and optimising takes seconds: one model serves every test here.
fn model() -> Arc<MaskModel> {
    static MODEL: OnceLock<Arc<MaskModel>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            Arc::new(MaskModel::from_path(model_path(), ModelSpec::isnet_imgly()).unwrap())
        })
        .clone()
}

fn photo(name: &str) -> Image {
    decode(&fixture(name), &DecodeOptions::default()).unwrap()
}

/// ONNX Runtime's answer for the same input tensor.
fn onnx_runtime(input: &imagemint_core::InputTensor) -> Vec<f32> {
    let dir = tempfile::tempdir().unwrap();
    let (tensor, out) = (dir.path().join("in.f32"), dir.path().join("out.f32"));
    let bytes: Vec<u8> = input.data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&tensor, bytes).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/ort-mask.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(model_path())
        .arg(&tensor)
        .arg(input.width.to_string())
        .arg(input.height.to_string())
        .arg(&out)
        .status()
        .expect("python3 runs (pip install onnxruntime numpy)");
    assert!(
        status.success(),
        "ort-mask.py failed: is onnxruntime installed?"
    );
    std::fs::read(&out)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

fn iou(a: &[f32], b: &[f32]) -> f64 {
    let (mut inter, mut union) = (0u64, 0u64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (*x >= 0.5, *y >= 0.5);
        inter += u64::from(x && y);
        union += u64::from(x || y);
    }
    inter as f64 / union.max(1) as f64
}

#[test]
fn tract_mask_matches_onnx_runtime() {
    let model = model();
    for name in ["astronaut.png", "chelsea.png", "rocket.jpg"] {
        let input = model.input_tensor(&photo(name)).unwrap();
        assert_eq!(
            (input.width, input.height, input.data.len()),
            (1024, 1024, 3 * 1024 * 1024)
        );
        let ours = model.run(&input).unwrap();
        assert_eq!((ours.width, ours.height), (1024, 1024));
        // The IMG.LY spec uses the output as is (clamped to 0–1): do the same to ORT's.
        let reference: Vec<f32> = onnx_runtime(&input)
            .iter()
            .map(|v| v.clamp(0.0, 1.0))
            .collect();
        let mad = ours
            .values
            .iter()
            .zip(&reference)
            .map(|(a, b)| f64::from((a - b).abs()))
            .sum::<f64>()
            / reference.len() as f64;
        let iou = iou(&ours.values, &reference);
        println!("{name}: mean abs difference {mad:.6}, IoU at 0.5 {iou:.5}");
        // The issue asks for < 0.01 and ≥ 0.99; measured is ~1e-5 and ≥ 0.9999, so
        // these tighter bounds catch a real regression.
        assert!(mad < 0.001, "{name}: mean abs difference {mad}");
        assert!(iou >= 0.999, "{name}: IoU {iou}");
        // A real subject was found, not an empty or full mask.
        let covered =
            ours.values.iter().filter(|v| **v >= 0.5).count() as f64 / reference.len() as f64;
        assert!(
            (0.05..0.95).contains(&covered),
            "{name}: {covered:.2} of the image is subject"
        );
    }
}

#[test]
fn cutout_end_to_end_keeps_the_subject_and_drops_the_background() {
    let mut options = Options::default();
    options.encode.format = Format::Png;
    options.mask = Some(MaskOptions::default());
    let pipeline = Pipeline::new(options).unwrap().with_model(model());
    let out = pipeline.process(&fixture("astronaut.png")).unwrap();
    assert!(out.report.timings.mask_ms > 0.0);
    let rgba = decode_independently(&out.data).to_rgba8();
    let alpha = |x: u32, y: u32| rgba.get_pixel(x, y)[3];
    // Her face (centre-top) is subject; the top-left corner (wall) is background.
    assert!(alpha(250, 150) > 240, "face alpha {}", alpha(250, 150));
    assert!(alpha(5, 5) < 15, "corner alpha {}", alpha(5, 5));
    // Soft edges exist (partly transparent pixels), as matting should give.
    let soft = rgba.pixels().filter(|p| (16..240).contains(&p[3])).count();
    assert!(soft > 500, "only {soft} soft edge pixels");

    // JPEG has no alpha: the background becomes the encode background colour.
    let mut jpeg = pipeline.options().clone();
    jpeg.encode.format = Format::Jpeg;
    jpeg.encode.background = "#00ff00".parse().unwrap();
    let out = Pipeline::new(jpeg)
        .unwrap()
        .with_model(model())
        .process(&fixture("astronaut.png"))
        .unwrap();
    let rgb = decode_independently(&out.data).to_rgb8();
    let corner = rgb.get_pixel(5, 5);
    assert!(
        corner[1] > 200 && corner[0] < 60 && corner[2] < 60,
        "corner {corner:?}"
    );
}

#[test]
fn other_outputs_and_crop_to_subject() {
    let run = |mask: MaskOptions| {
        let mut o = Options::default();
        o.encode.format = Format::Png;
        o.mask = Some(mask);
        Pipeline::new(o)
            .unwrap()
            .with_model(model())
            .process(&fixture("chelsea.png"))
            .unwrap()
    };
    let mut m = MaskOptions::default();
    m.output = MaskOutput::MaskOnly;
    let only = decode_independently(&run(m).data);
    assert!(!only.color().has_alpha() && only.color().channel_count() == 1);

    let mut m = MaskOptions::default();
    m.crop_to_subject = true;
    let cropped = run(m);
    assert!(
        cropped.width < 451 || cropped.height < 300,
        "{}×{}",
        cropped.width,
        cropped.height
    );

    let mut m = MaskOptions::default();
    m.output = MaskOutput::Blur(12);
    let blurred = decode_independently(&run(m).data);
    assert!(!blurred.color().has_alpha());
}

#[test]
fn refining_edges_changes_only_the_edges() {
    let image = photo("astronaut.png");
    let model = model();
    let raw = model.predict(&image).unwrap();
    let run = |refine_edges: bool| {
        let mut m = MaskOptions::default();
        m.output = MaskOutput::MaskOnly;
        m.refine_edges = refine_edges;
        imagemint_core::apply_mask(image.clone(), &model, &m)
            .unwrap()
            .to_rgba8()
    };
    let (plain, refined) = (run(false), run(true));
    let differ = plain
        .chunks_exact(4)
        .zip(refined.chunks_exact(4))
        .filter(|(a, b)| a[0].abs_diff(b[0]) > 8)
        .count();
    let total = raw.values.len();
    assert!(differ > 0, "refinement changed nothing");
    assert!(
        differ * 5 < total,
        "refinement changed {differ} of {total} pixels: more than edges"
    );
}

#[test]
fn bad_models_and_mismatched_specs_are_model_errors() {
    let bytes = std::fs::read(model_path()).unwrap();
    let model_error = |r: Result<MaskModel, Error>| match r {
        Err(Error::Model { reason }) => reason,
        other => panic!("expected Error::Model, got {other:?}"),
    };
    println!(
        "{}",
        model_error(MaskModel::from_bytes(
            b"not a model",
            ModelSpec::isnet_imgly()
        ))
    );
    model_error(MaskModel::from_bytes(
        &bytes[..bytes.len() / 3],
        ModelSpec::isnet_imgly(),
    ));
    model_error(MaskModel::from_bytes(&[], ModelSpec::isnet_imgly()));
    let mut spec = ModelSpec::isnet_imgly();
    spec.output_index = 99;
    assert!(model_error(MaskModel::from_bytes(&bytes, spec)).contains("output 99"));
    let mut spec = ModelSpec::isnet_imgly();
    spec.input_width = 0;
    assert!(matches!(
        MaskModel::from_bytes(&bytes, spec),
        Err(Error::InvalidOptions { .. })
    ));
    // The pipeline refuses a mask stage without a model.
    let mut o = Options::default();
    o.mask = Some(MaskOptions::default());
    assert!(matches!(
        imagemint_core::process(&fixture("chelsea.png"), &o),
        Err(Error::Model { .. })
    ));
}

#[test]
fn fast_mode_runs_a_smaller_input_and_keeps_the_subject() {
    let bytes = std::fs::read(model_path()).unwrap();
    let fast =
        MaskModel::from_bytes(&bytes, ModelSpec::isnet_imgly().with_input_size(768, 768)).unwrap();
    let image = photo("astronaut.png");
    let input = fast.input_tensor(&image).unwrap();
    assert_eq!((input.width, input.height), (768, 768));
    let small = fast.run(&input).unwrap();
    assert_eq!((small.width, small.height), (768, 768));
    let full = model().predict(&image).unwrap();
    let agreement = iou(
        &small.resized(image.width(), image.height()).unwrap().values,
        &full.values,
    );
    println!("astronaut at 768² against 1024²: IoU {agreement:.4}");
    assert!(agreement >= 0.97, "IoU {agreement}");

    // IS-Net resizes to fixed sizes inside (32…1024 at 1024²): 600² cannot keep them whole.
    let err = MaskModel::from_bytes(&bytes, ModelSpec::isnet_imgly().with_input_size(600, 600))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Model { reason }
            if reason.contains("would not be whole") && reason.contains("width must be a multiple of 32")),
        "{err}"
    );
}

#[test]
fn a_model_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<MaskModel>();
    send_sync::<Pipeline>();
    let model = model();
    let image = photo("chelsea.png");
    let masks: Vec<_> = std::thread::scope(|s| {
        let jobs: Vec<_> = (0..2)
            .map(|_| s.spawn(|| model.predict(&image).unwrap()))
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    assert_eq!(
        masks[0], masks[1],
        "the same image gives the same mask on any thread"
    );
}
