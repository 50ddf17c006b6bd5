//! The Unlabelled tray's suggestions (issue 17): asked of the session whenever the labelled
//! photos or the tray change (once photos coming settle), while every class has a photo
//! (session/suggest.rs).

use super::jobs::Jobs;
use crate::project::Project;
use crate::session::Request;
use crate::session::protocol::push_f32_bytes;
use crate::state::suggestions::why_none;
use crate::state::teach::{Teach, TeachAction};
use std::rc::Rc;
use yew::prelude::*;

/// Each class's name, photo count and a fold of its photos' ids; the tray's count and fold.
type Fingerprint = (Vec<(String, usize, u64)>, usize, u64);

/// A fingerprint of the labelled photos and the tray's (a change detector, not a key);
/// `None` when no suggestions can be made.
fn wanted(p: &Project, ready: bool) -> Option<Fingerprint> {
    let fold = |ids: &mut dyn Iterator<Item = u64>| ids.fold(0u64, |h, id| h.rotate_left(5) ^ id);
    let can = ready && !p.unlabelled.is_empty() && why_none(p).is_none();
    can.then(|| {
        let classes = (p.classes.iter())
            .map(|c| {
                let ids = fold(&mut c.samples.iter().map(|s| s.id));
                (c.name.clone(), c.samples.len(), ids)
            })
            .collect();
        let tray = fold(&mut p.unlabelled.samples.iter().map(|s| s.id));
        (classes, p.unlabelled.len(), tray)
    })
}

/// Keep the tray's suggestions in step with the project (`ready`: the project is shown and
/// the session can work).
#[hook]
pub fn use_suggestions(t: &Teach, jobs: Rc<Jobs>, ready: bool) {
    let wanted = super::settled::use_settled(t.queue.is_some(), || wanted(&t.project, ready));
    let project = t.project.clone();
    use_effect_with(wanted, move |wanted| {
        if wanted.is_none() {
            return jobs.act(TeachAction::Suggested(None));
        }
        let (classes, labels, mut features) = super::one_shot::labelled(&project);
        let tray = project.unlabelled.samples.iter();
        tray.clone()
            .for_each(|s| push_f32_bytes(&mut features, &s.embedding));
        let ids = tray.map(|s| s.id).collect();
        let request = Request::Suggest {
            classes,
            labels,
            ids,
        };
        if let Err(e) = jobs.post(&request, vec![features]) {
            jobs.act(TeachAction::Notice(format!(
                "No suggestions for the tray: {e}"
            )));
        }
    });
}
