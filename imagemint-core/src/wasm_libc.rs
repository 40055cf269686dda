//! The C library functions that the C codecs (mozjpeg, libwebp) call, for
//! wasm32-unknown-unknown, where there is no C library.
//!
//! The codecs are compiled against wasi-libc's headers only (`.cargo/config.toml`);
//! linking wasi-libc itself produces wrong output, so the handful of functions they
//! reference are defined here: allocation over Rust's allocator, sorting and searching,
//! and a small `snprintf`. Nothing prints: `fprintf` writes nowhere, as a library must not
//! print. `exit` and `abort` trap, which JS sees as a `WebAssembly.RuntimeError`.
//!
//! Variadic functions are defined with their wasm32 signature: clang passes the variable
//! arguments in memory, each at the next address aligned for its type, and the function
//! gets a pointer to them as one extra argument (the same ABI as a `va_list`).
//!
//! Natively the module is only compiled for its tests, with no symbol exported.
#![allow(unsafe_code)]
#![cfg_attr(test, allow(dead_code))]

use std::alloc::{Layout, alloc, alloc_zeroed, dealloc, realloc as grow};
use std::ffi::{c_char, c_int, c_void};
use std::ptr::{self, null_mut};

/// Every block starts with a header holding its size; 16 bytes keeps the payload aligned
/// for any C type (`max_align_t`).
const HEADER: usize = 16;

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, HEADER).ok()
}

/// # Safety
/// `block` was just returned by the allocator for `layout(size)`.
unsafe fn finish(block: *mut u8, size: usize) -> *mut c_void {
    if block.is_null() {
        return null_mut();
    }
    // SAFETY: the block is at least HEADER bytes and 16-aligned.
    unsafe {
        block.cast::<usize>().write(size);
        block.add(HEADER).cast()
    }
}

/// # Safety
/// `payload` came from `malloc`, `calloc` or `realloc` here and was not freed.
unsafe fn block_of(payload: *mut c_void) -> (*mut u8, usize) {
    // SAFETY: the header sits HEADER bytes before every payload.
    unsafe {
        let block = payload.cast::<u8>().sub(HEADER);
        (block, block.cast::<usize>().read())
    }
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    match layout(size) {
        // SAFETY: the layout is non-zero-sized (HEADER > 0).
        Some(l) => unsafe { finish(alloc(l), size) },
        None => null_mut(),
    }
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    match count.checked_mul(size).and_then(|n| Some((n, layout(n)?))) {
        // SAFETY: the layout is non-zero-sized.
        Some((n, l)) => unsafe { finish(alloc_zeroed(l), n) },
        None => null_mut(),
    }
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn realloc(payload: *mut c_void, size: usize) -> *mut c_void {
    if payload.is_null() {
        // SAFETY: same contract as malloc.
        return unsafe { malloc(size) };
    }
    let Some(new) = layout(size) else {
        return null_mut();
    };
    // SAFETY: C's contract: `payload` is live and from this allocator.
    unsafe {
        let (block, old) = block_of(payload);
        let old = Layout::from_size_align_unchecked(old + HEADER, HEADER);
        finish(grow(block, old, new.size()), size)
    }
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn free(payload: *mut c_void) {
    if payload.is_null() {
        return;
    }
    // SAFETY: C's contract: `payload` is live and from this allocator.
    unsafe {
        let (block, size) = block_of(payload);
        dealloc(
            block,
            Layout::from_size_align_unchecked(size + HEADER, HEADER),
        );
    }
}

type Compare = unsafe extern "C" fn(*const c_void, *const c_void) -> c_int;

/// Heapsort: in place, no allocation, O(n log n) whatever the input.
#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn qsort(base: *mut c_void, count: usize, size: usize, compare: Compare) {
    let base = base.cast::<u8>();
    // SAFETY (all three helpers): i, j < count, and the array holds count elements.
    let at = |i: usize| unsafe { base.add(i * size) };
    let less = |i: usize, j: usize| unsafe { compare(at(i).cast(), at(j).cast()) < 0 };
    let swap = |i: usize, j: usize| unsafe { ptr::swap_nonoverlapping(at(i), at(j), size) };
    let sift_down = |mut root: usize, end: usize| {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                break;
            }
            if child + 1 < end && less(child, child + 1) {
                child += 1;
            }
            if !less(root, child) {
                break;
            }
            swap(root, child);
            root = child;
        }
    };
    if size == 0 || count < 2 {
        return;
    }
    for root in (0..count / 2).rev() {
        sift_down(root, count);
    }
    for end in (1..count).rev() {
        swap(0, end);
        sift_down(0, end);
    }
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn bsearch(
    key: *const c_void,
    base: *const c_void,
    count: usize,
    size: usize,
    compare: Compare,
) -> *mut c_void {
    let (mut low, mut high) = (0, count);
    while low < high {
        let mid = low + (high - low) / 2;
        // SAFETY: mid < count, and the array holds count elements.
        let element = unsafe { base.cast::<u8>().add(mid * size) };
        match unsafe { compare(key, element.cast()) } {
            0 => return element.cast_mut().cast(),
            c if c < 0 => high = mid,
            _ => low = mid + 1,
        }
    }
    null_mut()
}

/// The variable arguments of a C call, read in order.
struct VaArgs(*const u8);

/// C's `long double` on wasm32: 16 bytes, 16-aligned.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct LongDouble([u8; 16]);

/// The widest field printed; a larger width or precision is refused (C's `INT_MAX` would
/// only make an allocation fail).
const MAX_FIELD: usize = 1 << 16;

impl VaArgs {
    /// # Safety
    /// The caller passed an argument of type `T` (after promotion) here.
    unsafe fn next<T: Copy>(&mut self) -> T {
        let pad = (self.0 as usize).next_multiple_of(align_of::<T>()) - self.0 as usize;
        // SAFETY: the caller's contract: clang stored a `T` at the next address aligned
        // for it.
        unsafe {
            let at = self.0.add(pad);
            self.0 = at.add(size_of::<T>());
            at.cast::<T>().read()
        }
    }
}

/// At most `limit` bytes of the NUL-terminated string at `s`, reading no further.
///
/// # Safety
/// `s` points to a NUL-terminated string, or to at least `limit` readable bytes.
unsafe fn c_string<'a>(s: *const c_char, limit: usize) -> &'a [u8] {
    let mut len = 0;
    // SAFETY: the caller's contract; reading stops at the NUL or at `limit`.
    while len < limit && unsafe { *s.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: those `len` bytes were just read.
    unsafe { std::slice::from_raw_parts(s.cast(), len) }
}

/// Parses a decimal field width or precision at `format[*i..]`.
fn number(format: &[u8], i: &mut usize) -> usize {
    let mut n = 0usize;
    while let Some(d @ b'0'..=b'9') = format.get(*i) {
        n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
        *i += 1;
    }
    n
}

/// printf's formatting, for the messages C libraries build: conversions `d i u x X o c s
/// p %`, the `-` and `0` flags (`+`, space and `#` are accepted and ignored), width and
/// precision (`*` too), and the length modifiers `hh h l ll z j t L`. Floating-point
/// conversions print `?` but consume their argument, so later ones stay in step. `None`
/// for a width or precision over [`MAX_FIELD`].
///
/// # Safety
/// `format` is a NUL-terminated string and `args` holds the arguments it names.
unsafe fn format(format: *const c_char, mut args: VaArgs) -> Option<Vec<u8>> {
    // SAFETY: the caller's contract.
    let format = unsafe { std::ffi::CStr::from_ptr(format) }.to_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            out.push(format[i]);
            i += 1;
            continue;
        }
        i += 1;
        let (mut left, mut zero) = (false, false);
        while let Some(&flag @ (b'-' | b'0' | b'+' | b' ' | b'#')) = format.get(i) {
            left |= flag == b'-';
            zero |= flag == b'0';
            i += 1;
        }
        let width = if format.get(i) == Some(&b'*') {
            i += 1;
            // SAFETY: `*` takes an int; a negative one means `-` and its magnitude.
            let w = unsafe { args.next::<c_int>() };
            left |= w < 0;
            w.unsigned_abs() as usize
        } else {
            number(format, &mut i)
        };
        let mut precision = None;
        if format.get(i) == Some(&b'.') {
            i += 1;
            precision = if format.get(i) == Some(&b'*') {
                i += 1;
                // SAFETY: `.*` takes an int; a negative one means no precision.
                usize::try_from(unsafe { args.next::<c_int>() }).ok()
            } else {
                Some(number(format, &mut i))
            };
        }
        if width > MAX_FIELD || precision.is_some_and(|p| p > MAX_FIELD) {
            return None;
        }
        // On wasm32 `ll` and `j` are 8 bytes, `L` is a 16-byte long double, and `l`, `z`
        // and `t` are 4 bytes like int; `h` and `hh` arguments arrive promoted to int.
        let (mut wide, mut long_double) = (false, false);
        while let Some(&m @ (b'h' | b'l' | b'z' | b'j' | b't' | b'L')) = format.get(i) {
            let double_l = m == b'l' && format.get(i + 1) == Some(&b'l');
            wide |= double_l || m == b'j';
            long_double |= m == b'L';
            i += if double_l { 2 } else { 1 };
        }
        let Some(&conversion) = format.get(i) else {
            break;
        };
        i += 1;
        let mut negative = false;
        // SAFETY (every `args.next`): the conversion names the argument's type.
        let text: Vec<u8> = match conversion {
            b'd' | b'i' => {
                let v: i64 = if wide {
                    unsafe { args.next() }
                } else {
                    unsafe { args.next::<i32>() }.into()
                };
                negative = v < 0;
                v.unsigned_abs().to_string().into_bytes()
            }
            b'u' | b'x' | b'X' | b'o' => {
                let v: u64 = if wide {
                    unsafe { args.next() }
                } else {
                    unsafe { args.next::<u32>() }.into()
                };
                match conversion {
                    b'x' => format!("{v:x}"),
                    b'X' => format!("{v:X}"),
                    b'o' => format!("{v:o}"),
                    _ => v.to_string(),
                }
                .into_bytes()
            }
            b'c' => vec![unsafe { args.next::<c_int>() } as u8],
            b's' => {
                let s = unsafe { args.next::<*const c_char>() };
                if s.is_null() {
                    b"(null)".to_vec()
                } else {
                    // SAFETY: `%s` takes a NUL-terminated string, or with a precision
                    // an array of at least that many bytes.
                    unsafe { c_string(s, precision.unwrap_or(usize::MAX)) }.to_vec()
                }
            }
            b'p' => format!("{:#x}", unsafe { args.next::<usize>() }).into_bytes(),
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' | b'a' | b'A' => {
                if long_double {
                    let _: LongDouble = unsafe { args.next() };
                } else {
                    let _: f64 = unsafe { args.next() };
                }
                b"?".to_vec()
            }
            b'%' => b"%".to_vec(),
            other => vec![b'%', other],
        };
        // An integer's precision is its least number of digits.
        let digits = match (conversion, precision) {
            (b'd' | b'i' | b'u' | b'x' | b'X' | b'o', Some(p)) => p.saturating_sub(text.len()),
            _ => 0,
        };
        let body = usize::from(negative) + digits + text.len();
        let pad = width.saturating_sub(body);
        let zero = zero && !left && precision.is_none() && conversion != b's';
        if !left && !zero {
            out.resize(out.len() + pad, b' ');
        }
        if negative {
            out.push(b'-');
        }
        if zero {
            out.resize(out.len() + pad, b'0');
        }
        out.resize(out.len() + digits, b'0');
        out.extend_from_slice(&text);
        if left {
            out.resize(out.len() + pad, b' ');
        }
    }
    Some(out)
}

/// # Safety
/// `buffer` has room for `size` bytes.
unsafe fn write_truncated(text: &[u8], buffer: *mut c_char, size: usize) -> c_int {
    if size > 0 {
        let n = text.len().min(size - 1);
        // SAFETY: n + 1 <= size bytes fit in the buffer.
        unsafe {
            ptr::copy_nonoverlapping(text.as_ptr(), buffer.cast(), n);
            buffer.add(n).write(0);
        }
    }
    c_int::try_from(text.len()).unwrap_or(c_int::MAX)
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn vsnprintf(
    buffer: *mut c_char,
    size: usize,
    fmt: *const c_char,
    args: *const u8,
) -> c_int {
    // SAFETY: C's contract for vsnprintf.
    match unsafe { format(fmt, VaArgs(args)) } {
        Some(text) => unsafe { write_truncated(&text, buffer, size) },
        None => -1,
    }
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn snprintf(
    buffer: *mut c_char,
    size: usize,
    fmt: *const c_char,
    args: *const u8,
) -> c_int {
    // SAFETY: C's contract for snprintf; its arguments arrive as a va_list.
    unsafe { vsnprintf(buffer, size, fmt, args) }
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn fprintf(_stream: *mut c_void, _fmt: *const c_char, _args: *const u8) -> c_int {
    0
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn fwrite(
    _data: *const c_void,
    _size: usize,
    count: usize,
    _stream: *mut c_void,
) -> usize {
    count
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn fputc(c: c_int, _stream: *mut c_void) -> c_int {
    c
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn getenv(_name: *const c_char) -> *mut c_char {
    null_mut()
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn exit(_status: c_int) -> ! {
    std::process::abort()
}

#[cfg_attr(target_family = "wasm", unsafe(no_mangle))]
unsafe extern "C" fn abort() -> ! {
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays out C variable arguments as clang does on wasm32: each value aligned to its
    /// size, in a buffer aligned for any of them.
    struct Args(Vec<u128>, usize);

    impl Args {
        fn new() -> Self {
            Args(vec![0; 16], 0)
        }

        fn push<T: Copy>(mut self, value: T) -> Self {
            let at = self.1.next_multiple_of(align_of::<T>());
            // SAFETY: 256 bytes are plenty for the tests' arguments.
            unsafe {
                self.0
                    .as_mut_ptr()
                    .cast::<u8>()
                    .add(at)
                    .cast::<T>()
                    .write(value)
            };
            self.1 = at + size_of::<T>();
            self
        }

        fn print(&self, fmt: &std::ffi::CStr, size: usize) -> (String, c_int) {
            let mut buffer = vec![0x55 as c_char; size.max(1)];
            // SAFETY: the buffer holds `size` bytes and the arguments match the format.
            let n = unsafe {
                snprintf(
                    buffer.as_mut_ptr(),
                    size,
                    fmt.as_ptr(),
                    self.0.as_ptr().cast(),
                )
            };
            if n < 0 {
                return (String::new(), n);
            }
            // SAFETY: snprintf wrote a NUL within the buffer.
            let text = unsafe { std::ffi::CStr::from_ptr(buffer.as_ptr()) };
            (text.to_str().unwrap().to_owned(), n)
        }
    }

    #[test]
    fn snprintf_formats_libjpeg_style_messages() {
        let name = c"mozjpeg";
        let args = Args::new()
            .push(-42i32)
            .push(7u32)
            .push(name.as_ptr())
            .push(255u32)
            .push(1u64 << 40)
            .push(1.5f64)
            .push(9i32);
        let fmt = c"a %d b %05u c %s d %-4x| e %llu f %g g %3d %%";
        let (text, n) = args.print(fmt, 200);
        assert_eq!(
            text,
            "a -42 b 00007 c mozjpeg d ff  | e 1099511627776 f ? g   9 %"
        );
        assert_eq!(n as usize, text.len());

        // Truncated to the buffer, but the return value is the full length.
        let (short, n) = args.print(fmt, 8);
        assert_eq!(short, "a -42 b");
        assert_eq!(n as usize, text.len());
    }

    #[test]
    fn snprintf_handles_signs_stars_precisions_and_wasm32_sizes() {
        let unterminated = [b'x' as c_char, b'y' as c_char, b'z' as c_char];
        let args = Args::new()
            .push(-42i32) // %05d
            .push(-5i32) // %*d: width -5 means left-justified, 5 wide
            .push(3i32)
            .push(2i32) // %.*s
            .push(c"abcdef".as_ptr())
            .push(-1i32) // %.*s: negative precision means none
            .push(c"abc".as_ptr())
            .push(7i32) // %.3d
            .push(0xffff_ffffu32) // %lu: 4 bytes on wasm32
            .push(12u32) // %zu: 4 bytes on wasm32
            .push(LongDouble([0; 16])) // %Lg: 16 bytes, 16-aligned
            .push(-1i64) // %lld
            .push(unterminated.as_ptr()) // %.3s reads no further than 3 bytes
            .push(65i32); // %c
        let fmt = c"%05d|%*d|%.*s|%.*s|%.3d|%lu|%zu|%Lg|%lld|%.3s|%c";
        let (text, _) = args.print(fmt, 200);
        assert_eq!(text, "-0042|3    |ab|abc|007|4294967295|12|?|-1|xyz|A");
    }

    #[test]
    fn snprintf_refuses_absurd_widths() {
        let args = Args::new().push(1i32);
        let (_, n) = args.print(c"%999999999d", 10);
        assert_eq!(n, -1);
    }

    #[test]
    fn qsort_and_bsearch_agree_with_std() {
        unsafe extern "C" fn compare(a: *const c_void, b: *const c_void) -> c_int {
            // SAFETY: called on elements of the i32 arrays below.
            let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
            a.cmp(&b) as c_int
        }
        let mut state = 12345u32;
        let mut values: Vec<i32> = (0..1000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as i32 % 500 - 250
            })
            .collect();
        let mut expected = values.clone();
        expected.sort();
        // SAFETY: `values` holds 1000 i32s and `compare` reads i32s.
        unsafe { qsort(values.as_mut_ptr().cast(), values.len(), 4, compare) };
        assert_eq!(values, expected);

        for key in [-250, -1, 0, 37, 249, 1000] {
            // SAFETY: as above; the key is an i32.
            let found = unsafe {
                bsearch(
                    ptr::from_ref(&key).cast(),
                    values.as_ptr().cast(),
                    values.len(),
                    4,
                    compare,
                )
            };
            if expected.contains(&key) {
                assert_eq!(unsafe { *found.cast::<i32>() }, key);
            } else {
                assert!(found.is_null());
            }
        }
    }

    #[test]
    fn allocation_keeps_contents_and_rejects_overflow() {
        // SAFETY: each block is used within its size and freed once.
        unsafe {
            let p = calloc(10, 10).cast::<u8>();
            assert!((0..100).all(|i| *p.add(i) == 0));
            assert_eq!(p as usize % 16, 0);
            for i in 0..100 {
                *p.add(i) = i as u8;
            }
            let q = realloc(p.cast(), 100_000).cast::<u8>();
            assert!((0..100).all(|i| *q.add(i) == i as u8));
            free(q.cast());
            free(null_mut());
            assert!(calloc(usize::MAX / 2, 3).is_null());
            assert!(malloc(usize::MAX - 8).is_null());
        }
    }
}
