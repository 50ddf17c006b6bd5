//! The Unlabelled tray (issue 17): photos without a class. Training labels the ones label
//! propagation is sure of (train/propagation.rs); the person moves any into a class by
//! accepting its suggestion. Plain data, like the project that holds it.

use crate::project::{ProjectError, Sample};
use crate::thumb::Thumb;
use std::collections::HashMap;
use std::rc::Rc;

/// What the tray is called in messages ("this image is already in 'Unlabelled'").
pub const TRAY_NAME: &str = "Unlabelled";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tray {
    /// Shared between states, as a class's samples are: an action that leaves the tray
    /// alone copies one pointer.
    pub samples: Rc<Vec<Sample>>,
}

impl Tray {
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn get(&self, id: u64) -> Option<&Sample> {
        self.samples.iter().find(|s| s.id == id)
    }

    pub fn holds_hash(&self, hash: &str) -> bool {
        self.samples.iter().any(|s| s.hash == hash)
    }

    pub fn ids(&self) -> Vec<u64> {
        self.samples.iter().map(|s| s.id).collect()
    }

    /// Add a photo, in id order (the order they were sent); a copy of one here is refused.
    pub fn add(&mut self, sample: Sample) -> Result<(), ProjectError> {
        if self.holds_hash(&sample.hash) {
            return Err(ProjectError::Duplicate(sample.name, TRAY_NAME.into()));
        }
        let samples = Rc::make_mut(&mut self.samples);
        let at = (samples.iter().rposition(|s| s.id < sample.id)).map_or(0, |i| i + 1);
        samples.insert(at, sample);
        Ok(())
    }

    pub fn take(&mut self, id: u64) -> Option<Sample> {
        let at = self.samples.iter().position(|s| s.id == id)?;
        Some(Rc::make_mut(&mut self.samples).remove(at))
    }

    /// Give photos without a thumbnail the one `made` has for them.
    pub fn set_thumbs(&mut self, made: &HashMap<u64, Thumb>) {
        fill_thumbs(&mut self.samples, made);
    }

    /// Rebuild from the saved ids, taking their records out of `by_id`.
    pub fn restore(ids: &[u64], by_id: &mut HashMap<u64, Sample>) -> Self {
        Tray {
            samples: Rc::new(ids.iter().filter_map(|i| by_id.remove(i)).collect()),
        }
    }
}

/// Give `samples` without a thumbnail the one `made` has for them; the list is copied only
/// when one of them is there (a class card's, or the tray's).
pub fn fill_thumbs(samples: &mut Rc<Vec<Sample>>, made: &HashMap<u64, Thumb>) {
    let wants = |s: &Sample| made.contains_key(&s.id) && !s.thumb.is_set();
    if !samples.iter().any(wants) {
        return;
    }
    for s in Rc::make_mut(samples).iter_mut() {
        if let Some(t) = made.get(&s.id).filter(|_| !s.thumb.is_set()) {
            s.thumb = t.clone();
        }
    }
}
