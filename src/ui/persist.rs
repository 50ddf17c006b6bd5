//! Saving as the project changes: the classes, the model and the training settings each
//! have an effect that writes them to IndexedDB once the saved project has been read.

use super::jobs::Jobs;
use crate::state::teach::{Teach, TeachAction};
use std::future::Future;
use std::rc::Rc;
use yew::prelude::*;

/// Run `save` in the background; a failure becomes the storage message `what` names.
fn spawn_save<F>(act: Rc<dyn Fn(TeachAction)>, what: &'static str, save: F)
where
    F: Future<Output = Result<(), String>> + 'static,
{
    yew::platform::spawn_local(async move {
        if let Err(e) = save.await {
            act(TeachAction::Storage(Some(format!(
                "Could not save the {what}: {e}"
            ))));
        }
    });
}

#[hook]
pub fn use_persistence(t: &Teach, jobs: Rc<Jobs>, act: Rc<dyn Fn(TeachAction)>) {
    {
        let (jobs, act) = (jobs.clone(), act.clone());
        use_effect_with((t.restored, t.project.meta()), move |(restored, meta)| {
            if *restored {
                let meta = meta.clone();
                spawn_save(
                    act,
                    "project",
                    async move { jobs.saved.save_meta(&meta).await },
                );
            }
        });
    }
    {
        let (jobs, act) = (jobs.clone(), act.clone());
        let key = t.model.as_ref().map(|m| m.key.clone());
        use_effect_with((t.restored, key), move |(restored, key)| {
            if *restored {
                let key = key.clone();
                spawn_save(
                    act,
                    "model",
                    async move { jobs.saved.save_model(key).await },
                );
            }
        });
    }
    use_effect_with(
        (t.restored, t.settings.config.clone()),
        move |(restored, config)| {
            if *restored {
                let config = config.clone();
                spawn_save(act, "settings", async move {
                    jobs.saved.save_settings(&config).await
                });
            }
        },
    );
}
