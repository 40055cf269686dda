//! Lets a model traced at one input size run at another.
//!
//! PyTorch's exporter writes `F.interpolate(x, size=y.shape[2:])` as a `Resize` whose
//! target height and width are constants of the traced size (IS-Net has 39 of them).
//! The convolutions do not care about the size, but those constants do: at 640² the
//! first upsampling still asks for 32×32 where 20×20 is needed. Scaling each baked
//! size by new/traced makes the graph whole again when every size stays an integer.

use std::collections::HashMap;

use tract_onnx::pb::{
    GraphProto, ModelProto, TensorProto, tensor_proto::DataType,
    tensor_shape_proto::dimension::Value as Dim, type_proto::Value as Type,
};

use super::model::model_error;
use crate::Result;

/// The input height and width the model was exported with, when it declares them.
pub(super) fn traced_size(model: &ModelProto) -> Option<(i64, i64)> {
    let graph = model.graph.as_ref()?;
    // Old files also list their weights as inputs: the image is the input that is not one.
    let input = graph
        .input
        .iter()
        .find(|i| !graph.initializer.iter().any(|t| t.name == i.name))?;
    let Type::TensorType(tensor) = input.r#type.as_ref()?.value.as_ref()?;
    let dims = &tensor.shape.as_ref()?.dim;
    let side = |i: usize| match dims.get(i)?.value {
        Some(Dim::DimValue(v)) if v > 0 => Some(v),
        _ => None,
    };
    Some((side(dims.len().checked_sub(2)?)?, side(dims.len() - 1)?))
}

/// Where a constant lives in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Node(usize),
    Initializer(usize),
}

/// Rescales every `Resize` target size baked for `from` (height, width) to `to`, and
/// returns how many constants it changed. A size that would not come out whole is an
/// error that names the step the input sides must be multiples of.
pub(super) fn rescale_resize_sizes(
    graph: &mut GraphProto,
    from: (i64, i64),
    to: (i64, i64),
) -> Result<usize> {
    let targets = find_size_constants(graph)?;
    // Read and check every constant before rewriting any.
    let mut all = Vec::new();
    for &(src, first) in &targets {
        let mut values = int64_values(constant(graph, src)?, first + 2)?;
        let hw = &mut values[first..];
        if hw.iter().any(|v| *v <= 0) {
            return Err(model_error("a Resize size constant is not positive"));
        }
        all.push((src, first, values));
    }
    // The sides must be multiples of `step` for every baked size to stay whole; the
    // sizes come from the file, so the arithmetic is checked.
    let step = |axis: usize, traced: i64| {
        all.iter().try_fold(1i64, |acc, (_, first, v)| {
            let s = traced / gcd(traced, v[first + axis]);
            (acc / gcd(acc, s)).checked_mul(s)
        })
    };
    let (Some(step_h), Some(step_w)) = (step(0, from.0), step(1, from.1)) else {
        return Err(model_error("a Resize size constant is out of range"));
    };
    if to.0 % step_h != 0 || to.1 % step_w != 0 {
        return Err(model_error(format!(
            "the model was exported for {}×{} with fixed sizes inside, which would not be \
             whole at {}×{}: the input width must be a multiple of {step_w} and the height \
             a multiple of {step_h}",
            from.1, from.0, to.1, to.0
        )));
    }
    for (src, first, mut values) in all {
        for (v, (f, t)) in values[first..]
            .iter_mut()
            .zip([(from.0, to.0), (from.1, to.1)])
        {
            // `to` is at most 4096 (the spec is validated) and `v` comes from the file.
            *v = v
                .checked_mul(t)
                .ok_or_else(|| model_error("a Resize size constant is out of range"))?
                / f;
        }
        set_int64_values(constant_mut(graph, src)?, &values);
    }
    Ok(targets.len())
}

/// The constants holding Resize target sizes, with the index of their height element.
fn find_size_constants(graph: &GraphProto) -> Result<Vec<(Source, usize)>> {
    let producer: HashMap<&str, usize> = graph
        .node
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i)))
        .filter(|(name, _)| !name.is_empty())
        .collect();
    let source = |name: &str| -> Option<Source> {
        if name.is_empty() {
            return None;
        }
        if let Some(&i) = producer.get(name) {
            (graph.node[i].op_type == "Constant").then_some(Source::Node(i))
        } else {
            graph
                .initializer
                .iter()
                .position(|t| t.name == name)
                .map(Source::Initializer)
        }
    };
    let mut targets = Vec::new();
    // Names of the values the rewrite may change, and who may read them.
    let mut allowed_readers: Vec<(&str, usize)> = Vec::new();
    for (ri, resize) in graph.node.iter().enumerate() {
        if resize.op_type != "Resize" {
            continue;
        }
        let Some(sizes) = resize.input.get(3).filter(|s| !s.is_empty()) else {
            continue; // scales are size-independent
        };
        if resize.attribute.iter().any(|a| a.name == "axes") {
            return Err(model_error(
                "a Resize with `axes` cannot be run at another input size",
            ));
        }
        if let Some(src) = source(sizes) {
            // All four sizes (N, C, H, W) in one constant: H and W are its last two.
            targets.push((src, 2));
            allowed_readers.push((sizes, ri));
            continue;
        }
        let Some(&ci) = producer.get(sizes.as_str()) else {
            continue;
        };
        let concat = &graph.node[ci];
        // The exporter's pattern: Concat(Slice(Shape(x))[0:2], Constant([H, W])).
        if concat.op_type != "Concat" || concat.input.len() != 2 {
            continue;
        }
        if let Some(src) = source(&concat.input[1]) {
            targets.push((src, 0));
            allowed_readers.push((&concat.input[1], ci));
        }
    }
    // A constant that something else also reads would change under it.
    for (name, _) in &allowed_readers {
        let read_elsewhere = graph.node.iter().enumerate().any(|(i, n)| {
            n.input.iter().any(|input| input == name)
                && !allowed_readers.iter().any(|(o, r)| o == name && *r == i)
        });
        if read_elsewhere {
            return Err(model_error(format!(
                "the Resize size constant `{name}` is also used elsewhere; the model cannot \
                 be run at another input size"
            )));
        }
    }
    targets.sort_unstable();
    targets.dedup();
    Ok(targets)
}

fn constant(graph: &GraphProto, src: Source) -> Result<&TensorProto> {
    match src {
        Source::Node(i) => graph.node[i]
            .attribute
            .iter()
            .find(|a| a.name == "value")
            .and_then(|a| a.t.as_ref()),
        Source::Initializer(i) => graph.initializer.get(i),
    }
    .ok_or_else(|| model_error("a Resize size constant has no `value` tensor"))
}

fn constant_mut(graph: &mut GraphProto, src: Source) -> Result<&mut TensorProto> {
    match src {
        Source::Node(i) => graph.node[i]
            .attribute
            .iter_mut()
            .find(|a| a.name == "value")
            .and_then(|a| a.t.as_mut()),
        Source::Initializer(i) => graph.initializer.get_mut(i),
    }
    .ok_or_else(|| model_error("a Resize size constant has no `value` tensor"))
}

/// The constant's `len` int64 values; any other length or type is an error, checked
/// before anything is copied.
fn int64_values(tensor: &TensorProto, len: usize) -> Result<Vec<i64>> {
    let wrong = || model_error(format!("a Resize size constant is not {len} int64 values"));
    if tensor.data_type != DataType::Int64 as i32 {
        return Err(wrong());
    }
    if !tensor.raw_data.is_empty() {
        if tensor.raw_data.len() != len * 8 {
            return Err(wrong());
        }
        return Ok(tensor
            .raw_data
            .chunks_exact(8)
            .map(|bytes| {
                let mut le = [0u8; 8];
                le.copy_from_slice(bytes);
                i64::from_le_bytes(le)
            })
            .collect());
    }
    if tensor.int64_data.len() != len {
        return Err(wrong());
    }
    Ok(tensor.int64_data.clone())
}

fn set_int64_values(tensor: &mut TensorProto, values: &[i64]) {
    if tensor.raw_data.is_empty() {
        tensor.int64_data = values.to_vec();
    } else {
        tensor.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use tract_onnx::pb::{AttributeProto, NodeProto};

    use super::*;

    fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            ..Default::default()
        }
    }

    fn int64(name: &str, values: &[i64], raw: bool) -> TensorProto {
        let mut t = TensorProto {
            name: name.into(),
            data_type: DataType::Int64 as i32,
            dims: vec![values.len() as i64],
            ..Default::default()
        };
        set_int64_values(&mut t, values);
        if raw {
            t.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            t.int64_data.clear();
        }
        t
    }

    fn constant_node(output: &str, values: &[i64]) -> NodeProto {
        let mut n = node("Constant", &[], output);
        n.attribute.push(AttributeProto {
            name: "value".into(),
            t: Some(int64("", values, true)),
            ..Default::default()
        });
        n
    }

    /// The exporter's pattern, plus a Resize whose four sizes are one initializer.
    fn graph() -> GraphProto {
        GraphProto {
            node: vec![
                node("Shape", &["x"], "shape"),
                node("Slice", &["shape", "s", "e"], "nc"),
                constant_node("hw", &[32, 32]),
                node("Concat", &["nc", "hw"], "sizes"),
                node("Resize", &["x", "", "", "sizes"], "up"),
                node("Resize", &["up", "", "", "full"], "out"),
            ],
            initializer: vec![int64("full", &[1, 1, 1024, 1024], false)],
            ..Default::default()
        }
    }

    fn values(g: &GraphProto, src: Source, len: usize) -> Vec<i64> {
        int64_values(constant(g, src).unwrap(), len).unwrap()
    }

    #[test]
    fn baked_sizes_follow_the_input_size() {
        let mut g = graph();
        let changed = rescale_resize_sizes(&mut g, (1024, 1024), (640, 768)).unwrap();
        assert_eq!(changed, 2);
        assert_eq!(values(&g, Source::Node(2), 2), [20, 24]);
        assert_eq!(values(&g, Source::Initializer(0), 4), [1, 1, 640, 768]);
    }

    #[test]
    fn sizes_that_would_not_be_whole_name_the_step() {
        let mut g = graph();
        let err = rescale_resize_sizes(&mut g, (1024, 1024), (600, 640)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("height a multiple of 32"), "{text}");
        // Nothing was half-rewritten.
        assert_eq!(values(&g, Source::Node(2), 2), [32, 32]);
    }

    #[test]
    fn hostile_constants_are_errors() {
        let mut g = graph();
        g.node[2] = constant_node("hw", &[i64::MAX / 2, 32]);
        assert!(rescale_resize_sizes(&mut g, (1024, 1024), (2048, 2048)).is_err());
        g.node[2] = constant_node("hw", &[i64::MAX, 32]);
        assert!(rescale_resize_sizes(&mut g, (i64::MAX - 1, 1024), (512, 512)).is_err());
        g.node[2] = constant_node("hw", &[0, 32]);
        assert!(rescale_resize_sizes(&mut g, (1024, 1024), (512, 512)).is_err());
        g.node[2] = constant_node("hw", &[32, 32, 32]);
        assert!(rescale_resize_sizes(&mut g, (1024, 1024), (512, 512)).is_err());
        let mut g = graph();
        g.initializer[0].raw_data = vec![0; 7];
        assert!(rescale_resize_sizes(&mut g, (1024, 1024), (512, 512)).is_err());
    }

    #[test]
    fn a_constant_read_elsewhere_is_not_rewritten() {
        let mut g = graph();
        g.node.push(node("Reshape", &["up", "hw"], "other"));
        let err = rescale_resize_sizes(&mut g, (1024, 1024), (512, 512)).unwrap_err();
        assert!(err.to_string().contains("also used elsewhere"), "{err}");
    }
}
