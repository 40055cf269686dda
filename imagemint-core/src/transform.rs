//! Transform stage: crop, rotate, flip, resize (in that order), plus alpha flattening.

use std::borrow::Cow;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;

use crate::decode::check_limits;
use crate::{Error, Filter, Fit, Image, Resize, Result, Rgb, Rotation, TransformOptions};

/// Applies `options` to `image`: crop, then rotate, then flip, then resize.
///
/// A crop outside the image is an [`Error::InvalidOptions`]; growing the image past the
/// limits it was decoded under is an [`Error::LimitsExceeded`].
pub fn transform(mut image: Image, options: &TransformOptions) -> Result<Image> {
    if let Some(r) = options.crop {
        let (w, h) = (image.width(), image.height());
        let fits = r.width > 0
            && r.height > 0
            && u64::from(r.x) + u64::from(r.width) <= u64::from(w)
            && u64::from(r.y) + u64::from(r.height) <= u64::from(h);
        if !fits {
            return Err(Error::invalid(
                "transform.crop",
                format!(
                    "{}×{} at ({}, {}) does not fit inside the {w}×{h} image",
                    r.width, r.height, r.x, r.y
                ),
            ));
        }
        image.pixels = image.pixels.crop_imm(r.x, r.y, r.width, r.height);
    }
    image.pixels = match options.rotate {
        Rotation::None => image.pixels,
        Rotation::Cw90 => image.pixels.rotate90(),
        Rotation::Cw180 => image.pixels.rotate180(),
        Rotation::Cw270 => image.pixels.rotate270(),
    };
    if options.flip_horizontal {
        image.pixels = image.pixels.fliph();
    }
    if options.flip_vertical {
        image.pixels = image.pixels.flipv();
    }
    if let Some(resize) = &options.resize {
        let plan = plan_resize(image.width(), image.height(), resize);
        if plan.size != (image.width(), image.height()) || plan.cover_crop {
            let bpp = u64::from(image.pixels.color().bytes_per_pixel());
            check_limits(plan.size.0, plan.size.1, bpp, &image.limits)?;
            image.pixels = resample(&image.pixels, &plan, resize.filter)?;
        }
    }
    Ok(image)
}

/// What a [`Resize`] amounts to for a given input size.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    size: (u32, u32),
    /// Scale to cover `size`, then centre-crop (Fit::Cover with both sides given).
    cover_crop: bool,
}

fn plan_resize(w: u32, h: u32, r: &Resize) -> Plan {
    let (wf, hf) = (f64::from(w), f64::from(h));
    let scaled = |s: f64| -> (u32, u32) { (round_dim(wf * s), round_dim(hf * s)) };
    let cap = |s: f64| if r.enlarge { s } else { s.min(1.0) };
    match (r.width, r.height) {
        (Some(tw), None) => plain(scaled(cap(f64::from(tw) / wf))),
        (None, Some(th)) => plain(scaled(cap(f64::from(th) / hf))),
        (Some(tw), Some(th)) => match r.fit {
            Fit::Contain => plain(scaled(cap((f64::from(tw) / wf).min(f64::from(th) / hf)))),
            Fit::Fill if r.enlarge => plain((tw, th)),
            Fit::Fill => plain((tw.min(w), th.min(h))),
            Fit::Cover => {
                let s = cap((f64::from(tw) / wf).max(f64::from(th) / hf));
                let (sw, sh) = scaled(s);
                let size = (tw.min(sw), th.min(sh));
                Plan {
                    size,
                    cover_crop: size != (sw, sh),
                }
            }
        },
        // `validate` refuses this; keeping the size is the harmless reading.
        (None, None) => plain((w, h)),
    }
}

fn plain(size: (u32, u32)) -> Plan {
    Plan {
        size,
        cover_crop: false,
    }
}

fn round_dim(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

fn resample(src: &DynamicImage, plan: &Plan, filter: Filter) -> Result<DynamicImage> {
    let algorithm = match filter {
        Filter::Lanczos3 => ResizeAlg::Convolution(FilterType::Lanczos3),
        Filter::Mitchell => ResizeAlg::Convolution(FilterType::Mitchell),
        Filter::CatmullRom => ResizeAlg::Convolution(FilterType::CatmullRom),
        Filter::Bilinear => ResizeAlg::Convolution(FilterType::Bilinear),
        Filter::Nearest => ResizeAlg::Nearest,
    };
    // Alpha is premultiplied during resampling (fast_image_resize's default), so
    // transparent pixels' hidden colour never bleeds into visible edges.
    let mut opts = ResizeOptions::new().resize_alg(algorithm).use_alpha(true);
    if plan.cover_crop {
        opts = opts.fit_into_destination(Some((0.5, 0.5)));
    }
    let mut dst = DynamicImage::new(plan.size.0, plan.size.1, src.color());
    Resizer::new()
        .resize(src, &mut dst, &opts)
        .map_err(|e| Error::invalid("transform.resize", e.to_string()))?;
    Ok(dst)
}

/// Blends `pixels` onto an opaque `background`; images without alpha are borrowed as they are.
pub(crate) fn flatten(pixels: &DynamicImage, background: Rgb) -> Cow<'_, DynamicImage> {
    if !pixels.color().has_alpha() {
        return Cow::Borrowed(pixels);
    }
    let bg = [background.r, background.g, background.b].map(u32::from);
    let grey_bg = bg[0] == bg[1] && bg[1] == bg[2];
    let blend = |c: u8, b: u32, a: u32| ((u32::from(c) * a + b * (255 - a) + 127) / 255) as u8;
    let flat = match pixels {
        // Grey stays grey on a grey background: JPEG then writes one channel.
        DynamicImage::ImageLumaA8(img) if grey_bg => DynamicImage::ImageLuma8(
            image::ImageBuffer::from_fn(img.width(), img.height(), |x, y| {
                let [l, a] = img.get_pixel(x, y).0;
                image::Luma([blend(l, bg[0], u32::from(a))])
            }),
        ),
        _ => {
            let rgba = pixels.to_rgba8();
            DynamicImage::ImageRgb8(image::ImageBuffer::from_fn(
                rgba.width(),
                rgba.height(),
                |x, y| {
                    let [r, g, b, a] = rgba.get_pixel(x, y).0;
                    let a = u32::from(a);
                    image::Rgb([blend(r, bg[0], a), blend(g, bg[1], a), blend(b, bg[2], a)])
                },
            ))
        }
    };
    Cow::Owned(flat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(width: Option<u32>, height: Option<u32>, fit: Fit, enlarge: bool) -> Resize {
        Resize {
            width,
            height,
            fit,
            enlarge,
            ..Resize::default()
        }
    }

    #[test]
    fn plans_follow_fit_and_enlarge() {
        let p = |w, h, r: Resize| plan_resize(w, h, &r);
        // One side: aspect kept.
        assert_eq!(
            p(4000, 3000, r(Some(1200), None, Fit::Contain, false)).size,
            (1200, 900)
        );
        assert_eq!(
            p(4000, 3000, r(None, Some(600), Fit::Contain, false)).size,
            (800, 600)
        );
        // Never enlarged unless asked.
        assert_eq!(
            p(400, 300, r(Some(1200), None, Fit::Contain, false)).size,
            (400, 300)
        );
        assert_eq!(
            p(400, 300, r(Some(1200), None, Fit::Contain, true)).size,
            (1200, 900)
        );
        // Contain fits inside the box.
        assert_eq!(
            p(4000, 3000, r(Some(1000), Some(1000), Fit::Contain, false)).size,
            (1000, 750)
        );
        // Cover fills the box exactly and crops.
        let c = p(4000, 3000, r(Some(1000), Some(1000), Fit::Cover, false));
        assert_eq!(
            c,
            Plan {
                size: (1000, 1000),
                cover_crop: true
            }
        );
        // Fill stretches.
        assert_eq!(
            p(4000, 3000, r(Some(1000), Some(1000), Fit::Fill, false)).size,
            (1000, 1000)
        );
        assert_eq!(
            p(400, 300, r(Some(1000), Some(100), Fit::Fill, false)).size,
            (400, 100)
        );
        // Tiny results keep at least one pixel.
        assert_eq!(
            p(4000, 10, r(Some(100), None, Fit::Contain, false)).size,
            (100, 1)
        );
    }
}
