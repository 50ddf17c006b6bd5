//! Decode an untrusted image file into 8-bit RGB, oriented as the camera meant it.

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};
use std::io::Cursor;

/// Larger inputs are refused before decoding (about 100 megapixels of RGBA).
const MAX_PIXELS: u64 = 100_000_000;
/// Longer side over shorter side at most. The backbone sees a centre square of the image,
/// so a 20:1 strip shows it a twentieth; a phone's widest panoramas are about 10:1. Longer,
/// thinner files (a 65 535 x 1 PNG is 196 KB) are refused before decoding.
pub const MAX_ASPECT: u32 = 20;
/// Decoded images whose shorter side exceeds this are box-reduced at once, so a 50 MP
/// photo costs its decode buffer once and then only a small copy (the backbone sees 256).
pub const KEEP_SHORT_SIDE: u32 = 512;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("not an image this app reads (PNG, JPEG, WebP, GIF or BMP)")]
    UnsupportedFormat,
    #[error("the image is {width}x{height}, over the {max} megapixel limit")]
    TooLarge { width: u32, height: u32, max: u64 },
    #[error(
        "the image is {width}x{height}: over {max} times as long as it is wide, too thin to classify"
    )]
    TooThin { width: u32, height: u32, max: u32 },
    #[error("the image is corrupt or truncated: {0}")]
    Corrupt(String),
}

/// Decode `bytes`, apply the EXIF orientation, convert greyscale, alpha (dropped) and
/// 16-bit images to 8-bit RGB, and shrink huge images to a short side of about 512.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    if reader.format().is_none() {
        return Err(DecodeError::UnsupportedFormat);
    }
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(DecodeError::Corrupt("zero width or height".into()));
    }
    if width as u64 * height as u64 > MAX_PIXELS {
        return Err(DecodeError::TooLarge {
            width,
            height,
            max: MAX_PIXELS / 1_000_000,
        });
    }
    if u64::from(width.max(height)) > u64::from(MAX_ASPECT) * u64::from(width.min(height)) {
        return Err(DecodeError::TooThin {
            width,
            height,
            max: MAX_ASPECT,
        });
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 8);
    decoder.set_limits(limits).map_err(classify)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(classify)?;
    let short = img.width().min(img.height());
    if short > 2 * KEEP_SHORT_SIDE {
        img = box_reduce(img, short / KEEP_SHORT_SIDE);
    }
    if let Some(orientation) = orientation {
        img.apply_orientation(orientation);
    }
    Ok(img.into_rgb8())
}

/// Shrink by an integer `factor`, averaging each `factor x factor` block (no aliasing).
fn box_reduce(img: DynamicImage, factor: u32) -> DynamicImage {
    let src = img.into_rgb8();
    let (w, h) = (src.width() / factor, src.height() / factor);
    let area = factor * factor;
    let mut out = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0u32; 3];
            for dy in 0..factor {
                for dx in 0..factor {
                    let p = src.get_pixel(x * factor + dx, y * factor + dy).0;
                    for c in 0..3 {
                        sum[c] += p[c] as u32;
                    }
                }
            }
            out.put_pixel(x, y, image::Rgb(sum.map(|s| ((s + area / 2) / area) as u8)));
        }
    }
    DynamicImage::ImageRgb8(out)
}

fn classify(e: image::ImageError) -> DecodeError {
    match e {
        image::ImageError::Unsupported(_) => DecodeError::UnsupportedFormat,
        image::ImageError::Limits(_) => DecodeError::TooLarge {
            width: 0,
            height: 0,
            max: MAX_PIXELS / 1_000_000,
        },
        other => DecodeError::Corrupt(other.to_string()),
    }
}
