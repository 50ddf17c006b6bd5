//! The webcam: open a stream into a `<video>`, grab frames as RGB images, close it.

use super::js_error;
use image::RgbImage;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream};

/// Frames are grabbed at most this large (longer side): the backbone sees 224 px anyway.
const MAX_SIDE: u32 = 640;

/// Ask for the camera and show it in `video`. Errors say why (denied, no camera).
pub async fn open(video: &HtmlVideoElement) -> Result<MediaStream, String> {
    let devices = gloo::utils::window()
        .navigator()
        .media_devices()
        .map_err(|_| "this browser offers no camera access (it needs https or localhost)")?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&JsValue::TRUE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(js_error)?;
    let stream: MediaStream = JsFuture::from(promise)
        .await
        .map_err(|e| format!("the camera could not be opened: {}", js_error(e)))?
        .dyn_into()
        .map_err(|_| "the camera gave no stream")?;
    // srcObject/play live on HTMLMediaElement, reached through the object itself.
    Reflect::set(video, &"srcObject".into(), &stream).map_err(js_error)?;
    let play: Function = Reflect::get(video, &"play".into())
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "the video element cannot play")?;
    if let Ok(p) = play.call0(video).and_then(|p| p.dyn_into::<Promise>()) {
        JsFuture::from(p).await.map_err(js_error)?;
    }
    Ok(stream)
}

/// Stop every track (the camera light goes off) and detach the video.
pub fn close(stream: &MediaStream, video: Option<&HtmlVideoElement>) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
    if let Some(v) = video {
        let _ = Reflect::set(v, &"srcObject".into(), &JsValue::NULL);
    }
}

/// The frame `video` shows now, downscaled so its longer side is at most 640 px.
pub fn grab(video: &HtmlVideoElement) -> Result<RgbImage, String> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return Err("the camera has not delivered a frame yet".into());
    }
    let scale = (MAX_SIDE as f64 / w.max(h) as f64).min(1.0);
    let (cw, ch) = (
        ((w as f64 * scale) as u32).max(1),
        ((h as f64 * scale) as u32).max(1),
    );
    let canvas: HtmlCanvasElement = gloo::utils::document()
        .create_element("canvas")
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "no canvas")?;
    canvas.set_width(cw);
    canvas.set_height(ch);
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("no 2d canvas")?
        .dyn_into()
        .map_err(|_| "no 2d canvas")?;
    ctx.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, cw as f64, ch as f64)
        .map_err(js_error)?;
    let rgba = ctx
        .get_image_data(0.0, 0.0, cw as f64, ch as f64)
        .map_err(js_error)?
        .data();
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    RgbImage::from_raw(cw, ch, rgb).ok_or_else(|| "the frame had the wrong size".into())
}
