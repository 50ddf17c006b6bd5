//! Decoding untrusted files: clear errors for bad ones, the right pixels for odd but valid ones.

mod common;

use graft::data::{DecodeError, backbone_input, decode};
use image::{DynamicImage, ImageFormat, RgbImage};
use std::io::Cursor;

fn chelsea() -> Vec<u8> {
    std::fs::read(common::photo("chelsea.png")).unwrap()
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
fn empty_text_and_truncated_files_are_refused_by_name() {
    assert_eq!(decode(&[]), Err(DecodeError::Empty));
    assert_eq!(
        decode(b"just some notes, not a photo\n"),
        Err(DecodeError::UnsupportedFormat)
    );
    let bytes = chelsea();
    let truncated = &bytes[..bytes.len() / 2];
    assert!(
        matches!(decode(truncated), Err(DecodeError::Corrupt(_))),
        "{:?}",
        decode(truncated).err()
    );
    // A PNG signature followed by garbage.
    let mut garbage = bytes[..16].to_vec();
    garbage.extend(std::iter::repeat_n(0xAB, 500));
    assert!(matches!(decode(&garbage), Err(DecodeError::Corrupt(_))));
}

#[test]
fn greyscale_alpha_and_jpeg_photos_decode_to_rgb() {
    let grey = decode(&std::fs::read(common::photo("camera.png")).unwrap()).unwrap();
    assert_eq!(grey.dimensions(), (512, 512));
    assert!(grey.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
    let alpha = decode(&std::fs::read(common::photo("logo.png")).unwrap()).unwrap();
    assert_eq!(alpha.dimensions(), (500, 500));
    let jpeg = decode(&std::fs::read(common::photo("rocket.jpg")).unwrap()).unwrap();
    assert_eq!(jpeg.dimensions(), (640, 427));
}

#[test]
fn sixteen_bit_png_matches_its_eight_bit_source() {
    let original = image::load_from_memory(&chelsea()).unwrap();
    let deep = DynamicImage::ImageRgb16(original.to_rgb16());
    let decoded = decode(&encode(&deep, ImageFormat::Png)).unwrap();
    let max = decoded
        .pixels()
        .zip(original.to_rgb8().pixels())
        .flat_map(|(a, b)| (0..3).map(move |c| (a.0[c] as i32 - b.0[c] as i32).abs()))
        .max()
        .unwrap();
    assert!(max <= 1, "16-bit decode differs by {max}");
}

/// Insert an EXIF APP1 segment with the given orientation right after the JPEG's SOI marker.
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec(); // big-endian TIFF, IFD at 8
    tiff.extend([0, 1]); // one entry
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]); // Orientation, SHORT
    tiff.extend([0, 0, 0, 0]); // no next IFD
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(len.to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    let original = image::load_from_memory(&chelsea()).unwrap(); // 451 x 300, landscape
    let jpeg = encode(
        &DynamicImage::ImageRgb8(original.to_rgb8()),
        ImageFormat::Jpeg,
    );
    assert_eq!(decode(&jpeg).unwrap().dimensions(), (451, 300));
    // Orientation 6: the camera was turned; the photo must be shown rotated 90° clockwise.
    let rotated = decode(&with_exif_orientation(&jpeg, 6)).unwrap();
    assert_eq!(rotated.dimensions(), (300, 451));
}

#[test]
fn a_fifty_megapixel_photo_is_reduced_while_decoding() {
    // Chelsea scaled up to 8660 x 5774 (50 MP), as a phone camera JPEG would be.
    let big = image::load_from_memory(&chelsea()).unwrap().resize_exact(
        8660,
        5774,
        image::imageops::FilterType::Nearest,
    );
    let jpeg = encode(&DynamicImage::ImageRgb8(big.to_rgb8()), ImageFormat::Jpeg);
    drop(big);
    let img = decode(&jpeg).unwrap();
    let short = img.width().min(img.height());
    assert!(
        (512..1024).contains(&short),
        "kept {}x{}",
        img.width(),
        img.height()
    );
    // Same aspect ratio as the original (within the integer reduction's rounding).
    let ratio = img.width() as f32 / img.height() as f32;
    assert!((ratio - 8660.0 / 5774.0).abs() < 0.01, "aspect {ratio}");
}

#[test]
fn a_huge_declared_size_is_refused_before_decoding() {
    // A valid PNG header claiming 20000 x 20000 (400 MP) and no pixel data.
    let tiny = encode(
        &DynamicImage::ImageRgb8(RgbImage::new(1, 1)),
        ImageFormat::Png,
    );
    let mut forged = tiny.clone();
    forged[16..20].copy_from_slice(&20000u32.to_be_bytes());
    forged[20..24].copy_from_slice(&20000u32.to_be_bytes());
    // Re-seal the IHDR chunk's CRC (over type + data, bytes 12..29) so only the size is odd.
    let crc = crc32(&forged[12..29]);
    forged[29..33].copy_from_slice(&crc.to_be_bytes());
    assert!(
        matches!(
            decode(&forged),
            Err(DecodeError::TooLarge {
                width: 20000,
                height: 20000,
                ..
            })
        ),
        "{:?}",
        decode(&forged)
    );
}

/// CRC-32 (IEEE), as PNG chunks use.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Long thin images (a real photo stretched into strips) are refused by name before any
/// pixel is decoded; strips up to 20:1 decode, and the backbone's input from one costs its
/// own size, not the resize's (a 65 535 x 1 strip's resize would be 51 GB).
#[test]
fn long_thin_images_are_refused_and_strips_up_to_twenty_to_one_decode() {
    let photo = image::load_from_memory(&chelsea()).unwrap();
    let strip = |w, h| {
        let img = photo.resize_exact(w, h, image::imageops::FilterType::Nearest);
        encode(&DynamicImage::ImageRgb8(img.to_rgb8()), ImageFormat::Png)
    };
    for (width, height) in [(65_535, 1), (1, 65_535), (30_000, 20), (2_100, 100)] {
        assert_eq!(
            decode(&strip(width, height)),
            Err(DecodeError::TooThin {
                width,
                height,
                max: 20
            })
        );
    }
    for (w, h) in [(2_000, 100), (100, 2_000)] {
        let img = decode(&strip(w, h)).unwrap();
        assert_eq!(img.dimensions(), (w, h));
        let input = backbone_input(&img);
        assert_eq!(input.len(), 3 * 224 * 224);
        assert!(input.iter().all(|v| v.is_finite() && v.abs() <= 1.0));
    }
}

/// The header check refuses what `decode` refuses, in the same words, before decoding; it
/// lets another decoder take only whole 8-bit PNGs (a JPEG, whose pixels differ between
/// decoders, a 16-bit PNG, or a cut PNG a browser might show in part, go to `decode`; the
/// browser's decoder itself turns down any with a pixel not opaque).
#[test]
fn the_header_check_refuses_as_decode_does_and_passes_on_only_plain_whole_files() {
    use graft::data::image::read_header;
    let png = chelsea();
    let rgb = decode(&png).unwrap();
    let jpeg = encode(&DynamicImage::ImageRgb8(rgb.clone()), ImageFormat::Jpeg);
    let rgba = encode(
        &DynamicImage::ImageRgb8(rgb.clone()).to_rgba8().into(),
        ImageFormat::Png,
    );
    let deep = encode(
        &DynamicImage::ImageRgb8(rgb).to_rgb16().into(),
        ImageFormat::Png,
    );
    for (bytes, plain) in [(&png, true), (&jpeg, false), (&rgba, true), (&deep, false)] {
        let header = read_header(bytes).unwrap();
        assert_eq!(
            (header.width, header.height, header.plain),
            (451, 300, plain)
        );
    }
    assert!(!read_header(&png[..png.len() - 20]).unwrap().plain);
    for bad in [&[][..], b"notes", &png[..16]] {
        assert_eq!(read_header(bad).err(), decode(bad).err(), "{bad:?}");
    }
    let thin = encode(&DynamicImage::new_rgb8(2100, 100), ImageFormat::Png);
    assert!(matches!(
        read_header(&thin),
        Err(DecodeError::TooThin { .. })
    ));
}
