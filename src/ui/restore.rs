//! Reopening: the saved project (or a preset's) read and shown while the backbone loads,
//! and the saved model shown once the session has checked it.

use super::jobs::Jobs;
use super::saved::Restored;
use crate::session::Request;
use crate::session::protocol::ModelFrom;
use crate::state::teach::TeachAction;
use crate::state::training::{ModelSummary, TrainAction};
use std::rc::Rc;

/// Read the saved project and show it (or a fresh one), while the backbone loads:
/// opening a large project costs no more than the backbone's start. The settings come
/// first, then the project, which turns saving on; a saved model is shown once the
/// session has checked it against the backbone (`restored_model`).
pub fn read_saved(jobs: &Rc<Jobs>) {
    let me = jobs.clone();
    yew::platform::spawn_local(async move {
        // A preset (`?preset=`) first: it says whether the reader's project is kept, and
        // fills it where it is empty.
        let preset = super::preset::fetch().await;
        let keep = !matches!(&preset, Some(Ok(p)) if !p.keeps());
        let store = crate::web::store::project_store().filter(|_| keep);
        let Restored {
            settings,
            project,
            model,
            error,
            lost,
        } = me.saved.restore(store).await;
        let empty = project.sample_count() == 0;
        me.ids_from(project.next_sample);
        if let Some(config) = settings {
            me.act(TeachAction::Train(TrainAction::SettingsRestored(config)));
        }
        me.act(TeachAction::Restored {
            project: Box::new(project),
            error,
            checking_model: model.is_some(),
        });
        if lost > 0 {
            me.act(TeachAction::Notice(lost_photos(lost)));
        }
        if let Some(file) = model {
            me.saved.checking(true);
            let request = Request::UseModel {
                from: ModelFrom::Saved,
            };
            if let Err(e) = me.post(&request, vec![file]) {
                restored_model(&me, Err(e), Vec::new());
            }
        }
        match preset {
            Some(Ok(fetched)) if empty => super::preset::fill(&me, fetched).await,
            Some(Err(e)) => me.act(TeachAction::Notice(e)),
            _ => {}
        }
    });
}

/// What a reopened project says of the photos it lists that could not be read back.
fn lost_photos(n: usize) -> String {
    let (photos, were) = match n {
        1 => ("1 saved photo".to_string(), "was"),
        n => (format!("{n} saved photos"), "were"),
    };
    format!(
        "{photos} could not be read back from this browser's storage (damaged or missing) and \
         {were} left out; the rest of the project is here"
    )
}

/// The session checked the saved model: the page shows it, or says why not. Not if
/// another model came first (trained, or loaded from a file, while the backbone loaded).
pub fn restored_model(jobs: &Jobs, checked: Result<Option<ModelSummary>, String>, file: Vec<u8>) {
    if !jobs.saved.checking(false) {
        return;
    }
    let (model, error) = match checked {
        Ok(model) => (model, None),
        Err(e) => (
            None,
            Some(format!(
                "The saved model could not be used ({e}); train again."
            )),
        ),
    };
    if let Some(m) = &model {
        jobs.saved.stored_model(&m.key);
        jobs.model_in_use(Some((m.key.clone(), Rc::new(file))));
    }
    jobs.act(TeachAction::SavedModel { model, error });
}
