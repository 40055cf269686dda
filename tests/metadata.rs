//! Metadata policy: by default only the ICC profile survives; GPS never leaks unless asked.

mod common;

use std::io::Cursor;

use common::*;
use imagemint_core::{DecodeOptions, Format, MetadataPolicy, Options, decode, process};

fn run(input: &[u8], format: Format, metadata: MetadataPolicy) -> Vec<u8> {
    let mut o = Options::default();
    o.encode.format = format;
    o.encode.metadata = metadata;
    process(input, &o).unwrap().data
}

fn exif_of(data: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(data))
        .ok()
}

fn icc_of(data: &[u8]) -> Option<Vec<u8>> {
    decode(data, &DecodeOptions::default())
        .unwrap()
        .metadata()
        .icc
        .clone()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const ALL: [Format; 4] = [Format::Jpeg, Format::Png, Format::Webp, Format::Avif];

#[test]
fn the_fixture_really_carries_gps_icc_and_a_comment() {
    let input = fixture("rocket-gps.jpg");
    let exif = exif_of(&input).expect("fixture has EXIF");
    assert!(
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );
    let image = decode(&input, &DecodeOptions::default()).unwrap();
    assert!(image.metadata().icc.is_some());
    assert!(image.metadata().exif.is_some());
    assert!(contains(&input, b"cmp3.10.3.2Lq3"), "JPEG comment present");
}

#[test]
fn gps_and_all_exif_are_gone_by_default() {
    let input = fixture("rocket-gps.jpg");
    for format in ALL {
        let out = run(&input, format, MetadataPolicy::default());
        assert!(exif_of(&out).is_none(), "{format}: EXIF leaked");
        // No trace of the camera tags, the GPS IFD or the comment anywhere in the file.
        assert!(
            !contains(&out, b"imagemint-test"),
            "{format}: EXIF Make leaked"
        );
        assert!(!contains(&out, b"Exif\0\0"), "{format}: EXIF header leaked");
        assert!(
            !contains(&out, b"cmp3.10.3.2Lq3"),
            "{format}: comment leaked"
        );
    }
}

#[test]
fn icc_profile_is_kept_by_default_and_dropped_by_strip() {
    let input = fixture("rocket-gps.jpg");
    let profile = icc_of(&input).unwrap();
    for format in ALL {
        let kept = run(&input, format, MetadataPolicy::Icc);
        assert_eq!(
            icc_of(&kept).as_deref(),
            Some(&profile[..]),
            "{format}: ICC lost"
        );
        let stripped = run(&input, format, MetadataPolicy::Strip);
        assert_eq!(icc_of(&stripped), None, "{format}: ICC not stripped");
        assert!(
            stripped.len() < kept.len(),
            "{format}: strip should save the profile's bytes"
        );
    }
}

#[test]
fn keep_carries_exif_with_gps_into_every_format() {
    let input = fixture("rocket-gps.jpg");
    for format in ALL {
        let out = run(&input, format, MetadataPolicy::Keep);
        assert!(
            contains(&out, b"imagemint-test"),
            "{format}: EXIF not written"
        );
        if format == Format::Avif {
            continue; // kamadak-exif does not read AVIF; the bytes check above suffices.
        }
        let exif = exif_of(&out).unwrap_or_else(|| panic!("{format}: no readable EXIF"));
        let lat = exif
            .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .unwrap_or_else(|| panic!("{format}: GPS missing"));
        assert_eq!(
            lat.display_value().to_string(),
            "28 deg 36 min 29.88 sec",
            "{format}"
        );
        let profile = icc_of(&input).unwrap();
        assert_eq!(
            icc_of(&out).as_deref(),
            Some(&profile[..]),
            "{format}: ICC lost"
        );
    }
}

#[test]
fn icc_profiles_are_read_from_every_container_that_has_one() {
    // chelsea.png carries an sRGB profile; avifenc copied it into chelsea.avif.
    let png = icc_of(&fixture("chelsea.png")).expect("PNG iCCP");
    assert_eq!(
        icc_of(&fixture("chelsea.avif")).as_deref(),
        Some(&png[..]),
        "AVIF colr/prof"
    );
    // And carried on into WebP's ICCP chunk.
    let webp = run(&fixture("chelsea.avif"), Format::Webp, MetadataPolicy::Icc);
    assert_eq!(icc_of(&webp).as_deref(), Some(&png[..]));
}

#[test]
fn avif_with_an_added_profile_still_decodes_to_the_same_pixels() {
    // The profile is spliced into ravif's file after encoding, moving the image data:
    // the pixels must not notice.
    let input = fixture("rocket-gps.jpg");
    let with = run(&input, Format::Avif, MetadataPolicy::Icc);
    let without = run(&input, Format::Avif, MetadataPolicy::Strip);
    assert!(icc_of(&with).is_some() && icc_of(&without).is_none());
    let decode_rgba = |d: &[u8]| decode(d, &DecodeOptions::default()).unwrap().to_rgba8();
    assert!(decode_rgba(&with) == decode_rgba(&without));
    // The same holds with an EXIF item, whose offset moves too.
    let keep = run(&input, Format::Avif, MetadataPolicy::Keep);
    assert!(decode_rgba(&keep) == decode_rgba(&without));
}
