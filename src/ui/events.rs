//! What the page does with each event from the session: most become a reducer action;
//! pictures' bytes become thumbnails here, on the page's side.

use super::jobs::Jobs;
use crate::project::Sample;
use crate::session::Event;
use crate::session::protocol::{ModelFrom, f32s};
use crate::state::explore::MapAction;
use crate::state::teach::{Prediction, TeachAction};
use crate::state::training::{Progress, TrainAction};
use crate::state::{Action, Sight};
use crate::tasks::TaskAction;
use crate::thumb::Thumb;
use crate::web::files::lazy_thumb;
use crate::web::worker::Heard;
use std::rc::Rc;

/// Act on one event (or on the worker having stopped).
pub fn heard(jobs: &Rc<Jobs>, heard: Heard) {
    let (event, buffers) = match heard {
        Ok(heard) => heard,
        // Its pictures were each answered as not added (`SessionPool`).
        Err(why) => {
            jobs.live_busy.set(false);
            return jobs.act(TeachAction::SessionStopped(why));
        }
    };
    match event {
        Event::Ready => {}
        Event::Loading { loading } => {
            jobs.dispatch(Action::Loading(loading));
        }
        Event::Embedded {
            id,
            class,
            name,
            hash,
        } => {
            let Some((embedding, thumb)) = sample_parts(buffers) else {
                let reason = "it came back from the worker malformed".to_string();
                return jobs.answered(Some((name, reason)));
            };
            let sample = Sample {
                id,
                name,
                hash,
                embedding: Rc::new(embedding),
                thumb,
            };
            jobs.act_soon(TeachAction::SampleReady(class, sample));
            if let Some(marks) = jobs.marks_of(id) {
                if marks.validation {
                    jobs.act_soon(TeachAction::SetAside(id));
                }
                for (task, class) in marks.tasks {
                    jobs.act_soon(TeachAction::Task(TaskAction::LabelNamed {
                        task,
                        class,
                        id,
                    }));
                }
            }
            jobs.answered(None);
        }
        Event::NotEmbedded { name, reason, .. } => jobs.answered(Some((name, reason))),
        Event::Notice { message } => jobs.act(TeachAction::Notice(message)),
        Event::Train { progress } => jobs.act(TeachAction::Train(TrainAction::Progress(progress))),
        Event::Trained { outcome, model } => {
            let Some(file) = buffers.into_iter().next() else {
                return failed(jobs, "the trained model did not come with its file".into());
            };
            jobs.model_in_use(Some((model.key.clone(), Rc::new(file))));
            jobs.act(TeachAction::Train(TrainAction::Trained(Box::new((
                model, outcome,
            )))));
        }
        Event::Model { from, result } => {
            let file = buffers.into_iter().next().unwrap_or_default();
            match (from, result) {
                (ModelFrom::Saved, checked) => super::restore::restored_model(jobs, checked, file),
                (ModelFrom::File(_), Ok(Some(model))) => {
                    jobs.model_in_use(Some((model.key.clone(), Rc::new(file))));
                    jobs.act(TeachAction::ModelLoaded(model));
                }
                (ModelFrom::File(name), Err(e)) => jobs.act(TeachAction::PreviewFailed(format!(
                    "{name}: {e}. Nothing was changed."
                ))),
                (ModelFrom::Prototypes, Ok(model)) => jobs.act(TeachAction::Prototypes(model)),
                (ModelFrom::Prototypes, Err(e)) => jobs.act(TeachAction::PreviewFailed(format!(
                    "The photos could not answer before training: {e}"
                ))),
                // The page's own model, told again; or none.
                (ModelFrom::File(_) | ModelFrom::Page, _) => {}
            }
        }
        Event::Predicted {
            id,
            probs,
            looks,
            tasks,
        } => {
            jobs.live_busy.set(false);
            if let Some((name, thumb)) = jobs.previewed(id) {
                let prediction = Prediction {
                    name,
                    thumb,
                    probs,
                    looks,
                    tasks,
                };
                jobs.act(TeachAction::Predicted(Box::new(prediction)));
            }
        }
        Event::PreviewFailed { id, message } => {
            jobs.live_busy.set(false);
            if let Some((name, _)) = jobs.previewed(id) {
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
        Event::Suggested { answer } => jobs.act(TeachAction::Suggested(Some(answer))),
        Event::Explored { result } => jobs.act(TeachAction::Map(MapAction::Answered(result))),
        Event::BenchDone { result } => jobs.dispatch(Action::BenchDone(result)),
        Event::Exported { onnx, result } => super::export::exported(jobs, onnx, result, buffers),
    }
}

/// A sample's embedding and thumbnail as they came with `Event::Embedded`.
fn sample_parts(buffers: Vec<Vec<u8>>) -> Option<(Vec<f32>, Thumb)> {
    let [embedding, copy]: [Vec<u8>; 2] = buffers.try_into().ok()?;
    Some((f32s(&embedding)?, lazy_thumb(copy)))
}

fn failed(jobs: &Jobs, message: String) {
    jobs.act(TeachAction::Train(TrainAction::Progress(Progress::Failed(
        message,
    ))));
}
