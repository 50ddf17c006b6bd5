//! A picture made ready for a project: decoded once, hashed, cut to the backbone's input and
//! shrunk to the copy a project keeps. Pure Rust, the same in the worker and natively.

use crate::data::backbone_input;
use crate::data::stored::stored_copy;
use crate::project::sample_hash;
use image::RgbImage;

/// What the project needs of an added picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// `sample_hash` of the file's bytes: finds duplicates, seeds its augmented views.
    pub hash: String,
    /// The backbone's `[3, 224, 224]` input.
    pub input: Vec<f32>,
    /// The kept copy (JPEG, shorter side at most 256).
    pub copy: Vec<u8>,
}

/// The same for RGB pixels (a webcam frame), hashed by its pixels: only an identical frame
/// is a duplicate.
pub fn prepare_pixels(width: u32, height: u32, rgb: &[u8]) -> Result<Prepared, String> {
    let img = RgbImage::from_raw(width, height, rgb.to_vec())
        .filter(|_| width > 0 && height > 0)
        .ok_or_else(|| format!("a {width}x{height} frame that does not fit its pixels"))?;
    prepare_image(sample_hash(rgb), &img)
}

/// The input and the copy of an image already decoded, `hash` its file's `sample_hash`.
pub fn prepare_image(hash: String, img: &RgbImage) -> Result<Prepared, String> {
    Ok(Prepared {
        hash,
        input: backbone_input(img),
        copy: stored_copy(img)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::decode;

    /// A frame's pixels prepare as the same image decoded would; pixels that do not fill
    /// the stated size are refused.
    #[test]
    fn frames_prepare_like_files() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/images/chelsea.png"
        );
        let bytes = std::fs::read(path).expect("the test photo");
        let img = decode(&bytes).unwrap();
        let frame = prepare_pixels(img.width(), img.height(), img.as_raw()).unwrap();
        let file = prepare_image(sample_hash(&bytes), &img).unwrap();
        assert_eq!(frame.input, file.input);
        assert_eq!(frame.copy, file.copy);
        assert_ne!(frame.hash, file.hash);
        assert!(prepare_pixels(4, 4, &[0; 47]).is_err());
        assert!(prepare_pixels(0, 4, &[]).is_err());
    }
}
