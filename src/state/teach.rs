//! The teaching part of the app's state (classes, embedding queue, training, preview) and how
//! each action changes it; `state.rs`'s reducer hands `Action::Teach` here.

use super::notices::Notices;
use super::storage::{PERSIST_ABOVE, StorageUse};
use super::suggestions::Suggestions;
use super::training::{ModelSummary, Training, TrainingState};
pub use super::uploads::Queue;
use crate::project::{Class, ClassRef, Project};
use crate::tasks::TaskAction;
use crate::thumb::Thumb;
use crate::train::settings::Settings;
use std::rc::Rc;

/// Thumbnails a class card shows (the first ones); the count always shows the full number.
pub const THUMBS_SHOWN: usize = 48;

/// The previewed picture and the model in use's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub name: String,
    pub thumb: Thumb,
    /// `(class, probability)` in the model's class order; empty while a new model looks.
    pub probs: Vec<(String, f32)>,
    /// Where the model looks, each class's map in the same order (`model::cam`).
    pub looks: Option<crate::model::cam::ClassMaps>,
    /// A model of several tasks: each further task's answer (issue 18).
    pub tasks: Vec<crate::tasks::TaskProbs>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Teach {
    pub project: Project,
    /// False until the saved project has been read: nothing is saved before that.
    pub restored: bool,
    /// The saved model is being checked by the session (until `SavedModel`): the model is
    /// not "none" yet, so nothing forgets the saved one.
    pub checking_model: bool,
    pub queue: Option<Queue>,
    pub notices: Notices,
    pub training: Training,
    pub settings: Settings,
    pub model: Option<ModelSummary>,
    /// Before any model: prototypes of the classes' photos answer the preview (issue 17).
    pub prototypes: Option<ModelSummary>,
    /// The Unlabelled tray's suggested classes (issue 17).
    pub suggestions: Suggestions,
    pub prediction: Option<Prediction>,
    pub preview_error: Option<String>,
    pub storage_error: Option<String>,
    pub storage: Option<StorageUse>,
    /// Persistent storage was asked for (once a tab).
    pub persist_asked: bool,
    /// The last deleted class and where it was, for Undo.
    pub undo: Option<(usize, Class)>,
    /// The map of the photos and the labels that look wrong (issue 18).
    pub map: super::explore::MapState,
}

impl Default for Teach {
    fn default() -> Self {
        Self {
            project: Project::starter(),
            restored: false,
            checking_model: false,
            queue: None,
            notices: Notices::default(),
            training: Training::Idle,
            settings: Settings::default(),
            model: None,
            prototypes: None,
            suggestions: Suggestions::default(),
            prediction: None,
            preview_error: None,
            storage_error: None,
            storage: None,
            persist_asked: false,
            undo: None,
            map: Default::default(),
        }
    }
}

pub use super::teach_action::TeachAction;

impl Teach {
    /// Samples shown on their cards without a thumbnail yet (restored ones): the page reads
    /// their kept copies and answers with `TeachAction::Thumbs`.
    pub fn thumbs_wanted(&self) -> Vec<u64> {
        let tray = self.suggestions.order(&self.project.unlabelled);
        (self.project.classes.iter())
            .flat_map(|c| c.samples.iter().take(THUMBS_SHOWN))
            .chain(tray.into_iter().take(THUMBS_SHOWN))
            .filter(|s| !s.thumb.is_set())
            .map(|s| s.id)
            .collect()
    }

    /// Whether to ask the browser for persistent storage now: a saved project of more than
    /// `PERSIST_ABOVE` photos that it does not keep yet, not asked before in this tab.
    pub fn wants_persist(&self) -> bool {
        self.restored
            && !self.persist_asked
            && self.project.sample_count() > PERSIST_ABOVE
            && self
                .storage
                .as_ref()
                .is_some_and(|s| s.persisted == Some(false))
    }

    fn notice(&mut self, message: String) {
        self.notices.message(message);
    }

    pub fn apply(&mut self, action: TeachAction) {
        let model = self.model.as_ref().map(|m| m.key.clone());
        self.apply_inner(action);
        // Another model (trained, or loaded from a file) came before the saved one's check.
        if self.model.as_ref().map(|m| &m.key) != model.as_ref() {
            self.checking_model = false;
        }
        // The previewed picture's bars were the old model's: the session sends the new's.
        if self.model.as_ref().map(|m| &m.key) != model.as_ref()
            && let Some(p) = &mut self.prediction
        {
            p.probs.clear();
            p.looks = None;
            p.tasks.clear();
        }
    }

    fn apply_inner(&mut self, action: TeachAction) {
        let p = &mut self.project;
        let result = match action {
            TeachAction::Restored {
                project,
                error,
                checking_model,
            } => {
                self.project = *project;
                self.storage_error = error;
                self.restored = true;
                self.checking_model = checking_model;
                Ok(())
            }
            TeachAction::SavedModel { model, error } => {
                if std::mem::take(&mut self.checking_model) {
                    self.model = model;
                    if error.is_some() {
                        self.storage_error = error;
                    }
                }
                Ok(())
            }
            TeachAction::AddClass => {
                let name = p.fresh_name();
                p.add_class(&name).map(|_| ())
            }
            TeachAction::Rename(id, name) => p.rename(id, &name),
            TeachAction::DeleteClass(id) => {
                if let Some(removed) = p.remove_class(id) {
                    self.undo = Some(removed);
                }
                Ok(())
            }
            TeachAction::Undo => {
                if let Some((at, class)) = self.undo.take() {
                    // A class added since with the same name would clash: rename on the way back.
                    let mut class = class;
                    if p.classes.iter().any(|c| c.name == class.name) {
                        class.name = format!("{} (restored)", class.name);
                    }
                    p.restore_class(at, class);
                }
                Ok(())
            }
            // A sample refused (a duplicate) is dropped, and its thumbnail with it.
            // A sample past the card's shown ones keeps no thumbnail (its object URL is freed
            // now): it is read from the store if it comes into view (`thumbs_wanted`), or
            // stays a grey square where this browser cannot save the project.
            TeachAction::SampleReady(ClassRef::Unlabelled, mut sample) => {
                if p.unlabelled.len() >= THUMBS_SHOWN {
                    sample.thumb = Thumb::default();
                }
                p.add_unlabelled(sample)
            }
            TeachAction::SampleReady(class, mut sample) => p.resolve(&class).and_then(|id| {
                if p.class(id).is_some_and(|c| c.samples.len() >= THUMBS_SHOWN) {
                    sample.thumb = Thumb::default();
                }
                p.add_sample(id, sample)
            }),
            TeachAction::Thumbs(made) => {
                p.set_thumbs(made);
                Ok(())
            }
            TeachAction::EnsureClasses(names) => names
                .iter()
                .try_for_each(|n| p.resolve(&ClassRef::Name(n.clone())).map(|_| ())),
            TeachAction::RemoveSample(id) => {
                p.remove_sample(id);
                Ok(())
            }
            TeachAction::MoveSample(id, to) => p.move_sample(id, to),
            TeachAction::ToggleHeldOut(id) => {
                p.toggle_held_out(id);
                Ok(())
            }
            TeachAction::SetAside(id) => {
                if p.has_sample(id) && !p.held_out.contains(&id) {
                    p.toggle_held_out(id);
                }
                Ok(())
            }
            TeachAction::Opened(names) => {
                let mut opened = Project::default();
                let added = names
                    .iter()
                    .try_for_each(|n| opened.add_class(n).map(|_| ()));
                *p = opened;
                self.suggestions = Suggestions::default();
                added
            }
            TeachAction::Queue(q) => {
                self.queue = q;
                Ok(())
            }
            TeachAction::Notice(m) => {
                self.notice(m);
                Ok(())
            }
            TeachAction::NotAdded { name, reason } => {
                self.notices.file(name, reason);
                Ok(())
            }
            TeachAction::DismissNotices => {
                self.notices.clear();
                Ok(())
            }
            TeachAction::Train(a) => {
                a.apply(TrainingState {
                    training: &mut self.training,
                    settings: &mut self.settings,
                    model: &mut self.model,
                });
                Ok(())
            }
            TeachAction::Prototypes(summary) => {
                self.prototypes = summary;
                Ok(())
            }
            TeachAction::Suggested(answer) => {
                self.suggestions = (answer.as_ref())
                    .map(|a| Suggestions::from_answer(p, a))
                    .unwrap_or_default();
                Ok(())
            }
            // Each move is checked as "Move to" is: a refused one (a copy already in the
            // class) is named, and the others still go.
            TeachAction::Map(action) => {
                self.map.apply(action);
                Ok(())
            }
            TeachAction::AcceptAbove(threshold) => {
                for (id, class) in self.suggestions.above(&p.unlabelled, threshold) {
                    if let Err(e) = p.move_sample(id, class) {
                        match e.file() {
                            Some((name, reason)) => self.notices.file(name, reason),
                            None => self.notices.message(e.to_string()),
                        }
                    }
                }
                Ok(())
            }
            TeachAction::Task(action) => {
                match Rc::make_mut(&mut p.tasks).apply(action) {
                    Ok(_) => {}
                    Err(e) => self.notice(e.to_string()),
                }
                Ok(())
            }
            TeachAction::ModelLoaded(model) => {
                for name in &model.classes {
                    if p.classes.iter().all(|c| &c.name != name) {
                        let _ = p.add_class(name);
                    }
                }
                let tasks = TaskAction::Adopt(model.task.clone(), model.tasks.clone());
                if let Ok(added) = Rc::make_mut(&mut p.tasks).apply(tasks)
                    && !added.is_empty()
                {
                    self.notices.message(format!(
                        "Added {}: give its photos their classes to train it here again.",
                        added.join(", ")
                    ));
                }
                self.model = Some(model);
                self.training = Training::Idle;
                Ok(())
            }
            // With no model there is nothing to show (an answer that crossed a new project).
            TeachAction::Predicted(pred) if self.model.is_none() && pred.probs.is_empty() => Ok(()),
            TeachAction::Predicted(pred) => {
                self.prediction = Some(*pred);
                self.preview_error = None;
                Ok(())
            }
            TeachAction::PreviewFailed(m) => {
                self.preview_error = Some(m);
                Ok(())
            }
            TeachAction::Storage(e) => {
                self.storage_error = e;
                Ok(())
            }
            TeachAction::StorageUse(s) => {
                self.storage = Some(s);
                Ok(())
            }
            TeachAction::PersistAsked(granted) => {
                self.persist_asked = true;
                let why = format!(
                    "This project has more than {PERSIST_ABOVE} photos, so graft asked the \
                     browser to keep them even when the disk runs low"
                );
                match granted {
                    Some(true) => self.notice(format!("{why}: it will.")),
                    Some(false) => self.notice(format!(
                        "{why}: it declined, so it may clear them then. Bookmarking the page \
                         or installing it as an app makes browsers more willing."
                    )),
                    None => {}
                }
                if let (Some(s), Some(true)) = (&mut self.storage, granted) {
                    s.persisted = Some(true);
                }
                Ok(())
            }
            TeachAction::SessionStopped(why) => {
                if matches!(
                    self.training,
                    Training::Preparing { .. }
                        | Training::Fitting { .. }
                        | Training::Running { .. }
                ) {
                    self.training = Training::Failed(format!(
                        "Training stopped: {why}. The previous model is kept; train again."
                    ));
                }
                self.notice(format!(
                    "Something went wrong: {why}. Pictures being added when it stopped were not \
                     added; everything saved is kept."
                ));
                Ok(())
            }
            TeachAction::NewProject => {
                *self = Teach {
                    restored: true,
                    settings: std::mem::take(&mut self.settings),
                    ..Teach::default()
                };
                Ok(())
            }
        };
        if let Err(e) = result {
            match e.file() {
                Some((name, reason)) => self.notices.file(name, reason),
                None => self.notice(e.to_string()),
            }
        }
    }
}
