//! rav1d's x86 assembly (AVIF decoding) addresses its tables, which are `#[no_mangle]`
//! Rust statics and so exported from a shared library, PC-relatively. Binding them
//! inside the library (`-Bsymbolic`, an ELF linker flag) makes that legal; without it
//! libimagemint.so does not link on Linux.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    if family == "unix" && !matches!(os.as_str(), "macos" | "ios") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic");
    }
}
