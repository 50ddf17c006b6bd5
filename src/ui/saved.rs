//! The project as this browser keeps it (IndexedDB): restored while the backbone loads,
//! and saved as it changes (persist.rs). The session's worker writes the samples;
//! the page reads them back, and writes the classes, the settings and the model's file.

use crate::project::{Project, ProjectMeta};
use crate::thumb::Thumb;
use crate::train::TrainConfig;
use crate::web::files::thumb;
use crate::web::signal::Signal;
use crate::web::store::{Saved, Store};
use gloo::timers::callback::Timeout;
use gloo::timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The least time between two writes of the classes while a folder is added (ms): at
/// 10 000 photos a write is ~100 KB of JSON, and the workers answer ~30 photos a second.
const META_EVERY_MS: u32 = 1_000;

/// The model file in use (the session holds the model), by its key: saved, downloaded, and
/// told to a restarted worker.
pub type ModelFile = (String, Rc<Vec<u8>>);

/// The saved project's database (`None` where the project is not saved), the key of the
/// model file it holds (an unchanged model is not written again), and the file in use.
#[derive(Default)]
pub struct SavedProject {
    db: RefCell<Option<Rc<Store>>>,
    model_key: RefCell<Option<String>>,
    model_file: RefCell<Option<ModelFile>>,
    /// The saved model is being checked by the session (restore.rs).
    checking: Cell<bool>,
    /// The project whose classes wait to be written, whether a write is in flight, and
    /// what was written last (`save_meta`).
    meta_next: RefCell<Option<(Project, Option<u64>)>>,
    meta_writing: Cell<bool>,
    meta_written: RefCell<Option<ProjectMeta>>,
    /// Wakes a write waiting while a folder comes in: its second is up, or the newest
    /// project no longer waits on photos (the folder is in), which is written at once.
    meta_wake: Rc<Signal>,
}

/// What a restore found: the saved settings, the project, its model's file (unchecked),
/// and a message when the project cannot be read or saved.
pub struct Restored {
    pub settings: Option<TrainConfig>,
    pub project: Project,
    pub model: Option<Vec<u8>>,
    pub error: Option<String>,
    /// Photos the saved project lists whose records could not be read back.
    pub lost: usize,
}

impl SavedProject {
    fn db(&self) -> Option<Rc<Store>> {
        self.db.borrow().clone()
    }

    /// Whether the project is saved (and so are the pictures added to it).
    pub fn saving(&self) -> bool {
        self.db.borrow().is_some()
    }

    /// Mark the saved model as being checked by the session (`true`), or take that mark
    /// (`false`): whether it was being checked.
    pub fn checking(&self, now: bool) -> bool {
        self.checking.replace(now)
    }

    /// The model file in use now: a saved model checked after it is not used.
    pub fn in_use(&self, file: Option<ModelFile>) {
        self.checking.set(false);
        *self.model_file.borrow_mut() = file;
    }

    /// The model file in use, if its key is `key`.
    pub fn model_file(&self, key: &str) -> Option<Rc<Vec<u8>>> {
        let file = self.model_file.borrow();
        (file.as_ref())
            .filter(|(k, _)| k == key)
            .map(|(_, f)| f.clone())
    }

    /// The saved model file is the one keyed `key`.
    pub fn stored_model(&self, key: &str) {
        *self.model_key.borrow_mut() = Some(key.to_string());
    }

    /// Open the database `store` and read the saved project (or a fresh one, saying why;
    /// with no `store` this page keeps nothing, as it was asked).
    pub async fn restore(&self, store: Option<String>) -> Restored {
        let fresh = |error: Option<String>| Restored {
            settings: None,
            project: Project::starter(),
            model: None,
            error,
            lost: 0,
        };
        let Some(store) = store else {
            return fresh(None);
        };
        let fresh = |e: String| fresh(Some(e));
        let db = match Store::open(&store).await {
            Ok(db) => Rc::new(db),
            Err(e) => return fresh(format!("Your project cannot be saved in this browser: {e}")),
        };
        let (project, model, lost) = match load(&db).await {
            Ok(loaded) => loaded,
            // Saving stays off: a fresh project must not overwrite one that could not be read.
            Err(e) => {
                return fresh(format!(
                    "The saved project could not be read, so this tab does not save: {e}"
                ));
            }
        };
        *self.db.borrow_mut() = Some(db.clone());
        let settings = (db.text(Saved::Settings).await.ok().flatten())
            .and_then(|json| serde_json::from_str::<TrainConfig>(&json).ok());
        Restored {
            settings,
            project,
            model,
            error: None,
            lost,
        }
    }

    /// Save the classes, while the photos from id `pending` on may still come (a folder
    /// being added). While a write is in flight only the latest project waits for the
    /// next, and while a folder comes in a write waits `META_EVERY_MS` after the last (or
    /// till the folder is in): each write holds every sample id, so writing once an answer
    /// would cost in proportion to the project, and the photos answered meanwhile are
    /// adopted from their records if the tab closes first (`ProjectMeta::adopt_from`).
    pub async fn save_meta(&self, project: Project, pending: Option<u64>) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        *self.meta_next.borrow_mut() = Some((project, pending));
        if pending.is_none() {
            self.meta_wake.notify();
        }
        if self.meta_writing.replace(true) {
            return Ok(());
        }
        let mut result = Ok(());
        loop {
            // Taken before the write: the borrow must not be held across the await.
            let Some((project, pending)) = self.meta_next.borrow_mut().take() else {
                break;
            };
            // Made here, once a write, of the newest project (a folder's photos arrive
            // faster than writes), and not written again when only thumbnails changed.
            let meta = ProjectMeta::of(&project, pending);
            let removed = match self.meta_written.borrow().as_ref() {
                Some(written) if *written == meta => continue,
                Some(written) => written.removed_in(&meta),
                None => Vec::new(),
            };
            let json = serde_json::to_string(&meta).map_err(|e| e.to_string());
            // Removed photos' records first: a tab closed between the two writes must not
            // leave a removed photo's record for the project to adopt back.
            let written = async {
                db.delete_samples(&removed).await?;
                db.put_text(Saved::Project, &json?).await
            };
            match written.await {
                Ok(()) => *self.meta_written.borrow_mut() = Some(meta),
                Err(e) => result = Err(e),
            }
            let settled = (self.meta_next.borrow().as_ref()).is_some_and(|(_, p)| p.is_none());
            if pending.is_some() && !settled {
                let wake = self.meta_wake.clone();
                let _timer = Timeout::new(META_EVERY_MS, move || wake.notify());
                self.meta_wake.wait().await;
            }
        }
        self.meta_writing.set(false);
        result
    }

    /// Save the model in use (keyed `key`), or forget the saved one.
    pub async fn save_model(&self, key: Option<String>) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        if *self.model_key.borrow() == key {
            return Ok(());
        }
        let Some(key) = key else {
            *self.model_key.borrow_mut() = None;
            return db.forget(Saved::Model).await;
        };
        // A task of its own, after the one that drew the new model: the store copies the
        // file (megabytes when blocks were fine-tuned).
        TimeoutFuture::new(0).await;
        let Some(bytes) = self.model_file(&key) else {
            return Err("its file is not at hand".into());
        };
        db.put_bytes(Saved::Model, &bytes).await?;
        *self.model_key.borrow_mut() = Some(key);
        Ok(())
    }

    pub async fn save_settings(&self, config: &TrainConfig) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        let json = serde_json::to_string(config).map_err(|e| e.to_string())?;
        db.put_text(Saved::Settings, &json).await
    }

    /// The kept copy of saved sample `id` (`None`: the store lacks it).
    pub async fn copy(&self, id: u64) -> Result<Option<Vec<u8>>, String> {
        match self.db() {
            Some(db) => db.sample_copy(id).await,
            None => Ok(None),
        }
    }

    /// Thumbnails of saved samples `ids`, from their kept copies (a missing one is left out).
    pub async fn thumbs(&self, ids: &[u64]) -> Vec<(u64, Thumb)> {
        let Some(db) = self.db() else {
            return Vec::new();
        };
        let mut made = Vec::new();
        for &id in ids {
            if let Ok(Some(jpeg)) = db.sample_copy(id).await
                && let Ok(t) = thumb(&jpeg, "image/jpeg")
            {
                made.push((id, t));
            }
        }
        made
    }

    /// Forget every saved sample (a new project); the meta is rewritten by the save effect.
    pub async fn clear(&self) -> Result<(), String> {
        let Some(db) = self.db() else { return Ok(()) };
        db.clear_samples().await
    }
}

/// The saved project, its model's file, and how many of the photos it lists could not be
/// read back.
async fn load(db: &Store) -> Result<(Project, Option<Vec<u8>>, usize), String> {
    let Some(json) = db.text(Saved::Project).await? else {
        return Ok((Project::starter(), None, 0));
    };
    let meta: ProjectMeta = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    // Thumbnails come after, for the photos shown (`thumbs`): reopening is not held up by
    // thousands of them.
    let split = meta.middle_id();
    let (records, unreadable) = db.samples(split).await?;
    // A listed photo whose record is gone may have left its kept copy: it goes too, with
    // the unreadable records (those listed are also missing) and those no class holds.
    let mut gone = meta.missing(&records);
    let lost = gone.len();
    let (project, orphans) = meta.restore(records);
    gone.extend(orphans);
    let _ = db.delete_records(&gone, unreadable).await;
    Ok((project, db.bytes(Saved::Model).await?, lost))
}
