//! Saving as the project changes: the classes, the model and the training settings each
//! have an effect that writes them to IndexedDB once the saved project has been read; and
//! what the browser says of that storage (figures, and persistence for a large project).

use super::jobs::Jobs;
use crate::state::teach::{Teach, TeachAction};
use crate::web::storage;
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
        // Restored samples shown on their cards get their thumbnails from the store.
        let jobs = jobs.clone();
        use_effect_with(t.thumbs_wanted(), move |wanted| {
            jobs.fill_thumbs(wanted.clone())
        });
    }
    {
        let (jobs, act) = (jobs.clone(), act.clone());
        // Compared by the classes' shared lists and the shared set of photos set aside (a
        // pointer each unless one changed), so a render costs O(classes); what is saved is
        // worked out when it is written.
        let pending = t.queue.as_ref().map(|q| q.first_id);
        use_effect_with(
            (t.restored, t.project.clone(), pending),
            move |(restored, project, pending)| {
                if *restored {
                    let (project, pending) = (project.clone(), *pending);
                    spawn_save(act, "project", async move {
                        jobs.saved.save_meta(project, pending).await
                    });
                }
            },
        );
    }
    {
        let (jobs, act) = (jobs.clone(), act.clone());
        let key = t.model.as_ref().map(|m| m.key.clone());
        // Not while the saved model is checked: no model yet is not "forget the saved one".
        let settled = t.restored && !t.checking_model;
        use_effect_with((settled, key), move |(settled, key)| {
            if *settled {
                let key = key.clone();
                spawn_save(
                    act,
                    "model",
                    async move { jobs.saved.save_model(key).await },
                );
            }
        });
    }
    {
        // The storage figures, whenever the photos settle (a batch added, one removed).
        let act = act.clone();
        let settled = t.queue.is_none().then(|| t.project.sample_count());
        use_effect_with(settled, move |settled| {
            if settled.is_some() {
                yew::platform::spawn_local(async move {
                    if let Some(figures) = storage::estimate().await {
                        act(TeachAction::StorageUse(figures));
                    }
                });
            }
        });
    }
    {
        let act = act.clone();
        use_effect_with(t.wants_persist(), move |wants| {
            if *wants {
                yew::platform::spawn_local(async move {
                    act(TeachAction::PersistAsked(storage::persist().await));
                    if let Some(figures) = storage::estimate().await {
                        act(TeachAction::StorageUse(figures));
                    }
                });
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
