//! A teaching project: classes and their samples' embeddings. Plain data, no browser types,
//! so every rule (names, limits, duplicates, what can train) is tested natively.

use crate::classifier::MAX_CLASSES;
use crate::thumb::Thumb;
use crate::train::TrainError;
use crate::train::data::check_trainable;
use crate::tray::Tray;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// What finds duplicates: the sha256 (hex) of a file's bytes.
pub fn sample_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

/// One image of a class: its embedding, and where the page keeps its downscaled copy.
#[derive(Clone, Debug)]
pub struct Sample {
    pub id: u64,
    pub name: String,
    /// `sample_hash` of the file's bytes: finds duplicates.
    pub hash: String,
    pub embedding: Rc<Vec<f32>>,
    /// The stored copy, shown as the thumbnail (page only; none natively).
    pub thumb: crate::thumb::Thumb,
}

/// Samples are equal when they are the same sample: the embedding is compared by identity
/// (one `Rc` per sample), not its 1 280 values, so comparing a class card's props costs the
/// same whatever the embeddings hold.
impl PartialEq for Sample {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.name == other.name
            && self.hash == other.hash
            && Rc::ptr_eq(&self.embedding, &other.embedding)
            && self.thumb == other.thumb
    }
}

/// A total equality (no floats are compared): it also lets `Rc<Vec<Sample>>` compare by
/// pointer first, so an unchanged class's props compare in one step.
impl Eq for Sample {}

/// Which class a new sample goes to: a card (by id), or a folder's name (the class of that
/// name, made if the project lacks it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClassRef {
    Id(u32),
    Name(String),
    /// The Unlabelled tray (`crate::tray`).
    Unlabelled,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    pub id: u32,
    pub name: String,
    /// Shared between states: a new state (each action makes one) copies a pointer per
    /// class, and only the class an action changes copies its list.
    pub samples: Rc<Vec<Sample>>,
}

pub use crate::project_meta::ProjectMeta;

/// Class names, and each sample's class index.
pub type ClassLabels = (Vec<String>, Vec<usize>);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    pub classes: Vec<Class>,
    pub next_class: u32,
    pub next_sample: u64,
    /// Samples set aside for validation: when there are any, they are the validation set.
    /// Shared between states, as the class lists are (a state is made every action).
    pub held_out: Rc<std::collections::BTreeSet<u64>>,
    /// Photos without a class yet.
    pub unlabelled: Tray,
    /// Further tasks on the same photos (the class cards are the first); shared between
    /// states as the classes' samples are (`Rc::make_mut` where an action changes them).
    pub tasks: Rc<crate::tasks::Tasks>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProjectError {
    #[error("a project has at most {MAX_CLASSES} classes")]
    TooManyClasses,
    #[error("a class needs a name")]
    EmptyName,
    #[error("there is already a class named '{0}'")]
    NameTaken(String),
    #[error("{0}: this image is already in '{1}'")]
    Duplicate(String, String),
    #[error("that class no longer exists")]
    NoSuchClass,
}

impl ProjectError {
    /// The file it is about and why, apart (to group files by reason); `None` for the rest.
    pub fn file(&self) -> Option<(String, String)> {
        match self {
            Self::Duplicate(name, class) => {
                Some((name.clone(), format!("this image is already in '{class}'")))
            }
            _ => None,
        }
    }
}

impl Project {
    /// A new project starts with two empty classes, the least that can train.
    pub fn starter() -> Self {
        let mut p = Self::default();
        for name in ["Class 1", "Class 2"] {
            let _ = p.add_class(name);
        }
        p
    }

    pub fn class(&self, id: u32) -> Option<&Class> {
        self.classes.iter().find(|c| c.id == id)
    }

    fn class_mut(&mut self, id: u32) -> Result<&mut Class, ProjectError> {
        self.classes
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(ProjectError::NoSuchClass)
    }

    fn check_name(&self, name: &str, except: Option<u32>) -> Result<String, ProjectError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ProjectError::EmptyName);
        }
        if self
            .classes
            .iter()
            .any(|c| c.name == name && Some(c.id) != except)
        {
            return Err(ProjectError::NameTaken(name.into()));
        }
        Ok(name.into())
    }

    /// A name no class has: "Class N" for the first free N above the number of classes
    /// (a third class is "Class 3" even when the first two were renamed).
    pub fn fresh_name(&self) -> String {
        (self.classes.len() + 1..)
            .map(|n| format!("Class {n}"))
            .find(|n| self.classes.iter().all(|c| &c.name != n))
            .unwrap_or_default()
    }

    pub fn add_class(&mut self, name: &str) -> Result<u32, ProjectError> {
        if self.classes.len() >= MAX_CLASSES {
            return Err(ProjectError::TooManyClasses);
        }
        let name = self.check_name(name, None)?;
        let id = self.next_class;
        self.next_class += 1;
        self.classes.push(Class {
            id,
            name,
            samples: Rc::default(),
        });
        Ok(id)
    }

    /// The id `class` refers to, adding a class of that name when there is none.
    pub fn resolve(&mut self, class: &ClassRef) -> Result<u32, ProjectError> {
        match class {
            ClassRef::Unlabelled => Err(ProjectError::NoSuchClass),
            ClassRef::Id(id) => self
                .class(*id)
                .map(|c| c.id)
                .ok_or(ProjectError::NoSuchClass),
            ClassRef::Name(name) => match self.classes.iter().find(|c| c.name == name.trim()) {
                Some(c) => Ok(c.id),
                None => self.add_class(name),
            },
        }
    }

    pub fn rename(&mut self, id: u32, name: &str) -> Result<(), ProjectError> {
        let name = self.check_name(name, Some(id))?;
        self.class_mut(id)?.name = name;
        Ok(())
    }

    /// Remove a class; returns it (and its position) so it can be put back (undo).
    pub fn remove_class(&mut self, id: u32) -> Option<(usize, Class)> {
        let at = self.classes.iter().position(|c| c.id == id)?;
        Some((at, self.classes.remove(at)))
    }

    pub fn restore_class(&mut self, at: usize, class: Class) {
        let at = at.min(self.classes.len());
        self.classes.insert(at, class);
    }

    /// The class already holding an image with this hash, if `class_id` does.
    pub fn duplicate_in(&self, class_id: u32, hash: &str) -> Option<&str> {
        self.class(class_id)
            .filter(|c| c.samples.iter().any(|s| s.hash == hash))
            .map(|c| c.name.as_str())
    }

    /// Reserve an id for a sample about to be added.
    pub fn new_sample_id(&mut self) -> u64 {
        let id = self.next_sample;
        self.next_sample += 1;
        id
    }

    /// The class holding an image with this hash, if any does.
    pub fn labelled_copy(&self, hash: &str) -> Option<&str> {
        (self.classes.iter())
            .find(|c| c.samples.iter().any(|s| s.hash == hash))
            .map(|c| c.name.as_str())
    }

    /// Put a photo in the Unlabelled tray: a copy of a labelled photo (or of one in the
    /// tray) is refused, naming where it is.
    pub fn add_unlabelled(&mut self, sample: Sample) -> Result<(), ProjectError> {
        if let Some(class) = self.labelled_copy(&sample.hash) {
            return Err(ProjectError::Duplicate(sample.name, class.into()));
        }
        self.next_sample = self.next_sample.max(sample.id + 1);
        self.unlabelled.add(sample)
    }

    pub fn add_sample(&mut self, class_id: u32, sample: Sample) -> Result<(), ProjectError> {
        if let Some(class) = self.duplicate_in(class_id, &sample.hash) {
            return Err(ProjectError::Duplicate(sample.name, class.into()));
        }
        let next = self.next_sample.max(sample.id + 1);
        // In the order the pictures were sent (ids are handed out so), whichever worker of
        // the pool answers first: the training set is the same as the command line's.
        let samples = Rc::make_mut(&mut self.class_mut(class_id)?.samples);
        let at = (samples.iter().rposition(|s| s.id < sample.id)).map_or(0, |i| i + 1);
        samples.insert(at, sample);
        self.next_sample = next;
        Ok(())
    }

    /// Set a sample aside for validation, or back.
    pub fn toggle_held_out(&mut self, id: u64) {
        let held_out = Rc::make_mut(&mut self.held_out);
        if !held_out.remove(&id) {
            held_out.insert(id);
        }
    }

    /// For each sample in `sample_ids` order, whether it is set aside for validation.
    pub fn held_out_mask(&self) -> Vec<bool> {
        self.sample_ids()
            .iter()
            .map(|id| self.held_out.contains(id))
            .collect()
    }

    pub fn remove_sample(&mut self, id: u64) -> Option<Sample> {
        if self.held_out.contains(&id) {
            Rc::make_mut(&mut self.held_out).remove(&id);
        }
        for class in &mut self.classes {
            if let Some(at) = class.samples.iter().position(|s| s.id == id) {
                return Some(Rc::make_mut(&mut class.samples).remove(at));
            }
        }
        self.unlabelled.take(id)
    }

    pub fn move_sample(&mut self, id: u64, to: u32) -> Result<(), ProjectError> {
        self.class(to).ok_or(ProjectError::NoSuchClass)?;
        let sample = self
            .classes
            .iter()
            .flat_map(|c| c.samples.iter())
            .find(|s| s.id == id)
            .or_else(|| self.unlabelled.get(id))
            .ok_or(ProjectError::NoSuchClass)?;
        // Checked before anything moves: a refused move loses nothing.
        if let Some(class) = self.duplicate_in(to, &sample.hash) {
            return Err(ProjectError::Duplicate(sample.name.clone(), class.into()));
        }
        let sample = self.remove_sample(id).ok_or(ProjectError::NoSuchClass)?;
        self.class_mut(to)
            .map(|c| Rc::make_mut(&mut c.samples).push(sample))
    }

    pub fn sample_count(&self) -> usize {
        self.classes.iter().map(|c| c.samples.len()).sum()
    }

    /// Sample ids in class order (`labels`' order).
    /// Whether sample `id` is in the project: each class's newest sample first, so one just
    /// added (an opened project's, marked for validation as it arrives) is found in as many
    /// steps as there are classes, not samples.
    pub fn has_sample(&self, id: u64) -> bool {
        let newest = |c: &Class| c.samples.last().is_some_and(|s| s.id == id);
        self.classes.iter().any(newest)
            || (self.classes.iter()).any(|c| c.samples.iter().any(|s| s.id == id))
    }

    pub fn sample_ids(&self) -> Vec<u64> {
        self.classes
            .iter()
            .flat_map(|c| c.samples.iter().map(|s| s.id))
            .collect()
    }

    /// Class names and each sample's class (an index into them), in `sample_ids`' order;
    /// refused with what to add if it cannot train (fewer than two classes, or a class
    /// without images).
    pub fn labels(&self) -> Result<ClassLabels, TrainError> {
        let names: Vec<String> = self.classes.iter().map(|c| c.name.clone()).collect();
        let labels: Vec<usize> = (self.classes.iter().enumerate())
            .flat_map(|(i, c)| std::iter::repeat_n(i, c.samples.len()))
            .collect();
        check_trainable(&names, &labels)?;
        Ok((names, labels))
    }

    /// Give samples their thumbnails (`made`, by sample id), where they have none; only the
    /// classes holding one of them are copied.
    pub fn set_thumbs(&mut self, made: Vec<(u64, Thumb)>) {
        let made: std::collections::HashMap<u64, Thumb> = made.into_iter().collect();
        self.unlabelled.set_thumbs(&made);
        for class in &mut self.classes {
            crate::tray::fill_thumbs(&mut class.samples, &made);
        }
    }
}

#[cfg(test)]
#[path = "project_tests.rs"]
pub(crate) mod tests;
