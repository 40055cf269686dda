//! imagemint for Python: the extension module `imagemint._imagemint`, re-exported by the
//! `imagemint` package (`python/imagemint/`).
//!
//! Thin on purpose: options are core's `Options` read from their serde form (see
//! `convert`), errors are core's mapped onto `imagemint.errors`, and every call into core
//! runs with the GIL released, so Python threads compress in parallel.

use std::path::PathBuf;

use imagemint_core::{DecodeOptions, Image as CoreImage, Output, Pipeline};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict};

mod convert;
mod errors;
mod mask;

use convert::{from_value, options_json, to_py};
use errors::to_py as error_to_py;

/// Options for a whole run: core's `Options`, built from the same keywords `process`
/// takes (`Options(format="webp", quality=75, resize=(1200, None))`) or from nested
/// sections (`Options(encode={"format": "webp"})`). Immutable; `replace` makes a copy.
#[pyclass(frozen, module = "imagemint", eq)]
#[derive(Clone, PartialEq)]
pub struct Options(pub(crate) imagemint_core::Options);

#[pymethods]
impl Options {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        build_options(None, kwargs, "Options").map(Options)
    }

    /// The options of a preset: `"default"`, `"web"` or `"max-compression"`.
    #[staticmethod]
    fn preset(name: &str) -> PyResult<Self> {
        let preset = name
            .parse()
            .map_err(|e: imagemint_core::ParseEnumError| PyValueError::new_err(e.to_string()))?;
        Ok(Options(imagemint_core::Options::from_preset(preset)))
    }

    /// A copy with the given keywords changed.
    #[pyo3(signature = (**kwargs))]
    fn replace(&self, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        build_options(Some(&self.0), kwargs, "replace").map(Options)
    }

    /// Every option as nested dicts with snake_case keys (`from_dict` reads it back).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &serde_json::to_value(&self.0).expect("options serialize"),
        )
    }

    /// Options from nested dicts (snake_case or camelCase keys); missing keys keep
    /// their defaults.
    #[staticmethod]
    fn from_dict(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let options: imagemint_core::Options = from_value(&convert::to_json(value, "")?)?;
        options.validate().map_err(error_to_py)?;
        Ok(Options(options))
    }

    /// The camelCase JSON form that the CLI's `--options` file and the npm package use.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("options serialize")
    }

    /// Options from their JSON form.
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        let options: imagemint_core::Options =
            imagemint_core::from_json(json).map_err(errors::to_py_keeping_position)?;
        options.validate().map_err(error_to_py)?;
        Ok(Options(options))
    }

    fn __repr__(&self) -> String {
        format!("imagemint.Options.from_json({:?})", self.to_json())
    }

    /// Pickled as its JSON form (for multiprocessing).
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = py.get_type::<Options>().getattr("from_json")?;
        Ok((from_json, (self.to_json(),)))
    }
}

/// `base` (or the defaults) with `kwargs` applied, checked by core.
fn build_options(
    base: Option<&imagemint_core::Options>,
    kwargs: Option<&Bound<'_, PyDict>>,
    function: &str,
) -> PyResult<imagemint_core::Options> {
    let options: imagemint_core::Options = from_value(&options_json(base, kwargs, function)?)?;
    options.validate().map_err(error_to_py)?;
    Ok(options)
}

/// Decoded pixels (8 or 16 bits per channel, with or without alpha), as `decode` returns
/// them; `process` takes them too.
#[pyclass(frozen, module = "imagemint")]
pub struct Image(CoreImage);

#[pymethods]
impl Image {
    /// Width in pixels.
    #[getter]
    fn width(&self) -> u32 {
        self.0.width()
    }

    /// Height in pixels.
    #[getter]
    fn height(&self) -> u32 {
        self.0.height()
    }

    /// Whether there is an alpha channel (which may still be fully opaque).
    #[getter]
    fn has_alpha(&self) -> bool {
        self.0.has_alpha()
    }

    /// The pixels as a new writable numpy array, height × width × 4 (RGBA) if the image
    /// has alpha, else × 3 (RGB); 8 bits per channel. Needs numpy.
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (pixels, channels) = self.pixels(py);
        let shape = (self.0.height() as usize, self.0.width() as usize, channels);
        py.import("numpy")?
            .call_method1("frombuffer", (pixels, "uint8"))?
            .call_method1("reshape", (shape,))
    }

    /// An image from a height × width × 3 (RGB) or × 4 (RGBA) array of uint8 (numpy's,
    /// or a memoryview of that shape).
    #[staticmethod]
    fn from_numpy(array: &Bound<'_, PyAny>) -> PyResult<Self> {
        match array_like(array)? {
            Some((shape, pixels)) => image_from_array(&shape, pixels).map(Image),
            None => Err(PyTypeError::new_err(format!(
                "pixels must be a uint8 array, not {}",
                array.get_type().name()?
            ))),
        }
    }

    /// A Pillow image as RGB or RGBA (other modes are converted). Needs Pillow.
    fn to_pil<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (pixels, channels) = self.pixels(py);
        let mode = if channels == 4 { "RGBA" } else { "RGB" };
        py.import("PIL.Image")?.call_method1(
            "frombytes",
            (mode, (self.0.width(), self.0.height()), pixels),
        )
    }

    /// An image from a Pillow image (converted to RGB or RGBA first).
    #[staticmethod]
    fn from_pil(image: &Bound<'_, PyAny>) -> PyResult<Self> {
        let alpha = if image.hasattr("has_transparency_data")? {
            // Pillow ≥ 10.1: an alpha band, or a transparent palette entry or colour.
            image.getattr("has_transparency_data")?.is_truthy()?
        } else {
            let mode: String = image.getattr("mode")?.extract()?;
            matches!(mode.as_str(), "RGBA" | "RGBa" | "LA" | "La" | "PA")
                || image.getattr("info")?.contains("transparency")?
        };
        let mode = if alpha { "RGBA" } else { "RGB" };
        let rgb = image.call_method1("convert", (mode,))?;
        let (width, height): (u32, u32) = rgb.getattr("size")?.extract()?;
        let pixels: Vec<u8> = rgb.call_method0("tobytes")?.extract()?;
        let image = if mode == "RGBA" {
            CoreImage::from_rgba8(width, height, pixels)
        } else {
            CoreImage::from_rgb8(width, height, pixels)
        };
        image.map(Image).map_err(error_to_py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<imagemint.Image {}×{}{}>",
            self.0.width(),
            self.0.height(),
            if self.0.has_alpha() {
                " with alpha"
            } else {
                ""
            }
        )
    }
}

impl Image {
    /// 8-bit pixels in a bytearray (numpy's `frombuffer` on it gives a writable array).
    fn pixels<'py>(&self, py: Python<'py>) -> (Bound<'py, PyByteArray>, usize) {
        let (pixels, channels) = if self.0.has_alpha() {
            (self.0.to_rgba8(), 4)
        } else {
            (self.0.to_rgb8(), 3)
        };
        (PyByteArray::new(py, &pixels), channels)
    }
}

/// The shape and bytes (C order) of a numpy array or a memoryview of uint8; `None` for
/// anything else. Read through `shape` and `tobytes()`, because the buffer protocol is
/// not in the stable ABI before Python 3.11 and the wheel supports 3.9.
fn array_like(data: &Bound<'_, PyAny>) -> PyResult<Option<(Vec<usize>, Vec<u8>)>> {
    if !(data.hasattr("shape")? && data.hasattr("tobytes")?) {
        return Ok(None);
    }
    let uint8 = if data.hasattr("dtype")? {
        data.getattr("dtype")?.str()?.to_cow()? == "uint8"
    } else {
        matches!(
            data.getattr("format")?.extract::<String>()?.as_str(),
            "B" | "c"
        )
    };
    if !uint8 {
        return Err(PyTypeError::new_err(format!(
            "arrays must hold uint8 values, this one holds {}",
            data.getattr("dtype")
                .or_else(|_| data.getattr("format"))?
                .str()?
        )));
    }
    let shape: Vec<usize> = data.getattr("shape")?.extract()?;
    let bytes: Vec<u8> = data.call_method0("tobytes")?.extract()?;
    Ok(Some((shape, bytes)))
}

fn image_from_array(shape: &[usize], pixels: Vec<u8>) -> PyResult<CoreImage> {
    let &[height, width, channels] = shape else {
        return Err(PyValueError::new_err(format!(
            "pixels must be height × width × 3 or 4, got shape {shape:?}"
        )));
    };
    let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(PyValueError::new_err("pixel array too large"));
    };
    match channels {
        3 => CoreImage::from_rgb8(width, height, pixels),
        4 => CoreImage::from_rgba8(width, height, pixels),
        _ => {
            return Err(PyValueError::new_err(format!(
                "pixels must have 3 (RGB) or 4 (RGBA) channels, got {channels}"
            )));
        }
    }
    .map_err(error_to_py)
}

/// What `process` was given, held so that core can run without the GIL.
enum Input<'py> {
    /// `bytes` are immutable, so core reads them in place.
    Bytes(Bound<'py, PyBytes>),
    /// A copy of a bytearray, a memoryview or a 1-D array of a file's bytes.
    Owned(Vec<u8>),
    Path(PathBuf),
    Pixels(CoreImage),
}

impl<'py> Input<'py> {
    fn extract(data: &Bound<'py, PyAny>) -> PyResult<Self> {
        let py = data.py();
        if let Ok(bytes) = data.cast::<PyBytes>() {
            return Ok(Input::Bytes(bytes.clone()));
        }
        if let Ok(image) = data.cast::<Image>() {
            return Ok(Input::Pixels(image.get().0.clone()));
        }
        if data.is_instance_of::<pyo3::types::PyString>() || data.hasattr("__fspath__")? {
            return Ok(Input::Path(data.extract()?));
        }
        if let Ok(bytes) = data.cast::<PyByteArray>() {
            return Ok(Input::Owned(bytes.to_vec()));
        }
        if let Some((shape, bytes)) = array_like(data)? {
            return match shape.len() {
                1 => Ok(Input::Owned(bytes)),
                _ => image_from_array(&shape, bytes).map(Input::Pixels),
            };
        }
        // A Pillow image; if Pillow was never imported, `data` cannot be one.
        if let Ok(pil) = py.import("sys")?.getattr("modules")?.get_item("PIL.Image")
            && data.is_instance(&pil.getattr("Image")?)?
        {
            return Image::from_pil(data).map(|image| Input::Pixels(image.0));
        }
        Err(PyTypeError::new_err(format!(
            "data must be bytes, a path, an imagemint.Image, a uint8 array or a PIL image, \
             not {}",
            data.get_type().name()?
        )))
    }

    /// Runs `file` on the bytes of an encoded image, or `pixels` on an image, with the GIL
    /// released.
    fn run<T: Send>(
        self,
        py: Python<'py>,
        file: impl Fn(&[u8]) -> imagemint_core::Result<T> + Send + Sync,
        pixels: impl FnOnce(CoreImage) -> imagemint_core::Result<T> + Send,
    ) -> PyResult<T> {
        let result = match self {
            Input::Bytes(bytes) => {
                let bytes = bytes.as_bytes();
                py.detach(|| file(bytes))
            }
            Input::Owned(bytes) => py.detach(|| file(&bytes)),
            Input::Pixels(image) => py.detach(|| pixels(image)),
            Input::Path(path) => {
                let bytes = py.detach(|| std::fs::read(&path))?;
                py.detach(|| file(&bytes))
            }
        };
        result.map_err(error_to_py)
    }
}

/// The result of `process`: the encoded file and what it took.
#[pyclass(frozen, module = "imagemint", name = "Result")]
pub struct ProcessResult {
    /// The encoded file.
    #[pyo3(get)]
    data: Py<PyBytes>,
    /// Its format: `"jpeg"`, `"png"`, `"webp"` or `"avif"`.
    #[pyo3(get)]
    format: String,
    /// Width in pixels.
    #[pyo3(get)]
    width: u32,
    /// Height in pixels.
    #[pyo3(get)]
    height: u32,
    /// Sizes, ratio, quality and timings, as a dict.
    #[pyo3(get)]
    report: Py<PyAny>,
}

#[pymethods]
impl ProcessResult {
    /// Writes the file to `path`.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let data = self.data.bind(py).as_bytes();
        py.detach(|| std::fs::write(&path, data))?;
        Ok(())
    }

    /// The output decoded to pixels (see `Image.to_numpy`). Needs numpy.
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.decoded(py)?.to_numpy(py)
    }

    /// The output opened with Pillow. Needs Pillow.
    fn to_pil<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let file = py
            .import("io")?
            .call_method1("BytesIO", (self.data.bind(py),))?;
        py.import("PIL.Image")?.call_method1("open", (file,))
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.data.bind(py).as_bytes().len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<imagemint.Result {} {}×{}, {} bytes>",
            self.format,
            self.width,
            self.height,
            self.__len__(py)
        )
    }
}

impl ProcessResult {
    fn decoded(&self, py: Python<'_>) -> PyResult<Image> {
        let data = self.data.bind(py).as_bytes();
        py.detach(|| imagemint_core::decode(data, &DecodeOptions::default()))
            .map(Image)
            .map_err(error_to_py)
    }

    fn new(py: Python<'_>, out: Output) -> PyResult<Self> {
        let report = serde_json::to_value(&out.report).expect("report serializes");
        Ok(ProcessResult {
            data: PyBytes::new(py, &out.data).unbind(),
            format: out.format.name().to_owned(),
            width: out.width,
            height: out.height,
            report: to_py(py, &report)?.unbind(),
        })
    }
}

/// Runs the pipeline on `data` (bytes, bytearray, memoryview, a path, an `Image`, a
/// height × width × 3/4 uint8 array, or a PIL image): decode → transform → mask →
/// encode. Options come from `options` and/or keywords (`format="webp"`, `quality=75`,
/// `resize=(1200, None)`, `fit="cover"`, `metadata="strip"`, …; `option_keywords()`
/// lists them). With a `model`, the mask stage runs (a cutout unless `mask=` says
/// otherwise). The GIL is released while it works.
#[pyfunction]
#[pyo3(signature = (data, options = None, *, model = None, **kwargs))]
fn process(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    options: Option<&Options>,
    model: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<ProcessResult> {
    let input = Input::extract(data)?;
    let options = build_options(options.map(|o| &o.0), kwargs, "process")?;
    let pipeline = with_model(options, model)?;
    let out = input.run(
        py,
        |bytes| pipeline.process(bytes),
        |image| pipeline.process_image(image),
    )?;
    ProcessResult::new(py, out)
}

/// A pipeline with `model` for the mask stage (a cutout unless the options say otherwise).
fn with_model(
    options: imagemint_core::Options,
    model: Option<&Bound<'_, PyAny>>,
) -> PyResult<Pipeline> {
    let Some(model) = model.filter(|m| !m.is_none()) else {
        if options.mask.is_some() {
            // Core would say so too, but only after decoding, and in Rust's terms.
            return Err(error_to_py(imagemint_core::Error::Model {
                reason: "the mask options need a model: pass model=imagemint.MaskModel.load(path)"
                    .into(),
            }));
        }
        return Pipeline::new(options).map_err(error_to_py);
    };
    let model = model
        .cast::<mask::MaskModel>()
        .map_err(|_| PyTypeError::new_err("model must be an imagemint.MaskModel"))?;
    Ok(Pipeline::new(options)
        .map_err(error_to_py)?
        .with_model(model.get().shared()))
}

/// Decodes `data` (as `process` reads it, EXIF orientation applied) to an `Image`.
/// Keywords are the decode options (`max_pixels=…`, `auto_orient=False`, …).
#[pyfunction]
#[pyo3(signature = (data, **kwargs))]
fn decode(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Image> {
    let options = build_options(None, kwargs, "decode")?;
    if options.transform != Default::default()
        || options.encode != Default::default()
        || options.mask.is_some()
    {
        return Err(PyTypeError::new_err(
            "decode() takes decode options only (limits, max_width, auto_orient, …)",
        ));
    }
    let decode = |bytes: &[u8]| imagemint_core::decode(bytes, &options.decode);
    Input::extract(data)?.run(py, decode, Ok).map(Image)
}

/// Every keyword `process` and `Options` take, with the place in the nested options it
/// sets (`{"quality": "encode.quality", "fit": "transform.resize.fit", …}`). Names that
/// occur in two sections (`width`) are not keywords: set them through their section.
#[pyfunction]
fn option_keywords(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let dict = PyDict::new(py);
    for (name, paths) in convert::keywords() {
        if let [path] = paths.as_slice() {
            dict.set_item(name, convert::snake_path(path))?;
        }
    }
    Ok(dict)
}

#[pymodule(gil_used = false)]
fn _imagemint(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Options>()?;
    m.add_class::<Image>()?;
    m.add_class::<ProcessResult>()?;
    m.add_function(wrap_pyfunction!(process, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(option_keywords, m)?)?;
    mask::register(m)?;
    Ok(())
}
