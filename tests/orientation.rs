//! EXIF orientation: all eight values, on a real JPEG photo.

mod common;

use common::*;
use imagemint_core::{DecodeOptions, Format, MetadataPolicy, Options, decode, process};

/// A big-endian TIFF/EXIF block holding only the orientation tag.
fn exif_with_orientation(value: u16) -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec(); // header, IFD0 at offset 8
    t.extend_from_slice(&1u16.to_be_bytes()); // one entry
    t.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    t.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    t.extend_from_slice(&1u32.to_be_bytes()); // count
    t.extend_from_slice(&value.to_be_bytes());
    t.extend_from_slice(&[0, 0]); // value padding
    t.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    t
}

/// `jpeg` with an APP1 EXIF segment right after SOI.
fn with_exif(jpeg: &[u8], exif: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let len = u16::try_from(2 + 6 + exif.len()).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn all_eight_orientations_are_applied() {
    let jpeg = fixture("rocket.jpg");
    let upright = decode(&jpeg, &DecodeOptions::default()).unwrap();
    let (w, h) = (upright.width() as usize, upright.height() as usize);
    let stored = upright.to_rgba8();
    for o in 1..=8u16 {
        let tagged = with_exif(&jpeg, &exif_with_orientation(o));
        let image = decode(&tagged, &DecodeOptions::default()).unwrap();
        let (dw, dh, expected) = displayed(&stored, w, h, o);
        assert_eq!(
            (image.width() as usize, image.height() as usize),
            (dw, dh),
            "orientation {o}"
        );
        assert!(
            image.to_rgba8() == expected,
            "orientation {o}: pixels not turned as EXIF says"
        );

        // Opting out leaves the stored pixels alone.
        let mut raw = DecodeOptions::default();
        raw.auto_orient = false;
        let untouched = decode(&tagged, &raw).unwrap();
        assert!(
            untouched.to_rgba8() == stored,
            "orientation {o} with autoOrient off"
        );
    }
}

#[test]
fn png_exif_orientation_applies_with_or_without_the_app1_prefix() {
    let png = fixture("chelsea.png");
    let upright = decode(&png, &DecodeOptions::default()).unwrap();
    let (w, h) = (upright.width() as usize, upright.height() as usize);
    let (_, _, expected) = displayed(&upright.to_rgba8(), w, h, 6);
    let bare = exif_with_orientation(6);
    let mut prefixed = b"Exif\0\0".to_vec();
    prefixed.extend_from_slice(&bare);
    for (what, exif) in [("bare", bare), ("Exif-prefixed", prefixed)] {
        let tagged = png_with_chunk(&png, b"eXIf", &exif);
        let image = decode(&tagged, &DecodeOptions::default()).unwrap();
        assert_eq!((image.width(), image.height()), (300, 451), "{what} eXIf");
        assert!(
            image.to_rgba8() == expected,
            "{what} eXIf: pixels not turned"
        );
        assert_eq!(
            image.metadata().exif.as_deref().map(|e| &e[..4]),
            Some(&b"MM\0\x2a"[..]),
            "{what}: kept EXIF is bare TIFF"
        );
    }
}

#[test]
fn kept_exif_says_upright_after_auto_orientation() {
    let tagged = with_exif(&fixture("rocket.jpg"), &exif_with_orientation(6));
    let mut o = Options::default();
    o.encode.metadata = MetadataPolicy::Keep;
    for format in [Format::Jpeg, Format::Png, Format::Webp] {
        o.encode.format = format;
        let out = process(&tagged, &o).unwrap();
        assert_eq!((out.width, out.height), (427, 640), "{format}");
        let exif = exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&out.data))
            .unwrap_or_else(|e| panic!("{format}: kept EXIF not found: {e}"));
        let tag = exif
            .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0));
        assert_eq!(
            tag,
            Some(1),
            "{format}: a viewer would rotate the upright pixels again"
        );
        // Decoding our own output must not turn it a second time.
        let again = decode(&out.data, &DecodeOptions::default()).unwrap();
        assert_eq!((again.width(), again.height()), (427, 640), "{format}");
    }
}
