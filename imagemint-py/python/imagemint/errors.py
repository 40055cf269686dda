"""The exceptions imagemint raises: one class per kind of core error."""

from __future__ import annotations

__all__ = [
    "ImageMintError",
    "UnsupportedFormatError",
    "DecodeError",
    "LimitsError",
    "InvalidOptionsError",
    "ModelError",
    "InferenceError",
    "EncodeError",
]


class ImageMintError(Exception):
    """Base class of every error imagemint raises for bad input, options or models."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type, tuple[str, str | None]]:
        # Keeps `field` when pickled (a ProcessPoolExecutor sends errors back that way).
        return (type(self), (str(self), self.field))


class UnsupportedFormatError(ImageMintError):
    """The input is in no format imagemint reads, or the operation is not available."""


class DecodeError(ImageMintError):
    """The input looked like an image format but is corrupt or truncated."""


class LimitsError(ImageMintError):
    """The image is larger than the decode limits allow (checked before allocating)."""


class InvalidOptionsError(ImageMintError, ValueError):
    """An option's value is out of range or contradicts another; ``field`` names it
    (``"encode.quality"``), or is None when the options as a whole are unreadable."""


class ModelError(ImageMintError):
    """A segmentation model cannot be loaded or does not fit its spec, or the mask
    stage was asked for without one."""


class InferenceError(ImageMintError):
    """Running the segmentation model failed."""


class EncodeError(ImageMintError):
    """The encoder failed."""
