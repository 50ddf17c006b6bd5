//! Asking the session for the map of the photos and the labels that look wrong (issue 18):
//! every labelled photo's embedding, written a thousand a task (`web::rows`); and a card's
//! photo previewed, with where the model looks.

use super::jobs::Jobs;
use crate::project::{Project, Sample};
use crate::session::Request;
use crate::session::protocol::Picture;
use crate::state::explore::MapAction;
use crate::state::teach::TeachAction;
use std::rc::Rc;

pub fn ask(jobs: &Rc<Jobs>, project: &Project) {
    jobs.act(TeachAction::Map(MapAction::Asked));
    let (mut ids, mut classes, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    let (mut hashes, mut names) = (Vec::new(), Vec::new());
    for class in &project.classes {
        for sample in class.samples.iter() {
            ids.push(sample.id);
            classes.push(class.id);
            rows.push(sample.embedding.clone());
            hashes.push(sample.hash.clone());
            names.push(sample.name.clone());
        }
    }
    let jobs = jobs.clone();
    yew::platform::spawn_local(async move {
        let buffer = crate::web::rows::rows_buffer(&rows).await;
        let request = Request::Explore {
            classes,
            ids,
            hashes,
            names,
        };
        if let Err(e) = jobs.post_js(&request, vec![buffer]) {
            jobs.act(TeachAction::Map(MapAction::Answered(Err(e))));
        }
    });
}

/// Preview a card's photo (its kept copy, read from the store: the page's CSP lets it fetch
/// nothing but its own origin, object URLs included) and bring the preview into view: the
/// map over it shows where the model looks.
pub fn look_at(jobs: &Rc<Jobs>, sample: Sample) {
    let jobs = jobs.clone();
    yew::platform::spawn_local(async move {
        match jobs.saved.copy(sample.id).await {
            Ok(Some(bytes)) => jobs.preview(sample.name, Picture::File, bytes, sample.thumb),
            Ok(None) => jobs.act(TeachAction::PreviewFailed(format!(
                "{}: its copy is not kept in this browser, so it cannot be looked at again",
                sample.name
            ))),
            Err(e) => jobs.act(TeachAction::PreviewFailed(format!("{}: {e}", sample.name))),
        }
        if let Some(title) = gloo::utils::document().get_element_by_id("preview-title") {
            title.scroll_into_view();
        }
    });
}
