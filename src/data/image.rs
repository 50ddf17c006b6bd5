//! Decode an untrusted image file into 8-bit RGB, oriented as the camera meant it.

use image::{ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
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

/// What a file's header says, checked as `decode` checks it, before any pixel is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
    /// Any correct decoder gives exactly `decode`'s pixels, so another (the browser's) may
    /// decode it: a whole PNG of 8-bit samples (lossless; with alpha, the other decoder must
    /// check that every pixel is opaque, as a canvas premultiplies the others). Not a JPEG: decoders differ in their IDCT and chroma upsampling,
    /// and a head trained on the browser's pixels answered up to 0.017 away from the
    /// command line's (tests/browser/decode.test.mjs, docs/benchmarks.md).
    pub plain: bool,
}

/// Read and check `bytes`' header: the same refusals, in the same words, as `decode`.
pub fn read_header(bytes: &[u8]) -> Result<Header, DecodeError> {
    let (format, decoder) = open(bytes)?;
    check(&decoder)?;
    let (width, height) = decoder.dimensions();
    let plain = matches!(
        decoder.color_type(),
        ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8
    ) && looks_whole(format, bytes);
    Ok(Header {
        width,
        height,
        format,
        plain,
    })
}

/// Whether the file is a PNG that ends as a whole one does, with the IEND chunk and its
/// CRC (PNG 5.6): a cut file a browser might show in part is left to `decode`, which
/// refuses it.
fn looks_whole(format: ImageFormat, bytes: &[u8]) -> bool {
    format == ImageFormat::Png
        && bytes.len() >= 12
        && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND"
}

/// The file's format and its decoder.
fn open(bytes: &[u8]) -> Result<(ImageFormat, impl ImageDecoder + '_), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    let format = reader.format().ok_or(DecodeError::UnsupportedFormat)?;
    Ok((format, reader.into_decoder().map_err(classify)?))
}

/// The size limits, before decoding.
fn check(decoder: &impl ImageDecoder) -> Result<(), DecodeError> {
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
    Ok(())
}

/// Decode `bytes`, apply the EXIF orientation, convert greyscale, alpha (dropped) and
/// 16-bit images to 8-bit RGB, and shrink huge images to a short side of about 512.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, DecodeError> {
    let (_, mut decoder) = open(bytes)?;
    check(&decoder)?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 8);
    decoder.set_limits(limits).map_err(classify)?;
    let orientation = decoder.orientation().ok();
    let img = DynamicImage::from_decoder(decoder).map_err(classify)?;
    let mut img = DynamicImage::ImageRgb8(reduced(img.into_rgb8()));
    if let Some(orientation) = orientation {
        img.apply_orientation(orientation);
    }
    Ok(img.into_rgb8())
}

/// A decoded image as `decode` keeps it: one whose shorter side is over twice
/// `KEEP_SHORT_SIDE` is box-reduced by a whole factor.
pub fn reduced(img: RgbImage) -> RgbImage {
    let short = img.width().min(img.height());
    match short > 2 * KEEP_SHORT_SIDE {
        true => box_reduce(img, short / KEEP_SHORT_SIDE),
        false => img,
    }
}

/// Shrink by an integer `factor`, averaging each `factor x factor` block (no aliasing).
fn box_reduce(src: RgbImage, factor: u32) -> RgbImage {
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
    out
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
