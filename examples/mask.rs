//! Runs a segmentation model on an image and writes the cutout (or the raw mask),
//! printing how long each step took and how much of the image is subject.
//!
//! ```text
//! bash scripts/fetch-model.sh
//! cargo run --release --example mask -- ~/.cache/imagemint/models/isnet-fp16.onnx \
//!     tests/fixtures/astronaut.png cutout.png [SPEC] [--raw] [--refine] [--size N]
//! ```
//! SPEC is a built-in spec name (default `isnet-imgly`); `--raw` writes the mask as
//! greyscale instead of the cutout; `--size N` runs the model at N×N instead of the
//! spec's size (the fast mode: 640 takes about a third of 1024's time).

use std::error::Error;
use std::time::Instant;

use imagemint_core::{
    DecodeOptions, EncodeOptions, Format, MaskModel, MaskOptions, MaskOutput, ModelSpec,
    apply_mask, decode, encode,
};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size_value = flag_value(&args, "--size");
    let positional: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with("--") && Some(*a) != size_value)
        .collect();
    let [model_path, input, output, rest @ ..] = positional.as_slice() else {
        eprintln!("usage: mask MODEL.onnx INPUT OUTPUT.png [SPEC] [--raw] [--refine] [--size N]");
        std::process::exit(2);
    };
    let spec_name = rest.first().map_or("isnet-imgly", |s| s.as_str());
    let mut spec = ModelSpec::builtin(spec_name).ok_or("unknown spec")?;
    if let Some(side) = flag_value(&args, "--size") {
        let side = side.parse()?;
        spec = spec.with_input_size(side, side);
    }

    let t = Instant::now();
    let model = MaskModel::from_path(model_path, spec)?;
    println!("load + optimise: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);

    let image = decode(&std::fs::read(input)?, &DecodeOptions::default())?;
    let t = Instant::now();
    let tensor = model.input_tensor(&image)?;
    let preprocess = t.elapsed();
    let raw = model.run(&tensor)?;
    let inference = t.elapsed() - preprocess;
    let covered = raw.values.iter().filter(|v| **v >= 0.5).count() as f64 / raw.values.len() as f64;
    println!(
        "{}×{}: preprocess {:.0} ms, inference {:.0} ms, subject {:.1}% of the image",
        image.width(),
        image.height(),
        preprocess.as_secs_f64() * 1e3,
        inference.as_secs_f64() * 1e3,
        covered * 100.0
    );

    let mut options = MaskOptions::default();
    options.refine_edges = args.iter().any(|a| a == "--refine");
    if args.iter().any(|a| a == "--raw") {
        options.output = MaskOutput::MaskOnly;
    }
    let t = Instant::now();
    let masked = apply_mask(image, &model, &options)?;
    println!(
        "whole mask stage: {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut encode_options = EncodeOptions::default();
    encode_options.format = Format::Png;
    std::fs::write(output, encode(&masked, &encode_options)?.data)?;
    Ok(())
}

fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
}
