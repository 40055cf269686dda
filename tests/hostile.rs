//! Hostile input: every fixture truncated and bit-flipped at many offsets. `process`
//! must return `Ok` or `Err` every time: no panic, no abort, no hang.

mod common;

use common::*;
use imagemint_core::{Effort, Format, Options, Resize, process};

/// Cheap encode settings, so the run is about the decoders.
fn options() -> Options {
    let mut o = Options::default();
    o.encode.format = Format::Png;
    o.encode.effort = Effort::new(0);
    o.transform.resize = Some(Resize::width(16));
    o
}

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Offsets to cut at: every byte of the header region, then spread over the file.
fn cut_points(len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..len.min(96)).collect();
    cuts.extend((1..48).map(|k| len * k / 48));
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn survive(input: &[u8], what: &str) -> bool {
    let result = std::panic::catch_unwind(|| process(input, &options()));
    match result {
        Ok(r) => r.is_ok(),
        Err(_) => panic!("{what}: process panicked"),
    }
}

#[test]
fn truncated_files_give_errors_not_panics() {
    for (name, _) in INPUTS {
        let data = fixture(name);
        let mut errors = 0;
        let cuts = cut_points(data.len());
        for &cut in &cuts {
            if !survive(&data[..cut], &format!("{name} cut at {cut}")) {
                errors += 1;
            }
        }
        // Most truncations must be reported (some formats decode a partial image).
        assert!(
            errors * 2 > cuts.len(),
            "{name}: only {errors} of {} cuts were errors",
            cuts.len()
        );
    }
}

#[test]
fn bit_flips_give_ok_or_errors_not_panics() {
    let mut rng = Rng(0x1A2B_3C4D);
    for (name, _) in INPUTS {
        let data = fixture(name);
        for round in 0..96 {
            let mut bad = data.clone();
            // Mostly the header region, where parsers make their decisions.
            let span = if round % 2 == 0 {
                bad.len().min(512)
            } else {
                bad.len()
            };
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(span);
                bad[at] ^= 1 << rng.below(8);
            }
            survive(&bad, &format!("{name}, flip round {round}"));
        }
    }
}

#[test]
fn garbage_and_empty_input_are_errors() {
    let mut rng = Rng(7);
    assert!(process(&[], &options()).is_err());
    for len in [1, 2, 7, 16, 100, 4096] {
        let junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(process(&junk, &options()).is_err(), "{len} random bytes");
    }
    // Magic numbers alone.
    for magic in [
        &b"\xFF\xD8\xFF"[..],
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\0\0\0\0WEBPVP8 ",
        b"GIF89a",
        b"BM",
        b"II*\0",
        b"\0\0\0\x1cftypavif\0\0\0\0avifmif1",
    ] {
        assert!(process(magic, &options()).is_err(), "{magic:?}");
    }
}
