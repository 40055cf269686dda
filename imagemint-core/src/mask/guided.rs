//! Edge refinement with the colour fast guided filter (He, Sun & Tang 2010; He & Sun 2015).
//!
//! A segmentation model answers at its input size (1024² for IS-Net). Blown up to a 12 MP
//! photo, its mask is a smooth ramp a few pixels wide wherever the subject's outline is
//! finer than that. The guided filter fits the mask, in each small window, as a linear
//! function of the photo's colour, and evaluates that fit at every full-resolution pixel:
//! where colour separates subject from background, the mask's edge moves onto the photo's
//! edge. Three colour channels, not brightness alone: blond hair before a pale wall
//! differs in hue more than in lightness.
//!
//! Three choices keep it from doing harm, each picked by measurement against a known
//! answer (docs/mask/README.md has the numbers):
//! - the window follows the upsampling: it spans the ramp the upsampling made, and no
//!   more, so thin structures the model did see are not averaged away;
//! - only outlines change: a window is refined only where the mask inside it goes from
//!   background to subject (a span of at least [`EDGE_SPAN`]); the soft interiors a model
//!   gives fur or whiskers, and all certain regions, keep the model's values;
//! - a small regularisation, so the fit follows the colours closely instead of blurring.
//!
//! The linear coefficients are fitted on a grid about half as coarse as the mask (the
//! "fast" part) and applied at full resolution with the full-resolution colours.

/// Window radius at full resolution, per unit of upsampling (full-resolution pixels per
/// mask pixel).
const RADIUS_PER_SCALE: f32 = 1.0;
/// The smallest window radius in full-resolution pixels, for masks not upsampled at all.
const MIN_RADIUS: usize = 2;
/// Window radius on the subsampled grid; the grid step is the full radius over this.
const GRID_RADIUS: usize = 2;
/// Regularisation of the colour fit (colours in 0–1): larger trusts the mask more.
const EPSILON: f32 = 1e-4;
/// A window is an outline, and refined, when its mask spans at least this much.
const EDGE_SPAN: f32 = 0.5;

/// `mask` (`w`×`h`, row by row, 0–1) refined by the colours of `rgba` (the same size, 8-bit
/// RGBA). `scale` is how many image pixels one pixel of the model's mask covered.
pub(crate) fn refine(rgba: &[u8], mask: &[f32], w: usize, h: usize, scale: f32) -> Vec<f32> {
    debug_assert_eq!(rgba.len(), w * h * 4);
    debug_assert_eq!(mask.len(), w * h);
    let radius = ((RADIUS_PER_SCALE * scale).ceil() as usize).max(MIN_RADIUS);
    let step = (radius / GRID_RADIUS).max(1);
    let grid = Grid::new(w, h, step);
    let r = (radius / step).max(1);

    let coefficients = fit(&grid, rgba, mask, r);

    // Full resolution: q = ā·I + b̄, with the coefficients upsampled bilinearly, blended
    // into the mask by the band's weight.
    let columns: Vec<(usize, usize, f32)> = (0..w).map(|x| grid.tap(x, grid.w)).collect();
    let mut out = vec![0.0; w * h];
    for (y, row) in out.chunks_exact_mut(w).enumerate() {
        let (y0, y1, fy) = grid.tap(y, grid.h);
        for (x, q) in row.iter_mut().enumerate() {
            let (x0, x1, fx) = columns[x];
            let at = |v: &[f32]| {
                let top = v[y0 * grid.w + x0] * (1.0 - fx) + v[y0 * grid.w + x1] * fx;
                let bottom = v[y1 * grid.w + x0] * (1.0 - fx) + v[y1 * grid.w + x1] * fx;
                top * (1.0 - fy) + bottom * fy
            };
            let i = y * w + x;
            let m = mask[i];
            let weight = at(&coefficients[4]);
            *q = if weight <= 0.0 {
                m
            } else {
                let px = &rgba[i * 4..i * 4 + 3];
                let fitted = at(&coefficients[0]) * f32::from(px[0]) / 255.0
                    + at(&coefficients[1]) * f32::from(px[1]) / 255.0
                    + at(&coefficients[2]) * f32::from(px[2]) / 255.0
                    + at(&coefficients[3]);
                m + weight * (fitted.clamp(0.0, 1.0) - m)
            };
        }
    }
    out
}

/// The window-averaged coefficients on the grid: ā for red, green and blue, b̄, and the
/// outline weight. The window statistics (about 20 grid-sized buffers) are dropped here,
/// before the full-resolution pass.
fn fit(grid: &Grid, rgba: &[u8], mask: &[f32], r: usize) -> [Vec<f32>; 5] {
    // Block means of the guide and the mask on the grid.
    let mut colour = [
        grid.subsample(|i| f32::from(rgba[i * 4]) / 255.0),
        grid.subsample(|i| f32::from(rgba[i * 4 + 1]) / 255.0),
        grid.subsample(|i| f32::from(rgba[i * 4 + 2]) / 255.0),
    ];
    // A non-finite value would spread through the running sums along its whole row.
    let p = grid.subsample(|i| if mask[i].is_finite() { mask[i] } else { 0.0 });

    // Window statistics: means, the colour covariance (6 unique terms) and the
    // colour–mask covariance.
    let product =
        |a: &[f32], b: &[f32]| -> Vec<f32> { a.iter().zip(b).map(|(x, y)| x * y).collect() };
    let pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)];
    let corr_ii: Vec<Vec<f32>> = pairs
        .iter()
        .map(|&(c, d)| grid.box_mean(&product(&colour[c], &colour[d]), r))
        .collect();
    let corr_ip: Vec<Vec<f32>> = colour
        .iter()
        .map(|c| grid.box_mean(&product(c, &p), r))
        .collect();
    let mean_p = grid.box_mean(&p, r);
    for c in &mut colour {
        *c = grid.box_mean(c, r);
    }
    let mean_i = colour;

    let n = grid.len();
    let mut a = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
    let mut b = vec![0.0; n];
    for k in 0..n {
        let mi = [mean_i[0][k], mean_i[1][k], mean_i[2][k]];
        let cov = |pair: usize| {
            let (c, d) = pairs[pair];
            corr_ii[pair][k] - mi[c] * mi[d]
        };
        let sigma = [
            [cov(0) + EPSILON, cov(1), cov(2)],
            [cov(1), cov(3) + EPSILON, cov(4)],
            [cov(2), cov(4), cov(5) + EPSILON],
        ];
        let cov_ip = [0, 1, 2].map(|c| corr_ip[c][k] - mi[c] * mean_p[k]);
        let ak = solve_symmetric(&sigma, cov_ip);
        for c in 0..3 {
            a[c][k] = ak[c];
        }
        b[k] = mean_p[k] - ak[0] * mi[0] - ak[1] * mi[1] - ak[2] * mi[2];
    }
    // Only outlines are refined; elsewhere the model is trusted as it is.
    let band: Vec<f32> = grid
        .local_span(&p, r)
        .iter()
        .map(|&span| f32::from(u8::from(span >= EDGE_SPAN)))
        .collect();
    [
        grid.box_mean(&a[0], r),
        grid.box_mean(&a[1], r),
        grid.box_mean(&a[2], r),
        grid.box_mean(&b, r),
        grid.box_mean(&band, r),
    ]
}

/// `x` in `Σx = v` for a symmetric positive definite 3×3 `Σ` (Cramer's rule).
fn solve_symmetric(s: &[[f32; 3]; 3], v: [f32; 3]) -> [f32; 3] {
    let c00 = s[1][1] * s[2][2] - s[1][2] * s[2][1];
    let c01 = s[1][2] * s[2][0] - s[1][0] * s[2][2];
    let c02 = s[1][0] * s[2][1] - s[1][1] * s[2][0];
    let c11 = s[0][0] * s[2][2] - s[0][2] * s[2][0];
    let c12 = s[0][2] * s[1][0] - s[0][0] * s[1][2];
    let c22 = s[0][0] * s[1][1] - s[0][1] * s[1][0];
    let det = s[0][0] * c00 + s[0][1] * c01 + s[0][2] * c02;
    // ε on the diagonal keeps det ≥ ε³ > 0 in exact arithmetic; a degenerate window
    // (or NaN from a broken input) must still not divide by it.
    if det.is_nan() || det <= 0.0 {
        return [0.0; 3];
    }
    // The inverse is symmetric: its (i, j) entry is cofactor (j, i) over det.
    [
        (c00 * v[0] + c01 * v[1] + c02 * v[2]) / det,
        (c01 * v[0] + c11 * v[1] + c12 * v[2]) / det,
        (c02 * v[0] + c12 * v[1] + c22 * v[2]) / det,
    ]
}

/// A `step`-times coarser grid over a `full_w`×`full_h` image.
struct Grid {
    full_w: usize,
    full_h: usize,
    step: usize,
    w: usize,
    h: usize,
}

impl Grid {
    fn new(full_w: usize, full_h: usize, step: usize) -> Self {
        Self {
            full_w,
            full_h,
            step,
            w: full_w.div_ceil(step),
            h: full_h.div_ceil(step),
        }
    }

    fn len(&self) -> usize {
        self.w * self.h
    }

    /// Means of `value(pixel index)` over each `step`×`step` block.
    fn subsample(&self, value: impl Fn(usize) -> f32) -> Vec<f32> {
        let mut sums = vec![0.0f32; self.len()];
        let mut counts = vec![0u32; self.len()];
        for y in 0..self.full_h {
            let row = (y / self.step) * self.w;
            for x in 0..self.full_w {
                let k = row + x / self.step;
                sums[k] += value(y * self.full_w + x);
                counts[k] += 1;
            }
        }
        sums.iter()
            .zip(&counts)
            .map(|(s, &c)| s / c as f32)
            .collect()
    }

    /// Mean over the (2r+1)² window around each grid point, shrunk at the borders;
    /// running sums make it O(1) per point whatever the radius.
    fn box_mean(&self, v: &[f32], r: usize) -> Vec<f32> {
        let (w, h) = (self.w, self.h);
        let rows: Vec<f32> = v
            .chunks_exact(w)
            .flat_map(|line| window_means(line, r))
            .collect();
        let mut out = vec![0.0; w * h];
        let mut column = vec![0.0; h];
        for x in 0..w {
            for (y, c) in column.iter_mut().enumerate() {
                *c = rows[y * w + x];
            }
            for (y, m) in window_means(&column, r).into_iter().enumerate() {
                out[y * w + x] = m;
            }
        }
        out
    }

    /// Max minus min of `v` over the (2r+1)² window around each grid point (separable:
    /// rows, then columns).
    fn local_span(&self, v: &[f32], r: usize) -> Vec<f32> {
        let (w, h) = (self.w, self.h);
        let window = |i: usize, n: usize| i.saturating_sub(r)..=(i + r).min(n - 1);
        let extreme = |v: &[f32], pick: fn(f32, f32) -> f32| -> Vec<f32> {
            let rows: Vec<f32> = (0..w * h)
                .map(|k| {
                    let (x, y) = (k % w, k / w);
                    window(x, w).map(|i| v[y * w + i]).fold(v[k], pick)
                })
                .collect();
            (0..w * h)
                .map(|k| {
                    let (x, y) = (k % w, k / w);
                    window(y, h).map(|i| rows[i * w + x]).fold(rows[k], pick)
                })
                .collect()
        };
        let (max, min) = (extreme(v, f32::max), extreme(v, f32::min));
        max.iter().zip(&min).map(|(a, b)| a - b).collect()
    }

    /// The two grid points around full-resolution coordinate `x` (centres aligned) on an
    /// axis `n` points long, and the weight of the second.
    fn tap(&self, x: usize, n: usize) -> (usize, usize, f32) {
        let g = ((x as f32 + 0.5) / self.step as f32 - 0.5).clamp(0.0, (n - 1) as f32);
        let g0 = g.floor() as usize;
        (g0, (g0 + 1).min(n - 1), g - g0 as f32)
    }
}

fn window_means(line: &[f32], r: usize) -> Vec<f32> {
    let n = line.len();
    let prefix: Vec<f64> = std::iter::once(0.0)
        .chain(line.iter().scan(0.0f64, |acc, &v| {
            *acc += f64::from(v);
            Some(*acc)
        }))
        .collect();
    (0..n)
        .map(|i| {
            let (lo, hi) = (i.saturating_sub(r), (i + r + 1).min(n));
            ((prefix[hi] - prefix[lo]) / (hi - lo) as f64) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RGBA image from a colour per pixel.
    fn image(w: usize, h: usize, colour: impl Fn(usize, usize) -> [u8; 3]) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let [r, g, b] = colour(i % w, i / w);
                [r, g, b, 255]
            })
            .collect()
    }

    /// The index of the steepest rise along `row`, and its height.
    fn steepest(row: &[f32]) -> (usize, f32) {
        row.windows(2)
            .map(|p| p[1] - p[0])
            .enumerate()
            .fold(
                (0, f32::MIN),
                |best, (i, d)| if d > best.1 { (i, d) } else { best },
            )
    }

    #[test]
    fn a_blurry_mask_snaps_to_a_colour_edge_of_equal_brightness() {
        // Red left half, green right half, of (nearly) the same luminance, so a brightness
        // guide could not see the edge between x = 99 and 100. The mask: an 8-pixel ramp
        // across it, as a 4× upsampled model mask would be.
        let (w, h) = (200, 40);
        let rgba = image(w, h, |x, _| {
            if x < 100 {
                [200, 40, 60]
            } else {
                [60, 120, 60]
            }
        });
        let mask: Vec<f32> = (0..w * h)
            .map(|i| ((i % w) as f32 - 96.0).clamp(0.0, 8.0) / 8.0)
            .collect();
        let out = refine(&rgba, &mask, w, h, 4.0);
        let row = &out[20 * w..21 * w];
        let (at, step) = steepest(row);
        assert_eq!(at, 99, "steepest step at {at}");
        assert!(step > 0.35, "step {step}, the ramp's was 0.125");
        // Certain regions are left exactly as they were.
        assert_eq!((row[20], row[180]), (0.0, 1.0));
    }

    #[test]
    fn only_outlines_change() {
        let (w, h) = (64, 48);
        let rgba = image(w, h, |x, y| [(x * 4) as u8, (y * 5) as u8, 90]);
        let solid: Vec<f32> = (0..w * h)
            .map(|i| f32::from(u8::from(i % w < 30)))
            .collect();
        // A hard edge: only the windows across it are refined, so pixels farther from it
        // than the window reaches keep their values exactly.
        let out = refine(&rgba, &solid, w, h, 1.0);
        for (i, (o, m)) in out.iter().zip(&solid).enumerate() {
            let x = i % w;
            if !(26..34).contains(&x) {
                assert_eq!(o, m, "pixel {i} far from the edge moved");
            }
        }
        // A gently soft mask (a fur-like interior, no outline in any window) is the
        // model's own answer and stays exactly as it was.
        let soft: Vec<f32> = (0..w * h).map(|i| (i % w) as f32 / w as f32).collect();
        assert_eq!(refine(&rgba, &soft, w, h, 3.0), soft);
    }

    #[test]
    fn the_3x3_solve_inverts_the_matrix() {
        let s = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]];
        let x = [0.3, -1.2, 2.0];
        let v = [0, 1, 2].map(|i| s[i][0] * x[0] + s[i][1] * x[1] + s[i][2] * x[2]);
        let got = solve_symmetric(&s, v);
        assert!(
            got.iter().zip(&x).all(|(g, e)| (g - e).abs() < 1e-5),
            "{got:?}"
        );
        assert_eq!(solve_symmetric(&[[0.0; 3]; 3], v), [0.0; 3]);
    }

    #[test]
    fn box_mean_of_a_constant_is_the_constant() {
        let grid = Grid::new(37, 11, 1);
        let v = vec![0.25; 37 * 11];
        assert!(grid.box_mean(&v, 3).iter().all(|m| (m - 0.25).abs() < 1e-6));
    }
}
