//! The preview, on the page's side: when the model changes to one whose features differ
//! from the previewed picture's (another fine-tuned model, or back to none), ask the
//! session to look at the picture again, so its bars come back.

use super::jobs::Jobs;
use crate::session::protocol::{Picture, f32_bytes};
use crate::state::teach::Teach;
use std::rc::Rc;

#[yew::hook]
pub fn use_fresh_preview(t: &Teach, jobs: Rc<Jobs>) {
    let stale = t
        .prediction
        .as_ref()
        .filter(|p| p.probs.is_empty() && t.classifier.is_some())
        .cloned();
    yew::use_effect_with(t.classifier.clone(), move |classifier| {
        jobs.use_model(classifier.clone());
        if let Some(p) = stale {
            jobs.preview(p.name, Picture::Input, f32_bytes(&p.input), p.thumb);
        }
    });
}
