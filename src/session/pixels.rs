//! A file's pixels in the worker: the browser's own decoder where it gives what
//! `data::decode` would, else (and whenever it fails) `data::decode`, whose words the
//! person sees for a file that cannot be read.

use crate::data::decode;
use crate::data::image::{DecodeError, read_header, reduced};
use crate::web::decode::browser_decode;
use image::RgbImage;

/// Decode an untrusted file, checked first (size, shape) by its header in Rust, so a file
/// the command line refuses is refused here in the same words before the browser sees it.
pub async fn decode_file(bytes: &[u8]) -> Result<RgbImage, DecodeError> {
    let header = read_header(bytes)?;
    if header.plain {
        match browser_decode(bytes).await {
            // EXIF orientation may have turned it.
            Ok(img)
                if img.dimensions() == (header.width, header.height)
                    || img.dimensions() == (header.height, header.width) =>
            {
                // `tests/browser/decode.test.mjs` counts these (the page's `?trace`).
                log::debug!("graft-decoder browser {}x{}", header.width, header.height);
                return Ok(reduced(img));
            }
            Ok(img) => log::warn!(
                "the browser decoded a {}x{} file as {:?}; decoding it in Rust",
                header.width,
                header.height,
                img.dimensions()
            ),
            Err(e) => log::info!("the browser could not decode a file ({e}); decoding it in Rust"),
        }
    }
    decode(bytes)
}
