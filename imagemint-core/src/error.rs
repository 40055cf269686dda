//! The one error type of imagemint.

use std::borrow::Cow;

use crate::ImageFormat;

/// An underlying error from a codec or parser, kept as a source but never part of the API.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in imagemint, grouped by concern.
///
/// Dependency errors are kept as [`std::error::Error::source`]s so that upgrading a codec
/// never changes this enum. New variants may be added, so code outside this crate needs
/// a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not in any format imagemint reads, or the requested operation is not
    /// available for this format.
    #[error("unsupported format: {what}")]
    UnsupportedFormat {
        /// What was not supported, in words.
        what: String,
    },

    /// `what` (reading or writing a format imagemint handles) is left out of this build:
    /// imagemint-core was compiled without `feature`, as the npm package's smaller module
    /// is.
    #[error("{what} is not built into this imagemint (its feature `{feature}` is off)")]
    FormatNotBuilt {
        /// What was asked for, e.g. "writing AVIF".
        what: String,
        /// The cargo feature of imagemint-core that builds it in.
        feature: &'static str,
    },

    /// The input looked like `format` but could not be decoded (corrupt or truncated data).
    #[error("cannot decode {} image: {source}", format.label())]
    Decode {
        /// The format the input was sniffed as.
        format: ImageFormat,
        /// The decoder's own error.
        #[source]
        source: BoxError,
    },

    /// The image is larger than the configured [`Limits`](crate::Limits) allow. Checked from
    /// the header, before pixels are allocated.
    #[error("image exceeds limits: {reason}")]
    LimitsExceeded {
        /// Which limit was hit and by how much.
        reason: String,
    },

    /// An option has a value outside its valid range or contradicts another option.
    #[error("invalid {}: {reason}", option_name(.field))]
    InvalidOptions {
        /// The option's path in camelCase, as in the serde form, e.g. `encode.quality`
        /// (empty when the JSON form as a whole is unreadable).
        field: Cow<'static, str>,
        /// Why the value was refused.
        reason: String,
    },

    /// A segmentation model could not be loaded or does not fit its spec, or the mask
    /// stage was asked for without a model.
    #[error("model: {reason}")]
    Model {
        /// What is wrong, in words.
        reason: String,
    },

    /// Running a segmentation model failed.
    #[error("inference failed: {source}")]
    Inference {
        /// The runtime's own error.
        #[source]
        source: BoxError,
    },

    /// The encoder failed to produce `format`.
    #[error("cannot encode {}: {source}", format.label())]
    Encode {
        /// The format being written.
        format: ImageFormat,
        /// The encoder's own error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// Which variant this is, for bindings that map errors onto their own types: matching
    /// on [`ErrorKind`], which has no wildcard, makes a new variant break their build.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnsupportedFormat { .. } => ErrorKind::UnsupportedFormat,
            Error::FormatNotBuilt { .. } => ErrorKind::FormatNotBuilt,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::LimitsExceeded { .. } => ErrorKind::LimitsExceeded,
            Error::InvalidOptions { .. } => ErrorKind::InvalidOptions,
            Error::Model { .. } => ErrorKind::Model,
            Error::Inference { .. } => ErrorKind::Inference,
            Error::Encode { .. } => ErrorKind::Encode,
        }
    }

    pub(crate) fn invalid(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        Error::InvalidOptions {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn encode(format: ImageFormat, source: impl Into<BoxError>) -> Self {
        Error::Encode {
            format,
            source: source.into(),
        }
    }

    /// [`Error::FormatNotBuilt`] for `action` ("reading", "writing") on `format`.
    pub(crate) fn not_built(action: &str, format: ImageFormat, feature: &'static str) -> Self {
        Error::FormatNotBuilt {
            what: format!("{action} {}", format.label()),
            feature,
        }
    }

    pub(crate) fn decode(format: ImageFormat, source: impl Into<BoxError>) -> Self {
        Error::Decode {
            format,
            source: source.into(),
        }
    }
}

/// The variants of [`Error`] without their data. Deliberately not `#[non_exhaustive]`:
/// bindings match it without a wildcard arm, so adding a variant breaks their build until
/// they map it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`Error::UnsupportedFormat`].
    UnsupportedFormat,
    /// [`Error::FormatNotBuilt`].
    FormatNotBuilt,
    /// [`Error::Decode`].
    Decode,
    /// [`Error::LimitsExceeded`].
    LimitsExceeded,
    /// [`Error::InvalidOptions`].
    InvalidOptions,
    /// [`Error::Model`].
    Model,
    /// [`Error::Inference`].
    Inference,
    /// [`Error::Encode`].
    Encode,
}

impl ErrorKind {
    /// A stable camelCase name (`"unsupportedFormat"`, `"formatNotBuilt"`, `"decode"`,
    /// `"limitsExceeded"`, `"invalidOptions"`, `"model"`, `"inference"`, `"encode"`), for
    /// bindings whose errors carry the kind as a string (JavaScript's `ImageMintError.kind`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::UnsupportedFormat => "unsupportedFormat",
            ErrorKind::FormatNotBuilt => "formatNotBuilt",
            ErrorKind::Decode => "decode",
            ErrorKind::LimitsExceeded => "limitsExceeded",
            ErrorKind::InvalidOptions => "invalidOptions",
            ErrorKind::Model => "model",
            ErrorKind::Inference => "inference",
            ErrorKind::Encode => "encode",
        }
    }
}

/// "option `encode.quality`", or "options" when no one field is at fault.
fn option_name(field: &str) -> String {
    if field.is_empty() {
        "options".to_owned()
    } else {
        format!("option `{field}`")
    }
}

/// `Result` with imagemint's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
