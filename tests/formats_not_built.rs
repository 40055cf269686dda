//! imagemint-core built without some formats (the npm package's small module is built
//! without `all-formats`): what it leaves out is a clear `FormatNotBuilt` naming the
//! feature, refused before any pixel work. With every feature on (the default) this file
//! tests nothing; CI runs it with `cargo test -p imagemint-core --no-default-features
//! --test formats_not_built`.
#![cfg(not(all(feature = "avif", feature = "gif", feature = "bmp", feature = "tiff")))]

mod common;

use common::fixture;
#[allow(unused_imports)] // which are used depends on the features left out
use imagemint_core::{
    DecodeOptions, Error, ErrorKind, Format, ImageFormat, Options, Pipeline, decode, process, sniff,
};

/// Asserts `result` is `FormatNotBuilt` for `what`, naming `feature`.
fn assert_not_built<T>(result: imagemint_core::Result<T>, what: &str, feature: &str) {
    match result {
        Err(e @ Error::FormatNotBuilt { .. }) => {
            assert_eq!(e.kind(), ErrorKind::FormatNotBuilt);
            assert_eq!(
                e.to_string(),
                format!("{what} is not built into this imagemint (its feature `{feature}` is off)")
            );
        }
        Err(other) => panic!("{what}: expected FormatNotBuilt, got {other:?}"),
        Ok(_) => panic!("{what}: expected FormatNotBuilt, got a result"),
    }
}

fn input_not_built(name: &str, format: ImageFormat, feature: &str) {
    let input = fixture(name);
    // Recognised (so the error can say what it is), but not read.
    assert_eq!(sniff(&input), Some(format));
    let what = format!("reading {}", format.label());
    assert_not_built(decode(&input, &DecodeOptions::default()), &what, feature);
    assert_not_built(process(&input, &Options::default()), &what, feature);
}

#[cfg(not(feature = "gif"))]
#[test]
fn gif_input_is_not_built() {
    input_not_built("chelsea.gif", ImageFormat::Gif, "gif");
}

#[cfg(not(feature = "bmp"))]
#[test]
fn bmp_input_is_not_built() {
    input_not_built("chelsea.bmp", ImageFormat::Bmp, "bmp");
}

#[cfg(not(feature = "tiff"))]
#[test]
fn tiff_input_is_not_built() {
    input_not_built("chelsea.tiff", ImageFormat::Tiff, "tiff");
}

#[cfg(not(feature = "avif"))]
#[test]
fn avif_is_neither_read_nor_written() {
    input_not_built("chelsea.avif", ImageFormat::Avif, "avif");
    assert!(!ImageFormat::Avif.can_encode());

    let mut options = Options::default();
    options.encode.format = Format::Avif;
    // Refused by the options, before decoding: even bytes that are no image at all get
    // this error rather than UnsupportedFormat.
    assert_not_built(options.validate(), "writing AVIF", "avif");
    assert_not_built(Pipeline::new(options.clone()), "writing AVIF", "avif");
    assert_not_built(process(b"not an image", &options), "writing AVIF", "avif");
    assert_not_built(
        process(&fixture("chelsea.png"), &options),
        "writing AVIF",
        "avif",
    );

    // The formats every build has still work.
    for format in [Format::Jpeg, Format::Png, Format::Webp] {
        options.encode.format = format;
        let out = process(&fixture("chelsea.png"), &options).expect("built in");
        assert_eq!(sniff(&out.data), Some(format.resolve(None)));
    }
}
