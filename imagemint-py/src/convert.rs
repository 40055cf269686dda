//! Python values to and from core's serde (JSON) form.
//!
//! Core owns the options: their fields, defaults and checks. This module only moves
//! values across: Python's snake_case keys become core's camelCase ones and back, and
//! a flat keyword (`quality=80`) finds its place in the nested form (`encode.quality`)
//! by looking the name up in the serde form of core's own `Options`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use imagemint_core::{Error, MaskOptions, Options, Rect, Resize};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

/// `max_pixels` → `maxPixels`; camelCase input passes unchanged.
pub(crate) fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `maxPixels` → `max_pixels`.
pub(crate) fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A dotted serde path (`decode.limits.maxPixels`) as Python spells it.
pub(crate) fn snake_path(path: &str) -> String {
    path.split('.').map(snake).collect::<Vec<_>>().join(".")
}

/// A bad value, as core reports one: an `InvalidOptionsError` naming `path`.
fn invalid(path: &str, reason: impl Into<String>) -> PyErr {
    crate::errors::to_py(Error::InvalidOptions {
        field: path.to_owned().into(),
        reason: reason.into(),
    })
}

/// The positional spellings Python users expect: `resize=(1200, None)` and
/// `crop=(x, y, width, height)`.
fn sugar(key: &str, value: &Bound<'_, PyAny>) -> Option<&'static [&'static str]> {
    let names: &'static [&'static str] = match key {
        "resize" => &["width", "height"],
        "crop" => &["x", "y", "width", "height"],
        _ => return None,
    };
    (value.is_instance_of::<PyTuple>() || value.is_instance_of::<PyList>()).then_some(names)
}

/// A Python value (None, bool, int, float, str, dict, list, tuple, or an `Options`) in
/// core's serde form; `path` names it in errors.
pub(crate) fn to_json(value: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    let key = path.rsplit('.').next().unwrap_or(path);
    if let Some(names) = sugar(key, value) {
        let items: Vec<Bound<'_, PyAny>> = value.try_iter()?.collect::<PyResult<_>>()?;
        if items.len() != names.len() {
            return Err(invalid(
                path,
                format!(
                    "a sequence must have {} items ({}), got {}",
                    names.len(),
                    names.join(", "),
                    items.len()
                ),
            ));
        }
        let mut object = Map::new();
        for (name, item) in names.iter().zip(&items) {
            object.insert(
                (*name).to_owned(),
                to_json(item, &format!("{path}.{name}"))?,
            );
        }
        return Ok(Value::Object(object));
    }
    if value.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = value.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if value.is_instance_of::<PyInt>() || value.hasattr("__index__")? {
        // `__index__`: numpy's integers, which are not `int`s.
        let n = value
            .py()
            .import("operator")?
            .call_method1("index", (value,))?;
        if let Ok(n) = n.extract::<i64>() {
            Ok(n.into())
        } else if let Ok(n) = n.extract::<u64>() {
            Ok(n.into())
        } else {
            Err(invalid(path, format!("{n} is out of range")))
        }
    } else if value.is_instance_of::<PyFloat>() || value.hasattr("__float__")? {
        let f: f64 = value.call_method0("__float__")?.extract()?;
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| invalid(path, format!("{f} is not a finite number")))
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok(Value::String(s.to_cow()?.into_owned()))
    } else if let Ok(dict) = value.cast::<PyDict>() {
        let mut object = Map::new();
        for (k, v) in dict.iter() {
            let k: String = k.extract().map_err(|_| {
                PyTypeError::new_err(format!("option `{path}`: dictionary keys must be str"))
            })?;
            let item_path = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            object.insert(camel(&k), to_json(&v, &item_path)?);
        }
        Ok(Value::Object(object))
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items = value
            .try_iter()?
            .enumerate()
            .map(|(i, item)| to_json(&item?, &format!("{path}[{i}]")))
            .collect::<PyResult<_>>()?;
        Ok(Value::Array(items))
    } else if let Ok(options) = value.cast::<crate::Options>() {
        Ok(serde_json::to_value(&options.get().0).expect("options serialize"))
    } else {
        Err(PyTypeError::new_err(format!(
            "option `{path}`: cannot use a {}",
            value.get_type().name()?
        )))
    }
}

/// Core's serde form as Python objects, keys in snake_case.
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into_pyobject(py)?.into_any(),
            (None, Some(i)) => i.into_pyobject(py)?.into_any(),
            (None, None) => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|v| to_py(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(object) => {
            let dict = PyDict::new(py);
            for (k, v) in object {
                dict.set_item(snake(k), to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Where each flat keyword goes: every key of core's serde form of `Options` (with the
/// optional parts filled in) whose name occurs once, by its snake_case name. Names that
/// occur twice (`width`: crop or resize?) are listed with all their places, to say so.
pub(crate) fn keywords() -> &'static BTreeMap<String, Vec<String>> {
    static KEYWORDS: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let mut map = BTreeMap::new();
        collect(shape(), "", &mut map);
        map
    })
}

/// The serde form of `Options` with every optional part present: where the options are
/// objects (sections, `resize`, `crop`, `mask`) and where they are values.
fn shape() -> &'static Value {
    static SHAPE: OnceLock<Value> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let mut full = Options::default();
        full.transform.resize = Some(Resize::default());
        full.transform.crop = Some(Rect::default());
        full.mask = Some(MaskOptions::default());
        serde_json::to_value(full).expect("options serialize")
    })
}

fn collect(value: &Value, prefix: &str, map: &mut BTreeMap<String, Vec<String>>) {
    let Value::Object(object) = value else { return };
    for (key, value) in object {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        map.entry(snake(key)).or_default().push(path.clone());
        collect(value, &path, map);
    }
}

/// Sets `value` at the dotted `path` in `root`, making objects on the way (over `null`)
/// and merging into an option object that is there, so `resize=(800, None)` and
/// `fit="cover"` can be given together. Values that are objects in the serde form only
/// (a mask output `{"blur": 8}`) replace what was there.
fn set(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    let mut shape = Some(shape());
    for key in path.split('.') {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        node = node
            .as_object_mut()
            .expect("made an object above")
            .entry(key)
            .or_insert(Value::Null);
        shape = shape.and_then(|s| s.get(key));
    }
    merge(node, value, shape);
}

fn merge(into: &mut Value, value: Value, shape: Option<&Value>) {
    match (into, value, shape) {
        (Value::Object(into), Value::Object(value), Some(Value::Object(shape))) => {
            for (k, v) in value {
                let child = shape.get(&k);
                merge(into.entry(k).or_insert(Value::Null), v, child);
            }
        }
        (into, value, _) => *into = value,
    }
}

/// `transform.resize.width` as the keyword that sets it:
/// `transform={"resize": {"width": ...}}`.
fn nested_example(path: &str) -> String {
    let mut parts = path.split('.');
    let head = parts.next().unwrap_or_default();
    let mut inner = "...".to_owned();
    for key in parts.rev() {
        inner = format!("{{\"{key}\": {inner}}}");
    }
    format!("{head}={inner}")
}

/// `base`'s serde form with the keyword arguments of `function` applied in order.
/// An unknown or ambiguous keyword is a `TypeError`, as Python does for any function.
pub(crate) fn options_json(
    base: Option<&Options>,
    kwargs: Option<&Bound<'_, PyDict>>,
    function: &str,
) -> PyResult<Value> {
    let mut root =
        serde_json::to_value(base.cloned().unwrap_or_default()).expect("options serialize");
    for (key, value) in kwargs.into_iter().flat_map(|d| d.iter()) {
        let key: String = key.extract()?;
        let path = match keywords().get(&key).map(Vec::as_slice) {
            Some([path]) => path.clone(),
            Some(paths) => {
                let places: Vec<String> = paths.iter().map(|p| snake_path(p)).collect();
                return Err(PyTypeError::new_err(format!(
                    "{function}() keyword `{key}` is ambiguous: set one of {} through its \
                     section, e.g. {}",
                    places.join(", "),
                    nested_example(&places[0])
                )));
            }
            None => {
                return Err(PyTypeError::new_err(format!(
                    "{function}() got an unexpected keyword argument '{key}'"
                )));
            }
        };
        let value = to_json(&value, &snake_path(&path))?;
        set(&mut root, &path, value);
    }
    Ok(root)
}

/// Reads one of core's serde types from its JSON form; errors name the field as Python
/// spells it.
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(value: &Value) -> PyResult<T> {
    imagemint_core::from_json(&value.to_string()).map_err(crate::errors::to_py)
}
