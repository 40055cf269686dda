# Types of the extension module. The option names here are checked against core's
# options by tests/test_stubs.py (keywords) and run through mypy (tests/typing_usage.py).
import os
import sys
from typing import Any, Literal, Optional, Protocol, Sequence, Tuple, TypedDict, Union

if sys.version_info >= (3, 11):
    from typing import Unpack
else:
    from typing_extensions import Unpack

import numpy
import numpy.typing

__version__: str

Format = Literal["same", "jpeg", "jpg", "png", "webp", "avif"]
Fit = Literal["contain", "inside", "cover", "fill"]
Filter = Literal["lanczos3", "lanczos", "mitchell", "catmullrom", "catmull-rom", "bilinear", "nearest"]
Metadata = Literal["icc", "keep", "strip"]
Rotation = Literal[0, 90, 180, 270]
Chroma = Literal["4:2:0", "420", "yuv420", "4:4:4", "444", "yuv444"]
# "#rrggbb"
Color = str
class _PillowImage(Protocol):
    """What imagemint reads of a Pillow image (`PIL.Image.Image`)."""

    @property
    def mode(self) -> str: ...
    @property
    def size(self) -> Tuple[int, int]: ...
    def tobytes(self) -> bytes: ...

Data = Union[bytes, bytearray, memoryview, str, os.PathLike[str], "Image", numpy.typing.NDArray[numpy.uint8], _PillowImage]

# Core's option sections as nested dicts. Parts that are also flat keywords of
# `process` are split out as private bases, so `OptionKeywords` can inherit them.

class Limits(TypedDict, total=False):
    max_width: int
    max_height: int
    max_pixels: int
    max_alloc: int

class DecodeOptions(TypedDict, total=False):
    limits: Limits
    auto_orient: bool

class _RectCorner(TypedDict, total=False):
    x: int
    y: int

class Rect(_RectCorner, total=False):
    width: int
    height: int

class _ResizeHow(TypedDict, total=False):
    fit: Fit
    filter: Filter
    enlarge: bool

class Resize(_ResizeHow, total=False):
    width: Optional[int]
    height: Optional[int]

class TransformOptions(TypedDict, total=False):
    crop: Union[Rect, Tuple[int, int, int, int], None]
    rotate: Rotation
    flip_horizontal: bool
    flip_vertical: bool
    resize: Union[Resize, Tuple[Optional[int], Optional[int]], None]

class JpegOptions(TypedDict, total=False):
    progressive: bool
    chroma_subsampling: Chroma

class _WebpLossless(TypedDict, total=False):
    lossless: bool

class WebpOptions(_WebpLossless, total=False):
    alpha_quality: int

class AvifOptions(TypedDict, total=False):
    alpha_quality: Optional[int]

class EncodeOptions(TypedDict, total=False):
    format: Format
    quality: Optional[int]
    effort: Optional[int]
    metadata: Metadata
    background: Color
    jpeg: JpegOptions
    webp: WebpOptions
    avif: AvifOptions

class BackgroundOutput(TypedDict):
    background: Color

class BlurOutput(TypedDict):
    blur: int

MaskOutput = Union[Literal["cutout", "mask_only", "maskOnly"], BackgroundOutput, BlurOutput]

class MaskOptions(TypedDict, total=False):
    output: MaskOutput
    crop_to_subject: bool
    padding: int
    threshold: Optional[float]
    refine_edges: bool

class DecodeKeywords(DecodeOptions, Limits, total=False):
    """The keywords of `decode`."""

    decode: DecodeOptions

class OptionKeywords(
    DecodeKeywords,
    TransformOptions,
    _RectCorner,
    _ResizeHow,
    MaskOptions,
    EncodeOptions,
    JpegOptions,
    _WebpLossless,
    total=False,
):
    """Every keyword of `process` and `Options` (`option_keywords()` says where each goes):
    the four sections, and every option whose name occurs once in them."""

    transform: TransformOptions
    mask: Optional[MaskOptions]
    encode: EncodeOptions

class Timings(TypedDict):
    decode_ms: float
    transform_ms: float
    mask_ms: float
    encode_ms: float
    total_ms: float

class Report(TypedDict):
    input_format: Optional[str]
    output_format: str
    input_bytes: int
    output_bytes: int
    ratio: float
    input_dimensions: Sequence[int]
    output_dimensions: Sequence[int]
    quality: Optional[int]
    timings: Timings

class Options:
    """Core's options; immutable. Built from the same keywords as `process`."""

    def __init__(self, **kwargs: Unpack[OptionKeywords]) -> None: ...
    @staticmethod
    def preset(name: Literal["default", "web", "max-compression"]) -> Options: ...
    def replace(self, **kwargs: Unpack[OptionKeywords]) -> Options: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(value: dict[str, Any]) -> Options: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> Options: ...
    def __eq__(self, other: object) -> bool: ...

class Image:
    """Decoded pixels."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def has_alpha(self) -> bool: ...
    def to_numpy(self) -> numpy.typing.NDArray[numpy.uint8]: ...
    @staticmethod
    def from_numpy(array: Union[numpy.typing.NDArray[numpy.uint8], memoryview]) -> Image: ...
    def to_pil(self) -> Any: ...
    @staticmethod
    def from_pil(image: _PillowImage) -> Image: ...

class Result:
    """The encoded file and its report."""

    @property
    def data(self) -> bytes: ...
    @property
    def format(self) -> Literal["jpeg", "png", "webp", "avif"]: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def report(self) -> Report: ...
    def save(self, path: Union[str, os.PathLike[str]]) -> None: ...
    def to_numpy(self) -> numpy.typing.NDArray[numpy.uint8]: ...
    def to_pil(self) -> Any: ...
    def __len__(self) -> int: ...

class MaskModel:
    """A segmentation model loaded once, shared by calls and threads."""

    @staticmethod
    def load(path: Union[str, os.PathLike[str]], spec: Union[str, dict[str, Any], None] = None) -> MaskModel: ...
    @staticmethod
    def from_bytes(data: bytes, spec: Union[str, dict[str, Any], None] = None) -> MaskModel: ...
    @staticmethod
    def builtin_spec(name: str) -> dict[str, Any]: ...
    @property
    def spec(self) -> dict[str, Any]: ...

def process(
    data: Data,
    options: Optional[Options] = None,
    *,
    model: Optional[MaskModel] = None,
    **kwargs: Unpack[OptionKeywords],
) -> Result: ...
def decode(data: Data, **kwargs: Unpack[DecodeKeywords]) -> Image: ...
def option_keywords() -> dict[str, str]: ...
