//! The teaching jobs: embed added photos once (a queue, embed_queue.rs), train, predict,
//! save and restore.
//! Tensors and the database live here, outside Yew state; results go through the reducer.

use super::engine::Engine;
use crate::classifier::Classifier;
use crate::project::{ClassRef, Project, ProjectMeta};
use crate::state::teach::TeachAction;
use crate::state::training::TrainAction;
use crate::state::{Action, State};
use crate::train::TrainConfig;
use crate::web::files::thumb;
use crate::web::store::{Saved, Store};
use image::RgbImage;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// Give the browser a turn at least this often (ms) during long loops.
pub(super) const SLICE_MS: f64 = 50.0;

/// A photo waiting for the backbone, for a class.
pub enum Pending {
    File(ClassRef, web_sys::File),
    /// A webcam frame, named by the recorder.
    Frame(ClassRef, String, RgbImage),
}

/// Rows made for training, by `(sample id, train_job::rows_key)`: a sample's activations at
/// a cut, or its augmented views.
pub type RowCache = std::collections::HashMap<(u64, u64), Rc<Vec<f32>>>;

#[derive(Default)]
pub struct Jobs {
    pub(super) queue: RefCell<VecDeque<Pending>>,
    pub(super) running: Cell<bool>,
    pub(super) next_id: Cell<u64>,
    pub stop: Cell<bool>,
    /// A webcam frame is in the backbone for the live preview.
    pub live_busy: Cell<bool>,
    frames: Cell<u64>,
    db: RefCell<Option<Rc<Store>>>,
    /// Made once, reused by every run with the same settings.
    pub rows: RefCell<RowCache>,
    /// Prepares added photos off the page's thread.
    pub(super) worker: crate::web::worker::SessionWorker,
}

pub(super) fn send(dispatch: &UseReducerDispatcher<State>, action: TeachAction) {
    dispatch.dispatch(Action::Teach(action));
}

impl Jobs {
    pub(super) fn db(&self) -> Option<Rc<Store>> {
        self.db.borrow().clone()
    }

    /// Open the database and restore the saved project (or start a fresh one).
    pub async fn restore(&self, engine: &Engine, dispatch: UseReducerDispatcher<State>) {
        let db = match Store::open().await {
            Ok(db) => Rc::new(db),
            Err(e) => {
                let error = Some(format!("Your project cannot be saved in this browser: {e}"));
                send(
                    &dispatch,
                    TeachAction::Restored {
                        project: Project::starter(),
                        classifier: None,
                        error,
                    },
                );
                return;
            }
        };
        let (project, classifier, error) = match load(&db, engine).await {
            Ok(loaded) => {
                *self.db.borrow_mut() = Some(db);
                loaded
            }
            // Saving stays off: a fresh project must not overwrite one that could not be read.
            Err(e) => (
                Project::starter(),
                None,
                Some(format!(
                    "The saved project could not be read, so this tab does not save: {e}"
                )),
            ),
        };
        self.next_id.set(project.next_sample);
        // Before `Restored`, which turns saving on: the defaults never overwrite them.
        if let Some(db) = self.db()
            && let Ok(Some(json)) = db.text(Saved::Settings).await
            && let Ok(config) = serde_json::from_str::<TrainConfig>(&json)
        {
            send(
                &dispatch,
                TeachAction::Train(TrainAction::SettingsRestored(config)),
            );
        }
        send(
            &dispatch,
            TeachAction::Restored {
                project,
                classifier,
                error,
            },
        );
    }

    /// A name for the next recorded webcam frame.
    pub fn frame_name(&self) -> String {
        let n = self.frames.get() + 1;
        self.frames.set(n);
        format!("webcam frame {n}")
    }

    /// Ids must stay above every id the project has used (after a restore or a new project).
    pub fn reserve_ids_from(&self, next: u64) {
        self.next_id.set(self.next_id.get().max(next));
    }

    pub async fn save_meta(&self, meta: &ProjectMeta) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        let json = serde_json::to_string(meta).map_err(|e| e.to_string())?;
        db.put_text(Saved::Project, &json).await
    }

    pub async fn save_model(&self, classifier: Option<&Classifier>) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        match classifier {
            Some(c) => {
                let bytes = c.to_bytes().map_err(|e| e.to_string())?;
                db.put_bytes(Saved::Model, &bytes).await
            }
            None => db.forget(Saved::Model).await,
        }
    }

    pub async fn save_settings(&self, config: &TrainConfig) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        let json = serde_json::to_string(config).map_err(|e| e.to_string())?;
        db.put_text(Saved::Settings, &json).await
    }

    /// Forget every saved sample (a new project); the meta is rewritten by the save effect.
    pub async fn clear(&self) -> Result<(), String> {
        self.rows.borrow_mut().clear();
        let Some(db) = self.db() else { return Ok(()) };
        db.clear_samples().await
    }
}

/// The saved project, its model, and a message when part of it (the model) was unusable.
type Loaded = (Project, Option<Rc<Classifier>>, Option<String>);

async fn load(db: &Store, engine: &Engine) -> Result<Loaded, String> {
    let Some(json) = db.text(Saved::Project).await? else {
        return Ok((Project::starter(), None, None));
    };
    let meta: ProjectMeta = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    for (mut sample, jpeg) in db.samples().await? {
        sample.thumb = thumb(&jpeg, "image/jpeg").unwrap_or_default();
        records.push(sample);
    }
    let (project, orphans) = Project::restore(meta, records);
    let _ = db.delete_samples(&orphans).await;
    let Some(bytes) = db.bytes(Saved::Model).await? else {
        return Ok((project, None, None));
    };
    Ok(
        match Classifier::from_bytes(&bytes, engine.backbone.weights_id()) {
            Ok(c) => (project, Some(Rc::new(c)), None),
            Err(e) => {
                let message = format!("The saved model could not be used ({e}); train again.");
                (project, None, Some(message))
            }
        },
    )
}
