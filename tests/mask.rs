//! The AI-mask stage with the real IS-Net model (fetch it with `scripts/fetch-model.sh`;
//! `scripts/test.sh` does). The mask is checked against ONNX Runtime, an independent
//! runtime, on the same preprocessed input.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use common::*;
use imagemint_core::{
    Activation, DecodeOptions, Error, Format, Image, Mask, MaskModel, MaskOptions, MaskOutput,
    ModelSpec, Options, Pipeline, decode,
};

/// The IS-Net model every test here uses.
fn model_path() -> PathBuf {
    fetched("isnet-fp16.onnx", "")
}

/// A model file `scripts/fetch-model.sh VARIANT` put in the cache.
fn fetched(file: &str, variant: &str) -> PathBuf {
    let dir = std::env::var_os("IMAGEMINT_MODEL_DIR").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/imagemint/models"),
        PathBuf::from,
    );
    let path = dir.join(file);
    assert!(
        path.exists(),
        "{} is missing: run `bash scripts/fetch-model.sh {variant}` (scripts/test.sh does)",
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

/// ONNX Runtime's answer (the first output, raw) for the same input tensor.
fn onnx_runtime(model: &std::path::Path, input: &imagemint_core::InputTensor) -> Vec<f32> {
    let dir = tempfile::tempdir().unwrap();
    let (tensor, out) = (dir.path().join("in.f32"), dir.path().join("out.f32"));
    let bytes: Vec<u8> = input.data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&tensor, bytes).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/ort-mask.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(model)
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

/// Our mask against ONNX Runtime's for the same model file and input tensor.
fn compare_with_onnx_runtime(path: &std::path::Path, model: &MaskModel) {
    let spec = model.spec();
    for name in ["astronaut.png", "chelsea.png", "rocket.jpg"] {
        let input = model.input_tensor(&photo(name)).unwrap();
        let (w, h) = (spec.input_width, spec.input_height);
        let plane = w as usize * h as usize;
        assert_eq!(
            (input.width, input.height, input.data.len()),
            (w, h, 3 * plane)
        );
        let ours = model.run(&input).unwrap();
        assert_eq!((ours.width, ours.height), (w, h));
        // The spec's activation, applied to ORT's raw output by hand.
        let raw = onnx_runtime(path, &input);
        let reference: Vec<f32> = match spec.activation {
            Activation::None => raw.iter().map(|v| v.clamp(0.0, 1.0)).collect(),
            Activation::MinMax => {
                let lo = raw.iter().copied().fold(f32::INFINITY, f32::min);
                let hi = raw.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                raw.iter().map(|v| (v - lo) / (hi - lo)).collect()
            }
            other => panic!("no reference for {other:?}"),
        };
        assert_eq!(reference.len(), plane);
        let mad = ours
            .values
            .iter()
            .zip(&reference)
            .map(|(a, b)| f64::from((a - b).abs()))
            .sum::<f64>()
            / reference.len() as f64;
        let iou = iou(&ours.values, &reference);
        let file = path.file_name().unwrap().to_string_lossy();
        println!("{file} {name}: mean abs difference {mad:.6}, IoU at 0.5 {iou:.5}");
        // The issue asks for < 0.01 and ≥ 0.99; measured is ≤ ~1e-5 and ≥ 0.9999, so
        // these tighter bounds catch a real regression.
        assert!(mad < 0.001, "{file} {name}: mean abs difference {mad}");
        assert!(iou >= 0.999, "{file} {name}: IoU {iou}");
        // A real subject was found, not an empty or full mask (U²-Netp keeps only the
        // rocket's body: 2% of that photo).
        let covered =
            ours.values.iter().filter(|v| **v >= 0.5).count() as f64 / reference.len() as f64;
        assert!(
            (0.01..0.95).contains(&covered),
            "{file} {name}: {covered:.2} of the image is subject"
        );
    }
}

#[test]
fn tract_mask_matches_onnx_runtime() {
    compare_with_onnx_runtime(&model_path(), &model());
}

/// The U²-Net family's built-in specs, with rembg's model files.
#[test]
fn u2net_specs_match_onnx_runtime() {
    for (file, spec) in [
        ("u2netp.onnx", ModelSpec::u2netp()),
        ("u2net.onnx", ModelSpec::u2net()),
    ] {
        let path = fetched(file, file.trim_end_matches(".onnx"));
        let model = MaskModel::from_path(&path, spec).unwrap();
        compare_with_onnx_runtime(&path, &model);
    }
}

#[test]
fn cutout_end_to_end_keeps_the_subject_and_drops_the_background() {
    let mut options = Options::default();
    options.encode.format = Format::Png;
    // No mask options: a model turns the stage on, with the defaults (a cutout).
    let pipeline = Pipeline::new(options).unwrap().with_model(model());
    assert_eq!(pipeline.options().mask, Some(MaskOptions::default()));
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

/// Edge refinement is for a mask blown up to a bigger photo. That case is made here with a
/// known answer: the model's mask at the photo's own size is the reference; the same mask
/// at a quarter of the size (as a 1024² mask is to a 12 MP photo), blown back up, is what
/// refinement starts from. Where colour separates subject from background (the
/// astronaut's hair, the cup, the rocket) it must come measurably closer to the reference,
/// along the outline and over the whole picture; on the cat, whose fur has the colours of
/// the blurred room behind it, it must at least do no real harm.
#[test]
fn refining_edges_recovers_the_outline_of_an_upsampled_mask() {
    let model = model();
    // photo, largest allowed outline error and overall error, as fractions of plain
    // upsampling's (measured: 0.84 / 0.90, 0.85 / 0.92, 0.96 / 0.97, 1.02 / 1.02)
    for (name, outline_bound, overall_bound) in [
        ("astronaut.png", 0.9, 0.95),
        ("coffee.png", 0.9, 0.95),
        ("rocket.jpg", 0.98, 0.99),
        ("chelsea.png", 1.05, 1.05),
    ] {
        let image = photo(name);
        let (w, h) = (image.width(), image.height());
        let reference = model.predict(&image).unwrap();
        let small = reference.resized(w / 4, h / 4).unwrap();
        let plain = small.resized(w, h).unwrap();
        let refined = small.refined(&image).unwrap();
        assert_eq!((refined.width, refined.height), (w, h));

        let uncertain = |v: f32| v > 0.02 && v < 0.98;
        let outline: Vec<usize> = (0..reference.values.len())
            .filter(|&i| uncertain(reference.values[i]) || uncertain(plain.values[i]))
            .collect();
        let error = |mask: &Mask, pixels: &mut dyn Iterator<Item = usize>| {
            let (sum, n) = pixels.fold((0.0, 0usize), |(sum, n), i| {
                let d = f64::from((mask.values[i] - reference.values[i]).abs());
                (sum + d, n + 1)
            });
            sum / n as f64
        };
        let on_outline = |m: &Mask| error(m, &mut outline.iter().copied());
        let overall = |m: &Mask| error(m, &mut (0..m.values.len()));
        let (outline_ratio, overall_ratio) = (
            on_outline(&refined) / on_outline(&plain),
            overall(&refined) / overall(&plain),
        );
        println!(
            "{name}: outline error {:.4} → {:.4} ({outline_ratio:.2}), overall {:.5} → {:.5} \
             ({overall_ratio:.2}), {} outline pixels",
            on_outline(&plain),
            on_outline(&refined),
            overall(&plain),
            overall(&refined),
            outline.len()
        );
        assert!(
            outline_ratio < outline_bound,
            "{name}: outline {outline_ratio:.3}"
        );
        assert!(
            overall_ratio < overall_bound,
            "{name}: overall {overall_ratio:.3}"
        );
    }

    // The option runs the same refinement on the model's own mask.
    let image = photo("chelsea.png");
    let mut m = MaskOptions::default();
    m.output = MaskOutput::MaskOnly;
    m.refine_edges = true;
    let via_option = imagemint_core::apply_mask(image.clone(), &model, &m)
        .unwrap()
        .to_rgba8();
    let small = model.run(&model.input_tensor(&image).unwrap()).unwrap();
    let expected = small.refined(&image).unwrap();
    assert!(
        via_option
            .chunks_exact(4)
            .zip(&expected.values)
            .all(|(p, v)| p[0] == (v * 255.0).round() as u8),
        "--refine-edges is not Mask::refined"
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
