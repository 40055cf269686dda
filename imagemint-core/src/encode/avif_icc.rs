//! Adds an ICC profile to an AVIF file from ravif, which cannot write one itself.
//!
//! A `colr` box of type `prof` is appended to the item properties (`ipco`) and associated
//! with the primary item (`ipma`). The boxes around them grow by the same bytes, and so
//! does every file offset in `iloc` that points past `meta` (the image data in `mdat`).
//! Only the simple layout avif-serialize writes is accepted (32-bit box sizes, `ipma`
//! version 0 without large indices, `iloc` version 0 or 1); anything else is an error
//! rather than a guess.

/// A box: its type and where it starts, where its children start, and where it ends.
#[derive(Clone, Copy)]
struct Box4 {
    kind: [u8; 4],
    start: usize,
    body: usize,
    end: usize,
}

type Res<T> = Result<T, String>;

fn be16(d: &[u8], at: usize) -> Res<u16> {
    Ok(u16::from_be_bytes(
        d.get(at..at + 2)
            .ok_or("AVIF box truncated")?
            .try_into()
            .map_err(|_| "bad u16")?,
    ))
}

fn be32(d: &[u8], at: usize) -> Res<u32> {
    Ok(u32::from_be_bytes(
        d.get(at..at + 4)
            .ok_or("AVIF box truncated")?
            .try_into()
            .map_err(|_| "bad u32")?,
    ))
}

fn put32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// The boxes in `d[start..end]`; `full` boxes carry 4 bytes of version and flags.
fn children(d: &[u8], start: usize, end: usize) -> Res<Vec<Box4>> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let size = be32(d, at)? as usize;
        if size < 8 || at + size > end {
            return Err("unexpected AVIF box size".into());
        }
        let kind: [u8; 4] = d[at + 4..at + 8].try_into().map_err(|_| "bad box type")?;
        let full = matches!(&kind, b"meta" | b"iloc" | b"ipma" | b"pitm");
        let body = at + if full { 12 } else { 8 };
        out.push(Box4 {
            kind,
            start: at,
            body,
            end: at + size,
        });
        at += size;
    }
    Ok(out)
}

fn find(boxes: &[Box4], kind: &[u8; 4]) -> Res<Box4> {
    boxes
        .iter()
        .copied()
        .find(|b| &b.kind == kind)
        .ok_or_else(|| format!("AVIF has no {} box", String::from_utf8_lossy(kind)))
}

/// `avif` with `icc` attached to its primary image.
pub(super) fn add_icc(avif: &[u8], icc: &[u8]) -> Res<Vec<u8>> {
    let top = children(avif, 0, avif.len())?;
    let meta = find(&top, b"meta")?;
    if top
        .iter()
        .any(|b| &b.kind == b"mdat" && b.start < meta.start)
    {
        return Err("AVIF image data before meta".into());
    }
    let in_meta = children(avif, meta.body, meta.end)?;
    let pitm = find(&in_meta, b"pitm")?;
    let iloc = find(&in_meta, b"iloc")?;
    let iprp = find(&in_meta, b"iprp")?;
    let in_iprp = children(avif, iprp.body, iprp.end)?;
    let ipco = find(&in_iprp, b"ipco")?;
    let ipma = find(&in_iprp, b"ipma")?;
    let primary = be16(avif, pitm.body)?;

    let property = children(avif, ipco.body, ipco.end)?.len() + 1;
    if property > 127 {
        return Err("too many AVIF item properties".into());
    }
    let mut colr = Vec::new();
    let colr_len = u32::try_from(12 + icc.len()).map_err(|_| "ICC profile over 4 GiB")?;
    colr.extend_from_slice(&colr_len.to_be_bytes());
    colr.extend_from_slice(b"colrprof");
    colr.extend_from_slice(icc);

    // ipma version 0, flags 0: u32 entry count, then per entry a u16 item id, a u8
    // association count and one byte per association.
    if be32(avif, ipma.start + 8)? != 0 {
        return Err("unexpected ipma version or flags".into());
    }
    let mut at = ipma.body + 4;
    let mut insert_assoc = None;
    for _ in 0..be32(avif, ipma.body)? {
        let item = be16(avif, at)?;
        let count = *avif.get(at + 2).ok_or("ipma truncated")?;
        if item == primary {
            if count == u8::MAX {
                return Err("too many associations".into());
            }
            insert_assoc = Some((at + 2, at + 3 + usize::from(count)));
        }
        at += 3 + usize::from(count);
    }
    let (count_at, assoc_at) = insert_assoc.ok_or("primary item has no properties")?;
    let grow = colr.len() + 1;
    let grow32 = u32::try_from(grow).map_err(|_| "ICC profile over 4 GiB")?;

    // Patch sizes and offsets in place first, while every position is still the
    // original one; then insert, the later position first.
    let mut out = avif.to_vec();
    for b in [meta, iprp] {
        put32(&mut out, b.start, be32(avif, b.start)? + grow32);
    }
    put32(&mut out, ipco.start, be32(avif, ipco.start)? + grow32 - 1);
    put32(&mut out, ipma.start, be32(avif, ipma.start)? + 1);
    out[count_at] += 1;
    shift_iloc(&mut out, iloc, meta.end, grow32)?;

    let mut inserts = [(ipco.end, colr), (assoc_at, vec![property as u8])];
    inserts.sort_by_key(|(pos, _)| std::cmp::Reverse(*pos));
    for (pos, bytes) in inserts {
        out.splice(pos..pos, bytes);
    }
    Ok(out)
}

/// Moves every file offset in `iloc` that points at or past `from` by `by` bytes.
fn shift_iloc(d: &mut [u8], iloc: Box4, from: usize, by: u32) -> Res<()> {
    let version = *d.get(iloc.start + 8).ok_or("iloc truncated")?;
    if version > 1 {
        return Err("unexpected iloc version".into());
    }
    let sizes = *d.get(iloc.body).ok_or("iloc truncated")?;
    let more = *d.get(iloc.body + 1).ok_or("iloc truncated")?;
    let (offset_size, length_size, base_size) = (sizes >> 4, sizes & 15, more >> 4);
    let index_size = if version == 1 { more & 15 } else { 0 };
    if [offset_size, length_size, base_size]
        .iter()
        .any(|s| ![0, 4].contains(s))
        || index_size != 0
    {
        return Err("unexpected iloc field sizes".into());
    }
    let mut at = iloc.body + 2;
    let items = be16(d, at)?;
    at += 2;
    // Adds `by` to the 4-byte offset at `pos` if it points into the moved region.
    let bump = |d: &mut [u8], pos: usize| -> Res<()> {
        let v = be32(d, pos)?;
        if v as usize >= from {
            put32(d, pos, v.checked_add(by).ok_or("AVIF offset overflow")?);
        }
        Ok(())
    };
    for _ in 0..items {
        at += 2; // item id
        let file_offsets = if version == 1 {
            let method = be16(d, at)? & 15;
            at += 2;
            method == 0
        } else {
            true
        };
        at += 2; // data reference index
        if base_size == 4 {
            if file_offsets {
                bump(d, at)?;
            }
            at += 4;
        }
        let extents = be16(d, at)?;
        at += 2;
        for _ in 0..extents {
            if offset_size == 4 {
                if file_offsets && base_size == 0 {
                    bump(d, at)?;
                }
                at += 4;
            }
            at += usize::from(length_size);
        }
    }
    if at > iloc.end {
        return Err("iloc truncated".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_layouts_are_refused_not_guessed() {
        assert!(add_icc(b"", b"icc").is_err());
        assert!(add_icc(b"\0\0\0\x08ftyp", b"icc").is_err(), "no meta");
        assert!(add_icc(b"\0\0\0\x04ftyp", b"icc").is_err(), "bad size");
    }
}
