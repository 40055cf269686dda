//! The fast guided filter (He & Sun, 2015): edge-preserving smoothing of a mask, steered by
//! the full-resolution image. A segmentation model sees a 1024² copy of the photo; its
//! upsampled mask is blocky at the true edges. The filter fits the mask locally as a linear
//! function of the image's brightness, so the mask's edges snap to the image's edges and
//! hair keeps partial coverage. The linear coefficients are computed on a subsampled grid
//! (that is the "fast" part) and applied at full resolution.

/// Box radius at the subsampled scale, in pixels.
const RADIUS: usize = 4;
/// Regularisation: larger values smooth more and follow the image less.
const EPSILON: f32 = 1e-3;
/// Longest side of the grid the coefficients are fitted on.
const GRID: usize = 512;

/// `mask` refined with `guide` (0–1 brightness); both `w`×`h`, row by row.
pub(crate) fn filter(guide: &[f32], mask: &[f32], w: usize, h: usize) -> Vec<f32> {
    let s = w.max(h).div_ceil(GRID).max(1);
    let (sw, sh) = (w.div_ceil(s), h.div_ceil(s));
    let small_guide = subsample(guide, w, h, s);
    let small_mask = subsample(mask, w, h, s);

    let mean_i = box_mean(&small_guide, sw, sh);
    let mean_p = box_mean(&small_mask, sw, sh);
    let ii: Vec<f32> = small_guide.iter().map(|v| v * v).collect();
    let ip: Vec<f32> = small_guide
        .iter()
        .zip(&small_mask)
        .map(|(i, p)| i * p)
        .collect();
    let corr_ii = box_mean(&ii, sw, sh);
    let corr_ip = box_mean(&ip, sw, sh);
    let a: Vec<f32> = (0..sw * sh)
        .map(|k| {
            let var = corr_ii[k] - mean_i[k] * mean_i[k];
            let cov = corr_ip[k] - mean_i[k] * mean_p[k];
            cov / (var + EPSILON)
        })
        .collect();
    let b: Vec<f32> = (0..sw * sh).map(|k| mean_p[k] - a[k] * mean_i[k]).collect();
    let mean_a = box_mean(&a, sw, sh);
    let mean_b = box_mean(&b, sw, sh);

    // q = mean_a · I + mean_b, with the coefficients upsampled bilinearly.
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let fx = ((x as f32 + 0.5) / s as f32 - 0.5).clamp(0.0, (sw - 1) as f32);
            let fy = ((y as f32 + 0.5) / s as f32 - 0.5).clamp(0.0, (sh - 1) as f32);
            let a = bilinear(&mean_a, sw, sh, fx, fy);
            let b = bilinear(&mean_b, sw, sh, fx, fy);
            (a * guide[y * w + x] + b).clamp(0.0, 1.0)
        })
        .collect()
}

/// Averages of `s`×`s` blocks.
fn subsample(v: &[f32], w: usize, h: usize, s: usize) -> Vec<f32> {
    let (sw, sh) = (w.div_ceil(s), h.div_ceil(s));
    (0..sh)
        .flat_map(|by| (0..sw).map(move |bx| (bx, by)))
        .map(|(bx, by)| {
            let (x0, y0) = (bx * s, by * s);
            let (x1, y1) = ((x0 + s).min(w), (y0 + s).min(h));
            let sum: f32 = (y0..y1).flat_map(|y| &v[y * w + x0..y * w + x1]).sum();
            sum / ((x1 - x0) * (y1 - y0)) as f32
        })
        .collect()
}

/// Mean over the (2·RADIUS+1)² window around each pixel, shrunk at the borders; running
/// sums make it O(1) per pixel whatever the radius.
fn box_mean(v: &[f32], w: usize, h: usize) -> Vec<f32> {
    let rows: Vec<f32> = (0..h)
        .flat_map(|y| window_means(&v[y * w..(y + 1) * w]))
        .collect();
    let mut out = vec![0.0; w * h];
    let mut column = vec![0.0; h];
    for x in 0..w {
        for (y, c) in column.iter_mut().enumerate() {
            *c = rows[y * w + x];
        }
        for (y, m) in window_means(&column).into_iter().enumerate() {
            out[y * w + x] = m;
        }
    }
    out
}

fn window_means(line: &[f32]) -> Vec<f32> {
    let n = line.len();
    let prefix: Vec<f64> = std::iter::once(0.0)
        .chain(line.iter().scan(0.0f64, |acc, &v| {
            *acc += f64::from(v);
            Some(*acc)
        }))
        .collect();
    (0..n)
        .map(|i| {
            let (lo, hi) = (i.saturating_sub(RADIUS), (i + RADIUS + 1).min(n));
            ((prefix[hi] - prefix[lo]) / (hi - lo) as f64) as f32
        })
        .collect()
}

fn bilinear(v: &[f32], w: usize, h: usize, x: f32, y: f32) -> f32 {
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let top = v[y0 * w + x0] * (1.0 - fx) + v[y0 * w + x1] * fx;
    let bottom = v[y1 * w + x0] * (1.0 - fx) + v[y1 * w + x1] * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blurry_mask_snaps_to_the_image_edge() {
        // The image: dark left half, bright right half (edge between x = 99 and 100). The
        // mask: a soft 8-pixel ramp across it, as a 4× upsampled model mask would be.
        let (w, h) = (200, 50);
        let guide: Vec<f32> = (0..w * h)
            .map(|i| if i % w < 100 { 0.1 } else { 0.9 })
            .collect();
        let mask: Vec<f32> = (0..w * h)
            .map(|i| ((i % w) as f32 - 96.0).clamp(0.0, 8.0) / 8.0)
            .collect();
        let out = filter(&guide, &mask, w, h);
        let row = &out[25 * w..26 * w];
        // The steepest step of the refined mask sits exactly on the image's edge, and is
        // far steeper than the ramp's 1/8 per pixel.
        let (at, step) =
            row.windows(2)
                .map(|p| p[1] - p[0])
                .enumerate()
                .fold(
                    (0, f32::MIN),
                    |best, (i, d)| if d > best.1 { (i, d) } else { best },
                );
        assert_eq!(at, 99, "steepest step at {at}");
        assert!(step > 0.4, "step {step}");
        // Flat regions stay as they were.
        assert!(row[20] < 0.05 && row[180] > 0.95);
    }

    #[test]
    fn box_mean_of_a_constant_is_the_constant() {
        let v = vec![0.25; 37 * 11];
        assert!(box_mean(&v, 37, 11).iter().all(|m| (m - 0.25).abs() < 1e-6));
    }
}
