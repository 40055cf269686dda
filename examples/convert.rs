//! Converts one image file and prints the report.
//!
//! ```text
//! cargo run --release --example convert -- examples/sample.jpg out.webp
//! ```
//! The output format follows the output file's extension.

use std::error::Error;

use imagemint_core::{Format, Options, process};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        eprintln!("usage: convert INPUT OUTPUT.{{jpg,png,webp,avif}}");
        std::process::exit(2);
    };
    let extension = output.rsplit('.').next().unwrap_or_default();
    let mut options = Options::default();
    options.encode.format = extension.parse::<Format>()?;

    let out = process(&std::fs::read(&input)?, &options)?;
    std::fs::write(&output, &out.data)?;
    let r = &out.report;
    println!(
        "{input} ({}, {} bytes) → {output} ({}, {}×{}, {} bytes, {:.1}% of the input)",
        r.input_format.map_or("pixels", |f| f.label()),
        r.input_bytes,
        out.format,
        out.width,
        out.height,
        r.output_bytes,
        r.ratio * 100.0
    );
    println!(
        "decode {:.1} ms, transform {:.1} ms, encode {:.1} ms",
        r.timings.decode_ms, r.timings.transform_ms, r.timings.encode_ms
    );
    Ok(())
}
