//! `Request::Suggest`: the Unlabelled tray's suggested classes, by label propagation from
//! the labelled photos (train/propagation.rs), in the worker so the page stays responsive.

use super::core::Session;
use super::protocol::Event;
use crate::model::FEATURE_DIM;
use crate::state::suggestions::{Answer, SUGGEST_UP_TO};
use crate::train::propagation::{NEIGHBOURS, propagate};

/// Answer with each tray photo's class and confidence; malformed input (or too many
/// photos) is answered with a notice and no suggestions.
pub fn suggest(
    session: &Session,
    classes: Vec<String>,
    labels: Vec<usize>,
    ids: Vec<u64>,
    features: Vec<f32>,
) {
    let n = labels.len() + ids.len();
    let fits = features.len() == n * FEATURE_DIM
        && labels.iter().all(|&l| l < classes.len())
        && n <= SUGGEST_UP_TO;
    if !fits {
        let message = "The tray's photos came malformed: no suggestions were made.".into();
        return session.send(Event::Notice { message }, Vec::new());
    }
    let spread = propagate(&features, FEATURE_DIM, &labels, classes.len(), NEIGHBOURS);
    let answer = Answer {
        classes,
        ids,
        labels: spread.labels,
        confidence: spread.confidence,
    };
    session.send(Event::Suggested { answer }, Vec::new());
}
