//! Edge refinement against a known answer, as pictures and numbers (docs/mask/).
//!
//! For each photo, the model's mask at the photo's own size is the reference. The same
//! mask at a quarter of the size, as a 1024² mask is to a 12 MP photo, is blown back up
//! bilinearly ("plain") and with [`Mask::refined`] ("refined"). The example prints the
//! mean error of both against the reference, along the outline and overall, and writes
//! one picture per photo: a detail of the photo cut out with each mask onto green, side by
//! side (reference | plain | refined), enlarged 2× so single pixels show.
//!
//! ```text
//! bash scripts/fetch-model.sh
//! cargo run --release --example edge_refinement -- docs/mask [MODEL.onnx]
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage, imageops};
use imagemint_core::{DecodeOptions, Image, Mask, MaskModel, ModelSpec, decode};

/// Photo, and the detail shown (x, y, width, height).
const PHOTOS: [(&str, [u32; 4]); 4] = [
    ("astronaut.png", [150, 20, 200, 140]),
    ("coffee.png", [130, 10, 200, 140]),
    ("rocket.jpg", [190, 120, 200, 140]),
    ("chelsea.png", [251, 0, 200, 140]),
];

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out_dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: edge_refinement OUT_DIR [MODEL.onnx]");
        std::process::exit(2);
    };
    let model_path = args.get(1).map_or_else(default_model, PathBuf::from);
    let model = MaskModel::from_path(&model_path, ModelSpec::isnet_imgly())?;
    std::fs::create_dir_all(&out_dir)?;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");

    println!("| photo | outline error, plain → refined | overall error, plain → refined |");
    println!("| --- | --- | --- |");
    for (name, detail) in PHOTOS {
        let image = decode(
            &std::fs::read(fixtures.join(name))?,
            &DecodeOptions::default(),
        )?;
        let (w, h) = (image.width(), image.height());
        let reference = model.predict(&image)?;
        let small = reference.resized(w / 4, h / 4)?;
        let plain = small.resized(w, h)?;
        let refined = small.refined(&image)?;

        let uncertain = |v: f32| v > 0.02 && v < 0.98;
        let outline: Vec<usize> = (0..reference.values.len())
            .filter(|&i| uncertain(reference.values[i]) || uncertain(plain.values[i]))
            .collect();
        let error = |m: &Mask, pixels: &[usize]| {
            let sum: f64 = pixels
                .iter()
                .map(|&i| f64::from((m.values[i] - reference.values[i]).abs()))
                .sum();
            sum / pixels.len() as f64
        };
        let all: Vec<usize> = (0..reference.values.len()).collect();
        println!(
            "| {name} | {:.4} → {:.4} ({:+.0}%) | {:.5} → {:.5} ({:+.0}%) |",
            error(&plain, &outline),
            error(&refined, &outline),
            100.0 * (error(&refined, &outline) / error(&plain, &outline) - 1.0),
            error(&plain, &all),
            error(&refined, &all),
            100.0 * (error(&refined, &all) / error(&plain, &all) - 1.0),
        );

        let panels: Vec<RgbImage> = [&reference, &plain, &refined]
            .into_iter()
            .map(|mask| on_green(&image, mask, detail))
            .collect();
        let [_, _, dw, dh] = detail;
        let gap = 4;
        let mut sheet = RgbImage::from_pixel(3 * dw + 2 * gap, dh, Rgb([255, 255, 255]));
        for (i, panel) in panels.iter().enumerate() {
            imageops::replace(&mut sheet, panel, i64::from(i as u32 * (dw + gap)), 0);
        }
        let sheet = imageops::resize(
            &sheet,
            sheet.width() * 2,
            sheet.height() * 2,
            imageops::FilterType::Nearest,
        );
        let stem = name.split('.').next().unwrap_or(name);
        sheet.save(out_dir.join(format!("{stem}-edges.png")))?;
    }
    Ok(())
}

/// The `detail` of `image` cut out by `mask` onto pure green.
fn on_green(image: &Image, mask: &Mask, [x0, y0, dw, dh]: [u32; 4]) -> RgbImage {
    let rgba = image.to_rgba8();
    let w = image.width();
    RgbImage::from_fn(dw, dh, |x, y| {
        let (x, y) = ((x0 + x).min(w - 1), (y0 + y).min(image.height() - 1));
        let i = (y * w + x) as usize;
        let a = mask.values[i].clamp(0.0, 1.0);
        let mix = |c: u8, bg: f32| (f32::from(c) * a + bg * (1.0 - a)).round() as u8;
        Rgb([
            mix(rgba[i * 4], 0.0),
            mix(rgba[i * 4 + 1], 200.0),
            mix(rgba[i * 4 + 2], 0.0),
        ])
    })
}

/// Where `scripts/fetch-model.sh` puts IS-Net (`IMAGEMINT_MODEL_DIR` or the user cache).
fn default_model() -> PathBuf {
    let dir = std::env::var_os("IMAGEMINT_MODEL_DIR").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/imagemint/models"),
        PathBuf::from,
    );
    dir.join("isnet-fp16.onnx")
}
