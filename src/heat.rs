//! A class map drawn: the photo the backbone saw, and the map as a coloured layer over it
//! (the page lays the layer over the photo with an opacity slider; `graft explain` blends).

use crate::data::preprocess::{MEAN, STD};
use crate::model::INPUT_SIZE;
use image::{Rgb, RgbImage, Rgba, RgbaImage};

/// MATLAB's "jet" colour for `x` in 0..1 (blue, cyan, green, yellow, red): the colour map of
/// the CAM and Grad-CAM papers' figures, so maps read as readers have seen them.
pub fn jet(x: f32) -> [u8; 3] {
    let x = x.clamp(0.0, 1.0);
    let ramp =
        |centre: f32| ((1.5 - (4.0 * x - centre).abs()).clamp(0.0, 1.0) * 255.0).round() as u8;
    [ramp(3.0), ramp(2.0), ramp(1.0)]
}

/// `heat` (`side * side`, row by row) resized to `size x size`, bilinear with the
/// positions' centres at `(i + 0.5) / side` (as the backbone's own resize samples).
pub fn upsample(heat: &[f32], side: usize, size: u32) -> Vec<f32> {
    let at = |i: u32| -> (usize, usize, f32) {
        let s = ((i as f32 + 0.5) * side as f32 / size as f32 - 0.5).clamp(0.0, (side - 1) as f32);
        let lo = s.floor() as usize;
        (lo, (lo + 1).min(side - 1), s - lo as f32)
    };
    let mut out = Vec::with_capacity((size * size) as usize);
    for y in 0..size {
        let (y0, y1, wy) = at(y);
        for x in 0..size {
            let (x0, x1, wx) = at(x);
            let v = |r: usize, c: usize| heat[r * side + c];
            let top = v(y0, x0) * (1.0 - wx) + v(y0, x1) * wx;
            let bottom = v(y1, x0) * (1.0 - wx) + v(y1, x1) * wx;
            out.push(top * (1.0 - wy) + bottom * wy);
        }
    }
    out
}

/// The coloured layer, `size x size`, opaque (the page sets its opacity).
pub fn layer(heat: &[f32], side: usize, size: u32) -> RgbaImage {
    let values = upsample(heat, side, size);
    RgbaImage::from_fn(size, size, |x, y| {
        let [r, g, b] = jet(values[(y * size + x) as usize]);
        Rgba([r, g, b, 255])
    })
}

/// The photo as the backbone saw it (the centre crop, 224 x 224), from its normalised
/// `[3, 224, 224]` input.
pub fn seen(input: &[f32]) -> RgbImage {
    let plane = INPUT_SIZE * INPUT_SIZE;
    let side = INPUT_SIZE as u32;
    RgbImage::from_fn(side, side, |x, y| {
        let i = (y * side + x) as usize;
        let c = |k: usize| {
            (input[k * plane + i] * STD + MEAN)
                .round()
                .clamp(0.0, 255.0) as u8
        };
        Rgb([c(0), c(1), c(2)])
    })
}

/// `layer` over `photo` (the same size) at `opacity` (0: the photo, 1: the layer).
pub fn blend(photo: &RgbImage, layer: &RgbaImage, opacity: f32) -> RgbImage {
    let a = opacity.clamp(0.0, 1.0);
    RgbImage::from_fn(photo.width(), photo.height(), |x, y| {
        let (p, l) = (photo.get_pixel(x, y), layer.get_pixel(x, y));
        Rgb(std::array::from_fn(|k| {
            (p[k] as f32 * (1.0 - a) + l[k] as f32 * a).round() as u8
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jet_runs_blue_to_red() {
        assert_eq!(jet(0.0), [0, 0, 128]);
        assert_eq!(jet(0.5), [128, 255, 128]);
        assert_eq!(jet(1.0), [128, 0, 0]);
    }

    #[test]
    fn upsampling_keeps_each_positions_value_at_its_centre() {
        // A 2 x 2 map to 4 x 4: pixel 0 lies at 0.25 of a position, clamped to position 0.
        let up = upsample(&[0.0, 1.0, 0.0, 1.0], 2, 4);
        assert_eq!(&up[..4], &[0.0, 0.25, 0.75, 1.0]);
        let one = upsample(&[0.5], 1, 3);
        assert_eq!(one, vec![0.5; 9]);
    }
}
