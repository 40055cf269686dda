//! Small, bounds-checked edits of an EXIF (TIFF) block.

/// Some writers keep the APP1 `Exif\0\0` header in PNG/WebP EXIF chunks; the rest of
/// imagemint works on the bare TIFF structure.
pub(crate) fn strip_prefix(exif: &mut Vec<u8>) {
    if exif.starts_with(b"Exif\0\0") {
        exif.drain(..6);
    }
}

/// Removes the embedded thumbnail (IFD1): its JPEG bytes are zeroed and IFD0's link to it
/// is cut. The thumbnail shows the unedited picture, so after a crop it would leak what
/// was cut away. Returns whether a thumbnail was found; a malformed block is left alone.
pub(crate) fn remove_thumbnail(exif: &mut [u8]) -> bool {
    let Some(tiff) = Tiff::new(exif) else {
        return false;
    };
    let Some(ifd0) = tiff.u32(exif, 4) else {
        return false;
    };
    let Some(link) = tiff
        .u16(exif, ifd0)
        .map(|n| ifd0 as usize + 2 + 12 * usize::from(n))
    else {
        return false;
    };
    let Some(ifd1) = tiff.u32(exif, link).filter(|&o| o != 0) else {
        return false;
    };
    let (mut offset, mut length) = (None, None);
    for i in 0..tiff.u16(exif, ifd1).unwrap_or(0) {
        let entry = ifd1 as usize + 2 + 12 * usize::from(i);
        // JPEGInterchangeFormat / JPEGInterchangeFormatLength, stored as LONG values.
        match tiff.u16(exif, entry as u32) {
            Some(0x0201) => offset = tiff.u32(exif, entry + 8),
            Some(0x0202) => length = tiff.u32(exif, entry + 8),
            _ => {}
        }
    }
    if let (Some(offset), Some(length)) = (offset, length) {
        let start = offset as usize;
        if let Some(bytes) = exif.get_mut(start..start.saturating_add(length as usize)) {
            bytes.fill(0);
        }
    }
    exif[link..link + 4].fill(0);
    true
}

/// Byte order of a TIFF block.
struct Tiff {
    little_endian: bool,
}

impl Tiff {
    fn new(data: &[u8]) -> Option<Self> {
        match data.get(..4)? {
            [b'I', b'I', 42, 0] => Some(Tiff {
                little_endian: true,
            }),
            [b'M', b'M', 0, 42] => Some(Tiff {
                little_endian: false,
            }),
            _ => None,
        }
    }

    fn u16(&self, data: &[u8], at: u32) -> Option<u16> {
        let b: [u8; 2] = data.get(at as usize..at as usize + 2)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF block: IFD0 with one entry, linked to IFD1 describing a
    /// 4-byte "thumbnail".
    fn with_thumbnail() -> Vec<u8> {
        let mut t = b"II\x2a\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&1u16.to_le_bytes()); // IFD0 at 8: one entry
        t.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0]); // orientation 1
        t.extend_from_slice(&26u32.to_le_bytes()); // link to IFD1 at 26
        t.extend_from_slice(&2u16.to_le_bytes()); // IFD1: two entries
        t.extend_from_slice(&[0x01, 0x02, 4, 0, 1, 0, 0, 0]);
        t.extend_from_slice(&56u32.to_le_bytes()); // thumbnail offset
        t.extend_from_slice(&[0x02, 0x02, 4, 0, 1, 0, 0, 0]);
        t.extend_from_slice(&4u32.to_le_bytes()); // thumbnail length
        t.extend_from_slice(&0u32.to_le_bytes()); // no IFD2
        t.extend_from_slice(b"THMB");
        t
    }

    #[test]
    fn thumbnail_bytes_and_link_are_removed() {
        let mut exif = with_thumbnail();
        assert!(remove_thumbnail(&mut exif));
        assert_eq!(&exif[56..60], &[0, 0, 0, 0], "thumbnail bytes zeroed");
        assert_eq!(&exif[22..26], &[0, 0, 0, 0], "IFD1 link cut");
        assert!(!remove_thumbnail(&mut exif), "nothing left to remove");
    }

    #[test]
    fn malformed_blocks_are_left_alone() {
        for mut bad in [
            vec![],
            b"II\x2a\0\xff\xff\0\0".to_vec(),
            b"XX\x2a\0".to_vec(),
        ] {
            let before = bad.clone();
            assert!(!remove_thumbnail(&mut bad));
            assert_eq!(bad, before);
        }
        let mut truncated = with_thumbnail();
        truncated.truncate(30);
        remove_thumbnail(&mut truncated); // must not panic
    }
}
