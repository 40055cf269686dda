//! The JSON form of imagemint's option types, read in one place for the CLI and bindings.

use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// Reads one of imagemint's serde types ([`Options`](crate::Options),
/// [`DecodeOptions`](crate::DecodeOptions), a `ModelSpec`, …) from its JSON form.
///
/// Anything that does not fit — bad JSON, an unknown key, a value of the wrong type or
/// out of its type's range — is an [`Error::InvalidOptions`] whose `field` is the path
/// to the value (`encode.quality`; empty when the text as a whole is not JSON). Checks
/// between fields are `validate`'s, which `process` runs.
///
/// ```
/// # use imagemint_core::{from_json, Error, Options};
/// let o: Options = from_json(r#"{"encode": {"format": "webp", "quality": 80}}"#).unwrap();
/// assert_eq!(o.encode.quality, Some(80));
/// match from_json::<Options>(r#"{"encode": {"quality": "high"}}"#) {
///     Err(Error::InvalidOptions { field, .. }) => assert_eq!(field, "encode.quality"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn from_json<T: DeserializeOwned>(json: &str) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        // serde_path_to_error writes the root as "." and an unknown place (the text
        // ended early) as "?"; `field` leaves both empty.
        let path = e.path().to_string();
        let field = if path == "." || path == "?" {
            String::new()
        } else {
            path
        };
        Error::invalid(field, e.into_inner().to_string())
    })?;
    deserializer
        .end()
        .map_err(|e| Error::invalid("", e.to_string()))?;
    Ok(value)
}
