//! The preview's jobs: the model in use (checked from its file here, so the page holds no
//! model), and a picked, pasted or webcam picture classified with it. The newest picture is
//! kept and classified again whenever the model changes, so the page's bars always come
//! from the model in use.

use super::core::{InUse, Looked, Session};
use super::engine::Engine;
use super::pixels::decode_file;
use super::protocol::{Event, ModelFrom, Picture, TaskProbs};
use crate::classifier::{Classifier, TaskAnswer};
use crate::data::backbone_input;
use crate::inference::Backbone;
use crate::model::cam::{ClassMaps, class_maps, pooled};
use crate::model::tail::Tail;
use crate::model::{FEATURE_DIM, WeightFile};
use crate::project::sample_hash;
use crate::state::training::ModelSummary;
use crate::train::TrainError;
use image::RgbImage;
use std::rc::Rc;

/// What the page shows of `model`, whose file is `file`.
pub fn summary(model: &Classifier, file: &[u8]) -> ModelSummary {
    ModelSummary {
        key: sample_hash(file),
        classes: model.meta.classes.clone(),
        tuned_blocks: model.meta.tuned_blocks,
        task: model.meta.task.clone(),
        tasks: (model.meta.other_tasks.iter())
            .map(|t| (t.name.clone(), t.classes.clone()))
            .collect(),
    }
}

/// The preview uses `model` from now on; the newest picture is classified again (with no
/// model, it is forgotten: the page starts a new project).
pub async fn set_model(session: &Session, model: Option<InUse>) {
    *session.tail.borrow_mut() = None;
    *session.adapted.borrow_mut() = None;
    if model.is_none() {
        *session.looked.borrow_mut() = None;
    }
    *session.model.borrow_mut() = model.map(Rc::new);
    let looked = session.looked.borrow().clone();
    if let Some(looked) = looked {
        answer(session, looked).await;
    }
}

/// Check the model file in `bytes` (`None`: no model) and use it; the page is told either
/// way, and gets the file back unless it came from the page's own (`ModelFrom::Page`).
pub async fn use_model(session: &Session, from: ModelFrom, bytes: Option<Vec<u8>>) {
    let Some(bytes) = bytes else {
        session.send(
            Event::Model {
                from,
                result: Ok(None),
            },
            Vec::new(),
        );
        return set_model(session, None).await;
    };
    // A restarted worker is told its model while the backbone loads.
    let checked = match session.ready_engine().await {
        Ok(engine) => {
            Classifier::from_bytes(&bytes, engine.backbone.weights_id()).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    match checked {
        Ok(model) => {
            let shown = summary(&model, &bytes);
            let key = shown.key.clone();
            // The page keeps the file it sent; only one it has not kept comes back.
            let back = match from {
                ModelFrom::Page | ModelFrom::Prototypes => Vec::new(),
                ModelFrom::Saved | ModelFrom::File(_) => vec![bytes],
            };
            // The saved model is checked while the backbone loads; a model trained or loaded
            // meanwhile is newer, and stays.
            let stale = from == ModelFrom::Saved && session.model.borrow().is_some();
            let result = Ok(Some(shown));
            session.send(Event::Model { from, result }, back);
            if !stale {
                set_model(session, Some(InUse::model(model, key))).await;
            }
        }
        Err(e) => session.send(
            Event::Model {
                from,
                result: Err(e),
            },
            Vec::new(),
        ),
    }
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

/// The backbone adapted as `model` says (`graft train --adapt-bn`), on `engine`'s kind of
/// device, built once per model and device from the weights in the Cache API.
async fn adapted_of(
    session: &Session,
    model: &Classifier,
    engine: &Engine,
) -> Result<Option<Rc<Backbone>>, TrainError> {
    let Some(adaptation) = &model.adaptation else {
        return Ok(None);
    };
    let gpu = engine.info.is_gpu();
    if let Some((on_gpu, backbone)) = session.adapted.borrow().as_ref()
        && *on_gpu == gpu
    {
        return Ok(Some(backbone.clone()));
    }
    let failed = |e: String| TrainError::Settings(format!("the adapted backbone: {e}"));
    let (weights, _) = crate::assets::load_weights(|_, _| {})
        .await
        .map_err(|e| failed(e.to_string()))?;
    let mut file = WeightFile::parse(&weights).map_err(|e| failed(e.to_string()))?;
    drop(weights);
    file.adapt(adaptation).map_err(|e| failed(e.to_string()))?;
    let backbone = match gpu {
        true => Backbone::load_file(file, &engine.device),
        false => Backbone::load_cpu_file(file),
    };
    let backbone = Rc::new(backbone.map_err(|e| failed(e.to_string()))?);
    *session.adapted.borrow_mut() = Some((gpu, backbone.clone()));
    Ok(Some(backbone))
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
    }
}

/// Classify one picture with the model in use. Only the newest preview's answer is sent (a
/// webcam frame still in the backbone when a photo is picked is dropped).
pub async fn preview(session: &Session, id: u64, picture: Picture, bytes: Option<Vec<u8>>) {
    session.newest.set(id);
    match input_of(picture, bytes.as_deref().unwrap_or_default()).await {
        Ok(input) => {
            let looked = Looked {
                id,
                input: Rc::new(input),
                features: None,
            };
            answer(session, looked).await
        }
        Err(message) => session.send(Event::PreviewFailed { id, message }, Vec::new()),
    }
}

/// The feature map `model` classifies `input` by (pooled, its features) and its side: the
/// backbone's, or through its tuned blocks.
async fn feature_map(
    session: &Session,
    input: &[f32],
    model: Option<&InUse>,
) -> Result<(Vec<f32>, usize), TrainError> {
    let model = model.map(|m| &m.model);
    session
        .on_engine("previewing", async |engine| {
            let adapted = match model {
                Some(m) => adapted_of(session, m, engine).await?,
                None => None,
            };
            let backbone = adapted.as_deref().unwrap_or(&engine.backbone);
            let tail =
                model.and_then(|m| Some((m.tail.as_ref()?.config, tail_of(session, m, engine)?)));
            let through = tail.as_ref().map(|(c, t)| (c, t.as_ref()));
            let inputs = [input];
            let map = backbone.feature_map_through(&inputs, through, &engine.device);
            map.await.map_err(TrainError::from)
        })
        .await
}

/// Classify `looked` with the model in use (passing it through the backbone again only when
/// that model needs other features than it has) and send the probabilities, unless a newer
/// picture was asked for meanwhile. A model that came during the pass is used instead.
async fn answer(session: &Session, mut looked: Looked) {
    loop {
        let model = session.model.borrow().clone();
        let Some(in_use) = model else {
            break send(session, looked, (Vec::new(), Vec::new()), None);
        };
        // Features of the backbone's own are shared by every model that uses them.
        let own = in_use.model.tail.is_none() && in_use.model.adaptation.is_none();
        let through = (!own).then(|| in_use.key.clone());
        let current = looked.features.as_ref().filter(|(t, _)| *t == through);
        let Some((_, seen)) = current else {
            match feature_map(session, &looked.input, Some(&in_use)).await {
                Ok(map) => looked.features = Some((through, Rc::new(map))),
                Err(e) => {
                    if session.newest.get() == looked.id {
                        let message = e.to_string();
                        session.send(
                            Event::PreviewFailed {
                                id: looked.id,
                                message,
                            },
                            Vec::new(),
                        );
                    }
                    return;
                }
            }
            continue;
        };
        let (m, (map, side)) = (&in_use.model, seen.as_ref());
        let answers = m.answers(&pooled(map, FEATURE_DIM));
        let probs = |a: &TaskAnswer| (a.classes.iter().cloned()).zip(a.probs.clone()).collect();
        let first = answers.first().map(probs).unwrap_or_default();
        let tasks = (answers.iter().skip(1))
            .map(|a| (a.name.unwrap_or_default().to_string(), probs(a)))
            .collect();
        let looks = class_maps(&m.head, map, *side);
        break send(session, looked, (first, tasks), Some(looks));
    }
}

/// Send the newest preview's answer, and keep its picture for the next model.
fn send(
    session: &Session,
    looked: Looked,
    (probs, tasks): (Vec<(String, f32)>, Vec<TaskProbs>),
    looks: Option<ClassMaps>,
) {
    if session.newest.get() != looked.id {
        return;
    }
    let id = looked.id;
    *session.looked.borrow_mut() = Some(looked);
    let event = Event::Predicted {
        id,
        probs,
        looks,
        tasks,
    };
    session.send(event, Vec::new());
}
