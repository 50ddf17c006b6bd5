//! What the page does with each event from the session: most become a reducer action;
//! pictures' bytes become thumbnails and models here, on the page's side.

use super::jobs::Jobs;
use crate::classifier::Classifier;
use crate::project::Sample;
use crate::session::Event;
use crate::session::protocol::f32s;
use crate::state::teach::{Prediction, TeachAction};
use crate::state::training::{Progress, TrainAction};
use crate::state::{Action, Loading, Sight};
use crate::thumb::Thumb;
use crate::web::files::thumb;
use crate::web::worker::Heard;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;

/// Act on one event (or on the worker having stopped).
pub fn heard(jobs: &Rc<Jobs>, heard: Heard) {
    let (event, buffers) = match heard {
        Ok(heard) => heard,
        Err(why) => {
            jobs.stopped();
            jobs.live_busy.set(false);
            return jobs.act(TeachAction::SessionStopped(why));
        }
    };
    match event {
        Event::Ready => {}
        Event::Loading { loading } => {
            if let Loading::ModelReady { weights_id, .. } = &loading {
                jobs.loaded(weights_id.clone());
            }
            jobs.dispatch(Action::Loading(loading));
        }
        Event::Embedded {
            id,
            class,
            name,
            hash,
        } => {
            let Some((embedding, thumb)) = sample_parts(buffers) else {
                return jobs.answered(Some(format!(
                    "{name}: it came back from the worker malformed"
                )));
            };
            let sample = Sample {
                id,
                name,
                hash,
                embedding: Rc::new(embedding),
                thumb,
            };
            jobs.act(TeachAction::SampleReady(class, sample));
            jobs.answered(None);
        }
        Event::NotEmbedded { name, reason, .. } => jobs.answered(Some(format!("{name}: {reason}"))),
        Event::Notice { message } => jobs.act(TeachAction::Notice(message)),
        Event::Train { progress } => jobs.act(TeachAction::Train(TrainAction::Progress(progress))),
        Event::Trained { outcome } => {
            let jobs = jobs.clone();
            // In a task of its own: a fine-tuned model's file is megabytes to read.
            yew::platform::spawn_local(async move {
                TimeoutFuture::new(0).await;
                let weights = jobs.weights_id().unwrap_or_default();
                let Some(file) = buffers.into_iter().next() else {
                    return failed(&jobs, "the trained model did not come with its file".into());
                };
                match Classifier::from_bytes(&file, &weights) {
                    Ok(model) => {
                        let model = Rc::new(model);
                        jobs.trained(model.clone(), file);
                        jobs.act(TeachAction::Train(TrainAction::Trained(model, outcome)));
                    }
                    Err(e) => failed(&jobs, format!("the trained model could not be read: {e}")),
                }
            });
        }
        Event::Features { id, tuned } => {
            jobs.live_busy.set(false);
            let Some((name, thumb, model)) = jobs.previewed(id) else {
                return; // a newer preview was asked for
            };
            let [features, input]: [Vec<u8>; 2] = match buffers.try_into() {
                Ok(parts) => parts,
                Err(_) => return,
            };
            let (Some(features), Some(input)) = (f32s(&features), f32s(&input)) else {
                return;
            };
            jobs.act(TeachAction::Predicted(Prediction {
                name,
                thumb,
                features: Rc::new(features),
                through: model.filter(|_| tuned),
                input: Rc::new(input),
                probs: Vec::new(),
            }));
        }
        Event::PreviewFailed { id, message } => {
            jobs.live_busy.set(false);
            if let Some((name, ..)) = jobs.previewed(id) {
                jobs.act(TeachAction::PreviewFailed(format!("{name}: {message}")));
            }
        }
        Event::Seen { name, top, ms } => jobs.dispatch(Action::Seen(Sight {
            file_name: name,
            thumbnail: jobs.sight_url(),
            top,
            ms,
        })),
        Event::SightFailed { message } => jobs.dispatch(Action::SightFailed(message)),
        Event::BenchDone { result } => jobs.dispatch(Action::BenchDone(result)),
    }
}

/// A sample's embedding and thumbnail as they came with `Event::Embedded`.
fn sample_parts(buffers: Vec<Vec<u8>>) -> Option<(Vec<f32>, Thumb)> {
    let [embedding, copy]: [Vec<u8>; 2] = buffers.try_into().ok()?;
    Some((f32s(&embedding)?, thumb(&copy, "image/jpeg").ok()?))
}

fn failed(jobs: &Jobs, message: String) {
    jobs.act(TeachAction::Train(TrainAction::Progress(Progress::Failed(
        message,
    ))));
}
