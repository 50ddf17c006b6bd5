//! The downscaled copy of a sample a project keeps (thumbnail and source for later passes).

use super::preprocess::resize_bilinear;
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

/// Shorter side of the kept copy: what the backbone's resize step needs (preprocess.rs).
pub const STORED_SHORT_SIDE: u32 = 256;
/// JPEG quality of the kept copy. Training rows are made from it later, so it must give
/// the backbone what the original does: at 95 the features of copy and original agree to a
/// cosine of 0.996 on average over the test photos (0.948 at 85 with a Triangle-filtered
/// downscale), at ~32 KB a photo instead of ~18 (tests/stored_copy.rs).
const JPEG_QUALITY: u8 = 95;

/// The pixels the page works from once it has kept a photo: its kept copy, decoded. The
/// command line makes its augmented views and cut activations from these too.
pub fn copy_pixels(img: &RgbImage) -> Result<RgbImage, String> {
    let copy = stored_copy(img)?;
    super::decode(&copy).map_err(|e| e.to_string())
}

/// Downscale (never up) so the shorter side is at most 256 px, and encode as JPEG.
pub fn stored_copy(img: &RgbImage) -> Result<Vec<u8>, String> {
    let (w, h) = img.dimensions();
    let short = w.min(h).max(1);
    let small;
    let img = if short > STORED_SHORT_SIDE {
        let scale = STORED_SHORT_SIDE as f64 / short as f64;
        let (nw, nh) = (
            ((w as f64 * scale).round() as u32).max(1),
            ((h as f64 * scale).round() as u32).max(1),
        );
        // The backbone's own resize (bilinear, no antialiasing), so that the copy gives
        // the backbone what the original does: training rows made from the copy then match
        // what the preview computes from originals (tests/stored_copy.rs measures it).
        let values = resize_bilinear(img, nh as usize, nw as usize);
        let bytes = values
            .iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect();
        small = RgbImage::from_raw(nw, nh, bytes).ok_or("the kept copy's size did not add up")?;
        &small
    } else {
        img
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(img)
        .map_err(|e| format!("could not encode the kept copy: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscales_and_decodes_back() {
        let img = RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let jpeg = stored_copy(&img).unwrap();
        let back = crate::data::decode(&jpeg).unwrap();
        assert_eq!(back.dimensions(), (341, 256));
        let tiny = RgbImage::new(40, 30);
        let back = crate::data::decode(&stored_copy(&tiny).unwrap()).unwrap();
        assert_eq!(back.dimensions(), (40, 30), "small images are not upscaled");
    }
}
