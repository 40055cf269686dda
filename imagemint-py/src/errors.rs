//! Core's errors as Python exceptions. The classes live in `imagemint/errors.py` (so
//! `InvalidOptionsError` can be a `ValueError` too); this maps each kind onto one.

use imagemint_core::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::convert::{snake, snake_path};

/// The exception for `error`: a subclass of `imagemint.ImageMintError`, with the field
/// at fault (as Python spells it) on `InvalidOptionsError.field`.
pub(crate) fn to_py(error: Error) -> PyErr {
    exception(error, false)
}

/// [`to_py`] for errors in JSON the user wrote (`Options.from_json`): serde's "at line 1
/// column 20" is theirs to read, so it stays.
pub(crate) fn to_py_keeping_position(error: Error) -> PyErr {
    exception(error, true)
}

fn exception(error: Error, keep_position: bool) -> PyErr {
    // No wildcard: a new kind in core must get its class here.
    let class = match error.kind() {
        // The wheel builds every format in, so `FormatNotBuilt` cannot happen here.
        ErrorKind::UnsupportedFormat | ErrorKind::FormatNotBuilt => "UnsupportedFormatError",
        ErrorKind::Decode => "DecodeError",
        ErrorKind::LimitsExceeded => "LimitsError",
        ErrorKind::InvalidOptions => "InvalidOptionsError",
        ErrorKind::Model => "ModelError",
        ErrorKind::Inference => "InferenceError",
        ErrorKind::Encode => "EncodeError",
    };
    let (message, field) = match &error {
        Error::InvalidOptions { field, reason } => {
            let mut reason = snake_field_names(reason);
            if !keep_position {
                reason = without_position(&reason).to_owned();
            }
            match snake_path(field) {
                field if field.is_empty() => (format!("invalid options: {reason}"), None),
                field => (format!("invalid option `{field}`: {reason}"), Some(field)),
            }
        }
        _ => (error.to_string(), None),
    };
    Python::attach(|py| {
        let made = py
            .import("imagemint.errors")
            .and_then(|m| m.getattr(class))
            .and_then(|class| class.call1((message.clone(), field)));
        match made {
            Ok(exception) => PyErr::from_value(exception),
            Err(e) => PyRuntimeError::new_err(format!("{message} (and imagemint.errors: {e})")),
        }
    })
}

/// serde names fields as core spells them (``unknown field `qualty`, expected one of
/// `maxWidth`, …``); Python users write snake_case. Only those messages are rewritten:
/// elsewhere a quoted word may be the user's own value.
fn snake_field_names(reason: &str) -> String {
    if !(reason.starts_with("unknown field") || reason.starts_with("missing field")) {
        return reason.to_owned();
    }
    reason
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                snake(part)
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// serde_json ends its messages with "at line 1 column 209": a place in the JSON this
/// binding made from the keywords, which the Python user never saw.
fn without_position(reason: &str) -> &str {
    match reason.rfind(" at line ") {
        Some(at) if reason[at..].contains(" column ") => &reason[..at],
        _ => reason,
    }
}
