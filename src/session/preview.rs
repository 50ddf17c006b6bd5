//! The preview's jobs: the model it uses, and the features of a picked, pasted or webcam
//! picture, through that model's tuned blocks when it fine-tuned some. The page applies
//! the head (its reducer), so a new head re-classifies without another pass.

use super::core::Session;
use super::engine::Engine;
use super::pixels::decode_file;
use super::protocol::{Event, Picture, f32_bytes, f32s};
use crate::classifier::Classifier;
use crate::data::backbone_input;
use crate::model::tail::Tail;
use crate::train::TrainError;
use image::RgbImage;
use std::rc::Rc;

/// Use the model file in `bytes` from now on (`None`: no model).
pub fn use_model(session: &Session, bytes: Option<Vec<u8>>) {
    let weights = session
        .engine()
        .map(|e| e.backbone.weights_id().to_string());
    let model =
        bytes.and_then(
            |b| match Classifier::from_bytes(&b, &weights.unwrap_or_default()) {
                Ok(c) => Some(Rc::new(c)),
                // The page checked it before using it: this is a page of another build.
                Err(e) => {
                    log::warn!("the preview's model could not be read: {e}");
                    None
                }
            },
        );
    *session.model.borrow_mut() = model;
    *session.tail.borrow_mut() = None;
}

/// The model's tuned blocks as a module on `engine`'s device, built once per model and
/// device.
fn tail_of(session: &Session, model: &Classifier, engine: &Engine) -> Option<Rc<Tail>> {
    let weights = model.tail.as_ref()?;
    let gpu = engine.info.is_gpu();
    if let Some((on_gpu, tail)) = session.tail.borrow().as_ref()
        && *on_gpu == gpu
    {
        return Some(tail.clone());
    }
    let tail = Rc::new(weights.to_module(&engine.device)?);
    *session.tail.borrow_mut() = Some((gpu, tail.clone()));
    Some(tail)
}

/// The backbone input of a picture that came with a request.
async fn input_of(picture: Picture, bytes: &[u8]) -> Result<Vec<f32>, String> {
    match picture {
        Picture::File => {
            let img = decode_file(bytes).await.map_err(|e| e.to_string())?;
            Ok(backbone_input(&img))
        }
        Picture::Pixels { width, height } => {
            let img = RgbImage::from_raw(width, height, bytes.to_vec())
                .ok_or("a frame that does not fit its pixels")?;
            Ok(backbone_input(&img))
        }
        Picture::Input => f32s(bytes)
            .filter(|v| v.len() == 3 * crate::model::INPUT_SIZE * crate::model::INPUT_SIZE)
            .ok_or_else(|| "a malformed backbone input".into()),
    }
}

/// The features of one picture for the preview: the backbone's, or through the current
/// model's tuned blocks. Only the newest preview's answer is sent (a webcam frame still in
/// the backbone when a photo is picked is dropped).
pub async fn preview(session: &Session, id: u64, picture: Picture, bytes: Option<Vec<u8>>) {
    session.newest.set(id);
    let input = match input_of(picture, bytes.as_deref().unwrap_or_default()).await {
        Ok(input) => input,
        Err(e) => {
            let message = e.to_string();
            return session.send(Event::PreviewFailed { id, message }, Vec::new());
        }
    };
    let model = session.model.borrow().clone().filter(|m| m.tail.is_some());
    let found = session
        .on_engine("previewing", async |engine| {
            let tail = model
                .as_ref()
                .and_then(|m| Some((m.tail.as_ref()?.config, tail_of(session, m, engine)?)));
            let through = tail.as_ref().map(|(c, t)| (c, t.as_ref()));
            let inputs = [input.as_slice()];
            let features = engine
                .backbone
                .features_through(&inputs, through, &engine.device);
            features.await.map_err(TrainError::from)
        })
        .await;
    if session.newest.get() != id {
        return;
    }
    match found {
        Ok(features) => session.send(
            Event::Features {
                id,
                tuned: model.is_some(),
            },
            vec![f32_bytes(&features), f32_bytes(&input)],
        ),
        Err(e) => session.send(
            Event::PreviewFailed {
                id,
                message: e.to_string(),
            },
            Vec::new(),
        ),
    }
}
