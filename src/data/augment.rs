//! Random training views of a photo: resized crop, horizontal flip, small rotation and
//! colour jitter, all scaled by one strength in [0, 1]; strength 0 is the plain input.
//!
//! Each view is sampled straight from the decoded photo with one affine map (bilinear),
//! so a view costs about what `backbone_input` does, not a chain of image copies.

use super::preprocess::{MEAN, RESIZE_SHORT_SIDE, STD};
use crate::model::INPUT_SIZE;
use crate::rng::SplitMix64;
use image::RgbImage;

/// How far each transform goes at strength 1 (torchvision's RandomResizedCrop keeps 8-100 %
/// of the area; these milder ranges suit few-shot photos whose subject fills the frame).
const MIN_AREA: f64 = 0.35;
const MAX_LOG_ASPECT: f64 = 0.2877; // ln(4/3), RandomResizedCrop's default ratio range
const MAX_DEGREES: f64 = 15.0;
/// Brightness, contrast and saturation factors in 1 ± this (ColorJitter(0.4, 0.4, 0.4)).
const MAX_JITTER: f64 = 0.4;

/// The generator of an image's augmented views: the run's seed and the image's content
/// (its sha256 as hex, `project::sample_hash`), so the same photo gets the same views in the
/// page and on the command line, wherever it sits in the folder or the project.
pub fn views_rng(seed: u64, hash: &str) -> SplitMix64 {
    // A malformed hash (not from `sample_hash`) still seeds a run, only not across tools.
    let key = hash.get(..16).and_then(|h| u64::from_str_radix(h, 16).ok());
    SplitMix64(seed ^ key.unwrap_or(0).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The normalised `[3, 224, 224]` input of one random view of `img`.
pub fn augmented_input(img: &RgbImage, strength: f32, rng: &mut SplitMix64) -> Vec<f32> {
    let s = strength.clamp(0.0, 1.0) as f64;
    let (w, h) = (img.width() as f64, img.height() as f64);
    // The plain view: shorter side to 256, centre 224 (as `backbone_input` computes it).
    let short = RESIZE_SHORT_SIDE as f64;
    let (nh, nw) = if h <= w {
        (short, (w * short / h).round().max(INPUT_SIZE as f64))
    } else {
        ((h * short / w).round().max(INPUT_SIZE as f64), short)
    };
    let n = INPUT_SIZE as f64;
    let centre = (
        ((nw - n) / 2.0).floor() + n / 2.0,
        ((nh - n) / 2.0).floor() + n / 2.0,
    );
    let mut uniform = |lo: f64, hi: f64| lo + (hi - lo) * rng.next_f64();
    // Crop: a share of the plain view's area at some aspect, anywhere in the resized photo.
    let area = uniform(1.0 - (1.0 - MIN_AREA) * s, 1.0);
    let aspect = uniform(-MAX_LOG_ASPECT * s, MAX_LOG_ASPECT * s).exp();
    let (zx, zy) = (
        (area * aspect).sqrt().min(nw / n),
        (area / aspect).sqrt().min(nh / n),
    );
    let tx = uniform(-1.0, 1.0) * s * (nw / 2.0 - zx * n / 2.0).max(0.0);
    let ty = uniform(-1.0, 1.0) * s * (nh / 2.0 - zy * n / 2.0).max(0.0);
    let flip = if s > 0.0 && uniform(0.0, 1.0) < 0.5 {
        -1.0
    } else {
        1.0
    };
    let angle = uniform(-MAX_DEGREES, MAX_DEGREES).to_radians() * s;
    let jitter = |u: f64| 1.0 + u * MAX_JITTER * s;
    let (bright, contrast, saturation) = (
        jitter(uniform(-1.0, 1.0)),
        jitter(uniform(-1.0, 1.0)),
        jitter(uniform(-1.0, 1.0)),
    );
    let (sin, cos) = angle.sin_cos();
    let (scale_x, scale_y) = (w / nw, h / nh);
    let src = img.as_raw();
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let size = INPUT_SIZE;
    let mut rgb = vec![0f32; size * size * 3];
    for y in 0..size {
        for x in 0..size {
            // Output pixel centre relative to the view's centre, then crop, flip, rotate.
            let (px, py) = (
                (x as f64 + 0.5 - n / 2.0) * zx * flip,
                (y as f64 + 0.5 - n / 2.0) * zy,
            );
            let (rx, ry) = (
                centre.0 + tx + cos * px - sin * py,
                centre.1 + ty + sin * px + cos * py,
            );
            // Resized-image coordinates to the photo's, half-pixel centres, edges clamped.
            let sx = (rx * scale_x - 0.5).clamp(0.0, (iw - 1) as f64);
            let sy = (ry * scale_y - 0.5).clamp(0.0, (ih - 1) as f64);
            let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(iw - 1), (y0 + 1).min(ih - 1));
            let (wx, wy) = ((sx - x0 as f64) as f32, (sy - y0 as f64) as f32);
            for c in 0..3 {
                let p = |yy: usize, xx: usize| src[(yy * iw + xx) * 3 + c] as f32;
                let top = p(y0, x0) * (1.0 - wx) + p(y0, x1) * wx;
                let bottom = p(y1, x0) * (1.0 - wx) + p(y1, x1) * wx;
                rgb[(y * size + x) * 3 + c] = top * (1.0 - wy) + bottom * wy;
            }
        }
    }
    if s > 0.0 {
        jitter_colours(&mut rgb, bright as f32, contrast as f32, saturation as f32);
    }
    let plane = size * size;
    let mut out = vec![0f32; 3 * plane];
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (px[c] - MEAN) / STD;
        }
    }
    out
}

/// Brightness (scale), contrast (about the view's mean grey) and saturation (about each
/// pixel's grey), in that order, clamped to [0, 255] after each, as torchvision's ColorJitter.
fn jitter_colours(rgb: &mut [f32], bright: f32, contrast: f32, saturation: f32) {
    let grey = |p: &[f32]| 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    rgb.iter_mut()
        .for_each(|v| *v = (*v * bright).clamp(0.0, 255.0));
    let mean = rgb.chunks_exact(3).map(grey).sum::<f32>() / (rgb.len() / 3) as f32;
    rgb.iter_mut()
        .for_each(|v| *v = (mean + (*v - mean) * contrast).clamp(0.0, 255.0));
    for p in rgb.chunks_exact_mut(3) {
        let g = grey(p);
        p.iter_mut()
            .for_each(|v| *v = (g + (*v - g) * saturation).clamp(0.0, 255.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::backbone_input;

    fn photo() -> RgbImage {
        // A non-square gradient with structure on both axes (no file needed here).
        RgbImage::from_fn(300, 240, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 251) as u8])
        })
    }

    /// Views follow the image's content and the seed, not its place in a folder.
    #[test]
    fn the_views_seed_is_the_contents_and_the_runs() {
        let (a, b) = (
            crate::project::sample_hash(b"one photo"),
            crate::project::sample_hash(b"another photo"),
        );
        let first = |seed, hash: &str| views_rng(seed, hash).next_u64();
        assert_eq!(first(7, &a), first(7, &a));
        assert_ne!(first(7, &a), first(7, &b));
        assert_ne!(first(7, &a), first(8, &a));
        assert_eq!(first(7, "not hex"), first(7, ""));
    }

    #[test]
    fn strength_zero_is_the_plain_input() {
        let img = photo();
        let plain = backbone_input(&img);
        let view = augmented_input(&img, 0.0, &mut SplitMix64(1));
        let worst = plain
            .iter()
            .zip(&view)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        // Same bilinear samples; f64 vs f32 coordinate arithmetic differs by rounding only.
        assert!(worst < 1e-3, "largest difference {worst}");
    }

    #[test]
    fn views_differ_from_each_other_and_repeat_with_the_seed() {
        let img = photo();
        let a = augmented_input(&img, 1.0, &mut SplitMix64(7));
        let b = augmented_input(&img, 1.0, &mut SplitMix64(8));
        assert_eq!(a, augmented_input(&img, 1.0, &mut SplitMix64(7)));
        let mean_diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32;
        assert!(
            mean_diff > 0.05,
            "two views are nearly the same: {mean_diff}"
        );
        assert_eq!(a.len(), 3 * INPUT_SIZE * INPUT_SIZE);
        let (lo, hi) = ((0.0 - MEAN) / STD, (255.0 - MEAN) / STD);
        assert!(a.iter().all(|v| (lo..=hi).contains(v)));
    }

    #[test]
    fn a_flip_alone_mirrors_the_plain_view() {
        // Of the jitter, only brightness changes a uniform-saturation grey ramp: check the
        // geometry on a mirror-symmetric test by flipping a view's rows back.
        let img = RgbImage::from_fn(256, 256, |x, _| image::Rgb([x as u8, x as u8, x as u8]));
        let mut rng = SplitMix64(3);
        // Find a seed whose view flips: column order reverses the ramp's slope.
        let slope = |v: &[f32]| v[INPUT_SIZE - 1] - v[0];
        let views: Vec<Vec<f32>> = (0..8)
            .map(|_| augmented_input(&img, 1.0, &mut rng))
            .collect();
        assert!(
            views.iter().any(|v| slope(v) < 0.0),
            "no view was flipped in 8"
        );
        assert!(
            views.iter().any(|v| slope(v) > 0.0),
            "every view was flipped in 8"
        );
    }
}
