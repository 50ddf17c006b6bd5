//! The browser's own image decoder, in the session's worker: `createImageBitmap` (native
//! code, EXIF orientation applied) drawn on an `OffscreenCanvas` and read back as RGB.

use super::scope::{Scope, scope};
use image::RgbImage;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, ColorSpaceConversion, ImageBitmap, ImageBitmapOptions, ImageOrientation, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d, PremultiplyAlpha,
};

/// `bytes` decoded by the browser into 8-bit RGB, as the camera meant it (EXIF
/// orientation), with no colour management (as `data::decode`); `Err` says why not (the
/// caller then decodes it in Rust, whose message the person sees), also for a picture with
/// any pixel not opaque: the canvas premultiplies those, which loses their colour.
pub async fn browser_decode(bytes: &[u8]) -> Result<RgbImage, String> {
    let Scope::Worker(worker) = scope() else {
        return Err("the browser's decoder is used in the session's worker only".into());
    };
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = Blob::new_with_u8_array_sequence(&parts).map_err(js)?;
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    options.set_color_space_conversion(ColorSpaceConversion::None);
    options.set_premultiply_alpha(PremultiplyAlpha::None);
    let promise = worker
        .create_image_bitmap_with_blob_and_image_bitmap_options(&blob, &options)
        .map_err(js)?;
    let bitmap: ImageBitmap = JsFuture::from(promise).await.map_err(js)?.unchecked_into();
    let (width, height) = (bitmap.width(), bitmap.height());
    let canvas = OffscreenCanvas::new(width, height).map_err(js)?;
    let context: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js)?
        .ok_or("no 2d context")?
        .unchecked_into();
    context
        .draw_image_with_image_bitmap(&bitmap, 0.0, 0.0)
        .map_err(js)?;
    bitmap.close();
    let rgba = context
        .get_image_data(0.0, 0.0, width as f64, height as f64)
        .map_err(js)?
        .data();
    if rgba.chunks_exact(4).any(|p| p[3] != 255) {
        return Err("it has transparent pixels".into());
    }
    let rgb = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| "the decoded pixels did not fit".into())
}

fn js(e: JsValue) -> String {
    super::js_error(e)
}
