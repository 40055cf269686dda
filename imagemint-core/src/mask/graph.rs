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
    let Type::TensorType(tensor) = graph.input.first()?.r#type.as_ref()?.value.as_ref()?;
    let dims = &tensor.shape.as_ref()?.dim;
    let side = |i: usize| match dims.get(i)?.value {
        Some(Dim::DimValue(v)) if v > 0 => Some(v),
        _ => None,
    };
    Some((side(dims.len().checked_sub(2)?)?, side(dims.len() - 1)?))
}

/// Rescales every `Resize` target size baked for `from` (height, width) to `to`, and
/// returns how many it changed. A size that would not come out whole is an error.
pub(super) fn rescale_resize_sizes(
    graph: &mut GraphProto,
    from: (i64, i64),
    to: (i64, i64),
) -> Result<usize> {
    // (index of a Constant node or an initializer, which of its elements are H and W)
    let mut targets: Vec<(Source, usize)> = Vec::new();
    let producer: HashMap<&str, usize> = graph
        .node
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i)))
        .collect();
    let source = |name: &str| -> Option<Source> {
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
    for node in graph.node.iter().filter(|n| n.op_type == "Resize") {
        let Some(sizes) = node.input.get(3).filter(|s| !s.is_empty()) else {
            continue; // scales are size-independent
        };
        if let Some(src) = source(sizes) {
            // All four sizes (N, C, H, W) in one constant: H and W are its last two.
            targets.push((src, 2));
            continue;
        }
        let Some(&concat) = producer.get(sizes.as_str()) else {
            continue;
        };
        let concat = &graph.node[concat];
        if concat.op_type != "Concat" {
            continue;
        }
        // The exporter's pattern: Concat(Slice(Shape(x))[0:2], Constant([H, W])).
        if let Some(src) = concat.input.last().and_then(|last| source(last)) {
            targets.push((src, 0));
        }
    }
    targets.sort_unstable_by_key(|(src, first)| (*src, *first));
    targets.dedup();
    for &(src, first) in &targets {
        let tensor = match src {
            Source::Node(i) => graph.node[i]
                .attribute
                .iter_mut()
                .find(|a| a.name == "value")
                .and_then(|a| a.t.as_mut()),
            Source::Initializer(i) => Some(&mut graph.initializer[i]),
        }
        .ok_or_else(|| model_error("a Resize size constant has no value"))?;
        let mut values = int64_values(tensor)?;
        if values.len() != first + 2 {
            return Err(model_error(format!(
                "a Resize size constant holds {} values, expected {}",
                values.len(),
                first + 2
            )));
        }
        for (v, (f, t)) in values[first..]
            .iter_mut()
            .zip([(from.0, to.0), (from.1, to.1)])
        {
            let scaled = *v * t;
            if scaled % f != 0 {
                return Err(model_error(format!(
                    "the model was exported for {}×{} and resizes to a fixed {v} pixels inside; \
                     at {}×{} that size would not be whole (pick a side that divides evenly, \
                     e.g. a multiple of 64)",
                    from.1, from.0, to.1, to.0
                )));
            }
            *v = scaled / f;
        }
        set_int64_values(tensor, &values);
    }
    Ok(targets.len())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Node(usize),
    Initializer(usize),
}

fn int64_values(tensor: &TensorProto) -> Result<Vec<i64>> {
    if tensor.data_type != DataType::Int64 as i32 {
        return Err(model_error("a Resize size constant is not int64"));
    }
    if !tensor.raw_data.is_empty() {
        let chunks = tensor.raw_data.chunks_exact(8);
        if !chunks.remainder().is_empty() {
            return Err(model_error("a Resize size constant is truncated"));
        }
        return Ok(chunks
            .map(|c| i64::from_le_bytes(c.try_into().expect("chunks of 8")))
            .collect());
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
