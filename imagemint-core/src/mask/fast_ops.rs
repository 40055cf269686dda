//! Faster stand-ins for three memory-bound tract operators, swapped into a segmentation
//! network after tract has optimised it.
//!
//! Profiling IS-Net at 1024² in tract 0.23.9 (benches/README.md) put a third of the time
//! outside the matrix products: tract pads every convolution's input with a separate `Pad`
//! node, and it runs `Pad`, the bilinear `Resize` of the decoder and `Concat` through
//! generic n-dimensional code on one thread. Segmentation networks only ever use them on
//! NCHW feature maps, along the spatial axes (pad, resize) or the channel axis (concat),
//! where each is a few straight loops over planes that can run on every core.
//!
//! Each stand-in computes exactly what tract's operator computes, in the same order of
//! floating-point operations, so the network's output does not change by a bit (the tests
//! below compare them with tract's own operators). A node outside the shapes handled here
//! keeps tract's operator.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::array::{Pad, PadMode, TypedConcat};
use tract_onnx::tract_core::ops::nn::resize::{AxisPlan, Interpolator, Resize};

/// Replaces every `Pad`, `Resize` and `Concat` node of `model` that fits the stand-ins.
/// Returns how many were replaced.
pub(super) fn speed_up(model: &mut TypedModel) -> TractResult<usize> {
    let mut replaced = 0;
    for id in model.eval_order()? {
        let node = model.node(id);
        let input_facts = model.node_input_facts(id)?;
        let Some(x) = input_facts.first().copied() else {
            continue;
        };
        let patch = if let Some(pad) = node.op_as::<Pad>() {
            PlanePad::fitting(pad, x)
                .map(|op| TypedModelPatch::replace_single_op(model, node, &node.inputs, op))
        } else if let Some(resize) = node.op_as::<Resize>() {
            let output = model.outlet_fact(OutletId::new(id, 0))?;
            // A resize this module cannot read is left to tract.
            PlaneResize::fitting(resize, model, node, x, output)
                .ok()
                .flatten()
                .map(|op| TypedModelPatch::replace_single_op(model, node, &node.inputs[..1], op))
        } else if let Some(concat) = node.op_as::<TypedConcat>() {
            ChannelConcat::fitting(concat, &input_facts)
                .map(|op| TypedModelPatch::replace_single_op(model, node, &node.inputs, op))
        } else {
            None
        };
        drop(input_facts);
        if let Some(patch) = patch {
            patch?.apply(model)?;
            replaced += 1;
        }
    }
    Ok(replaced)
}

/// The concrete `[1, C, H, W]` shape of a non-empty f32 fact, if it is one.
fn nchw(fact: &TypedFact) -> Option<[usize; 4]> {
    let shape = fact.shape.as_concrete()?;
    match (fact.datum_type, shape) {
        (DatumType::F32, &[1, c, h, w]) if c > 0 && h > 0 && w > 0 => Some([1, c, h, w]),
        _ => None,
    }
}

/// Runs `f` on each chunk of `out`, in parallel where threads are allowed.
fn for_each_plane(out: &mut [f32], plane: usize, f: impl Fn(usize, &mut [f32]) + Send + Sync) {
    if plane == 0 {
        return;
    }
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(plane)
            .enumerate()
            .for_each(|(i, chunk)| f(i, chunk));
    }
    #[cfg(not(feature = "parallel"))]
    out.chunks_mut(plane)
        .enumerate()
        .for_each(|(i, chunk)| f(i, chunk));
}

fn plain_f32(value: &TValue) -> TractResult<&[f32]> {
    // The view borrows the tensor; the slice outlives the view, not the tensor.
    let tensor: &Tensor = value;
    tensor.try_as_plain_ram()?.as_slice::<f32>()
}

fn output_tensor(
    shape: &[usize],
    fill: impl FnOnce(&mut [f32]) -> TractResult<()>,
) -> TractResult<TValue> {
    let mut out = Tensor::zero::<f32>(shape)?;
    fill(out.try_as_plain_ram_mut()?.as_slice_mut::<f32>()?)?;
    Ok(out.into_tvalue())
}

/// Constant padding of the two spatial axes of a `[1, C, H, W]` f32 map.
#[derive(Debug, Clone, PartialEq)]
struct PlanePad {
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
    value: f32,
}

impl Eq for PlanePad {}

impl PlanePad {
    fn fitting(pad: &Pad, x: &TypedFact) -> Option<Self> {
        nchw(x)?;
        let PadMode::Constant(value) = &pad.mode else {
            return None;
        };
        let value = value.cast_to_scalar::<f32>().ok()?;
        match pad.pads[..] {
            [(0, 0), (0, 0), (top, bottom), (left, right)] => Some(Self {
                top,
                bottom,
                left,
                right,
                value,
            }),
            _ => None,
        }
    }
}

impl Op for PlanePad {
    fn name(&self) -> StaticName {
        "PlanePad".into()
    }

    op_as_typed_op!();
}

impl EvalOp for PlanePad {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let [n, c, h, w] = input.shape() else {
            bail!("PlanePad takes a rank-4 input, got {:?}", input.shape());
        };
        let (oh, ow) = (h + self.top + self.bottom, w + self.left + self.right);
        let src = plain_f32(&input)?;
        let out = output_tensor(&[*n, *c, oh, ow], |out| {
            for_each_plane(out, oh * ow, |p, plane| {
                let src = &src[p * h * w..][..h * w];
                // The output starts as +0.0; any other value (even −0.0) is written.
                if self.value.to_bits() != 0 {
                    plane.fill(self.value);
                }
                for (y, row) in src.chunks_exact(*w).enumerate() {
                    plane[(y + self.top) * ow + self.left..][..*w].copy_from_slice(row);
                }
            });
            Ok(())
        })?;
        Ok(tvec!(out))
    }
}

impl TypedOp for PlanePad {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let mut fact = inputs[0].without_value();
        ensure!(fact.rank() == 4, "PlanePad takes a rank-4 input");
        fact.shape
            .set(2, fact.shape[2].clone() + self.top + self.bottom);
        fact.shape
            .set(3, fact.shape[3].clone() + self.left + self.right);
        Ok(tvec!(fact))
    }
}

/// Two-tap (linear or nearest) resampling of the spatial axes of a `[1, C, H, W]` f32 map,
/// with tract's own per-axis plans.
#[derive(Debug, Clone)]
struct PlaneResize {
    input: [usize; 4],
    output: [usize; 4],
    /// For each output row, then each output column: the two source taps and weights;
    /// `None` for an axis tract leaves alone (copied, not summed).
    rows: Option<Taps>,
    columns: Option<Taps>,
}

#[derive(Debug, Clone, PartialEq)]
struct Taps {
    indices: Vec<[usize; 2]>,
    weights: Vec<[f32; 2]>,
}

impl Taps {
    fn from_plan(plan: &AxisPlan) -> Option<Self> {
        if plan.window != 2 || plan.extrapolated.iter().any(|e| *e) {
            return None;
        }
        Some(Self {
            indices: plan.indices.chunks_exact(2).map(|i| [i[0], i[1]]).collect(),
            weights: plan.weights.chunks_exact(2).map(|w| [w[0], w[1]]).collect(),
        })
    }

    /// The two (source index, weight) taps of output position `i`.
    #[inline]
    fn at(&self, i: usize) -> [(usize, f32); 2] {
        let ([i0, i1], [w0, w1]) = (self.indices[i], self.weights[i]);
        [(i0, w0), (i1, w1)]
    }
}

impl PartialEq for PlaneResize {
    fn eq(&self, other: &Self) -> bool {
        (self.input, self.output, &self.rows, &self.columns)
            == (other.input, other.output, &other.rows, &other.columns)
    }
}

impl Eq for PlaneResize {}

impl PlaneResize {
    fn fitting(
        resize: &Resize,
        model: &TypedModel,
        node: &TypedNode,
        x: &TypedFact,
        output: &TypedFact,
    ) -> TractResult<Option<Self>> {
        let (Some(input), Some(out)) = (nchw(x), nchw(output)) else {
            return Ok(None);
        };
        if resize.interpolator == Interpolator::Cubic {
            return Ok(None);
        }
        // The scales tract's eval would use: the constant input when it has one per axis,
        // the ratio of lengths otherwise.
        let scales_input = resize
            .optional_scales_input
            .and_then(|ix| node.inputs.get(ix))
            .map(|outlet| model.outlet_fact(*outlet))
            .transpose()?;
        let scales: [f32; 4] = match scales_input.map(|fact| fact.konst.clone()) {
            // Scales computed at run time: not a case planned here.
            Some(None) => return Ok(None),
            Some(Some(s)) if s.len() == 4 => {
                // tract's eval reads the scales as f32 and fails on anything else.
                let s = s.try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
                [s[0], s[1], s[2], s[3]]
            }
            _ => [0, 1, 2, 3].map(|a| out[a] as f32 / input[a] as f32),
        };
        let untouched = |a: usize| input[a] == out[a] && scales[a] == 1.0;
        if !untouched(0) || !untouched(1) {
            return Ok(None);
        }
        // Some(None): an axis tract skips; None: a plan this op cannot run.
        let taps = |a: usize| {
            if untouched(a) {
                Some(None)
            } else {
                Taps::from_plan(&resize.plan_axis(scales[a], input[a], out[a])).map(Some)
            }
        };
        let (Some(rows), Some(columns)) = (taps(2), taps(3)) else {
            return Ok(None);
        };
        Ok(Some(Self {
            input,
            output: out,
            rows,
            columns,
        }))
    }
}

impl Op for PlaneResize {
    fn name(&self) -> StaticName {
        "PlaneResize".into()
    }

    op_as_typed_op!();
}

impl EvalOp for PlaneResize {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        ensure!(
            input.shape() == self.input,
            "PlaneResize planned for {:?}",
            self.input
        );
        let [_, _, h, w] = self.input;
        let [_, _, oh, ow] = self.output;
        let src = plain_f32(&input)?;
        let out = output_tensor(&self.output, |out| {
            for_each_plane(out, oh * ow, |p, plane| {
                let src = &src[p * h * w..][..h * w];
                // Rows first, then columns, as tract resamples axis 2 before axis 3, and
                // each sum as tract forms it (from zero, skipping zero weights), so the
                // result is the same to the bit.
                let mut row = vec![0.0f32; w];
                for (y, out_row) in plane.chunks_exact_mut(ow).enumerate() {
                    match &self.rows {
                        None => row.copy_from_slice(&src[y * w..][..w]),
                        Some(rows) => {
                            row.fill(0.0);
                            for (sy, wy) in rows.at(y) {
                                if wy != 0.0 {
                                    let line = &src[sy * w..][..w];
                                    row.iter_mut().zip(line).for_each(|(v, s)| *v += wy * s);
                                }
                            }
                        }
                    }
                    let Some(columns) = &self.columns else {
                        out_row.copy_from_slice(&row);
                        continue;
                    };
                    for (x, v) in out_row.iter_mut().enumerate() {
                        let mut sum = 0.0;
                        for (sx, wx) in columns.at(x) {
                            if wx != 0.0 {
                                sum += wx * row[sx];
                            }
                        }
                        *v = sum;
                    }
                }
            });
            Ok(())
        })?;
        Ok(tvec!(out))
    }
}

impl TypedOp for PlaneResize {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let mut fact = inputs[0].without_value();
        ensure!(fact.rank() == 4, "PlaneResize takes a rank-4 input");
        for (axis, len) in self.output.iter().enumerate() {
            fact.shape.set(axis, (*len).into());
        }
        Ok(tvec!(fact))
    }
}

/// Concatenation of `[1, Cᵢ, H, W]` f32 maps along the channel axis: each input is one
/// contiguous block of the output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ChannelConcat;

impl ChannelConcat {
    fn fitting(concat: &TypedConcat, inputs: &[&TypedFact]) -> Option<Self> {
        if concat.axis != 1 || inputs.len() < 2 {
            return None;
        }
        let shapes: Option<Vec<[usize; 4]>> = inputs.iter().map(|f| nchw(f)).collect();
        let shapes = shapes?;
        let spatial = |s: &[usize; 4]| (s[2], s[3]);
        shapes
            .iter()
            .all(|s| spatial(s) == spatial(&shapes[0]))
            .then_some(Self)
    }
}

impl Op for ChannelConcat {
    fn name(&self) -> StaticName {
        "ChannelConcat".into()
    }

    op_as_typed_op!();
}

impl EvalOp for ChannelConcat {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let first = inputs.first().context("ChannelConcat needs inputs")?;
        let [n, _, h, w] = first.shape() else {
            bail!("ChannelConcat takes rank-4 inputs");
        };
        let (n, h, w) = (*n, *h, *w);
        ensure!(n == 1, "ChannelConcat planned for a batch of one");
        let plane = h * w;
        let mut planes = vec![]; // (input, plane within it) per output plane
        for (i, input) in inputs.iter().enumerate() {
            ensure!(
                input.shape() == [n, input.shape()[1], h, w],
                "mismatched concat inputs"
            );
            planes.extend((0..input.shape()[1]).map(|c| (i, c)));
        }
        let sources: Vec<&[f32]> = inputs.iter().map(plain_f32).collect::<TractResult<_>>()?;
        let out = output_tensor(&[n, planes.len(), h, w], |out| {
            for_each_plane(out, plane, |p, dst| {
                let (i, c) = planes[p];
                dst.copy_from_slice(&sources[i][c * plane..][..plane]);
            });
            Ok(())
        })?;
        Ok(tvec!(out))
    }
}

impl TypedOp for ChannelConcat {
    as_op!();

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let mut fact = inputs[0].without_value();
        let channels = inputs.iter().map(|f| f.shape[1].clone()).sum::<TDim>();
        fact.shape.set(1, channels);
        Ok(tvec!(fact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::tract_core::ops::nn::resize::{CoordTransformer, Nearest};

    /// A `[1, c, h, w]` map of varied, non-round values, with some −0.0 among them.
    fn map(c: usize, h: usize, w: usize, seed: u32) -> Tensor {
        let data: Vec<f32> = (0..c * h * w)
            .map(|i| {
                let v = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 10_007;
                if v.is_multiple_of(7) {
                    -0.0
                } else {
                    v as f32 / 997.0 - 5.0
                }
            })
            .collect();
        Tensor::from_shape(&[1, c, h, w], &data).unwrap()
    }

    /// The tensor's shape and the bits of its values: equal means identical to the bit.
    fn bits(t: &Tensor) -> (Vec<usize>, Vec<u32>) {
        let values = t.try_as_plain_ram().unwrap();
        let values = values.as_slice::<f32>().unwrap();
        (
            t.shape().to_vec(),
            values.iter().map(|v| v.to_bits()).collect(),
        )
    }

    /// Runs a one-op model built by `wire` on `inputs`, before and after `speed_up`, and
    /// returns both outputs and how many nodes were replaced.
    fn before_and_after(
        inputs: &[Tensor],
        wire: impl Fn(&mut TypedModel, &[OutletId]) -> TractResult<OutletId>,
    ) -> (Tensor, Tensor, usize) {
        let mut model = TypedModel::default();
        let sources: Vec<OutletId> = inputs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                model
                    .add_source(format!("in{i}"), f32::fact(t.shape()))
                    .unwrap()
            })
            .collect();
        let out = wire(&mut model, &sources).unwrap();
        model.select_output_outlets(&[out]).unwrap();
        let run = |m: TypedModel| {
            let values: TVec<TValue> = inputs.iter().map(|t| t.clone().into_tvalue()).collect();
            m.into_runnable()
                .unwrap()
                .run(values)
                .unwrap()
                .remove(0)
                .into_tensor()
        };
        let reference = run(model.clone());
        let replaced = speed_up(&mut model).unwrap();
        (reference, run(model), replaced)
    }

    #[test]
    fn plane_pad_is_tract_pad() {
        for value in [0.0f32, -0.0, -1.5] {
            let pad = Pad::new(
                vec![(0, 0), (0, 0), (2, 1), (3, 4)],
                PadMode::Constant(Arc::new(value.into())),
            );
            let (tract, ours, n) = before_and_after(&[map(3, 5, 7, 1)], |m, x| {
                Ok(m.wire_node("pad", pad.clone(), x)?[0])
            });
            assert_eq!(n, 1);
            assert_eq!(bits(&tract), bits(&ours), "pad value {value}");
        }
        // Padding the channel axis, or an empty map, is left to tract.
        let pad = Pad::new(vec![(0, 0), (1, 0), (1, 1), (1, 1)], PadMode::default());
        let (tract, ours, n) = before_and_after(&[map(2, 4, 4, 2)], |m, x| {
            Ok(m.wire_node("pad", pad.clone(), x)?[0])
        });
        assert_eq!((n, bits(&tract)), (0, bits(&ours)));
        let pad = Pad::new(vec![(0, 0), (0, 0), (1, 1), (1, 1)], PadMode::default());
        let (tract, ours, n) = before_and_after(&[map(2, 3, 0, 2)], |m, x| {
            Ok(m.wire_node("pad", pad.clone(), x)?[0])
        });
        assert_eq!((n, bits(&tract)), (0, bits(&ours)));
    }

    #[test]
    fn plane_resize_is_tract_resize() {
        use {CoordTransformer as Coord, Interpolator as Interp};
        // Interpolation, coordinates, nearest mode, output size [H, W].
        let cases = [
            (
                Interp::Linear,
                Coord::PytorchHalfPixel,
                Nearest::Floor,
                [8i64, 10],
            ),
            (Interp::Linear, Coord::HalfPixel, Nearest::Floor, [16, 20]),
            (Interp::Linear, Coord::AlignCorners, Nearest::Floor, [13, 7]),
            (Interp::Linear, Coord::Asymmetric, Nearest::Floor, [3, 4]),
            (Interp::Nearest, Coord::Asymmetric, Nearest::Floor, [10, 15]),
            (
                Interp::Nearest,
                Coord::HalfPixel,
                Nearest::RoundPreferCeil,
                [7, 9],
            ),
            // One axis only: the other is copied, as tract skips it.
            (Interp::Linear, Coord::HalfPixel, Nearest::Floor, [5, 12]),
            (Interp::Linear, Coord::HalfPixel, Nearest::Floor, [11, 6]),
        ];
        for (interpolator, coord_transformer, nearest, [oh, ow]) in cases {
            let resize = Resize {
                coord_transformer,
                interpolator,
                nearest,
                optional_scales_input: None,
                optional_sizes_input: Some(1),
            };
            let sizes = tensor1(&[1i64, 4, oh, ow]);
            let (tract, ours, n) = before_and_after(&[map(4, 5, 6, 3)], |m, x| {
                let sizes = m.add_const("sizes", sizes.clone())?;
                Ok(m.wire_node("resize", resize.clone(), &[x[0], sizes])?[0])
            });
            assert_eq!(n, 1, "{resize:?}");
            assert_eq!(tract.shape(), [1, 4, oh as usize, ow as usize]);
            assert_eq!(bits(&tract), bits(&ours), "{resize:?} to {oh}×{ow}");
        }
        // Constant scales rather than sizes, as IS-Net's 2× upsamplings come.
        let resize = Resize {
            coord_transformer: Coord::PytorchHalfPixel,
            interpolator: Interp::Linear,
            nearest: Nearest::Floor,
            optional_scales_input: Some(1),
            optional_sizes_input: None,
        };
        let scales = tensor1(&[1.0f32, 1.0, 2.0, 2.5]);
        let (tract, ours, n) = before_and_after(&[map(3, 4, 6, 7)], |m, x| {
            let scales = m.add_const("scales", scales.clone())?;
            Ok(m.wire_node("resize", resize.clone(), &[x[0], scales])?[0])
        });
        assert_eq!((n, tract.shape()), (1, &[1, 3, 8, 15][..]));
        assert_eq!(bits(&tract), bits(&ours));
        // Resizing channels is left to tract.
        let scales = tensor1(&[1.0f32, 2.0, 2.0, 2.0]);
        let (tract, ours, n) = before_and_after(&[map(3, 4, 6, 7)], |m, x| {
            let scales = m.add_const("scales", scales.clone())?;
            Ok(m.wire_node("resize", resize.clone(), &[x[0], scales])?[0])
        });
        assert_eq!((n, bits(&tract)), (0, bits(&ours)));
    }

    #[test]
    fn channel_concat_is_tract_concat() {
        let inputs = [map(2, 3, 5, 4), map(3, 3, 5, 5), map(1, 3, 5, 6)];
        let (tract, ours, n) = before_and_after(&inputs, |m, x| {
            Ok(m.wire_node("concat", TypedConcat { axis: 1 }, x)?[0])
        });
        assert_eq!((n, tract.shape()), (1, &[1, 6, 3, 5][..]));
        assert_eq!(bits(&tract), bits(&ours));
        // Along the width: left to tract.
        let (tract, ours, n) = before_and_after(&inputs[..1], |m, x| {
            Ok(m.wire_node("concat", TypedConcat { axis: 3 }, &[x[0], x[0]])?[0])
        });
        assert_eq!((n, bits(&tract)), (0, bits(&ours)));
    }
}
