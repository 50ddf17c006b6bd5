//! An embedded widget's side of the host page (web/host.rs): what the state shows, told as
//! events (ready, progress, trained, prediction, error, height), and the host's requests
//! (predict, train, reset) turned into the page's own jobs.

use super::jobs::Jobs;
use crate::session::protocol::{ModelFrom, Picture};
use crate::state::teach::{Teach, TeachAction};
use crate::state::training::Training;
use crate::web::files;
use crate::web::host::{HostEvent, HostRequest, TaskAnswer, embedded, listen, post};
use std::rc::Rc;
use yew::prelude::*;

/// The events a state gives: what changed since the last render is posted.
#[hook]
pub fn use_host_events(t: &Teach, ready: bool, jobs: Rc<Jobs>) {
    let is_embedded = *use_memo((), |_| embedded());
    {
        // The host's requests, heard once; the project and settings are read when they come.
        let latest = use_mut_ref(|| (t.project.clone(), t.settings.config.clone()));
        *latest.borrow_mut() = (t.project.clone(), t.settings.config.clone());
        let jobs = jobs.clone();
        use_effect_with((), move |_| {
            listen(move |request| match request {
                HostRequest::Train => {
                    let (project, config) = latest.borrow().clone();
                    jobs.train(&project, &config);
                }
                HostRequest::Reset => {
                    let jobs = jobs.clone();
                    yew::platform::spawn_local(async move {
                        if jobs.saved.clear().await.is_ok() {
                            jobs.use_model(ModelFrom::Page, None);
                            jobs.act(TeachAction::NewProject);
                        }
                    });
                }
                HostRequest::Predict(bytes) => {
                    let thumb = files::thumb(&bytes, "").unwrap_or_default();
                    jobs.preview("from the page".into(), Picture::File, bytes, thumb);
                }
            });
        });
    }
    use_effect_with(ready && is_embedded, |ready| {
        if *ready {
            post(&HostEvent::Ready);
        }
    });
    let progress = t.queue.as_ref().map(|q| (q.done, q.total));
    use_effect_with(progress.filter(|_| is_embedded), |p| {
        if let Some((done, total)) = *p {
            post(&HostEvent::Progress { done, total });
        }
    });
    let trained = match &t.training {
        Training::Done(o) if is_embedded => Some(HostEvent::Trained {
            epochs: o.epochs,
            validation_accuracy: o.report.as_ref().and_then(|r| r.evaluation.accuracy()),
            classes: t
                .model
                .as_ref()
                .map(|m| m.classes.clone())
                .unwrap_or_default(),
        }),
        _ => None,
    };
    use_effect_with(trained, |e| e.iter().for_each(post));
    let predicted = t
        .prediction
        .as_ref()
        .filter(|p| is_embedded && !p.probs.is_empty());
    let prediction = predicted.map(|p| {
        let best = |probs: &[(String, f32)]| {
            let best = (probs.iter()).fold(None::<&(String, f32)>, |b, x| match b {
                Some(b) if b.1 >= x.1 => Some(b),
                _ => Some(x),
            });
            best.map(|b| b.0.clone()).unwrap_or_default()
        };
        let tasks = (p.tasks.iter())
            .map(|(task, probs)| {
                let answer = TaskAnswer {
                    label: best(probs),
                    probabilities: probs.iter().cloned().collect(),
                };
                (task.clone(), answer)
            })
            .collect();
        let event = HostEvent::Prediction {
            label: best(&p.probs),
            probabilities: p.probs.iter().cloned().collect(),
            tasks,
        };
        // With the previewed picture's thumbnail (a new one each preview), so that the same
        // photo asked for twice is answered twice.
        (p.thumb.href().to_string(), event)
    });
    use_effect_with(prediction, |e| e.iter().for_each(|(_, e)| post(e)));
    let failed = match &t.training {
        Training::Failed(m) => Some(m.clone()),
        _ => t.preview_error.clone().or_else(|| t.storage_error.clone()),
    };
    use_effect_with(failed.filter(|_| is_embedded), |m| {
        if let Some(message) = m {
            post(&HostEvent::Error {
                message: message.clone(),
            });
        }
    });
    // The page's height, after every render that changed it.
    let last = use_mut_ref(|| 0.0);
    use_effect(move || {
        // Reading the height lays the page out: only a page in a frame pays for it.
        if !is_embedded {
            return;
        }
        let height = gloo::utils::document()
            .document_element()
            .map_or(0.0, |e| f64::from(e.scroll_height()));
        if (height - *last.borrow()).abs() >= 1.0 {
            *last.borrow_mut() = height;
            post(&HostEvent::Height { height });
        }
    });
}
