//! Prototypes before training (issue 17): while no model is trained, loaded or being
//! checked, and every class has a photo, the session's prototypes of the project's photos
//! answer the preview (session/one_shot.rs); asked again as photos come (once they
//! settle), go or move.

use super::jobs::Jobs;
use crate::project::Project;
use crate::session::Request;
use crate::session::protocol::{ModelFrom, push_f32_bytes};
use crate::state::teach::{Teach, TeachAction};
use std::rc::Rc;
use yew::prelude::*;

/// Above this many photos no prototypes are made before training: each change would send
/// every embedding again (5 KB a photo), and a project that size trains in seconds.
pub const UP_TO: usize = 2000;

/// What the prototypes are made of: each class's name, photo count and a fingerprint of its
/// photos' ids (a change detector, not a key); `None` when they should not answer.
fn wanted(t: &Teach, ready: bool) -> Option<Vec<(String, usize, u64)>> {
    let p = &t.project;
    let usable = ready
        && t.model.is_none()
        && !t.checking_model
        && p.classes.len() >= 2
        && p.sample_count() <= UP_TO
        && p.classes.iter().all(|c| !c.samples.is_empty());
    usable.then(|| {
        (p.classes.iter())
            .map(|c| {
                let ids = c.samples.iter().fold(0u64, |h, s| h.rotate_left(5) ^ s.id);
                (c.name.clone(), c.samples.len(), ids)
            })
            .collect()
    })
}

/// The classes' names, each labelled photo's class and their embeddings (f32 bytes), in
/// class order: what `Request::Prototypes` and `Request::Suggest` send.
pub fn labelled(project: &Project) -> (Vec<String>, Vec<usize>, Vec<u8>) {
    let classes = project.classes.iter().map(|c| c.name.clone()).collect();
    let (mut labels, mut features) = (Vec::new(), Vec::new());
    for (label, class) in project.classes.iter().enumerate() {
        for sample in class.samples.iter() {
            labels.push(label);
            push_f32_bytes(&mut features, &sample.embedding);
        }
    }
    (classes, labels, features)
}

/// Keep the session's prototypes in step with the project (`ready`: the project is shown
/// and the session can work).
#[hook]
pub fn use_prototypes(t: &Teach, jobs: Rc<Jobs>, ready: bool) {
    // The prototypes in use stay while photos are still coming.
    let wanted = super::settled::use_settled(t.queue.is_some(), || wanted(t, ready));
    let project = t.project.clone();
    let answering = t.prototypes.is_some() && t.model.is_none() && !t.checking_model;
    use_effect_with(wanted, move |wanted| {
        match wanted {
            Some(_) => {
                let (classes, labels, features) = labelled(&project);
                let asked = jobs.post(&Request::Prototypes { classes, labels }, vec![features]);
                if let Err(e) = asked {
                    jobs.act(TeachAction::PreviewFailed(e));
                }
            }
            // A class emptied (or renamed away): the prototypes no longer hold.
            None if answering => {
                jobs.act(TeachAction::Prototypes(None));
                let _ = jobs.post(
                    &Request::UseModel {
                        from: ModelFrom::Page,
                    },
                    Vec::new(),
                );
            }
            None => {}
        }
    });
}
