//! Background removal: a loaded segmentation model, kept on the JS side as a handle.

use std::sync::Arc;

use imagemint_core::{ModelSpec, Options, Pipeline};
use wasm_bindgen::prelude::*;

use crate::{
    JsBytes, JsOptions, JsProcessResult, bytes_from_js, from_js, from_json, run, to_js, to_object,
};

#[wasm_bindgen]
extern "C" {
    /// A built-in spec name (`"isnet-imgly"`, `"u2netp"`, …) or a `ModelSpec` object.
    #[wasm_bindgen(typescript_type = "string | ModelSpec")]
    pub type JsModelSpec;

    /// A `ModelSpec` object.
    #[wasm_bindgen(typescript_type = "ModelSpec")]
    pub type JsModelSpecObject;
}

/// A segmentation model, parsed and optimised once for many images. Call `free()` to
/// release its memory (hundreds of MB for IS-Net) when done.
#[wasm_bindgen]
pub struct MaskModel(Arc<imagemint_core::MaskModel>);

#[wasm_bindgen]
impl MaskModel {
    /// Loads an ONNX model from its bytes; `spec` says how to feed it (default
    /// `"isnet-imgly"`, IMG.LY's IS-Net).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: JsBytes, spec: Option<JsModelSpec>) -> Result<MaskModel, JsValue> {
        let bytes = bytes_from_js(bytes)?;
        let spec = spec_from_js(spec)?;
        imagemint_core::MaskModel::from_bytes(&bytes, spec)
            .map(|model| MaskModel(Arc::new(model)))
            .map_err(|e| to_js(&e))
    }

    /// Like the module's `process`, with this model for the mask stage; without a `mask`
    /// in `options`, the default one (a cutout).
    pub fn process(
        &self,
        input: JsBytes,
        options: Option<JsOptions>,
    ) -> Result<JsProcessResult, JsValue> {
        let input = bytes_from_js(input)?;
        let options: Options = from_js(options.map(JsValue::from))?;
        let pipeline = Pipeline::new(options)
            .map_err(|e| to_js(&e))?
            .with_model(Arc::clone(&self.0));
        run(&pipeline, &input)
    }

    /// The spec the model runs with.
    #[wasm_bindgen(getter)]
    pub fn spec(&self) -> Result<JsModelSpecObject, JsValue> {
        to_object(self.0.spec())
    }
}

/// The built-in spec called `name` (`"isnet-imgly"`, `"u2netp"`, …), as an object to adjust
/// (e.g. `inputWidth`/`inputHeight` 768 for IS-Net's fast mode) and pass to `fromBytes`.
#[wasm_bindgen(js_name = builtinModelSpec)]
pub fn builtin_model_spec(name: &str) -> Result<JsModelSpecObject, JsValue> {
    to_object(&ModelSpec::named(name).map_err(|e| to_js(&e))?)
}

fn spec_from_js(spec: Option<JsModelSpec>) -> Result<ModelSpec, JsValue> {
    let Some(spec) = spec.map(JsValue::from).filter(|v| !v.is_null()) else {
        return Ok(ModelSpec::isnet_imgly());
    };
    match spec.as_string() {
        Some(name) => ModelSpec::named(&name).map_err(|e| to_js(&e)),
        None => from_json(&spec),
    }
}
