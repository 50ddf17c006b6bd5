//! The backbone's input: resize (shorter side 256, bilinear), centre-crop 224, normalise.

use crate::model::INPUT_SIZE;
use image::RgbImage;

/// Shorter side after resizing, before the centre crop (the usual ImageNet 256 -> 224).
pub const RESIZE_SHORT_SIDE: usize = 256;
/// EfficientNet-Lite's input scaling: `(x - 127) / 128` (lite models drop the per-channel
/// ImageNet mean/std of the full EfficientNets; TF efficientnet_lite_builder MEAN_RGB/STDDEV_RGB).
pub const MEAN: f32 = 127.0;
pub const STD: f32 = 128.0;

/// Bilinear resize of interleaved RGB `[H, W, 3]` to `out_h x out_w`, half-pixel centres,
/// no antialiasing (PyTorch `align_corners=False`). Returns f32 `[out_h, out_w, 3]`.
pub fn resize_bilinear(img: &RgbImage, out_h: usize, out_w: usize) -> Vec<f32> {
    let all = Window {
        top: 0,
        left: 0,
        height: out_h,
        width: out_w,
    };
    resize_window(img, (out_h, out_w), all)
}

/// Part of an image's resize: rows `top..top + height`, columns `left..left + width`.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub top: usize,
    pub left: usize,
    pub height: usize,
    pub width: usize,
}

/// `window` of `resize_bilinear(img, out_h, out_w)`, computing and allocating only that
/// window: the memory is the window's whatever the resize's size (a 65 535 x 1 image's
/// full resize to a 256 short side would be 256 x 16.7 M pixels, 51 GB of f32).
pub fn resize_window(img: &RgbImage, (out_h, out_w): (usize, usize), window: Window) -> Vec<f32> {
    let (in_w, in_h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    let axis = |from: usize, n: usize, n_out: usize, n_in: usize| -> Vec<(usize, usize, f32)> {
        (from..from + n)
            .map(|i| {
                let s = ((i as f64 + 0.5) * (n_in as f64 / n_out as f64) - 0.5)
                    .clamp(0.0, (n_in - 1) as f64);
                let lo = s.floor() as usize;
                (lo, (lo + 1).min(n_in - 1), (s - lo as f64) as f32)
            })
            .collect()
    };
    let ys = axis(window.top, window.height, out_h, in_h);
    let xs = axis(window.left, window.width, out_w, in_w);
    let mut out = vec![0f32; window.height * window.width * 3];
    for (oy, &(y0, y1, wy)) in ys.iter().enumerate() {
        for (ox, &(x0, x1, wx)) in xs.iter().enumerate() {
            for c in 0..3 {
                let p = |y: usize, x: usize| src[(y * in_w + x) * 3 + c] as f32;
                let top = p(y0, x0) * (1.0 - wx) + p(y0, x1) * wx;
                let bottom = p(y1, x0) * (1.0 - wx) + p(y1, x1) * wx;
                out[(oy * window.width + ox) * 3 + c] = top * (1.0 - wy) + bottom * wy;
            }
        }
    }
    out
}

/// The normalised `[3, 224, 224]` input (channel-major) for one decoded photo.
pub fn backbone_input(img: &RgbImage) -> Vec<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // Shorter side to 256, the other rounded to keep the aspect ratio (at least 224).
    let (nh, nw) = if h <= w {
        (
            RESIZE_SHORT_SIDE,
            ((w * RESIZE_SHORT_SIDE) as f64 / h as f64)
                .round()
                .max(INPUT_SIZE as f64) as usize,
        )
    } else {
        (
            ((h * RESIZE_SHORT_SIDE) as f64 / w as f64)
                .round()
                .max(INPUT_SIZE as f64) as usize,
            RESIZE_SHORT_SIDE,
        )
    };
    // Only the centre crop of the resize is computed.
    let crop = Window {
        top: (nh - INPUT_SIZE) / 2,
        left: (nw - INPUT_SIZE) / 2,
        height: INPUT_SIZE,
        width: INPUT_SIZE,
    };
    let cropped = resize_window(img, (nh, nw), crop);
    let plane = INPUT_SIZE * INPUT_SIZE;
    let mut out = vec![0f32; 3 * plane];
    for (i, px) in cropped.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (px[c] - MEAN) / STD;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_resize_keeps_pixels() {
        let img = RgbImage::from_fn(5, 4, |x, y| image::Rgb([x as u8 * 10, y as u8 * 20, 7]));
        let out = resize_bilinear(&img, 4, 5);
        assert_eq!(out[(2 * 5 + 3) * 3], 30.0);
        assert_eq!(out[(2 * 5 + 3) * 3 + 1], 40.0);
    }

    #[test]
    fn halving_averages_neighbours() {
        // Half-pixel centres: output pixel 0 samples input 0.5, the mean of pixels 0 and 1.
        let img = RgbImage::from_fn(4, 2, |x, _| image::Rgb([x as u8 * 80, 0, 0]));
        let out = resize_bilinear(&img, 1, 2);
        assert_eq!(out[0], 40.0);
        assert_eq!(out[3], 200.0);
    }

    /// A window of the resize is that part of the whole resize, exactly.
    #[test]
    fn a_window_is_that_part_of_the_whole_resize() {
        let img = RgbImage::from_fn(37, 23, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 11 % 256) as u8,
                ((x * y) % 251) as u8,
            ])
        });
        let (h, w) = (50, 81);
        let whole = resize_bilinear(&img, h, w);
        let window = Window {
            top: 13,
            left: 29,
            height: 20,
            width: 40,
        };
        let part = resize_window(&img, (h, w), window);
        for y in 0..window.height {
            for x in 0..window.width {
                for c in 0..3 {
                    let want = whole[((window.top + y) * w + window.left + x) * 3 + c];
                    assert_eq!(
                        part[(y * window.width + x) * 3 + c],
                        want,
                        "({y}, {x}, {c})"
                    );
                }
            }
        }
    }

    #[test]
    fn input_is_normalised_and_cropped() {
        let img = RgbImage::from_pixel(300, 600, image::Rgb([255, 127, 0]));
        let x = backbone_input(&img);
        assert_eq!(x.len(), 3 * 224 * 224);
        assert!((x[0] - 1.0).abs() < 1e-6); // (255 - 127) / 128
        assert_eq!(x[224 * 224], 0.0);
        assert!((x[2 * 224 * 224] + 127.0 / 128.0).abs() < 1e-6);
    }
}
