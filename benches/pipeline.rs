//! Speed of each stage on a 12 MP photo: decode, resize 4000×3000 → 1200 wide, and each
//! encoder at default settings (on the 1200×900 result).
//!
//! ```text
//! cargo bench -p imagemint-core --bench pipeline
//! ```
//! The big input is made here by upscaling `examples/sample.jpg`, so no large file is
//! committed. Results and the machine are in `benches/README.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imagemint_core::{
    DecodeOptions, Effort, EncodeOptions, Fit, Format, Image, Resize, TransformOptions, decode,
    encode, transform,
};

fn sample() -> Image {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/sample.jpg");
    let bytes = std::fs::read(path).expect("examples/sample.jpg");
    decode(&bytes, &DecodeOptions::default()).expect("sample decodes")
}

fn resized(image: Image, resize: Resize) -> Image {
    let mut t = TransformOptions::default();
    t.resize = Some(resize);
    transform(image, &t).expect("resize")
}

/// The sample photo stretched to 4000×3000 (12 MP).
fn big() -> Image {
    let mut r = Resize::to_box(4000, 3000, Fit::Fill);
    r.enlarge = true;
    resized(sample(), r)
}

fn encoded(image: &Image, format: Format, effort: Option<Effort>) -> Vec<u8> {
    let mut o = EncodeOptions::default();
    o.format = format;
    o.effort = effort;
    encode(image, &o).expect("encode").data
}

const FORMATS: [Format; 4] = [Format::Jpeg, Format::Png, Format::Webp, Format::Avif];

fn bench_decode(c: &mut Criterion) {
    let big = big();
    let mut group = c.benchmark_group("decode 4000x3000");
    group.throughput(Throughput::Elements(4000 * 3000));
    for format in FORMATS {
        // Fastest encoder settings: only the decoder is measured here.
        let data = encoded(&big, format, Effort::new(0));
        group.bench_function(format.name(), |b| {
            b.iter(|| decode(black_box(&data), &DecodeOptions::default()).unwrap())
        });
    }
    group.finish();
}

fn bench_resize(c: &mut Criterion) {
    let big = big();
    let mut group = c.benchmark_group("resize 4000x3000 to 1200 wide");
    group.throughput(Throughput::Elements(4000 * 3000));
    for filter in ["lanczos3", "catmullrom", "bilinear"] {
        let mut r = Resize::width(1200);
        r.filter = filter.parse().unwrap();
        group.bench_function(filter, |b| {
            b.iter_batched(
                || big.clone(),
                |img| resized(img, r),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn bench_encode(c: &mut Criterion) {
    let web = resized(big(), Resize::width(1200));
    let mut group = c.benchmark_group("encode 1200x900 default settings");
    group.throughput(Throughput::Elements(1200 * 900));
    for format in FORMATS {
        let mut o = EncodeOptions::default();
        o.format = format;
        group.bench_function(format.name(), |b| {
            b.iter(|| encode(black_box(&web), &o).unwrap())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    targets = bench_decode, bench_resize, bench_encode
}
criterion_main!(benches);
