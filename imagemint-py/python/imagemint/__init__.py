"""imagemint: private, on-device image optimisation.

Compress, convert, resize and cut out photos without uploading them anywhere::

    import imagemint

    out = imagemint.process("photo.jpg", format="webp", quality=75, resize=(1200, None))
    out.save("photo.webp")
    print(out.report["ratio"])

Everything runs in imagemint's Rust core with the GIL released, so threads run in
parallel. See ``process``, ``Options``, ``decode``, ``Image`` and ``MaskModel``.
"""

from ._imagemint import (
    Image,
    MaskModel,
    Options,
    Result,
    __version__,
    decode,
    option_keywords,
    process,
)
from .errors import (
    DecodeError,
    EncodeError,
    ImageMintError,
    InferenceError,
    InvalidOptionsError,
    LimitsError,
    ModelError,
    UnsupportedFormatError,
)

__all__ = [
    "DecodeError",
    "EncodeError",
    "Image",
    "ImageMintError",
    "InferenceError",
    "InvalidOptionsError",
    "LimitsError",
    "MaskModel",
    "ModelError",
    "Options",
    "Result",
    "UnsupportedFormatError",
    "__version__",
    "decode",
    "option_keywords",
    "process",
]
