//! Every option of the pipeline, as plain data.
//!
//! One [`Options`] value describes a whole run: [`DecodeOptions`] → [`TransformOptions`] →
//! [`EncodeOptions`]. Start from [`Options::default()`] or a [`Preset`] and change fields.
//! With the `serde` feature, every type here (de)serialises in camelCase with unknown keys
//! rejected, so a JS object, a Python dict or a JSON file maps straight onto it, and
//! missing keys take their defaults.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// Declares a field-less enum whose values have stable lowercase names, used by `FromStr`,
/// `Display` and serde alike so that the CLI, JSON and the bindings accept the same words.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $s:literal $(| $alias:literal)*, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(
            feature = "serde",
            derive(serde::Serialize, serde::Deserialize),
            serde(into = "&'static str", try_from = "String")
        )]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        crate::typescript_decl!(concat!(
            "export type ", stringify!($name), " =", $(" \"", $s, "\" |",)+ " never;"
        ));

        impl $name {
            /// The name of every value, as `FromStr`, `Display` and serde use them.
            pub const NAMES: &'static [&'static str] = &[$($s),+];

            /// This value's name.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $s, )+
                }
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, ParseEnumError> {
                match s.to_ascii_lowercase().as_str() {
                    $( $s $(| $alias)* => Ok(Self::$variant), )+
                    _ => Err(ParseEnumError { what: $what, value: s.to_owned(), expected: Self::NAMES }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseEnumError;

            fn try_from(s: String) -> Result<Self, ParseEnumError> {
                s.parse()
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.name()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

/// A word that names no value of an option enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseEnumError {
    what: &'static str,
    value: String,
    expected: &'static [&'static str],
}

impl fmt::Display for ParseEnumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} `{}` (expected one of: {})",
            self.what,
            self.value,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for ParseEnumError {}

/// Applies the same serde attributes to every options struct.
macro_rules! options_struct {
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(
            feature = "serde",
            derive(serde::Serialize, serde::Deserialize),
            serde(rename_all = "camelCase", deny_unknown_fields, default)
        )]
        #[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
        pub struct $name { $($body)* }
    };
}

options_struct! {
    /// Options for a whole [`process`](crate::process) run.
    ///
    /// The stages run in order decode → transform → mask → encode.
    #[non_exhaustive]
    #[derive(Default)]
    pub struct Options {
        /// How the input is read. Default: [`DecodeOptions::default()`].
        pub decode: DecodeOptions,
        /// Geometry changes. Default: none ([`TransformOptions::default()`]).
        pub transform: TransformOptions,
        /// Background removal; needs a model, so it runs through a
        /// [`Pipeline`](crate::Pipeline) that holds one. Default: `None` (no mask stage).
        pub mask: Option<MaskOptions>,
        /// How the output is written. Default: [`EncodeOptions::default()`].
        pub encode: EncodeOptions,
    }
}

named_enum! {
    /// A starting point for [`Options`]; every field can still be changed afterwards.
    #[derive(Default)]
    pub enum Preset ("preset") {
        /// [`Options::default()`]: same format, codec-default quality and effort,
        /// ICC profile kept.
        #[default]
        Default = "default",
        /// [`Options::web()`].
        Web = "web",
        /// [`Options::max_compression()`].
        MaxCompression = "max-compression" | "maxcompression" | "max_compression",
    }
}

impl Options {
    /// The options for `preset`.
    pub fn from_preset(preset: Preset) -> Self {
        let mut o = Options::default();
        match preset {
            Preset::Default => {}
            Preset::Web => {
                o.encode.format = Format::Webp;
                o.encode.quality = Some(75);
                o.transform.resize = Some(Resize {
                    width: Some(2560),
                    height: Some(2560),
                    ..Resize::default()
                });
            }
            Preset::MaxCompression => {
                o.encode.effort = Some(Effort::MAX);
                o.encode.metadata = MetadataPolicy::Strip;
            }
        }
        o
    }

    /// For pages: WebP at quality 75, shrunk to fit inside 2560×2560 (never enlarged),
    /// ICC profile kept.
    pub fn web() -> Self {
        Self::from_preset(Preset::Web)
    }

    /// Smallest files at the price of time: the input's format, maximum encoder effort,
    /// every piece of metadata stripped (ICC too), quality left at the codec default.
    pub fn max_compression() -> Self {
        Self::from_preset(Preset::MaxCompression)
    }

    /// Checks every field; the first problem found is returned as
    /// [`Error::InvalidOptions`] naming the field by its serde path, or as
    /// [`Error::FormatNotBuilt`] for an output format this build leaves out.
    pub fn validate(&self) -> Result<()> {
        self.decode.validate()?;
        self.transform.validate()?;
        if let Some(mask) = &self.mask {
            mask.validate()?;
        }
        self.encode.validate()
    }
}

options_struct! {
    /// How the input is read.
    #[non_exhaustive]
    pub struct DecodeOptions {
        /// Refuse inputs larger than these, before their pixels are allocated.
        /// Default: [`Limits::default()`].
        pub limits: Limits,
        /// Rotate/flip the pixels as the EXIF orientation tag says, then reset the tag.
        /// Default: `true`.
        pub auto_orient: bool,
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            auto_orient: true,
        }
    }
}

impl DecodeOptions {
    /// Checks every field, as [`Options::validate`] does.
    pub fn validate(&self) -> Result<()> {
        let l = &self.limits;
        for (field, v) in [
            ("decode.limits.maxWidth", u64::from(l.max_width)),
            ("decode.limits.maxHeight", u64::from(l.max_height)),
            ("decode.limits.maxPixels", l.max_pixels),
            ("decode.limits.maxAlloc", l.max_alloc),
        ] {
            if v == 0 {
                return Err(Error::invalid(field, "must be at least 1"));
            }
        }
        Ok(())
    }
}

options_struct! {
    /// Resource limits for decoding hostile or huge inputs.
    ///
    /// Dimensions are read from the header and checked before any pixel buffer exists;
    /// `max_alloc` also bounds the decoders' own allocations.
    #[non_exhaustive]
    pub struct Limits {
        /// Widest image accepted, in pixels. Default: `65535`.
        pub max_width: u32,
        /// Tallest image accepted, in pixels. Default: `65535`.
        pub max_height: u32,
        /// Most pixels (width × height) accepted. Default: `100_000_000` (100 MP).
        pub max_pixels: u64,
        /// Most bytes a decoder may allocate for one image. Default: `536_870_912` (512 MiB).
        pub max_alloc: u64,
    }
}

impl Limits {
    /// Refuses a `width`×`height` image of `bytes_per_pixel` that these limits do not
    /// allow, as decoding does: [`Error::LimitsExceeded`], or
    /// [`Error::UnsupportedFormat`] for an image with no pixels.
    pub fn check(&self, width: u32, height: u32, bytes_per_pixel: u64) -> Result<()> {
        crate::decode::check_limits(width, height, bytes_per_pixel, self)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_width: 65_535,
            max_height: 65_535,
            max_pixels: 100_000_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

options_struct! {
    /// Geometry changes, applied in this order: crop, rotate, flip, resize.
    #[non_exhaustive]
    #[derive(Default)]
    pub struct TransformOptions {
        /// Keep only this rectangle (in the auto-oriented image's coordinates).
        /// Default: `None`.
        pub crop: Option<Rect>,
        /// Clockwise rotation. Default: [`Rotation::None`].
        pub rotate: Rotation,
        /// Mirror left–right. Default: `false`.
        pub flip_horizontal: bool,
        /// Mirror top–bottom. Default: `false`.
        pub flip_vertical: bool,
        /// Change the size. Default: `None` (keep the size).
        pub resize: Option<Resize>,
    }
}

impl TransformOptions {
    /// Checks every field, as [`Options::validate`] does.
    pub fn validate(&self) -> Result<()> {
        if self.crop.is_some_and(|r| r.width == 0 || r.height == 0) {
            return Err(Error::invalid(
                "transform.crop",
                "width and height must be at least 1",
            ));
        }
        if let Some(r) = &self.resize {
            r.validate()?;
        }
        Ok(())
    }
}

options_struct! {
    /// A rectangle in pixels.
    #[derive(Copy, Default, Eq)]
    pub struct Rect {
        /// Left edge. Default: `0`.
        pub x: u32,
        /// Top edge. Default: `0`.
        pub y: u32,
        /// Width. Default: `0` (invalid; set it).
        pub width: u32,
        /// Height. Default: `0` (invalid; set it).
        pub height: u32,
    }
}

crate::typescript_decl!("export type Rotation = 0 | 90 | 180 | 270;");

/// Clockwise rotation by a multiple of 90°. In serde and on the command line it is the
/// number of degrees: `0`, `90`, `180` or `270`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(into = "u16", try_from = "u16")
)]
pub enum Rotation {
    /// No rotation.
    #[default]
    None,
    /// 90° clockwise.
    Cw90,
    /// 180°.
    Cw180,
    /// 270° clockwise (90° counter-clockwise).
    Cw270,
}

impl Rotation {
    /// The rotation in degrees.
    pub const fn degrees(self) -> u16 {
        match self {
            Rotation::None => 0,
            Rotation::Cw90 => 90,
            Rotation::Cw180 => 180,
            Rotation::Cw270 => 270,
        }
    }
}

impl TryFrom<u16> for Rotation {
    type Error = ParseEnumError;

    fn try_from(deg: u16) -> Result<Self, ParseEnumError> {
        match deg {
            0 => Ok(Rotation::None),
            90 => Ok(Rotation::Cw90),
            180 => Ok(Rotation::Cw180),
            270 => Ok(Rotation::Cw270),
            _ => Err(ParseEnumError {
                what: "rotation",
                value: deg.to_string(),
                expected: &["0", "90", "180", "270"],
            }),
        }
    }
}

impl From<Rotation> for u16 {
    fn from(r: Rotation) -> u16 {
        r.degrees()
    }
}

impl FromStr for Rotation {
    type Err = ParseEnumError;

    fn from_str(s: &str) -> Result<Self, ParseEnumError> {
        let invalid = || ParseEnumError {
            what: "rotation",
            value: s.to_owned(),
            expected: &["0", "90", "180", "270"],
        };
        s.parse::<u16>().map_err(|_| invalid())?.try_into()
    }
}

impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.degrees())
    }
}

options_struct! {
    /// A new size. Give `width`, `height` or both; with one side the other follows the
    /// aspect ratio and `fit` does not matter.
    #[non_exhaustive]
    #[derive(Copy)]
    pub struct Resize {
        /// Target width in pixels. Default: `None`.
        pub width: Option<u32>,
        /// Target height in pixels. Default: `None`.
        pub height: Option<u32>,
        /// How the image fills a box when both sides are given. Default: [`Fit::Contain`].
        pub fit: Fit,
        /// Resampling filter. Default: [`Filter::Lanczos3`].
        pub filter: Filter,
        /// Allow the result to be larger than the input. Default: `false` (an image that
        /// already fits is left as it is).
        pub enlarge: bool,
    }
}

impl Default for Resize {
    fn default() -> Self {
        Self {
            width: None,
            height: None,
            fit: Fit::Contain,
            filter: Filter::Lanczos3,
            enlarge: false,
        }
    }
}

impl Resize {
    /// Resize to `width` pixels wide, keeping the aspect ratio.
    pub fn width(width: u32) -> Self {
        Self {
            width: Some(width),
            ..Self::default()
        }
    }

    /// Resize to `height` pixels high, keeping the aspect ratio.
    pub fn height(height: u32) -> Self {
        Self {
            height: Some(height),
            ..Self::default()
        }
    }

    /// Resize into a `width`×`height` box as `fit` says.
    pub fn to_box(width: u32, height: u32, fit: Fit) -> Self {
        Self {
            width: Some(width),
            height: Some(height),
            fit,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        match (self.width, self.height) {
            (None, None) => Err(Error::invalid(
                "transform.resize",
                "give a width, a height or both",
            )),
            (Some(0), _) => Err(Error::invalid(
                "transform.resize.width",
                "must be at least 1",
            )),
            (_, Some(0)) => Err(Error::invalid(
                "transform.resize.height",
                "must be at least 1",
            )),
            _ => Ok(()),
        }
    }
}

named_enum! {
    /// How an image is fitted into a `width`×`height` box.
    #[derive(Default)]
    pub enum Fit ("fit") {
        /// Scale to fit inside the box, keeping the aspect ratio; one side may come out
        /// smaller than asked.
        #[default]
        Contain = "contain" | "inside",
        /// Scale to cover the box, keeping the aspect ratio, then crop the overflow
        /// equally from both sides: the result is exactly the box.
        Cover = "cover",
        /// Stretch to exactly the box, ignoring the aspect ratio.
        Fill = "fill",
    }
}

named_enum! {
    /// Resampling filter for resizing.
    #[derive(Default)]
    pub enum Filter ("filter") {
        /// Lanczos with 3 lobes: sharpest, best for photos.
        #[default]
        Lanczos3 = "lanczos3" | "lanczos",
        /// Mitchell–Netravali cubic: softer, few ringing artefacts.
        Mitchell = "mitchell",
        /// Catmull–Rom cubic: sharp, a little faster than Lanczos3.
        CatmullRom = "catmullrom" | "catmull-rom",
        /// Bilinear: fast, soft.
        Bilinear = "bilinear",
        /// Nearest neighbour: no smoothing, for pixel art.
        Nearest = "nearest",
    }
}

named_enum! {
    /// An image file format.
    pub enum ImageFormat ("image format") {
        /// JPEG (JFIF/EXIF).
        Jpeg = "jpeg" | "jpg",
        /// PNG.
        Png = "png",
        /// WebP, lossy or lossless.
        Webp = "webp",
        /// AVIF (AV1 in HEIF).
        Avif = "avif",
        /// GIF; the first frame is read.
        Gif = "gif",
        /// Windows bitmap.
        Bmp = "bmp",
        /// TIFF.
        Tiff = "tiff" | "tif",
    }
}

impl ImageFormat {
    /// The name people write, for messages: `JPEG`, `PNG`, `WebP`, `AVIF`, `GIF`, `BMP`,
    /// `TIFF`. ([`ImageFormat::name`] is the lowercase form that parsing accepts.)
    pub const fn label(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
            ImageFormat::Webp => "WebP",
            ImageFormat::Avif => "AVIF",
            ImageFormat::Gif => "GIF",
            ImageFormat::Bmp => "BMP",
            ImageFormat::Tiff => "TIFF",
        }
    }

    /// The usual file extension, without the dot.
    pub const fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
            ImageFormat::Avif => "avif",
            ImageFormat::Gif => "gif",
            ImageFormat::Bmp => "bmp",
            ImageFormat::Tiff => "tiff",
        }
    }

    /// The IANA media type.
    pub const fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Avif => "image/avif",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Bmp => "image/bmp",
            ImageFormat::Tiff => "image/tiff",
        }
    }

    /// Whether this build of imagemint can write this format: JPEG, PNG and WebP, and AVIF
    /// with the `avif` feature; never GIF, BMP or TIFF.
    pub const fn can_encode(self) -> bool {
        match self {
            ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Webp => true,
            ImageFormat::Avif => cfg!(feature = "avif"),
            ImageFormat::Gif | ImageFormat::Bmp | ImageFormat::Tiff => false,
        }
    }
}

named_enum! {
    /// The output format asked for.
    #[derive(Default)]
    pub enum Format ("output format") {
        /// The input's format when imagemint can write it (JPEG, PNG, WebP, AVIF);
        /// GIF, BMP and TIFF inputs become PNG, which keeps every pixel.
        #[default]
        Same = "same",
        /// JPEG via mozjpeg.
        Jpeg = "jpeg" | "jpg",
        /// PNG via oxipng (lossless).
        Png = "png",
        /// WebP via libwebp.
        Webp = "webp",
        /// AVIF via rav1e (ravif).
        Avif = "avif",
    }
}

impl Format {
    /// The format written for an input in `source` format.
    pub fn resolve(self, source: Option<ImageFormat>) -> ImageFormat {
        match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::Webp => ImageFormat::Webp,
            Format::Avif => ImageFormat::Avif,
            Format::Same => match source {
                Some(f) if f.can_encode() => f,
                _ => ImageFormat::Png,
            },
        }
    }
}

named_enum! {
    /// Which metadata travels from the input to the output.
    #[derive(Default)]
    pub enum MetadataPolicy ("metadata policy") {
        /// Keep only the ICC colour profile, so colours stay right; EXIF (with any GPS
        /// position), XMP and comments are dropped.
        #[default]
        Icc = "icc",
        /// Keep EXIF and the ICC profile too (JPEG, PNG, WebP and AVIF all hold both).
        /// XMP and comments are still dropped, and so is EXIF's embedded thumbnail.
        Keep = "keep",
        /// Drop everything, the ICC profile too.
        Strip = "strip",
    }
}

crate::typescript_decl!("/** 0 (fastest) to 10 (smallest files). */\nexport type Effort = number;");

/// How hard an encoder works, from `0` (fastest) to `10` (smallest files).
///
/// Each codec maps it onto its own knob: PNG uses oxipng level `round(effort × 0.6)`,
/// WebP uses method `round(effort × 0.6)`, AVIF uses rav1e speed `10 − round(effort × 0.9)`,
/// and JPEG turns mozjpeg's trellis quantisation and scan optimisation off below `3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(into = "u8", try_from = "u8")
)]
pub struct Effort(u8);

impl Effort {
    /// The fastest setting.
    pub const MIN: Effort = Effort(0);
    /// The slowest setting with the smallest files.
    pub const MAX: Effort = Effort(10);

    /// `value` if it is in `0..=10`.
    pub fn new(value: u8) -> Option<Effort> {
        (value <= Self::MAX.0).then_some(Effort(value))
    }

    /// The value, `0..=10`.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// `self` scaled to `0..=max`, rounded to nearest.
    pub(crate) fn scale(self, max: u8) -> u8 {
        ((u16::from(self.0) * u16::from(max) + 5) / 10) as u8
    }
}

impl TryFrom<u8> for Effort {
    type Error = String;

    fn try_from(v: u8) -> Result<Self, String> {
        Effort::new(v).ok_or_else(|| format!("effort {v} is out of range 0..=10"))
    }
}

impl From<Effort> for u8 {
    fn from(e: Effort) -> u8 {
        e.0
    }
}

impl FromStr for Effort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let v: u8 = s
            .parse()
            .map_err(|_| format!("effort `{s}` is not a number in 0..=10"))?;
        v.try_into()
    }
}

crate::typescript_decl!("/** `#rrggbb` or `#rgb`. */\nexport type Rgb = string;");

/// An opaque sRGB colour, written `#rrggbb` (or `#rgb`) in serde and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(into = "String", try_from = "String")
)]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Rgb {
    /// White, `#ffffff`.
    pub const WHITE: Rgb = Rgb {
        r: 255,
        g: 255,
        b: 255,
    };
    /// Black, `#000000`.
    pub const BLACK: Rgb = Rgb { r: 0, g: 0, b: 0 };
}

impl FromStr for Rgb {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("colour `{s}` is not #rrggbb or #rgb");
        let hex = s.strip_prefix('#').unwrap_or(s);
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).map_err(|_| bad());
        match hex.len() {
            6 => {
                let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
                Ok(Rgb {
                    r: byte(0)?,
                    g: byte(2)?,
                    b: byte(4)?,
                })
            }
            3 => Ok(Rgb {
                r: digit(0)? * 17,
                g: digit(1)? * 17,
                b: digit(2)? * 17,
            }),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for Rgb {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Rgb> for String {
    fn from(c: Rgb) -> String {
        c.to_string()
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

options_struct! {
    /// How the output is written.
    #[non_exhaustive]
    pub struct EncodeOptions {
        /// Output format. Default: [`Format::Same`].
        pub format: Format,
        /// Lossy quality `1..=100` for JPEG, WebP and AVIF; `None` uses the codec's
        /// default (JPEG 75, WebP 75, AVIF 60). PNG and lossless WebP ignore it.
        /// Default: `None`.
        pub quality: Option<u8>,
        /// Encoder effort; `None` uses the codec's default (oxipng level 2, WebP method 4,
        /// AVIF speed 6, JPEG with all mozjpeg optimisations). Default: `None`.
        pub effort: Option<Effort>,
        /// Which metadata is written. Default: [`MetadataPolicy::Icc`].
        pub metadata: MetadataPolicy,
        /// Colour that transparent pixels are blended onto when the output format has no
        /// alpha channel (JPEG). Default: white, `#ffffff`.
        pub background: Rgb,
        /// JPEG-only settings. Default: [`JpegOptions::default()`].
        pub jpeg: JpegOptions,
        /// WebP-only settings. Default: [`WebpOptions::default()`].
        pub webp: WebpOptions,
        /// AVIF-only settings. Default: [`AvifOptions::default()`].
        pub avif: AvifOptions,
    }
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            format: Format::Same,
            quality: None,
            effort: None,
            metadata: MetadataPolicy::Icc,
            background: Rgb::WHITE,
            jpeg: JpegOptions::default(),
            webp: WebpOptions::default(),
            avif: AvifOptions::default(),
        }
    }
}

impl EncodeOptions {
    /// Checks every field, as [`Options::validate`] does, and that this build can write
    /// the format asked for ([`Error::FormatNotBuilt`] if not), so that a run fails
    /// before it decodes anything.
    pub fn validate(&self) -> Result<()> {
        let format = self.format.resolve(None);
        if self.format != Format::Same && !format.can_encode() {
            return Err(crate::encode::not_writable(format));
        }
        check_quality("encode.quality", self.quality)?;
        check_quality("encode.webp.alphaQuality", Some(self.webp.alpha_quality))?;
        check_quality("encode.avif.alphaQuality", self.avif.alpha_quality)
    }
}

fn check_quality(field: &'static str, q: Option<u8>) -> Result<()> {
    match q {
        Some(q) if !(1..=100).contains(&q) => Err(Error::invalid(
            field,
            format!("{q} is out of range 1..=100"),
        )),
        _ => Ok(()),
    }
}

options_struct! {
    /// JPEG (mozjpeg) settings.
    #[non_exhaustive]
    pub struct JpegOptions {
        /// Progressive scans: smaller files that render coarse-to-fine. Default: `true`.
        pub progressive: bool,
        /// Chroma subsampling. Default: [`ChromaSubsampling::Yuv420`].
        pub chroma_subsampling: ChromaSubsampling,
    }
}

impl Default for JpegOptions {
    fn default() -> Self {
        Self {
            progressive: true,
            chroma_subsampling: ChromaSubsampling::Yuv420,
        }
    }
}

named_enum! {
    /// Colour (chroma) resolution relative to brightness in JPEG.
    #[derive(Default)]
    pub enum ChromaSubsampling ("chroma subsampling") {
        /// Half the resolution both ways: smallest files, fine for photos.
        #[default]
        Yuv420 = "4:2:0" | "420" | "yuv420",
        /// Full resolution: for text, line art and saturated edges.
        Yuv444 = "4:4:4" | "444" | "yuv444",
    }
}

options_struct! {
    /// WebP (libwebp) settings.
    #[non_exhaustive]
    pub struct WebpOptions {
        /// Lossless WebP instead of lossy. Default: `false`.
        pub lossless: bool,
        /// Quality of the alpha channel in lossy mode, `1..=100`. Default: `100`.
        pub alpha_quality: u8,
    }
}

impl Default for WebpOptions {
    fn default() -> Self {
        Self {
            lossless: false,
            alpha_quality: 100,
        }
    }
}

options_struct! {
    /// AVIF (ravif/rav1e) settings.
    #[non_exhaustive]
    #[derive(Default)]
    pub struct AvifOptions {
        /// Quality of the alpha channel, `1..=100`; `None` uses the colour quality.
        /// Default: `None`.
        pub alpha_quality: Option<u8>,
    }
}

options_struct! {
    /// The AI-mask stage: what to make of the subject a segmentation model finds.
    #[non_exhaustive]
    pub struct MaskOptions {
        /// What the stage produces. Default: [`MaskOutput::Cutout`].
        pub output: MaskOutput,
        /// Crop the result to the subject's bounding box. Default: `false`.
        pub crop_to_subject: bool,
        /// Pixels of margin around the subject when cropping. Default: `0`.
        pub padding: u32,
        /// Make the mask hard: coverage at or above this becomes opaque, the rest
        /// transparent. `None` keeps the model's soft alpha. Default: `None`.
        pub threshold: Option<f32>,
        /// Refine the mask's outline with a colour fast guided filter on the
        /// full-resolution image: for photos much larger than the model's input, whose
        /// upsampled mask is a soft ramp at the outline. Off by default: it recovers
        /// 4–16% of the outline error on three test photos and none on the fourth
        /// (see `docs/mask/`). Default: `false`.
        pub refine_edges: bool,
    }
}

impl Default for MaskOptions {
    fn default() -> Self {
        Self {
            output: MaskOutput::Cutout,
            crop_to_subject: false,
            padding: 0,
            threshold: None,
            refine_edges: false,
        }
    }
}

impl MaskOptions {
    /// Checks every field, as [`Options::validate`] does.
    pub fn validate(&self) -> Result<()> {
        if self.threshold.is_some_and(|t| !(t > 0.0 && t <= 1.0)) {
            return Err(Error::invalid("mask.threshold", "must be in (0, 1]"));
        }
        if let MaskOutput::Blur(radius) = self.output
            && !(1..=500).contains(&radius)
        {
            return Err(Error::invalid(
                "mask.output.blur",
                "radius must be 1..=500 pixels",
            ));
        }
        Ok(())
    }
}

/// What the mask stage makes of the image. In serde: `"cutout"`, `"maskOnly"`,
/// `{"background": "#rrggbb"}` or `{"blur": radius}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[non_exhaustive]
pub enum MaskOutput {
    /// The subject on a transparent background (JPEG output flattens it onto
    /// [`EncodeOptions::background`]).
    #[default]
    Cutout,
    /// The mask itself, as a greyscale image (white = subject).
    #[cfg_attr(feature = "serde", serde(alias = "mask_only"))]
    MaskOnly,
    /// The subject on this colour.
    Background(Rgb),
    /// The subject on a blurred copy of its background; Gaussian radius in pixels.
    Blur(u32),
}
