//! 3×3 convolutions by Winograd's minimal filtering, F(4×4, 3×3) (Lavin & Gray, 2015).
//!
//! IS-Net spends 94% of its 319 GFLOP at 1024² in 3×3, stride-1, undilated convolutions,
//! and tract runs them as im2col and a matrix product: 9 multiply-adds per input channel
//! and output point. F(4×4, 3×3) computes each 4×4 block of outputs from a 6×6 block of
//! input with 36 products per channel pair instead of 144, so the matrix products shrink
//! 4×, at the cost of transforming the input and output, which are cheap linear passes.
//!
//! The work is cut into blocks of tiles (a run of 4×4 output tiles on one tile row), and
//! each block is transformed, multiplied and transformed back while it is in cache: done
//! as three whole-map passes with tract's matrix product between them, the transformed
//! maps (2.25× the feature map) made the product memory-bound and no faster than im2col.
//!
//! Rounding differs from a direct convolution (the transforms add and subtract partial
//! sums): the unit tests below bound the difference at 1e-5 of the output's scale, and
//! IS-Net's mask still matches ONNX Runtime's to the same digits (tests/mask.rs).
//!
//! Unsafe code: calling the AVX2 and AVX-512 variants after detecting the CPU's features,
//! and the blocks' writes into the shared output, each to its own tiles.
#![allow(unsafe_code)]

use std::cell::RefCell;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cast::Cast;
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat, PaddingSpec};
use tract_onnx::tract_core::ops::math::Max;
use tract_onnx::tract_core::ops::nn::DataFormat;

/// Output tiles are 4×4, computed from 6×6 input tiles: 36 transformed positions.
const P: usize = 36;

/// Fewer output tiles than this and the transformed weights (4× the kernel, more when
/// output channels are padded to `MR_MAX`) cost more to stream than the products save:
/// such convolutions stay with tract (512→512 channels at 32² gained nothing).
const MIN_TILES: usize = 256;

/// Replaces every 3×3, stride-1, undilated f32 convolution of `model` with constant
/// weights (and a following ReLU, when it is the convolution's only reader) by a
/// [`WinogradConv`]. To be run on the decluttered model, before tract optimises it.
/// Returns how many were replaced.
pub(super) fn rewrite(model: &mut TypedModel) -> TractResult<usize> {
    let mut replaced = 0;
    for id in model.eval_order()? {
        let Some(op) = fitting(model, id)? else {
            continue;
        };
        let node = model.node(id);
        let relu = relu_after(model, id)?;
        let op = WinogradConv {
            relu: relu.is_some(),
            ..op
        };
        let mut patch = TypedModelPatch::default();
        let x = patch.tap_model(model, node.inputs[0])?;
        let y = patch.wire_node(&node.name, op, &[x])?[0];
        let replaced_outlet = OutletId::new(relu.unwrap_or(id), 0);
        patch.shunt_outside(model, replaced_outlet, y)?;
        patch.apply(model)?;
        replaced += 1;
    }
    if replaced > 0 {
        // Drops the replaced nodes and the weights only they read.
        model.compact()?;
    }
    Ok(replaced)
}

/// The Winograd stand-in for node `id`, if it is a convolution this module handles.
fn fitting(model: &TypedModel, id: usize) -> TractResult<Option<WinogradConv>> {
    let node = model.node(id);
    let Some(conv) = node.op_as::<Conv>() else {
        return Ok(None);
    };
    let spec = &conv.pool_spec;
    let ones = |v: &Option<TVec<usize>>| v.as_ref().is_none_or(|v| v.iter().all(|&s| s == 1));
    if conv.group != 1
        || conv.q_params.is_some()
        || conv.kernel_fmt != KernelFormat::OIHW
        || spec.data_format != DataFormat::NCHW
        || spec.kernel_shape[..] != [3, 3]
        || !ones(&spec.strides)
        || !ones(&spec.dilations)
        || node.inputs.len() != 3
    {
        return Ok(None);
    }
    let (before, after) = match &spec.padding {
        PaddingSpec::Valid => (tvec![0, 0], tvec![0, 0]),
        PaddingSpec::Explicit(b, a) => (b.clone(), a.clone()),
        PaddingSpec::ExplicitOnnxPool(b, a, false) => (b.clone(), a.clone()),
        _ => return Ok(None),
    };
    let facts = model.node_input_facts(id)?;
    // Anything unreadable here is left to tract, which knows how to report it.
    let constant = |i: usize| constant(model, node.inputs[i]).ok().flatten();
    let (Some(kernel), Some(bias)) = (constant(1), constant(2)) else {
        return Ok(None);
    };
    let Some(&[1, cin, h, w]) = facts[0].shape.as_concrete() else {
        return Ok(None);
    };
    let cout = conv.output_channels();
    if cin == 0
        || cout == 0
        || facts[0].datum_type != f32::datum_type()
        || kernel.datum_type() != f32::datum_type()
        || kernel.shape() != [cout, cin, 3, 3]
        || before.len() != 2
        || after.len() != 2
        // "Same" padding is at most 2; wider pads would let a block start off the map.
        || before.iter().chain(&after).any(|&p| p > 2)
    {
        return Ok(None);
    }
    let (oh, ow) = (h + before[0] + after[0], w + before[1] + after[1]);
    if oh < 3 || ow < 3 || (oh - 2).div_ceil(4) * (ow - 2).div_ceil(4) < MIN_TILES {
        return Ok(None);
    }
    let Ok(bias) = bias.cast_to::<f32>() else {
        return Ok(None);
    };
    let Ok(bias) = bias.try_as_plain_ram() else {
        return Ok(None);
    };
    let Ok(bias) = bias.as_slice::<f32>() else {
        return Ok(None);
    };
    let bias = match bias.len() {
        1 => vec![bias[0]; cout],
        n if n == cout => bias.to_vec(),
        _ => return Ok(None),
    };
    let Ok(kernel) = kernel.try_as_plain_ram() else {
        return Ok(None);
    };
    let Ok(kernel) = kernel.as_slice::<f32>() else {
        return Ok(None);
    };
    Ok(Some(WinogradConv::new(
        kernel,
        bias,
        cin,
        cout,
        [before[0], before[1], after[0], after[1]],
    )))
}

/// The value of a constant input as f32: a constant, or (after the `f16_to_f32`
/// transform) a cast of one.
fn constant(model: &TypedModel, outlet: OutletId) -> TractResult<Option<Arc<Tensor>>> {
    if let Some(k) = &model.outlet_fact(outlet)?.konst {
        return Ok(Some(k.clone()));
    }
    let node = model.node(outlet.node);
    match (node.op_as::<Cast>(), &node.inputs[..]) {
        (Some(cast), [input]) if cast.to == f32::datum_type() => {
            let Some(k) = &model.outlet_fact(*input)?.konst else {
                return Ok(None);
            };
            Ok(Some(k.cast_to::<f32>()?.into_owned().into_arc_tensor()))
        }
        _ => Ok(None),
    }
}

/// The ReLU node reading node `id`, if it is its only reader: `max(x, 0)` with a constant
/// zero.
fn relu_after(model: &TypedModel, id: usize) -> TractResult<Option<usize>> {
    let node = model.node(id);
    if model.output_outlets()?.contains(&OutletId::new(id, 0)) {
        return Ok(None);
    }
    let [succ] = &node.outputs[0].successors[..] else {
        return Ok(None);
    };
    let next = model.node(succ.node);
    let Some(bin) = next.op_as::<TypedBinOp>() else {
        return Ok(None);
    };
    if !bin.0.is::<Max>() || next.inputs.len() != 2 {
        return Ok(None);
    }
    let other = model.outlet_fact(next.inputs[1 - succ.slot])?;
    let zero = other.konst.as_ref().is_some_and(|k| {
        k.len() == 1
            && k.cast_to_scalar::<f32>()
                .is_ok_and(|v| v == 0.0 && v.is_sign_positive())
    });
    let out = model.outlet_fact(OutletId::new(succ.node, 0))?;
    let same = out.shape == model.outlet_fact(OutletId::new(id, 0))?.shape;
    Ok((zero && same && out.datum_type == f32::datum_type()).then_some(succ.node))
}

/// A 3×3, stride-1 convolution of a `[1, C, H, W]` f32 map, plus bias and an optional
/// ReLU, computed by F(4×4, 3×3).
#[derive(Debug, Clone)]
pub(super) struct WinogradConv {
    cin: usize,
    cout: usize,
    /// Padding: top, left, bottom, right.
    pad: [usize; 4],
    relu: bool,
    /// The transformed kernel, `[36][cin][cout rounded up to MR_MAX]`, so that one
    /// position's `MR` output channels for one input channel are contiguous.
    u: Arc<Vec<f32>>,
    bias: Arc<Vec<f32>>,
}

impl PartialEq for WinogradConv {
    fn eq(&self, other: &Self) -> bool {
        (self.cin, self.cout, self.pad, self.relu) == (other.cin, other.cout, other.pad, other.relu)
            && self.u == other.u
            && self.bias == other.bias
    }
}

impl Eq for WinogradConv {}

/// Output channels are computed `MR` at a time; the weights are padded for the widest.
const MR_MAX: usize = 8;

impl WinogradConv {
    /// `kernel` is OIHW `[cout][cin][3][3]`.
    fn new(kernel: &[f32], bias: Vec<f32>, cin: usize, cout: usize, pad: [usize; 4]) -> Self {
        // G, the kernel transform (6×3), in f64 so U rounds once.
        const G: [[f64; 3]; 6] = [
            [1.0 / 4.0, 0.0, 0.0],
            [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
            [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
            [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
            [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
            [0.0, 0.0, 1.0],
        ];
        let cout_pad = cout.next_multiple_of(MR_MAX);
        let mut u = vec![0f32; P * cin * cout_pad];
        for o in 0..cout {
            for c in 0..cin {
                let g = &kernel[(o * cin + c) * 9..][..9];
                // G g Gᵀ
                let mut gg = [[0f64; 3]; 6];
                for (i, row) in gg.iter_mut().enumerate() {
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = (0..3).map(|k| G[i][k] * g[k * 3 + j] as f64).sum();
                    }
                }
                for i in 0..6 {
                    for j in 0..6 {
                        let v: f64 = (0..3).map(|k| gg[i][k] * G[j][k]).sum();
                        u[((i * 6 + j) * cin + c) * cout_pad + o] = v as f32;
                    }
                }
            }
        }
        Self {
            cin,
            cout,
            pad,
            relu: false,
            u: Arc::new(u),
            bias: Arc::new(bias),
        }
    }

    fn output_size(&self, h: usize, w: usize) -> TractResult<(usize, usize)> {
        let [t, l, b, r] = self.pad;
        let (oh, ow) = ((h + t + b).checked_sub(2), (w + l + r).checked_sub(2));
        match (oh, ow) {
            (Some(oh), Some(ow)) if oh > 0 && ow > 0 => Ok((oh, ow)),
            _ => bail!("WinogradConv: a {h}×{w} map is smaller than the kernel"),
        }
    }

    /// Computes the whole output, `[cout][oh][ow]`, from `x`, `[cin][h][w]`.
    fn run(
        &self,
        kernels: Kernels,
        x: &[f32],
        h: usize,
        w: usize,
        out: &mut [f32],
    ) -> TractResult<()> {
        let (oh, ow) = self.output_size(h, w)?;
        ensure!(x.len() == self.cin * h * w && out.len() == self.cout * oh * ow);
        // Tiles per block: the block's transformed input and output (36 positions × its
        // channels × tiles) aim at 768 KiB, to stay in a core's L2 cache; the widest
        // layers (over ~170 channels in and out) take the 32-tile minimum and overflow it.
        let per_tile = P * (self.cin + self.cout.next_multiple_of(MR_MAX)) * 4;
        let nt = ((768 * 1024) / per_tile).clamp(NR_MAX, MAX_TILES) / NR_MAX * NR_MAX;
        let (th, tw) = (oh.div_ceil(4), ow.div_ceil(4));
        let blocks_per_row = tw.div_ceil(nt);
        let geometry = Geometry { h, w, oh, ow, nt };
        let out = SharedOut(out.as_mut_ptr(), out.len());
        let block = |b: usize| {
            let (ty, tx0) = (b / blocks_per_row, (b % blocks_per_row) * nt);
            SCRATCH.with_borrow_mut(|scratch| {
                kernels.block(self, &geometry, x, &out, ty, tx0, scratch);
            });
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            (0..th * blocks_per_row).into_par_iter().for_each(block);
        }
        #[cfg(not(feature = "parallel"))]
        (0..th * blocks_per_row).for_each(block);
        Ok(())
    }
}

thread_local! {
    /// Each thread's block buffers, kept between blocks and runs.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Output tiles per block are a multiple of the widest kernel's `NR`, and at most
/// `MAX_TILES`.
const NR_MAX: usize = 32;
const MAX_TILES: usize = 64;

struct Geometry {
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    /// Tiles per block.
    nt: usize,
}

/// The output map, written by every block: each writes only its own tiles.
struct SharedOut(*mut f32, usize);

// SAFETY: blocks write disjoint parts of the buffer (their own rows and columns), and the
// buffer outlives the parallel loop that writes it.
unsafe impl Sync for SharedOut {}

/// Which compiled variant of the block computation this CPU runs.
#[derive(Debug, Clone, Copy)]
enum Kernels {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernels {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
            {
                return Self::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Self::Avx2;
            }
        }
        Self::Portable
    }

    /// Every variant this CPU can run.
    #[cfg(test)]
    fn available() -> Vec<Self> {
        let mut all = vec![Self::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                all.push(Self::Avx2);
            }
            if matches!(Self::detect(), Self::Avx512) {
                all.push(Self::Avx512);
            }
        }
        all
    }

    #[allow(clippy::too_many_arguments)]
    fn block(
        self,
        op: &WinogradConv,
        g: &Geometry,
        x: &[f32],
        out: &SharedOut,
        ty: usize,
        tx0: usize,
        scratch: &mut Vec<f32>,
    ) {
        // The features are checked again here (a cached load), so a variant named by hand
        // cannot run on a CPU without them.
        #[cfg(target_arch = "x86_64")]
        let (avx2, avx512) = (
            is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            is_x86_feature_detected!("avx512f"),
        );
        match self {
            // SAFETY: the CPU has the features (checked just above).
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 if avx2 => unsafe { block_avx2(op, g, x, out, ty, tx0, scratch) },
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 if avx2 && avx512 => unsafe {
                block_avx512(op, g, x, out, ty, tx0, scratch)
            },
            _ => block::<Portable>(op, g, x, out, ty, tx0, scratch),
        }
    }
}

// The block computation compiled for each instruction set, so its loops are vectorised
// for it and the micro-kernel is inlined.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn block_avx2(
    op: &WinogradConv,
    g: &Geometry,
    x: &[f32],
    out: &SharedOut,
    ty: usize,
    tx0: usize,
    scratch: &mut Vec<f32>,
) {
    block::<Avx2>(op, g, x, out, ty, tx0, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn block_avx512(
    op: &WinogradConv,
    g: &Geometry,
    x: &[f32],
    out: &SharedOut,
    ty: usize,
    tx0: usize,
    scratch: &mut Vec<f32>,
) {
    block::<Avx512>(op, g, x, out, ty, tx0, scratch)
}

/// A register-blocked matrix product, `c[i][j] = Σₖ a[k][i] · b[k][j]` for `i < MR`,
/// `j < NR`, with rows `a_stride`, `b_stride` and `c_stride` apart. `MR` divides
/// [`MR_MAX`] and `NR` divides [`NR_MAX`].
trait Micro {
    const MR: usize;
    const NR: usize;
    /// # Safety
    /// The CPU has the kernel's instruction set.
    unsafe fn product(
        k: usize,
        a: &[f32],
        a_stride: usize,
        b: &[f32],
        b_stride: usize,
        c: &mut [f32],
        c_stride: usize,
    );
}

/// Checks the slices hold what [`Micro::product`] reads and writes, so the kernels can
/// load without bounds checks.
#[inline(always)]
fn check_extent<K: Micro>(k: usize, a: (usize, usize), b: (usize, usize), c: (usize, usize)) {
    assert!(k > 0);
    assert!(a.0 >= (k - 1) * a.1 + K::MR);
    assert!(b.0 >= (k - 1) * b.1 + K::NR);
    assert!(c.0 >= (K::MR - 1) * c.1 + K::NR);
}

/// Defines a [`Micro`] kernel for one instruction set: `MR` rows of two vectors each, one
/// multiply-add per vector and `k`. The instruction sets differ only in these names.
macro_rules! simd_micro {
    ($(#[$attr:meta])* $name:ident: $features:literal, mr $mr:literal, lanes $lanes:literal,
     zero $zero:expr, load $load:path, splat $splat:path, madd $madd:path, store $store:path) => {
        $(#[$attr])*
        struct $name;

        $(#[$attr])*
        impl Micro for $name {
            const MR: usize = $mr;
            const NR: usize = 2 * $lanes;

            #[inline]
            #[target_feature(enable = $features)]
            unsafe fn product(
                k: usize,
                a: &[f32],
                a_stride: usize,
                b: &[f32],
                b_stride: usize,
                c: &mut [f32],
                c_stride: usize,
            ) {
                check_extent::<Self>(k, (a.len(), a_stride), (b.len(), b_stride), (c.len(), c_stride));
                let mut acc = [[$zero; 2]; $mr];
                let (a, b) = (a.as_ptr(), b.as_ptr());
                for kk in 0..k {
                    // SAFETY: check_extent.
                    let (ak, bk) = unsafe { (a.add(kk * a_stride), b.add(kk * b_stride)) };
                    let (b0, b1) = unsafe { ($load(bk), $load(bk.add($lanes))) };
                    for (i, acc) in acc.iter_mut().enumerate() {
                        let ai = $splat(unsafe { *ak.add(i) });
                        acc[0] = $madd(ai, b0, acc[0]);
                        acc[1] = $madd(ai, b1, acc[1]);
                    }
                }
                for (i, acc) in acc.iter().enumerate() {
                    let row = &mut c[i * c_stride..][..2 * $lanes];
                    // SAFETY: row holds two vectors.
                    unsafe {
                        $store(row.as_mut_ptr(), acc[0]);
                        $store(row.as_mut_ptr().add($lanes), acc[1]);
                    }
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64 as x86;

simd_micro!(#[cfg(target_arch = "x86_64")] Avx512: "avx512f", mr 8, lanes 16,
    zero x86::_mm512_setzero_ps(), load x86::_mm512_loadu_ps, splat x86::_mm512_set1_ps,
    madd x86::_mm512_fmadd_ps, store x86::_mm512_storeu_ps);

simd_micro!(#[cfg(target_arch = "x86_64")] Avx2: "avx2,fma", mr 4, lanes 8,
    zero x86::_mm256_setzero_ps(), load x86::_mm256_loadu_ps, splat x86::_mm256_set1_ps,
    madd x86::_mm256_fmadd_ps, store x86::_mm256_storeu_ps);

/// wasm32's 128-bit SIMD (the npm package is built with it). WebAssembly has no fused
/// multiply-add in its base SIMD: a·b + c rounds twice.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    pub(super) use std::arch::wasm32::{f32x4_splat as splat, v128};

    /// # Safety
    /// `p` points at four readable floats.
    #[inline(always)]
    pub(super) unsafe fn load(p: *const f32) -> v128 {
        unsafe { std::arch::wasm32::v128_load(p.cast()) }
    }

    /// # Safety
    /// `p` points at four writable floats.
    #[inline(always)]
    pub(super) unsafe fn store(p: *mut f32, v: v128) {
        unsafe { std::arch::wasm32::v128_store(p.cast(), v) }
    }

    #[inline(always)]
    pub(super) fn madd(a: v128, b: v128, c: v128) -> v128 {
        use std::arch::wasm32::{f32x4_add, f32x4_mul};
        f32x4_add(c, f32x4_mul(a, b))
    }
}

simd_micro!(#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))] Portable:
    "simd128", mr 4, lanes 4, zero wasm::splat(0.0), load wasm::load, splat wasm::splat,
    madd wasm::madd, store wasm::store);

/// Plain loops where there is no SIMD kernel (the compiler vectorises what it can).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
struct Portable;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
impl Micro for Portable {
    const MR: usize = 4;
    const NR: usize = 8;

    #[inline(always)]
    unsafe fn product(
        k: usize,
        a: &[f32],
        a_stride: usize,
        b: &[f32],
        b_stride: usize,
        c: &mut [f32],
        c_stride: usize,
    ) {
        check_extent::<Self>(
            k,
            (a.len(), a_stride),
            (b.len(), b_stride),
            (c.len(), c_stride),
        );
        let mut acc = [[0f32; 8]; 4];
        for kk in 0..k {
            let (ak, bk) = (&a[kk * a_stride..][..4], &b[kk * b_stride..][..8]);
            for (acc, &ai) in acc.iter_mut().zip(ak) {
                for (acc, &bj) in acc.iter_mut().zip(bk) {
                    *acc += ai * bj;
                }
            }
        }
        for (i, acc) in acc.iter().enumerate() {
            c[i * c_stride..][..8].copy_from_slice(acc);
        }
    }
}

/// One block: the `nt` tiles of tile row `ty` from tile column `tx0`, for every output
/// channel. Inlined into each target-feature variant so it is vectorised for it.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn block<K: Micro>(
    op: &WinogradConv,
    g: &Geometry,
    x: &[f32],
    out: &SharedOut,
    ty: usize,
    tx0: usize,
    scratch: &mut Vec<f32>,
) {
    let nt = g.nt;
    let (cin, cout_pad) = (op.cin, op.cout.next_multiple_of(MR_MAX));
    // Per phase q (column 4j + q of a tile row), nt + 1 tiles, so tile j + 1's first two
    // columns (the 6×6 input tiles overlap by two) are there too.
    let stride = nt + 1;
    let (v_len, m_len, rows_len) = (P * cin * nt, P * cout_pad * nt, 2 * 6 * 4 * stride);
    scratch.resize(v_len + m_len + rows_len + 4 * stride, 0.0);
    let (v, rest) = scratch.split_at_mut(v_len);
    let (m, rest) = rest.split_at_mut(m_len);
    let (rows, line) = rest.split_at_mut(rows_len);

    // Input transform: V[p][c][j] = (Bᵀ d B)[p] for the 6×6 input tile d of tile j.
    let y0 = (4 * ty) as isize - op.pad[0] as isize;
    let x0 = (4 * tx0) as isize - op.pad[1] as isize;
    for c in 0..cin {
        let plane = &x[c * g.h * g.w..][..g.h * g.w];
        // rows[r][q][j] = input(y0 + r, x0 + 4j + q), zero outside the map.
        for r in 0..6 {
            let y = y0 + r as isize;
            let dst = &mut rows[r * 4 * stride..][..4 * stride];
            if y < 0 || y >= g.h as isize {
                dst.fill(0.0);
                continue;
            }
            // The row's 4·stride input values from x0, zero outside the map, ...
            let src = &plane[y as usize * g.w..][..g.w];
            let from = (-x0).clamp(0, line.len() as isize) as usize;
            let to = (g.w as isize - x0).clamp(from as isize, line.len() as isize) as usize;
            line[..from].fill(0.0);
            line[to..].fill(0.0);
            if to > from {
                line[from..to].copy_from_slice(&src[(x0 + from as isize) as usize..][..to - from]);
            }
            // ... split into the four phases (a loop the compiler turns into shuffles).
            let (p0, rest) = dst.split_at_mut(stride);
            let (p1, rest) = rest.split_at_mut(stride);
            let (p2, p3) = rest.split_at_mut(stride);
            for (j, four) in line.chunks_exact(4).enumerate() {
                p0[j] = four[0];
                p1[j] = four[1];
                p2[j] = four[2];
                p3[j] = four[3];
            }
        }
        // Bᵀ down the six rows, for all four phases at once ...
        let (d, t) = rows.split_at_mut(6 * 4 * stride);
        let d: [&[f32]; 6] = std::array::from_fn(|r| &d[r * 4 * stride..][..4 * stride]);
        let mut t = t.chunks_exact_mut(4 * stride);
        transform_bt(d, std::array::from_fn(|_| t.next().unwrap_or_default()));
        let t = &rows[6 * 4 * stride..];
        // ... then along each row: the six columns of tile j are phases 0–3 at j and
        // phases 0–1 at j + 1.
        for i in 0..6 {
            let row = &t[i * 4 * stride..][..4 * stride];
            let column = |q: usize, shift: usize| &row[q * stride + shift..][..nt];
            let e = [
                column(0, 0),
                column(1, 0),
                column(2, 0),
                column(3, 0),
                column(0, 1),
                column(1, 1),
            ];
            transform_bt(e, split6(v, cin * nt, i * 6, c * nt, nt));
        }
    }

    // Products: M[p] (cout × nt) = U[p]ᵀ (cout × cin) · V[p] (cin × nt).
    for p in 0..P {
        let u = &op.u[p * cin * cout_pad..][..cin * cout_pad];
        let vp = &v[p * cin * nt..][..cin * nt];
        let mp = &mut m[p * cout_pad * nt..][..cout_pad * nt];
        for o0 in (0..op.cout).step_by(K::MR) {
            for j0 in (0..nt).step_by(K::NR) {
                // SAFETY: `block` runs only where the CPU has K's instruction set.
                unsafe {
                    K::product(
                        cin,
                        &u[o0..],
                        cout_pad,
                        &vp[j0..],
                        nt,
                        &mut mp[o0 * nt + j0..],
                        nt,
                    );
                }
            }
        }
    }

    // Output transform: Y = Aᵀ M A, plus bias, ReLU, written where the tile is inside the
    // map.
    let out_rows = (g.oh - 4 * ty).min(4);
    let out_cols = (g.ow - 4 * tx0).min(4 * nt);
    let tiles = out_cols.div_ceil(4);
    // The 6×6 → 4×6 step, then 4×6 → 4×4 per phase q (column 4j + q), then a row.
    let mut half = [[0f32; MAX_TILES]; 24];
    let mut y = [[[0f32; MAX_TILES]; 4]; 4];
    let mut row_out = [0f32; 4 * MAX_TILES];
    for o in 0..op.cout {
        let at = |p: usize| &m[(p * cout_pad + o) * nt..][..tiles];
        // Aᵀ along each row of the 6×6 block (positions i·6 + k) ...
        for i in 0..6 {
            let [m0, m1, m2, m3, m4, m5] = [0, 1, 2, 3, 4, 5].map(|k| at(i * 6 + k));
            for j in 0..tiles {
                let (a, b) = (m1[j] + m2[j], m1[j] - m2[j]);
                let (c, d) = (m3[j] + m4[j], m3[j] - m4[j]);
                half[i * 4][j] = m0[j] + a + c;
                half[i * 4 + 1][j] = b + 2.0 * d;
                half[i * 4 + 2][j] = a + 4.0 * c;
                half[i * 4 + 3][j] = b + 8.0 * d + m5[j];
            }
        }
        // ... then down the columns: y[r][q][j] is output row r, column 4j + q.
        for q in 0..4 {
            let [s0, s1, s2, s3, s4, s5] = [0, 1, 2, 3, 4, 5].map(|i| &half[i * 4 + q][..tiles]);
            let [y0, y1, y2, y3] = &mut y;
            let (y0, y1, y2, y3) = (&mut y0[q], &mut y1[q], &mut y2[q], &mut y3[q]);
            for j in 0..tiles {
                let (a, b) = (s1[j] + s2[j], s1[j] - s2[j]);
                let (c, d) = (s3[j] + s4[j], s3[j] - s4[j]);
                y0[j] = s0[j] + a + c;
                y1[j] = b + 2.0 * d;
                y2[j] = a + 4.0 * c;
                y3[j] = b + 8.0 * d + s5[j];
            }
        }
        let bias = op.bias[o];
        for (r, y) in y.iter().enumerate().take(out_rows) {
            let line = &mut row_out[..4 * tiles];
            for (j, four) in line.chunks_exact_mut(4).enumerate() {
                for (v, y) in four.iter_mut().zip(y) {
                    *v = y[j] + bias;
                }
            }
            if op.relu {
                line.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            let start = (o * g.oh + 4 * ty + r) * g.ow + 4 * tx0;
            assert!(start + out_cols <= out.1);
            // SAFETY: the range is inside the output (checked), and only this block
            // writes output rows 4·ty.., columns 4·tx0.. (its tiles) of channel o.
            unsafe {
                std::ptr::copy_nonoverlapping(line.as_ptr(), out.0.add(start), out_cols);
            }
        }
    }
}

/// `out = Bᵀ d` for six equally long rows: F(4×4, 3×3)'s input transform along one axis.
#[inline(always)]
fn transform_bt(d: [&[f32]; 6], out: [&mut [f32]; 6]) {
    let n = out[0].len();
    assert!(d.iter().all(|d| d.len() == n) && out.iter().all(|o| o.len() == n));
    let [d0, d1, d2, d3, d4, d5] = d;
    let [o0, o1, o2, o3, o4, o5] = out;
    // Written as zips (not indices) so the compiler sees no bounds to check and
    // vectorises each line.
    for (o, ((a, b), c)) in o0.iter_mut().zip(d0.iter().zip(d2).zip(d4)) {
        *o = 4.0 * a - 5.0 * b + c;
    }
    let four = || d1.iter().zip(d2).zip(d3).zip(d4);
    for (o, (((a, b), c), e)) in o1.iter_mut().zip(four()) {
        *o = -4.0 * (a + b) + c + e;
    }
    for (o, (((a, b), c), e)) in o2.iter_mut().zip(four()) {
        *o = 4.0 * (a - b) - c + e;
    }
    for (o, (((a, b), c), e)) in o3.iter_mut().zip(four()) {
        *o = 2.0 * (c - a) - b + e;
    }
    for (o, (((a, b), c), e)) in o4.iter_mut().zip(four()) {
        *o = 2.0 * (a - c) - b + e;
    }
    for (o, ((a, b), c)) in o5.iter_mut().zip(d1.iter().zip(d3).zip(d5)) {
        *o = 4.0 * a - 5.0 * b + c;
    }
}

/// Six disjoint mutable slices of `v`: positions `p0..p0 + 6`, each `len` long from
/// `offset` inside its position's `p_len` part.
fn split6(v: &mut [f32], p_len: usize, p0: usize, offset: usize, len: usize) -> [&mut [f32]; 6] {
    let (_, rest) = v.split_at_mut(p0 * p_len);
    let mut rest = &mut rest[..6 * p_len];
    std::array::from_fn(|_| {
        let (this, next) = std::mem::take(&mut rest).split_at_mut(p_len);
        rest = next;
        &mut this[offset..][..len]
    })
}

impl Op for WinogradConv {
    fn name(&self) -> StaticName {
        "WinogradConv".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        Ok(vec![format!(
            "{}→{} channels, pad {:?}, relu: {}",
            self.cin, self.cout, self.pad, self.relu
        )])
    }

    op_as_typed_op!();
}

impl EvalOp for WinogradConv {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let &[1, c, h, w] = input.shape() else {
            bail!(
                "WinogradConv takes a [1, C, H, W] input, got {:?}",
                input.shape()
            );
        };
        ensure!(
            c == self.cin,
            "WinogradConv planned for {} channels",
            self.cin
        );
        let (oh, ow) = self.output_size(h, w)?;
        let tensor: &Tensor = &input;
        let x = tensor.try_as_plain_ram()?;
        let x = x.as_slice::<f32>()?;
        let mut out = Tensor::zero::<f32>(&[1, self.cout, oh, ow])?;
        let kernels = Kernels::detect();
        self.run(
            kernels,
            x,
            h,
            w,
            out.try_as_plain_ram_mut()?.as_slice_mut::<f32>()?,
        )?;
        Ok(tvec!(out.into_tvalue()))
    }
}

impl TypedOp for WinogradConv {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let x = inputs[0];
        let Some(&[1, c, h, w]) = x.shape.as_concrete() else {
            bail!("WinogradConv takes a concrete [1, C, H, W] input");
        };
        ensure!(c == self.cin && x.datum_type == f32::datum_type());
        let (oh, ow) = self.output_size(h, w)?;
        Ok(tvec!(f32::fact([1, self.cout, oh, ow])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::tract_core::ops::cnn::PoolSpec;

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / 16_777_216.0 - 0.5
            })
            .collect()
    }

    /// A conv (+ ReLU) model, and the same after `rewrite`.
    fn conv_model(
        cin: usize,
        cout: usize,
        h: usize,
        w: usize,
        pad: [usize; 4],
        relu: bool,
    ) -> TypedModel {
        let mut m = TypedModel::default();
        let x = m.add_source("x", f32::fact([1, cin, h, w])).unwrap();
        let k = m
            .add_const(
                "k",
                Tensor::from_shape(&[cout, cin, 3, 3], &values(cout * cin * 9, 1)).unwrap(),
            )
            .unwrap();
        let b = m
            .add_const("b", Tensor::from_shape(&[cout], &values(cout, 2)).unwrap())
            .unwrap();
        let pool = PoolSpec {
            data_format: DataFormat::NCHW,
            kernel_shape: tvec![3, 3],
            padding: PaddingSpec::Explicit(tvec![pad[0], pad[1]], tvec![pad[2], pad[3]]),
            dilations: None,
            strides: None,
            input_channels: cin,
            output_channels: cout,
        };
        let conv = Conv {
            pool_spec: pool,
            kernel_fmt: KernelFormat::OIHW,
            group: 1,
            q_params: None,
        };
        let mut y = m.wire_node("conv", conv, &[x, k, b]).unwrap();
        if relu {
            let zero = m.add_const("zero", tensor4(&[[[[0f32]]]])).unwrap();
            y = m
                .wire_node(
                    "relu",
                    tract_onnx::tract_core::ops::math::max(),
                    &[y[0], zero],
                )
                .unwrap();
        }
        m.select_output_outlets(&y).unwrap();
        m
    }

    fn floats(t: &Tensor) -> Vec<f32> {
        let values = t.try_as_plain_ram().unwrap();
        values.as_slice::<f32>().unwrap().to_vec()
    }

    fn close(reference: &[f32], ours: &[f32], what: &str) {
        assert_eq!(reference.len(), ours.len(), "{what}");
        let scale = reference.iter().fold(0f32, |m, v| m.max(v.abs()));
        let worst = reference
            .iter()
            .zip(ours)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        // F(4×4, 3×3) rounds differently from a direct convolution; a wrong tap or tile
        // would be off by about the scale itself.
        assert!(
            worst <= 1e-5 * scale,
            "{what}: max difference {worst}, scale {scale}"
        );
    }

    #[test]
    fn matches_tract_conv() {
        // Odd sizes, so tiles hang over the edges; two blocks per tile row (the last
        // case); asymmetric padding and none.
        for (cin, cout, h, w, pad, relu) in [
            (3, 5, 70, 67, [1, 1, 1, 1], false),
            (8, 9, 67, 70, [1, 1, 1, 1], true),
            (16, 12, 66, 130, [0, 0, 0, 0], false),
            (4, 3, 65, 66, [2, 0, 1, 2], true),
            (2, 8, 20, 300, [1, 1, 1, 1], true),
            // Wide enough for 32-tile blocks; output channels not a multiple of any MR.
            (64, 33, 40, 150, [1, 1, 1, 1], true),
        ] {
            let what = format!("{cin}→{cout}, {h}×{w}, pad {pad:?}, relu {relu}");
            let model = conv_model(cin, cout, h, w, pad, relu);
            let mut ours = model.clone();
            assert_eq!(rewrite(&mut ours).unwrap(), 1, "{what}");
            // The ReLU went into the op, and no convolution is left.
            let ops: Vec<_> = ours.nodes().iter().map(|n| n.op.name()).collect();
            assert_eq!(
                ops.iter()
                    .filter(|o| **o != "Source" && **o != "Const")
                    .count(),
                1,
                "{what}: {ops:?}"
            );
            let x = Tensor::from_shape(&[1, cin, h, w], &values(cin * h * w, 3)).unwrap();
            let run = |m: TypedModel| {
                let out = m
                    .into_runnable()
                    .unwrap()
                    .run(tvec![x.clone().into_tvalue()])
                    .unwrap();
                floats(&out[0])
            };
            let reference = run(model);
            if relu {
                assert!(reference.contains(&0.0), "{what}: the ReLU clips something");
            }
            close(&reference, &run(ours.clone()), &what);
            // Each compiled variant this CPU can run, not only the one it would pick.
            let op = ours
                .nodes()
                .iter()
                .find_map(|n| n.op_as::<WinogradConv>())
                .unwrap();
            let (oh, ow) = op.output_size(h, w).unwrap();
            for kernels in Kernels::available() {
                let mut out = vec![f32::NAN; cout * oh * ow];
                op.run(kernels, &floats(&x), h, w, &mut out).unwrap();
                close(&reference, &out, &format!("{what}, {kernels:?}"));
            }
        }
    }

    #[test]
    fn other_convolutions_are_left_to_tract() {
        // Too few tiles: 15×15 of them.
        let mut m = conv_model(4, 4, 60, 60, [1, 1, 1, 1], false);
        assert_eq!(rewrite(&mut m).unwrap(), 0);
        // No input channels (a hostile model).
        let mut m = conv_model(0, 4, 70, 70, [1, 1, 1, 1], false);
        assert_eq!(rewrite(&mut m).unwrap(), 0);
        // Padding wider than "same" padding needs.
        let mut m = conv_model(4, 4, 80, 80, [3, 0, 0, 3], false);
        assert_eq!(rewrite(&mut m).unwrap(), 0);
        // Strided and dilated kernels.
        for (strides, dilations) in [(tvec![2, 2], tvec![1, 1]), (tvec![1, 1], tvec![2, 2])] {
            let mut m = conv_model(4, 4, 80, 80, [2, 2, 2, 2], false);
            let conv = m.nodes().iter().position(|n| n.op_is::<Conv>()).unwrap();
            let op = m.node_mut(conv).op_as_mut::<Conv>().unwrap();
            op.pool_spec.strides = Some(strides);
            op.pool_spec.dilations = Some(dilations);
            assert_eq!(rewrite(&mut m).unwrap(), 0);
        }
    }

    #[test]
    fn a_relu_with_other_readers_stays() {
        // The convolution's output is also a model output: the ReLU cannot be fused.
        let mut m = conv_model(4, 4, 70, 70, [1, 1, 1, 1], true);
        let conv = m.nodes().iter().position(|n| n.op_is::<Conv>()).unwrap();
        let relu = m.output_outlets().unwrap()[0];
        m.select_output_outlets(&[OutletId::new(conv, 0), relu])
            .unwrap();
        let reference = m.clone().into_runnable().unwrap();
        assert_eq!(rewrite(&mut m).unwrap(), 1);
        assert!(m.nodes().iter().any(|n| n.op_is::<TypedBinOp>()));
        let x = Tensor::from_shape(&[1, 4, 70, 70], &values(4 * 70 * 70, 5)).unwrap();
        let a = reference.run(tvec![x.clone().into_tvalue()]).unwrap();
        let b = m
            .into_runnable()
            .unwrap()
            .run(tvec![x.into_tvalue()])
            .unwrap();
        for (a, b) in a.iter().zip(&b) {
            close(&floats(a), &floats(b), "both outputs");
        }
    }
}
