//! Segmentation models: a plain-data [`ModelSpec`] that says how to feed and read a model,
//! and a loaded, optimised [`MaskModel`] that runs it with tract.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use image::DynamicImage;
use tract_onnx::prelude::*;

use super::{fast_ops, graph, winograd};
use crate::{Error, Image, Result};

/// How a model's raw output becomes a 0–1 mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub enum Activation {
    /// The output already is 0–1 (values outside are clamped).
    #[default]
    None,
    /// Logits: apply the logistic function.
    Sigmoid,
    /// Stretch the output so its minimum becomes 0 and its maximum 1.
    #[cfg_attr(feature = "serde", serde(alias = "min_max"))]
    MinMax,
}

/// Colour channel order of the model input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub enum ChannelOrder {
    /// Red, green, blue.
    #[default]
    Rgb,
    /// Blue, green, red.
    Bgr,
}

/// How to feed a segmentation model and read its answer: plain data, so it can come from
/// JSON next to a model file. Pixels are resized (bilinear, ignoring the aspect ratio) to
/// `input_width`×`input_height`, scaled to 0–1, then normalised per channel as
/// `(v − mean) / std`, in NCHW layout.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[non_exhaustive]
pub struct ModelSpec {
    /// Input width in pixels.
    pub input_width: u32,
    /// Input height in pixels.
    pub input_height: u32,
    /// Channel order of the input tensor.
    pub channel_order: ChannelOrder,
    /// Per-channel mean subtracted from 0–1 values.
    pub mean: [f32; 3],
    /// Per-channel divisor applied after the mean.
    pub std: [f32; 3],
    /// Which of the model's outputs is the mask.
    pub output_index: usize,
    /// How that output becomes 0–1.
    pub activation: Activation,
}

/// ImageNet statistics, used by U²-Net and BiRefNet.
const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

impl ModelSpec {
    fn square(side: u32, mean: [f32; 3], std: [f32; 3], activation: Activation) -> Self {
        Self {
            input_width: side,
            input_height: side,
            channel_order: ChannelOrder::Rgb,
            mean,
            std,
            output_index: 0,
            activation,
        }
    }

    /// IS-Net (DIS) as IMG.LY packages it (`@imgly/background-removal-data`, the models
    /// `scripts/fetch-model.sh` fetches): 1024², `(x − 128) / 256`, output used as is.
    /// Tested against ONNX Runtime.
    pub fn isnet_imgly() -> Self {
        Self::square(
            1024,
            [128.0 / 255.0; 3],
            [256.0 / 255.0; 3],
            Activation::None,
        )
    }

    /// IS-Net as the DIS reference code runs it: 1024², `x − 0.5`, min-max output.
    /// Tested with the IMG.LY model file.
    pub fn isnet_dis() -> Self {
        Self::square(1024, [0.5; 3], [1.0; 3], Activation::MinMax)
    }

    /// U²-Net (rembg's `u2net.onnx`): 320², ImageNet mean/std, min-max output. Tested
    /// against ONNX Runtime with rembg's file (`scripts/fetch-model.sh u2net`).
    pub fn u2net() -> Self {
        Self::square(320, IMAGENET_MEAN, IMAGENET_STD, Activation::MinMax)
    }

    /// U²-Netp, the small U²-Net: same contract as [`ModelSpec::u2net`]. Tested against
    /// ONNX Runtime with rembg's file (`scripts/fetch-model.sh u2netp`).
    pub fn u2netp() -> Self {
        Self::u2net()
    }

    /// Silueta (a U²-Net retrained by rembg): same contract as [`ModelSpec::u2net`].
    /// Untested.
    pub fn silueta() -> Self {
        Self::u2net()
    }

    /// BiRefNet: 1024², ImageNet mean/std, logits. Untested.
    pub fn birefnet() -> Self {
        Self::square(1024, IMAGENET_MEAN, IMAGENET_STD, Activation::Sigmoid)
    }

    /// BRIA RMBG-1.4: 1024², `x − 0.5` (as BRIA's own example code normalises), min-max
    /// output. Untested.
    pub fn rmbg_1_4() -> Self {
        Self::square(1024, [0.5; 3], [1.0; 3], Activation::MinMax)
    }

    /// MODNet (portrait matting) at a fixed 512²: `(x − 0.5) / 0.5`, output used as is.
    /// Untested.
    pub fn modnet() -> Self {
        Self::square(512, [0.5; 3], [0.5; 3], Activation::None)
    }

    /// The same contract at another input size: the fast mode. A fully convolutional
    /// model runs at any size whose internal resizes come out whole (multiples of 32
    /// for IS-Net); fewer pixels cost proportionally less but the model was trained at
    /// one size and its answer drifts away from it (benches/README.md measures how far).
    pub fn with_input_size(mut self, width: u32, height: u32) -> Self {
        self.input_width = width;
        self.input_height = height;
        self
    }

    /// Names of the built-in specs, for [`ModelSpec::builtin`].
    pub const BUILTIN_NAMES: &'static [&'static str] = &[
        "isnet-imgly",
        "isnet-dis",
        "u2net",
        "u2netp",
        "silueta",
        "birefnet",
        "rmbg-1.4",
        "modnet",
    ];

    /// The built-in spec called `name` (see [`ModelSpec::BUILTIN_NAMES`]; `isnet` and
    /// `rmbg` are accepted as short names), ignoring case.
    pub fn builtin(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "isnet-imgly" | "isnet" => Self::isnet_imgly(),
            "isnet-dis" => Self::isnet_dis(),
            "u2net" => Self::u2net(),
            "u2netp" => Self::u2netp(),
            "silueta" => Self::silueta(),
            "birefnet" => Self::birefnet(),
            "rmbg-1.4" | "rmbg" => Self::rmbg_1_4(),
            "modnet" => Self::modnet(),
            _ => return None,
        })
    }

    /// [`ModelSpec::builtin`], or an [`Error::InvalidOptions`] that lists the names.
    pub fn named(name: &str) -> Result<Self> {
        Self::builtin(name).ok_or_else(|| {
            Error::invalid(
                "spec",
                format!(
                    "unknown model spec `{name}` (expected one of: {})",
                    Self::BUILTIN_NAMES.join(", ")
                ),
            )
        })
    }

    /// Checks the spec on its own (the model is checked against it on load).
    pub fn validate(&self) -> Result<()> {
        let side = 1..=4096;
        if !side.contains(&self.input_width) || !side.contains(&self.input_height) {
            return Err(Error::invalid(
                "mask.spec.inputWidth",
                "input sides must be 1..=4096 pixels",
            ));
        }
        if self.std.iter().any(|s| !s.is_finite() || *s == 0.0)
            || self.mean.iter().any(|m| !m.is_finite())
        {
            return Err(Error::invalid(
                "mask.spec.std",
                "mean and std must be finite, std non-zero",
            ));
        }
        Ok(())
    }
}

/// A loaded, optimised segmentation model, to reuse for many images. `Send + Sync`: one
/// model can serve a whole parallel batch.
#[derive(Debug, Clone)]
pub struct MaskModel {
    plan: Arc<TypedRunnableModel>,
    spec: ModelSpec,
}

/// The model's input for one image: NCHW `f32`, `[1, 3, height, width]`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InputTensor {
    /// Width of the tensor.
    pub width: u32,
    /// Height of the tensor.
    pub height: u32,
    /// The values, channel by channel, row by row.
    pub data: Vec<f32>,
}

/// A mask: one 0–1 value per pixel, row by row.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Mask {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Coverage per pixel: 0 background, 1 subject.
    pub values: Vec<f32>,
}

impl MaskModel {
    /// Parses an ONNX model, checks it against `spec`, keeps only the mask output, and
    /// optimises it once (fp16 weights are converted to f32, which tract runs much faster).
    pub fn from_bytes(bytes: &[u8], spec: ModelSpec) -> Result<Self> {
        spec.validate()?;
        // tract is not hardened against every malformed graph; a panic there must
        // still come back as an error.
        let loaded = catch_unwind(AssertUnwindSafe(|| load(bytes, &spec)));
        let plan = loaded.map_err(|_| model_error("the model crashed the ONNX loader"))??;
        Ok(Self { plan, spec })
    }

    /// [`MaskModel::from_bytes`] on a file's contents.
    pub fn from_path(path: impl AsRef<Path>, spec: ModelSpec) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| model_error(format!("cannot read {}: {e}", path.display())))?;
        Self::from_bytes(&bytes, spec)
    }

    /// The spec the model was loaded with.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The normalised input tensor for `image`.
    pub fn input_tensor(&self, image: &Image) -> Result<InputTensor> {
        let (w, h) = (self.spec.input_width, self.spec.input_height);
        let rgb = resize_rgb8(&image.pixels, w, h)?;
        let plane = w as usize * h as usize;
        let order = match self.spec.channel_order {
            ChannelOrder::Rgb => [0, 1, 2],
            ChannelOrder::Bgr => [2, 1, 0],
        };
        let data = order
            .iter()
            .enumerate()
            .flat_map(|(c, &src)| {
                let (mean, std) = (self.spec.mean[c], self.spec.std[c]);
                rgb.chunks_exact(3)
                    .map(move |p| (f32::from(p[src]) / 255.0 - mean) / std)
            })
            .collect::<Vec<f32>>();
        debug_assert_eq!(data.len(), plane * 3);
        Ok(InputTensor {
            width: w,
            height: h,
            data,
        })
    }

    /// Runs the model on a prepared input; the mask comes back at the model's output
    /// resolution, with the spec's activation applied.
    pub fn run(&self, input: &InputTensor) -> Result<Mask> {
        let shape = [1, 3, input.height as usize, input.width as usize];
        let tensor = Tensor::from_shape(&shape, &input.data).map_err(inference_error)?;
        // The plan is immutable (each run has its own state), so a panic cannot leave it
        // half-changed.
        let outputs = catch_unwind(AssertUnwindSafe(|| {
            self.plan.run(tvec![tensor.into_tvalue()])
        }))
        .map_err(|_| Error::Inference {
            source: "the model crashed during inference".into(),
        })?
        .map_err(inference_error)?;
        let output = outputs
            .first()
            .ok_or_else(|| inference_error("the model gave no output"))?;
        let dims = output.shape();
        let (oh, ow) = match dims {
            [.., h, w] if dims.iter().rev().skip(2).all(|&d| d == 1) => (*h, *w),
            _ => return Err(inference_error(format!("mask output has shape {dims:?}"))),
        };
        let plain = output.try_as_plain_ram().map_err(inference_error)?;
        let raw = plain.as_slice::<f32>().map_err(inference_error)?;
        let values = activate(raw, self.spec.activation);
        Ok(Mask {
            width: u32::try_from(ow).map_err(|_| inference_error("output too wide"))?,
            height: u32::try_from(oh).map_err(|_| inference_error("output too tall"))?,
            values,
        })
    }

    /// The mask for `image`, at the image's own size.
    pub fn predict(&self, image: &Image) -> Result<Mask> {
        let small = self.run(&self.input_tensor(image)?)?;
        small.resized(image.width(), image.height())
    }
}

fn load(bytes: &[u8], spec: &ModelSpec) -> Result<Arc<TypedRunnableModel>> {
    let onnx = tract_onnx::onnx();
    let mut proto = onnx
        .proto_model_for_read(&mut std::io::Cursor::new(bytes))
        .map_err(|e| model_error(format!("not a readable ONNX model: {e}")))?;
    let wanted = (i64::from(spec.input_height), i64::from(spec.input_width));
    let traced = graph::traced_size(&proto);
    let resized = match (traced, proto.graph.as_mut()) {
        (Some(traced), Some(graph)) if traced != wanted => {
            graph::rescale_resize_sizes(graph, traced, wanted)?;
            true
        }
        _ => false,
    };
    // The shapes an exporter records for its traced size would contradict the new ones.
    let mut model = onnx
        .with_ignore_value_info(resized)
        .model_for_proto_model(&proto)
        .map_err(|e| model_error(format!("the model does not fit the spec: {e:#}")))?;
    let inputs = model.input_outlets().map_err(model_error)?.len();
    if inputs != 1 {
        return Err(model_error(format!(
            "expected one image input, the model has {inputs}"
        )));
    }
    let outlets = model.output_outlets().map_err(model_error)?.to_vec();
    let outlet = *outlets.get(spec.output_index).ok_or_else(|| {
        model_error(format!(
            "spec asks for output {}, the model has {}",
            spec.output_index,
            outlets.len()
        ))
    })?;
    // Only the mask is wanted: pruning the other outputs saves their computation.
    model
        .select_output_outlets(&[outlet])
        .map_err(model_error)?;
    let shape = [1, 3, spec.input_height as usize, spec.input_width as usize];
    model
        .set_input_fact(0, f32::fact(shape).into())
        .map_err(|e| {
            model_error(format!(
                "the model does not take a {shape:?} f32 input: {e}"
            ))
        })?;
    let mut typed = model
        .into_typed()
        .and_then(|m| m.into_decluttered())
        .map_err(|e| model_error(format!("the model does not fit the spec: {e:#}")))?;
    if let Some(to_f32) =
        tract_onnx::tract_core::transform::get_transform("f16_to_f32").map_err(model_error)?
    {
        to_f32.transform(&mut typed).map_err(model_error)?;
    }
    // 3×3 convolutions by Winograd's algorithm, before tract plans im2col for them: on
    // IS-Net at 1024² inference takes 1.0 s instead of 1.8 s with two threads
    // (benches/README.md).
    winograd::rewrite(&mut typed).map_err(model_error)?;
    // tract turns thin convolutions (at most 576 inputs per output point, rows of 128 or
    // more) into a direct spatial kernel instead of im2col and a matrix product. On
    // IS-Net that kernel is the slower choice: without it 1024² inference takes 5.2 s
    // rather than 6.1 s with two threads, 7.6 s rather than 11.8 s with one
    // (benches/README.md). The knob is scoped to this model's optimisation, so nothing
    // process-wide changes (and it takes precedence over the environment variable).
    let knobs =
        tract_onnx::tract_core::knobs::KnobScope::new([("TRACT_DISABLE_DIRECT_SPATIAL", "true")])
            .map_err(model_error)?;
    let mut optimised = knobs
        .enter(|| typed.into_optimized())
        .map_err(model_error)?;
    fast_ops::speed_up(&mut optimised).map_err(model_error)?;
    let options = RunOptions {
        executor: Some(executor()),
        ..RunOptions::default()
    };
    optimised
        .into_runnable_with_options(&options)
        .map_err(model_error)
}

/// Matrix products on rayon's pool when threads are allowed: in a parallel batch the
/// images already keep the cores busy and nothing is oversubscribed.
fn executor() -> tract_linalg::multithread::Executor {
    #[cfg(feature = "parallel")]
    {
        tract_linalg::multithread::Executor::RayonGlobal
    }
    #[cfg(not(feature = "parallel"))]
    {
        tract_linalg::multithread::Executor::SingleThread
    }
}

fn activate(raw: &[f32], activation: Activation) -> Vec<f32> {
    match activation {
        Activation::None => raw.iter().map(|v| v.clamp(0.0, 1.0)).collect(),
        Activation::Sigmoid => raw.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect(),
        Activation::MinMax => {
            let (lo, hi) = raw
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let span = hi - lo;
            if span > f32::EPSILON {
                raw.iter().map(|v| (v - lo) / span).collect()
            } else {
                vec![0.0; raw.len()]
            }
        }
    }
}

/// The image as 8-bit RGB, resized (bilinear) to `w`×`h`.
fn resize_rgb8(pixels: &DynamicImage, w: u32, h: u32) -> Result<Vec<u8>> {
    use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
    let rgb = DynamicImage::ImageRgb8(pixels.to_rgb8());
    if (rgb.width(), rgb.height()) == (w, h) {
        return Ok(rgb.into_bytes());
    }
    let mut dst = DynamicImage::new_rgb8(w, h);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new()
        .resize(&rgb, &mut dst, &options)
        .map_err(|e| Error::invalid("mask", e.to_string()))?;
    Ok(dst.into_bytes())
}

impl Mask {
    /// This mask resampled (bilinear, like the model's input) to `width`×`height`.
    pub fn resized(&self, width: u32, height: u32) -> Result<Mask> {
        use fast_image_resize::{
            FilterType, ResizeAlg, ResizeOptions, Resizer, images::TypedImage, pixels::F32,
        };
        let bad = |e: &dyn std::fmt::Display| Error::invalid("mask", e.to_string());
        if self.values.len() as u64 != u64::from(self.width) * u64::from(self.height) {
            return Err(bad(&format_args!(
                "{} values for a {}×{} mask",
                self.values.len(),
                self.width,
                self.height
            )));
        }
        if (self.width, self.height) == (width, height) {
            return Ok(self.clone());
        }
        let pixels = self.values.iter().map(|v| F32::new(*v)).collect();
        let src =
            TypedImage::<F32>::from_pixels(self.width, self.height, pixels).map_err(|e| bad(&e))?;
        let mut dst = TypedImage::<F32>::new(width, height);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
        Resizer::new()
            .resize_typed(&src, &mut dst, &options)
            .map_err(|e| bad(&e))?;
        Ok(Mask {
            width,
            height,
            values: dst.pixels().iter().map(|p| p.0).collect(),
        })
    }
}

pub(crate) fn model_error(e: impl std::fmt::Display) -> Error {
    Error::Model {
        reason: e.to_string(),
    }
}

fn inference_error(e: impl std::fmt::Display) -> Error {
    Error::Inference {
        source: e.to_string().into(),
    }
}
