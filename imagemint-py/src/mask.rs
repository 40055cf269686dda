//! Background removal: a loaded segmentation model, shared by every call that uses it.

use std::path::PathBuf;
use std::sync::Arc;

use imagemint_core::ModelSpec;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{from_value, to_json, to_py};
use crate::errors::to_py as error_to_py;

/// A segmentation model (ONNX), parsed and optimised once, for `process(..., model=)`.
/// Safe to share between threads.
#[pyclass(frozen, module = "imagemint")]
pub(crate) struct MaskModel(Arc<imagemint_core::MaskModel>);

impl MaskModel {
    pub(crate) fn shared(&self) -> Arc<imagemint_core::MaskModel> {
        Arc::clone(&self.0)
    }
}

#[pymethods]
impl MaskModel {
    /// Loads the ONNX file at `path`. `spec` says how to feed it: a built-in name
    /// (`"isnet-imgly"`, the default, `"u2netp"`, …) or a dict (see `builtin_spec`).
    #[staticmethod]
    #[pyo3(signature = (path, spec = None))]
    fn load(py: Python<'_>, path: PathBuf, spec: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let spec = spec_from_py(spec)?;
        py.detach(|| imagemint_core::MaskModel::from_path(&path, spec))
            .map(|model| MaskModel(Arc::new(model)))
            .map_err(error_to_py)
    }

    /// Like `load`, from the file's bytes.
    #[staticmethod]
    #[pyo3(signature = (data, spec = None))]
    fn from_bytes(
        py: Python<'_>,
        data: &Bound<'_, PyBytes>,
        spec: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let spec = spec_from_py(spec)?;
        let data = data.as_bytes();
        py.detach(|| imagemint_core::MaskModel::from_bytes(data, spec))
            .map(|model| MaskModel(Arc::new(model)))
            .map_err(error_to_py)
    }

    /// The built-in spec called `name`, as a dict to adjust and pass to `load` (e.g.
    /// `input_width`/`input_height` 768 for IS-Net's faster, coarser mode).
    #[staticmethod]
    fn builtin_spec<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let spec = ModelSpec::named(name).map_err(error_to_py)?;
        to_py(py, &serde_json::to_value(spec).expect("spec serializes"))
    }

    /// The spec the model runs with, as a dict.
    #[getter]
    fn spec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &serde_json::to_value(self.0.spec()).expect("spec serializes"),
        )
    }

    fn __repr__(&self) -> String {
        let spec = serde_json::to_string(self.0.spec()).expect("spec serializes");
        format!("<imagemint.MaskModel {spec}>")
    }
}

fn spec_from_py(spec: Option<&Bound<'_, PyAny>>) -> PyResult<ModelSpec> {
    match spec.filter(|s| !s.is_none()) {
        None => Ok(ModelSpec::isnet_imgly()),
        Some(spec) => match spec.extract::<String>() {
            Ok(name) => ModelSpec::named(&name).map_err(error_to_py),
            Err(_) => from_value(&to_json(spec, "")?),
        },
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MaskModel>()
}
