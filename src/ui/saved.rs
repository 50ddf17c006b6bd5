//! The project as this browser keeps it (IndexedDB): restored once the backbone is
//! loaded, and saved as it changes (persist.rs). The session's worker writes the samples;
//! the page reads them back, and writes the classes, the settings and the model.

use crate::classifier::Classifier;
use crate::project::{Project, ProjectMeta};
use crate::state::teach::TeachAction;
use crate::train::TrainConfig;
use crate::web::files::thumb;
use crate::web::store::{Saved, Store};
use gloo::timers::future::TimeoutFuture;
use std::cell::RefCell;
use std::rc::Rc;

/// The saved project's database (`None` where the project is not saved), and the last
/// trained model's file as the session wrote it, so saving it needs no second
/// serialisation.
#[derive(Default)]
pub struct SavedProject {
    db: RefCell<Option<Rc<Store>>>,
    model_file: RefCell<Option<(Rc<Classifier>, Vec<u8>)>>,
}

/// What a restore found: the saved settings, and `TeachAction::Restored`.
pub struct Restored {
    pub settings: Option<TrainConfig>,
    pub project: TeachAction,
}

impl SavedProject {
    fn db(&self) -> Option<Rc<Store>> {
        self.db.borrow().clone()
    }

    /// Whether the project is saved (and so are the pictures added to it).
    pub fn saving(&self) -> bool {
        self.db.borrow().is_some()
    }

    /// The model the session trained, and its file.
    pub fn trained(&self, model: Rc<Classifier>, file: Vec<u8>) {
        *self.model_file.borrow_mut() = Some((model, file));
    }

    /// Open the database and read the saved project (or a fresh one, saying why).
    pub async fn restore(&self, weights_id: &str) -> Restored {
        let fresh = |error: String| TeachAction::Restored {
            project: Project::starter(),
            classifier: None,
            error: Some(error),
        };
        let db = match Store::open().await {
            Ok(db) => Rc::new(db),
            Err(e) => {
                let project = fresh(format!("Your project cannot be saved in this browser: {e}"));
                return Restored {
                    settings: None,
                    project,
                };
            }
        };
        let project = match load(&db, weights_id).await {
            Ok((project, classifier, error)) => {
                *self.db.borrow_mut() = Some(db.clone());
                TeachAction::Restored {
                    project,
                    classifier,
                    error,
                }
            }
            // Saving stays off: a fresh project must not overwrite one that could not be read.
            Err(e) => fresh(format!(
                "The saved project could not be read, so this tab does not save: {e}"
            )),
        };
        let settings = match self.saving() {
            true => (db.text(Saved::Settings).await.ok().flatten())
                .and_then(|json| serde_json::from_str::<TrainConfig>(&json).ok()),
            false => None,
        };
        Restored { settings, project }
    }

    pub async fn save_meta(&self, meta: &ProjectMeta) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        let json = serde_json::to_string(meta).map_err(|e| e.to_string())?;
        db.put_text(Saved::Project, &json).await
    }

    pub async fn save_model(&self, classifier: Option<Rc<Classifier>>) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        let Some(c) = classifier else {
            return db.forget(Saved::Model).await;
        };
        // A task of its own, after the one that drew the new model.
        TimeoutFuture::new(0).await;
        let written = self
            .model_file
            .borrow()
            .as_ref()
            .and_then(|(m, file)| Rc::ptr_eq(m, &c).then(|| file.clone()));
        let bytes = match written {
            Some(file) => file,
            None => c.to_bytes().map_err(|e| e.to_string())?,
        };
        db.put_bytes(Saved::Model, &bytes).await
    }

    pub async fn save_settings(&self, config: &TrainConfig) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        let json = serde_json::to_string(config).map_err(|e| e.to_string())?;
        db.put_text(Saved::Settings, &json).await
    }

    /// Forget every saved sample (a new project); the meta is rewritten by the save effect.
    pub async fn clear(&self) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        db.clear_samples().await
    }
}

/// The saved project, its model, and a message when part of it (the model) was unusable.
type Loaded = (Project, Option<Rc<Classifier>>, Option<String>);

async fn load(db: &Store, weights_id: &str) -> Result<Loaded, String> {
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
    Ok(match Classifier::from_bytes(&bytes, weights_id) {
        Ok(c) => (project, Some(Rc::new(c)), None),
        Err(e) => {
            let message = format!("The saved model could not be used ({e}); train again.");
            (project, None, Some(message))
        }
    })
}
