//! Background-removal speed and the fast mode's agreement with the full-size mask.
//!
//! One inference takes seconds, so this is a plain timing loop rather than criterion:
//! it loads the model once per input size, runs it once untimed and then `--runs`
//! times on the astronaut photo, and prints the median inference time; it also masks
//! every fixture photo and prints the IoU (at 0.5) of each size's mask against the
//! 1024² one, both compared at the photo's own size.
//!
//! ```text
//! bash scripts/fetch-model.sh
//! cargo bench -p imagemint-core --bench mask_speed -- [--model PATH] [--spec NAME] \
//!     [--sizes 1024,640,512] [--runs 3]
//! ```
//! `--spec` is a built-in spec name (default `isnet-imgly`); `--sizes` defaults to the
//! spec's own size for other specs.
//! Threads: rayon's global pool (`RAYON_NUM_THREADS=1` for one).

use std::time::{Duration, Instant};

use imagemint_core::{DecodeOptions, Mask, MaskModel, ModelSpec, decode};

const PHOTOS: [&str; 3] = ["astronaut.png", "chelsea.png", "rocket.jpg"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let model_path = value("--model").map_or_else(default_model, Into::into);
    let spec_name = value("--spec").unwrap_or_else(|| "isnet-imgly".into());
    let base = ModelSpec::builtin(&spec_name).ok_or("unknown --spec")?;
    let default_sizes = if spec_name.starts_with("isnet") {
        "1024,640,512".to_string()
    } else {
        base.input_width.to_string()
    };
    let sizes: Vec<u32> = value("--sizes")
        .unwrap_or(default_sizes)
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let runs: usize = value("--runs").map_or(Ok(3), |r| r.parse())?;
    if runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let bytes = std::fs::read(&model_path)
        .map_err(|e| format!("{}: {e} (run scripts/fetch-model.sh)", model_path.display()))?;

    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let images = PHOTOS
        .iter()
        .map(|name| -> Result<_, Box<dyn std::error::Error>> {
            let bytes = std::fs::read(fixtures.join(name))?;
            Ok(decode(&bytes, &DecodeOptions::default())?)
        })
        .collect::<Result<Vec<_>, _>>()?;

    // tract's matrix products run on rayon's global pool, sized like this.
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n: &usize| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    println!("threads: {threads}, model: {}", model_path.display());
    println!("| input | load | inference (median of {runs}) | IoU vs the spec's size per photo |");
    println!("| --- | ---: | ---: | --- |");
    let mut reference: Option<Vec<Mask>> = None;
    let full = base.input_width;
    for side in sizes {
        let spec = base.clone().with_input_size(side, side);
        let t = Instant::now();
        let model = MaskModel::from_bytes(&bytes, spec)?;
        let load = t.elapsed();

        let mut masks = Vec::new();
        let mut times = Vec::new();
        for (i, image) in images.iter().enumerate() {
            let input = model.input_tensor(image)?;
            // The first run of a plan allocates its buffers; it is not timed.
            let mask = model.run(&input)?;
            // Only the first photo is timed (the network's cost does not depend on the
            // pixels); every photo gives a mask for the agreement column.
            if i == 0 {
                for _ in 0..runs {
                    let t = Instant::now();
                    model.run(&input)?;
                    times.push(t.elapsed());
                }
            }
            masks.push(mask.resized(image.width(), image.height())?);
        }
        times.sort();
        let median = times[times.len() / 2];
        let ious = match &reference {
            Some(full) => full
                .iter()
                .zip(&masks)
                .map(|(a, b)| format!("{:.4}", iou(a, b)))
                .collect::<Vec<_>>()
                .join(" / "),
            None if side == full => "reference".into(),
            None => format!("— (put {full} first)"),
        };
        println!("| {side}² | {} | {} | {ious} |", secs(load), secs(median));
        if side == full {
            reference = Some(masks);
        }
    }
    Ok(())
}

fn default_model() -> std::path::PathBuf {
    let home = std::env::var_os("HOME").unwrap_or_default();
    std::path::Path::new(&home).join(".cache/imagemint/models/isnet-fp16.onnx")
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn iou(a: &Mask, b: &Mask) -> f64 {
    let (mut both, mut either) = (0usize, 0usize);
    for (x, y) in a.values.iter().zip(&b.values) {
        let (x, y) = (*x >= 0.5, *y >= 0.5);
        both += usize::from(x && y);
        either += usize::from(x || y);
    }
    if either == 0 {
        1.0
    } else {
        both as f64 / either as f64
    }
}
