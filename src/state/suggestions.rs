//! The Unlabelled tray's suggestions (issue 17): each photo's likeliest class and how sure,
//! from label propagation in the session, and which photos "accept" moves.

use crate::project::{Project, Sample};
use crate::tray::Tray;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::rc::Rc;

/// Above this many photos (labelled and unlabelled together) the tray makes no suggestions
/// and training leaves it out: propagation compares every pair of photos (train/
/// propagation.rs), ~1 s for 1 000 in the worker, and grows with the square.
pub const SUGGEST_UP_TO: usize = 1000;

/// The session's answer (`Event::Suggested`): for each photo `ids[i]` of the tray,
/// class `labels[i]` of `classes`, sure to `confidence[i]` (0 to 1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub classes: Vec<String>,
    pub ids: Vec<u64>,
    pub labels: Vec<usize>,
    pub confidence: Vec<f32>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Suggestion {
    /// The class's id.
    pub class: u32,
    pub confidence: f32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Suggestions {
    pub by_sample: Rc<HashMap<u64, Suggestion>>,
}

impl Suggestions {
    /// The answer's suggestions, classes found by name: one renamed or deleted since the
    /// question was asked suggests nothing.
    pub fn from_answer(project: &Project, answer: &Answer) -> Self {
        let id_of = |label: usize| {
            let name = answer.classes.get(label)?;
            project
                .classes
                .iter()
                .find(|c| &c.name == name)
                .map(|c| c.id)
        };
        let by_sample = (answer
            .ids
            .iter()
            .zip(&answer.labels)
            .zip(&answer.confidence))
        .filter_map(|((&id, &label), &confidence)| {
            let class = id_of(label)?;
            Some((id, Suggestion { class, confidence }))
        })
        .collect();
        Suggestions {
            by_sample: Rc::new(by_sample),
        }
    }

    pub fn of(&self, id: u64) -> Option<Suggestion> {
        self.by_sample.get(&id).copied()
    }

    /// The tray's photos, the surest suggestion first, those without one last (in the
    /// order they came).
    pub fn order<'a>(&self, tray: &'a Tray) -> Vec<&'a Sample> {
        let mut order: Vec<&Sample> = tray.samples.iter().collect();
        let sure = |s: &Sample| self.of(s.id).map_or(-1.0, |g| g.confidence);
        order.sort_by(|a, b| sure(b).total_cmp(&sure(a)));
        order
    }

    /// What "accept all at or above `threshold`" moves: `(photo, class)`, surest first.
    pub fn above(&self, tray: &Tray, threshold: f32) -> Vec<(u64, u32)> {
        (self.order(tray).into_iter())
            .filter_map(|s| self.of(s.id).map(|g| (s.id, g)))
            .filter(|(_, g)| g.confidence >= threshold)
            .map(|(id, g)| (id, g.class))
            .collect()
    }
}

/// Why the tray makes no suggestions now, in words; `None` when it can.
pub fn why_none(project: &Project) -> Option<String> {
    let labelled = project.sample_count();
    let total = labelled + project.unlabelled.len();
    if project.unlabelled.is_empty() {
        None
    } else if project.classes.len() < 2 || project.classes.iter().any(|c| c.samples.is_empty()) {
        Some(
            "Suggestions come once every class has a labelled photo (and there are two \
             classes): the tray's photos wait, and nothing is trained on them until then."
                .into(),
        )
    } else if total > SUGGEST_UP_TO {
        Some(format!(
            "No suggestions above {SUGGEST_UP_TO} photos in all ({total} now): spreading \
             labels compares every pair of photos. Training leaves the tray out too."
        ))
    } else {
        None
    }
}
