//! Link flags for libimagemint.so on ELF platforms (Linux, the BSDs):
//! - `-Bsymbolic`: rav1d's x86 assembly (AVIF decoding) addresses its tables, which are
//!   `#[no_mangle]` Rust statics, PC-relatively; binding symbols inside the library makes
//!   that legal, and keeps the library's own calls its own.
//! - `symbols.map`: exports nothing but `imagemint_*` (why: see the file).
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    if family == "unix" && !matches!(os.as_str(), "macos" | "ios") {
        let map = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("symbols.map");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic");
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
            map.display()
        );
        println!("cargo:rerun-if-changed=symbols.map");
    }
}
