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
use crate::web::idb::{Db, META, SAMPLES};
use crate::web::records::sample_from_record;
use image::RgbImage;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsValue;
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
    db: RefCell<Option<Rc<Db>>>,
    /// Made once, reused by every run with the same settings.
    pub rows: RefCell<RowCache>,
    /// Prepares added photos off the page's thread.
    pub(super) worker: crate::web::worker::SessionWorker,
}

pub(super) fn send(dispatch: &UseReducerDispatcher<State>, action: TeachAction) {
    dispatch.dispatch(Action::Teach(action));
}

impl Jobs {
    pub(super) fn db(&self) -> Option<Rc<Db>> {
        self.db.borrow().clone()
    }

    /// Open the database and restore the saved project (or start a fresh one).
    pub async fn restore(&self, engine: &Engine, dispatch: UseReducerDispatcher<State>) {
        let db = match Db::open().await {
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
            && let Ok(json) = db.get(META, &"settings".into()).await
            && let Some(config) = json
                .as_string()
                .and_then(|j| serde_json::from_str::<TrainConfig>(&j).ok())
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
        db.put(META, &"project".into(), &json.into()).await
    }

    pub async fn save_model(&self, classifier: Option<&Classifier>) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        match classifier {
            Some(c) => {
                let bytes = c.to_bytes().map_err(|e| e.to_string())?;
                db.put(
                    META,
                    &"model".into(),
                    &js_sys::Uint8Array::from(bytes.as_slice()).into(),
                )
                .await
            }
            None => db.delete(META, &["model".into()]).await,
        }
    }

    pub async fn save_settings(&self, config: &TrainConfig) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        let json = serde_json::to_string(config).map_err(|e| e.to_string())?;
        db.put(META, &"settings".into(), &json.into()).await
    }

    /// Forget every saved sample (a new project); the meta is rewritten by the save effect.
    pub async fn clear(&self) -> Result<(), String> {
        self.rows.borrow_mut().clear();
        let Some(db) = self.db() else { return Ok(()) };
        db.clear(SAMPLES).await
    }
}

/// The saved project, its model, and a message when part of it (the model) was unusable.
type Loaded = (Project, Option<Rc<Classifier>>, Option<String>);

async fn load(db: &Db, engine: &Engine) -> Result<Loaded, String> {
    let meta = db.get(META, &"project".into()).await?;
    let Some(json) = meta.as_string() else {
        return Ok((Project::starter(), None, None));
    };
    let meta: ProjectMeta = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    let mut unreadable = Vec::new();
    for (key, value) in db.entries(SAMPLES).await? {
        match sample_from_record(&key, &value) {
            Some((mut sample, jpeg)) => {
                sample.thumb = thumb(&jpeg, "image/jpeg").unwrap_or_default();
                records.push(sample);
            }
            None => unreadable.push(key),
        }
    }
    let (project, orphans) = Project::restore(meta, records);
    unreadable.extend(orphans.into_iter().map(|id| JsValue::from(id as f64)));
    if !unreadable.is_empty() {
        let _ = db.delete(SAMPLES, &unreadable).await;
    }
    let model = db.get(META, &"model".into()).await?;
    if model.is_undefined() || model.is_null() {
        return Ok((project, None, None));
    }
    let bytes = js_sys::Uint8Array::new(&model).to_vec();
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
