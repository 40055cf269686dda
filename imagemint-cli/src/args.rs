//! Command-line flags and how they map onto the core `Options`. Every value is parsed
//! into a core type; there is no second options model here.

use std::path::PathBuf;

use clap::Parser;
use imagemint_core::{
    ChromaSubsampling, Effort, Filter, Fit, Format, MaskOptions, MaskOutput, MetadataPolicy,
    Options, Preset, Rect, Resize, Rgb, Rotation,
};

const EXAMPLES: &str = "\
Examples:
  imagemint photo.jpg --format webp                photo.jpg → photo.webp beside it
  imagemint photo.jpg -o small.avif -q 50          the format follows -o's extension
  imagemint *.png --resize 1200x -o out/           many files, in parallel, into out/
  imagemint scan.tiff --resize x800                800 pixels high (TIFF becomes PNG)
  imagemint a.jpg --resize 400x400 --fit cover     exactly 400×400, centre-cropped
  imagemint photo.jpg --metadata strip --json      drop all metadata, print the report
  cat photo.png | imagemint - -f jpeg > photo.jpg  standard input to standard output
  imagemint photo.jpg -q 70 --in-place             recompress over the original
  imagemint photo.jpg --options opts.json          any core option, as camelCase JSON
  imagemint *.jpg --remove-bg -o cutouts/ -f png   background removal, on this machine
  imagemint me.jpg --blur-bg 20 --crop-to-subject 40   portrait blur, cropped to you

Metadata: by default only the ICC colour profile is kept; EXIF (including GPS positions),
XMP and comments are dropped. `--metadata keep` keeps EXIF too.";

/// Compress, convert and resize images on your own machine: nothing is uploaded.
#[derive(Debug, Parser)]
#[command(name = "imagemint", version, about, after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// Input files; `-` reads standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,

    /// Output file (one input), or directory (any number of inputs); `-` writes to
    /// standard output. Default: beside each input, with the output format's extension.
    #[arg(short, long, value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,

    /// Overwrite an input when the output would have its name.
    #[arg(long)]
    pub(crate) in_place: bool,

    /// Print one JSON report per file (on stdout, or stderr when the image goes to stdout).
    #[arg(long)]
    pub(crate) json: bool,

    /// Start from these settings; the flags below change them.
    #[arg(long, value_name = "PRESET", value_parser = names::<Preset>(Preset::NAMES), conflicts_with = "options")]
    preset: Option<Preset>,

    /// Read options from a JSON file in the library's serde form (camelCase, as the
    /// bindings take them); the flags below change them.
    #[arg(long, value_name = "FILE")]
    options: Option<PathBuf>,

    /// Output format [default: same as the input; GIF, BMP and TIFF become PNG; or -o's
    /// extension].
    #[arg(short, long, value_parser = names::<Format>(Format::NAMES))]
    format: Option<Format>,

    /// Lossy quality, 1–100 [default: JPEG 75, WebP 75, AVIF 60].
    #[arg(short, long, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: Option<u8>,

    /// Encoder effort, 0 (fastest) – 10 (smallest) [default: each codec's own].
    #[arg(short, long, value_name = "0-10")]
    effort: Option<Effort>,

    /// New size: `1200x` (width), `x800` (height) or `1200x800` (a box, see --fit).
    #[arg(short, long, value_name = "WxH", value_parser = parse_size)]
    resize: Option<(Option<u32>, Option<u32>)>,

    /// How to fit a `WxH` box.
    #[arg(long, value_parser = names::<Fit>(Fit::NAMES))]
    fit: Option<Fit>,

    /// Resampling filter.
    #[arg(long, value_parser = names::<Filter>(Filter::NAMES))]
    filter: Option<Filter>,

    /// Allow --resize to make the image larger.
    #[arg(long)]
    enlarge: bool,

    /// Keep only this rectangle: `WxH+X+Y`.
    #[arg(long, value_name = "WxH+X+Y", value_parser = parse_rect)]
    crop: Option<Rect>,

    /// Rotate clockwise by 90, 180 or 270 degrees.
    #[arg(long, value_name = "DEGREES")]
    rotate: Option<Rotation>,

    /// Mirror left–right.
    #[arg(long)]
    flip_horizontal: bool,

    /// Mirror top–bottom.
    #[arg(long)]
    flip_vertical: bool,

    /// Which metadata to keep.
    #[arg(short, long, value_parser = names::<MetadataPolicy>(MetadataPolicy::NAMES))]
    metadata: Option<MetadataPolicy>,

    /// Colour under transparent pixels when the output has no alpha (JPEG) [default: #ffffff].
    #[arg(long, value_name = "#RRGGBB")]
    background: Option<Rgb>,

    /// Ignore the EXIF orientation tag.
    #[arg(long)]
    no_auto_orient: bool,

    /// JPEG: write baseline instead of progressive scans.
    #[arg(long)]
    baseline: bool,

    /// JPEG chroma subsampling.
    #[arg(long, value_parser = names::<ChromaSubsampling>(ChromaSubsampling::NAMES))]
    chroma: Option<ChromaSubsampling>,

    /// WebP: lossless.
    #[arg(long)]
    lossless: bool,

    /// WebP and AVIF: quality of the alpha channel, 1–100.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
    alpha_quality: Option<u8>,

    /// Remove the background (AI mask): the subject on transparency (JPEG: on
    /// --background). Needs the model: `bash scripts/fetch-model.sh`, or --model.
    #[arg(long, help_heading = "Background removal")]
    remove_bg: bool,

    /// Segmentation model (ONNX) [default: isnet-fp16.onnx in $IMAGEMINT_MODEL_DIR or
    /// ~/.cache/imagemint/models].
    #[arg(long, value_name = "PATH", help_heading = "Background removal")]
    pub(crate) model: Option<PathBuf>,

    /// How to run the model: a built-in name (isnet-imgly, isnet-dis, u2net, u2netp,
    /// silueta, birefnet, rmbg-1.4, modnet) or a JSON spec file [default: isnet-imgly].
    #[arg(long, value_name = "NAME|FILE", help_heading = "Background removal")]
    pub(crate) model_spec: Option<String>,

    /// Run the model at SIZE×SIZE instead of its spec's size (implies --remove-bg):
    /// 768 takes about half of 1024²'s time, but the mask can differ noticeably
    /// (benches/README.md). IS-Net needs a multiple of 32.
    #[arg(long, value_name = "SIZE", value_parser = clap::value_parser!(u32).range(64..=4096), help_heading = "Background removal")]
    pub(crate) mask_size: Option<u32>,

    /// Write the mask itself (white = subject) instead of the cutout.
    #[arg(long, help_heading = "Background removal")]
    mask_only: bool,

    /// Put the subject on this colour instead of transparency.
    #[arg(long, value_name = "#RRGGBB", help_heading = "Background removal")]
    replace_bg: Option<Rgb>,

    /// Put the subject on its own background blurred by this radius.
    #[arg(long, value_name = "PIXELS", help_heading = "Background removal")]
    blur_bg: Option<u32>,

    /// Crop to the subject, with this many pixels of margin.
    #[arg(long, value_name = "PADDING", num_args = 0..=1, default_missing_value = "0", help_heading = "Background removal")]
    crop_to_subject: Option<u32>,

    /// Hard mask: coverage at or above this (0–1] is subject, the rest background.
    #[arg(long, value_name = "T", help_heading = "Background removal")]
    mask_threshold: Option<f32>,

    /// Refine the mask's outline on the full-resolution photo's colours (helps photos
    /// much larger than the model's input).
    #[arg(long, help_heading = "Background removal")]
    refine_edges: bool,

    /// Refuse inputs with more pixels than this [default: 100000000].
    #[arg(long)]
    max_pixels: Option<u64>,

    /// Files processed at once [default: one per CPU].
    #[arg(short, long)]
    pub(crate) jobs: Option<usize>,
}

/// Parses a core enum with its own `FromStr` (so aliases such as `jpg` work) while
/// `--help` lists its canonical names.
#[derive(Clone)]
struct Named<T> {
    names: &'static [&'static str],
    _type: std::marker::PhantomData<fn() -> T>,
}

fn names<T>(names: &'static [&'static str]) -> Named<T> {
    Named {
        names,
        _type: std::marker::PhantomData,
    }
}

impl<T> clap::builder::TypedValueParser for Named<T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        text.parse::<T>().map_err(|e| {
            let flag = arg.map(ToString::to_string).unwrap_or_default();
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("invalid value for {flag}: {e}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.names.iter().map(clap::builder::PossibleValue::new),
        ))
    }
}

fn parse_size(s: &str) -> Result<(Option<u32>, Option<u32>), String> {
    let side = |v: &str| -> Result<Option<u32>, String> {
        if v.is_empty() {
            return Ok(None);
        }
        match v.parse::<u32>() {
            Ok(0) | Err(_) => Err(format!("`{v}` is not a size in pixels")),
            Ok(n) => Ok(Some(n)),
        }
    };
    let (w, h) = match s.split_once(['x', 'X']) {
        Some((w, h)) => (side(w)?, side(h)?),
        None => (side(s)?, None),
    };
    if w.is_none() && h.is_none() {
        return Err("give a width, a height or both: 1200x, x800, 1200x800".into());
    }
    Ok((w, h))
}

fn parse_rect(s: &str) -> Result<Rect, String> {
    let bad = || format!("`{s}` is not WxH+X+Y");
    let (size, offset) = s.split_once('+').ok_or_else(bad)?;
    let (w, h) = size.split_once(['x', 'X']).ok_or_else(bad)?;
    let (x, y) = offset.split_once('+').ok_or_else(bad)?;
    let n = |v: &str| v.parse::<u32>().map_err(|_| bad());
    Ok(Rect {
        x: n(x)?,
        y: n(y)?,
        width: n(w)?,
        height: n(h)?,
    })
}

impl Cli {
    /// The core options these flags describe: preset, then `--options`, then each flag.
    pub(crate) fn to_options(&self) -> anyhow::Result<Options> {
        let mut o = match (&self.options, self.preset) {
            (Some(path), _) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                imagemint_core::from_json(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            }
            (None, Some(preset)) => Options::from_preset(preset),
            (None, None) => Options::default(),
        };
        let (d, t, e) = (&mut o.decode, &mut o.transform, &mut o.encode);
        if let Some(v) = self.format {
            e.format = v;
        }
        if self.quality.is_some() {
            e.quality = self.quality;
        }
        if self.effort.is_some() {
            e.effort = self.effort;
        }
        if let Some((width, height)) = self.resize {
            let mut r = t.resize.unwrap_or_default();
            r.width = width;
            r.height = height;
            t.resize = Some(r);
        }
        if let Some(r) = &mut t.resize {
            apply_resize_flags(r, self.fit, self.filter, self.enlarge);
        } else if self.fit.is_some() || self.filter.is_some() || self.enlarge {
            anyhow::bail!("--fit, --filter and --enlarge need --resize");
        }
        if self.crop.is_some() {
            t.crop = self.crop;
        }
        if let Some(v) = self.rotate {
            t.rotate = v;
        }
        t.flip_horizontal |= self.flip_horizontal;
        t.flip_vertical |= self.flip_vertical;
        if let Some(v) = self.metadata {
            e.metadata = v;
        }
        if let Some(v) = self.background {
            e.background = v;
        }
        if self.no_auto_orient {
            d.auto_orient = false;
        }
        if self.baseline {
            e.jpeg.progressive = false;
        }
        if let Some(v) = self.chroma {
            e.jpeg.chroma_subsampling = v;
        }
        if self.lossless {
            e.webp.lossless = true;
        }
        if let Some(v) = self.alpha_quality {
            e.webp.alpha_quality = v;
            e.avif.alpha_quality = Some(v);
        }
        if let Some(v) = self.max_pixels {
            d.limits.max_pixels = v;
        }
        let wants_mask = self.remove_bg
            || self.mask_only
            || self.replace_bg.is_some()
            || self.blur_bg.is_some()
            || self.crop_to_subject.is_some()
            || self.mask_threshold.is_some()
            || self.mask_size.is_some()
            || self.refine_edges;
        if wants_mask {
            let m = o.mask.get_or_insert_with(MaskOptions::default);
            let outputs = [
                self.mask_only,
                self.replace_bg.is_some(),
                self.blur_bg.is_some(),
            ];
            if outputs.iter().filter(|o| **o).count() > 1 {
                anyhow::bail!("choose one of --mask-only, --replace-bg and --blur-bg");
            }
            if self.mask_only {
                m.output = MaskOutput::MaskOnly;
            }
            if let Some(c) = self.replace_bg {
                m.output = MaskOutput::Background(c);
            }
            if let Some(r) = self.blur_bg {
                m.output = MaskOutput::Blur(r);
            }
            if let Some(pad) = self.crop_to_subject {
                m.crop_to_subject = true;
                m.padding = pad;
            }
            if self.mask_threshold.is_some() {
                m.threshold = self.mask_threshold;
            }
            if self.refine_edges {
                m.refine_edges = true;
            }
        }
        o.validate()?;
        Ok(o)
    }
}

fn apply_resize_flags(r: &mut Resize, fit: Option<Fit>, filter: Option<Filter>, enlarge: bool) {
    if let Some(v) = fit {
        r.fit = v;
    }
    if let Some(v) = filter {
        r.filter = v;
    }
    r.enlarge |= enlarge;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_rectangles_parse() {
        assert_eq!(parse_size("1200x"), Ok((Some(1200), None)));
        assert_eq!(parse_size("x800"), Ok((None, Some(800))));
        assert_eq!(parse_size("1200x800"), Ok((Some(1200), Some(800))));
        assert_eq!(parse_size("640"), Ok((Some(640), None)));
        assert!(parse_size("x").is_err());
        assert!(parse_size("0x10").is_err());
        assert!(parse_size("axb").is_err());
        assert_eq!(
            parse_rect("30x40+1+2"),
            Ok(Rect {
                x: 1,
                y: 2,
                width: 30,
                height: 40
            })
        );
        assert!(parse_rect("30x40").is_err());
    }

    #[test]
    fn flags_override_a_preset() {
        let cli = Cli::parse_from([
            "imagemint",
            "a.jpg",
            "--preset",
            "web",
            "-q",
            "60",
            "--resize",
            "800x",
            "--fit",
            "cover",
        ]);
        let o = cli.to_options().unwrap();
        assert_eq!(o.encode.format, Format::Webp);
        assert_eq!(o.encode.quality, Some(60));
        let r = o.transform.resize.unwrap();
        assert_eq!((r.width, r.height, r.fit), (Some(800), None, Fit::Cover));
    }
}
