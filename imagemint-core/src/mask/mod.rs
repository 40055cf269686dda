//! The AI-mask stage: a segmentation model finds the subject; the mask is refined on the
//! full-resolution image and applied as alpha, a new background, or a crop.

mod fast_ops;
mod graph;
mod guided;
mod model;
mod winograd;

use image::{DynamicImage, ImageBuffer, Luma, Rgb, Rgba, RgbaImage};

pub use model::{Activation, ChannelOrder, InputTensor, Mask, MaskModel, ModelSpec};

use crate::{Image, MaskOptions, MaskOutput, Result};

/// Coverage a pixel needs to count as subject when cropping to the subject.
const SUBJECT_COVERAGE: f32 = 0.5;

/// Applies `options` to `image` with the mask `model` finds in it.
pub fn apply(image: Image, model: &MaskModel, options: &MaskOptions) -> Result<Image> {
    options.validate()?;
    let small = model.run(&model.input_tensor(&image)?)?;
    let rgba = image.pixels.to_rgba8();
    let mask = if options.refine_edges {
        small.refined_on(&rgba)?
    } else {
        small.resized(image.width(), image.height())?
    };
    Ok(apply_mask(image, &rgba, mask.values, options))
}

impl Mask {
    /// This mask taken to `image`'s size with its outline refined on the image's colours
    /// (a colour fast guided filter, applied only where the mask crosses from background
    /// to subject): where a low-resolution mask is blown up to a large photo, its outline
    /// moves onto the photo's own edges instead of staying a smooth ramp. See
    /// `docs/mask/`. An error if the mask's values do not fill its size.
    pub fn refined(&self, image: &Image) -> Result<Mask> {
        self.refined_on(&image.pixels.to_rgba8())
    }

    fn refined_on(&self, rgba: &RgbaImage) -> Result<Mask> {
        let (w, h) = rgba.dimensions();
        let full = self.resized(w, h)?;
        // Image pixels per mask pixel: how far the upsampling smeared the outline.
        let scale = (w as f32 / self.width as f32).max(h as f32 / self.height as f32);
        let values = guided::refine(rgba.as_raw(), &full.values, w as usize, h as usize, scale);
        Ok(Mask {
            width: w,
            height: h,
            values,
        })
    }
}

/// The mask stage given per-pixel coverage `values` (0–1, row by row) for `image`, whose
/// pixels `rgba` holds as 8-bit RGBA.
pub(crate) fn apply_mask(
    mut image: Image,
    rgba: &RgbaImage,
    mut values: Vec<f32>,
    options: &MaskOptions,
) -> Image {
    let (w, h) = (image.width(), image.height());
    if let Some(t) = options.threshold {
        values
            .iter_mut()
            .for_each(|v| *v = if *v >= t { 1.0 } else { 0.0 });
    }
    // The input's own transparency counts too: a hole stays a hole.
    let alpha: Vec<f32> = values
        .iter()
        .zip(rgba.pixels())
        .map(|(m, p)| m.clamp(0.0, 1.0) * f32::from(p[3]) / 255.0)
        .collect();
    let to_u8 = |v: f32| (v * 255.0).round() as u8;
    let pixel_alpha = |x: u32, y: u32| alpha[y as usize * w as usize + x as usize];

    image.pixels = match options.output {
        MaskOutput::Cutout => DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| {
            let p = rgba.get_pixel(x, y);
            Rgba([p[0], p[1], p[2], to_u8(pixel_alpha(x, y))])
        })),
        MaskOutput::MaskOnly => DynamicImage::ImageLuma8(ImageBuffer::from_fn(w, h, |x, y| {
            Luma([to_u8(pixel_alpha(x, y))])
        })),
        MaskOutput::Background(c) => {
            let bg = [c.r, c.g, c.b];
            composite(rgba, &alpha, |_, _, i| bg[i])
        }
        MaskOutput::Blur(radius) => {
            let blurred = image::imageops::fast_blur(rgba, radius as f32 / 2.0);
            composite(rgba, &alpha, |x, y, i| blurred.get_pixel(x, y)[i])
        }
    };
    if options.crop_to_subject
        && let Some((x0, y0, x1, y1)) = bounding_box(&alpha, w, h)
    {
        let pad = options.padding;
        let (x0, y0) = (x0.saturating_sub(pad), y0.saturating_sub(pad));
        let (x1, y1) = (
            x1.saturating_add(pad).min(w - 1),
            y1.saturating_add(pad).min(h - 1),
        );
        image.pixels = image.pixels.crop_imm(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }
    image
}

/// `fg` over the background `bg(x, y, channel)` with coverage `alpha`, opaque RGB.
fn composite(
    fg: &ImageBuffer<Rgba<u8>, Vec<u8>>,
    alpha: &[f32],
    bg: impl Fn(u32, u32, usize) -> u8,
) -> DynamicImage {
    let w = fg.width();
    DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, fg.height(), |x, y| {
        let a = alpha[y as usize * w as usize + x as usize];
        let p = fg.get_pixel(x, y);
        let mix =
            |i: usize| (f32::from(p[i]) * a + f32::from(bg(x, y, i)) * (1.0 - a)).round() as u8;
        Rgb([mix(0), mix(1), mix(2)])
    }))
}

/// Inclusive bounds of the pixels at least half covered, `None` if there are none.
fn bounding_box(alpha: &[f32], w: u32, h: u32) -> Option<(u32, u32, u32, u32)> {
    let mut found: Option<(u32, u32, u32, u32)> = None;
    for y in 0..h {
        for x in 0..w {
            if alpha[y as usize * w as usize + x as usize] >= SUBJECT_COVERAGE {
                found = Some(match found {
                    None => (x, y, x, y),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rgb as Colour;

    fn masked(image: Image, values: Vec<f32>, options: &MaskOptions) -> Image {
        let rgba = image.pixels.to_rgba8();
        apply_mask(image, &rgba, values, options)
    }

    fn image(w: u32, h: u32) -> Image {
        let rgba = (0..w * h)
            .flat_map(|i| [(i % 251) as u8, 100, 200, 255])
            .collect();
        Image::from_rgba8(w, h, rgba).unwrap()
    }

    #[test]
    fn masks_resize_bilinearly_and_inconsistent_ones_are_errors() {
        // A left-to-right ramp stays a ramp, with its ends where they were.
        let ramp = Mask {
            width: 2,
            height: 1,
            values: vec![0.0, 1.0],
        };
        let wide = ramp.resized(8, 2).unwrap();
        assert_eq!((wide.width, wide.height, wide.values.len()), (8, 2, 16));
        assert_eq!((wide.values[0], wide.values[7]), (0.0, 1.0));
        assert!(wide.values[..8].windows(2).all(|p| p[0] <= p[1]));
        assert_eq!(wide.values[..8], wide.values[8..]);
        // Fewer values than pixels: an error, not a panic.
        let short = Mask {
            width: 4,
            height: 4,
            values: vec![0.5; 3],
        };
        assert!(short.resized(8, 8).is_err());
    }

    /// A mask with a solid square subject.
    fn square(w: u32, h: u32, x0: u32, y0: u32, side: u32) -> Vec<f32> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                f32::from(u8::from(
                    (x0..x0 + side).contains(&x) && (y0..y0 + side).contains(&y),
                ))
            })
            .collect()
    }

    fn options(output: MaskOutput) -> MaskOptions {
        MaskOptions {
            output,
            refine_edges: false,
            ..MaskOptions::default()
        }
    }

    #[test]
    fn outputs_follow_the_mask() {
        let mask = square(40, 30, 10, 5, 12);
        let cut = masked(image(40, 30), mask.clone(), &options(MaskOutput::Cutout)).to_rgba8();
        assert_eq!(cut[(5 * 40 + 10) * 4 + 3], 255, "subject opaque");
        assert_eq!(cut[3], 0, "background transparent");

        let only = masked(image(40, 30), mask.clone(), &options(MaskOutput::MaskOnly));
        assert!(!only.has_alpha());
        assert_eq!(only.to_rgba8()[(6 * 40 + 11) * 4], 255);

        let red = MaskOutput::Background(Colour { r: 255, g: 0, b: 0 });
        let on_red = masked(image(40, 30), mask, &options(red)).to_rgba8();
        assert_eq!(&on_red[..4], &[255, 0, 0, 255], "background replaced");
        assert_eq!(
            &on_red[(5 * 40 + 10) * 4..][..3],
            &[(5 * 40 + 10) as u8 % 251, 100, 200]
        );
    }

    #[test]
    fn crop_to_subject_keeps_the_box_plus_padding() {
        let mask = square(40, 30, 10, 5, 12);
        let mut o = options(MaskOutput::Cutout);
        o.crop_to_subject = true;
        let tight = masked(image(40, 30), mask.clone(), &o);
        assert_eq!((tight.width(), tight.height()), (12, 12));
        o.padding = 3;
        let padded = masked(image(40, 30), mask.clone(), &o);
        assert_eq!((padded.width(), padded.height()), (18, 18));
        o.padding = 100; // clamped to the image
        let all = masked(image(40, 30), mask, &o);
        assert_eq!((all.width(), all.height()), (40, 30));
        let nothing = masked(image(40, 30), vec![0.0; 1200], &o);
        assert_eq!(
            (nothing.width(), nothing.height()),
            (40, 30),
            "no subject: no crop"
        );
    }

    #[test]
    fn threshold_makes_alpha_hard() {
        let soft = vec![0.3; 16];
        let mut o = options(MaskOutput::Cutout);
        o.threshold = Some(0.25);
        let hard = masked(image(4, 4), soft.clone(), &o).to_rgba8();
        assert!(hard.iter().skip(3).step_by(4).all(|&a| a == 255));
        o.threshold = None;
        let kept = masked(image(4, 4), soft, &o).to_rgba8();
        assert!(kept.iter().skip(3).step_by(4).all(|&a| a == 77));
    }
}
