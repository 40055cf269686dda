//! Link flags for libimagemint.so:
//! - `-Bsymbolic` (ELF): rav1d's x86 assembly (AVIF decoding) addresses its tables, which
//!   are `#[no_mangle]` Rust statics, PC-relatively; binding symbols inside the library
//!   makes that legal, and keeps the library's own calls its own.
//! - `symbols.map`, so that only `imagemint_*` is exported (why: see the file). It is a
//!   second version script beside rustc's own, which LLD merges and GNU ld refuses, so it
//!   is given only where rustc links with its LLD by default (x86_64 Linux with glibc,
//!   since Rust 1.90) and no other linker is configured.
fn main() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let (arch, os, env) = (
        var("CARGO_CFG_TARGET_ARCH"),
        var("CARGO_CFG_TARGET_OS"),
        var("CARGO_CFG_TARGET_ENV"),
    );
    if var("CARGO_CFG_TARGET_FAMILY") == "unix" && !matches!(os.as_str(), "macos" | "ios") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic");
    }
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    let other_linker = std::env::var_os("RUSTC_LINKER").is_some()
        || ["linker", "fuse-ld", "link-self-contained"]
            .iter()
            .any(|f| flags.contains(f));
    if (arch.as_str(), os.as_str(), env.as_str()) == ("x86_64", "linux", "gnu") && !other_linker {
        let map = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("symbols.map");
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
            map.display()
        );
    }
    println!("cargo:rerun-if-changed=symbols.map");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
}
