//! Adds ICC and EXIF chunks to a WebP file from libwebp's simple encoder, which writes
//! neither. With metadata the file needs the extended layout: a `VP8X` header chunk,
//! then `ICCP`, the image chunks (`ALPH`, `VP8 `/`VP8L`) and `EXIF`, in that order.

/// RIFF header: "RIFF", size, "WEBP".
const HEADER_LEN: usize = 12;

/// VP8X flag bits (WebP container spec).
const FLAG_ICC: u8 = 0x20;
const FLAG_ALPHA: u8 = 0x10;
const FLAG_EXIF: u8 = 0x08;

/// `webp` plus the metadata, or `webp` unchanged when there is none.
pub(super) fn add_metadata(
    webp: &[u8],
    width: u32,
    height: u32,
    alpha: bool,
    icc: Option<&[u8]>,
    exif: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    if icc.is_none() && exif.is_none() {
        return Ok(webp.to_vec());
    }
    if webp.len() < HEADER_LEN || &webp[..4] != b"RIFF" || &webp[8..12] != b"WEBP" {
        return Err("libwebp returned something that is not a WebP file".into());
    }
    // Keep the image chunks; a VP8X from libwebp (lossy with alpha) is replaced by ours.
    let image_chunks: Vec<Chunk<'_>> = chunks(&webp[HEADER_LEN..])?
        .into_iter()
        .filter(|(fourcc, _)| matches!(*fourcc, b"ALPH" | b"VP8 " | b"VP8L"))
        .collect();

    let mut flags = 0;
    if icc.is_some() {
        flags |= FLAG_ICC;
    }
    if alpha {
        flags |= FLAG_ALPHA;
    }
    if exif.is_some() {
        flags |= FLAG_EXIF;
    }
    let mut vp8x = vec![flags, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);

    let mut body = Vec::new();
    put_chunk(&mut body, b"VP8X", &vp8x)?;
    if let Some(icc) = icc {
        put_chunk(&mut body, b"ICCP", icc)?;
    }
    for (fourcc, payload) in image_chunks {
        put_chunk(&mut body, fourcc, payload)?;
    }
    if let Some(exif) = exif {
        put_chunk(&mut body, b"EXIF", exif)?;
    }
    let riff_size = u32::try_from(body.len() + 4).map_err(|_| "WebP file over 4 GiB")?;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    Ok(out)
}

/// A RIFF chunk: (fourcc, payload).
type Chunk<'a> = (&'a [u8], &'a [u8]);

/// The chunks of a RIFF body.
fn chunks(mut body: &[u8]) -> Result<Vec<Chunk<'_>>, String> {
    let mut out = Vec::new();
    while body.len() >= 8 {
        let fourcc = &body[..4];
        let len = u32::from_le_bytes([body[4], body[5], body[6], body[7]]) as usize;
        let padded = len + (len & 1);
        let rest = &body[8..];
        if rest.len() < len {
            return Err("truncated chunk in libwebp output".into());
        }
        out.push((fourcc, &rest[..len]));
        body = &rest[padded.min(rest.len())..];
    }
    Ok(out)
}

fn put_chunk(out: &mut Vec<u8>, fourcc: &[u8], payload: &[u8]) -> Result<(), String> {
    let len = u32::try_from(payload.len()).map_err(|_| "WebP chunk over 4 GiB")?;
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_chunks_are_padded_and_order_follows_the_spec() {
        // A minimal simple-format file: one odd-sized VP8L chunk.
        let mut simple = b"RIFF\x0f\0\0\0WEBPVP8L\x03\0\0\0abc\0".to_vec();
        simple[4] = (simple.len() - 8) as u8;
        let out = add_metadata(&simple, 2, 3, true, Some(b"icc"), Some(b"exif")).unwrap();
        let found = chunks(&out[HEADER_LEN..]).unwrap();
        let names: Vec<&[u8]> = found.iter().map(|(f, _)| *f).collect();
        assert_eq!(names, [&b"VP8X"[..], b"ICCP", b"VP8L", b"EXIF"]);
        let vp8x = found[0].1;
        assert_eq!(vp8x[0], FLAG_ICC | FLAG_ALPHA | FLAG_EXIF);
        assert_eq!(&vp8x[4..10], &[1, 0, 0, 2, 0, 0]);
        assert_eq!(found[2].1, b"abc");
        let riff_size = u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff_size + 8, out.len());
        // Without metadata the file is untouched.
        assert_eq!(
            add_metadata(&simple, 2, 3, true, None, None).unwrap(),
            simple
        );
    }
}
