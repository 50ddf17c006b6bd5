//! What the page saves of a project (the classes, the tray and the marks, not the photos,
//! which are records of their own) and how a project is rebuilt from it.

use crate::classifier::MAX_CLASSES;
use crate::project::{Class, Project, Sample};
use crate::tasks::Tasks;
use crate::tray::Tray;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// Classes (id, name, sample ids in order), saved as JSON; each sample is its own record, so
/// renaming, moving or removing rewrites only this.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectMeta {
    pub classes: Vec<(u32, String, Vec<u64>)>,
    pub next_class: u32,
    pub next_sample: u64,
    /// Samples a person set aside for validation.
    #[serde(default)]
    pub held_out: Vec<u64>,
    /// The Unlabelled tray's samples.
    #[serde(default)]
    pub unlabelled: Vec<u64>,
    /// Further tasks on the same photos (issue 18); none in projects saved before them.
    #[serde(default, skip_serializing_if = "no_tasks")]
    pub tasks: Tasks,
}

fn no_tasks(t: &Tasks) -> bool {
    t.others.is_empty() && t.first.is_empty()
}

impl ProjectMeta {
    /// What is saved of `project`.
    pub fn of(project: &Project) -> ProjectMeta {
        let p = project;
        ProjectMeta {
            classes: p
                .classes
                .iter()
                .map(|c| {
                    (
                        c.id,
                        c.name.clone(),
                        c.samples.iter().map(|s| s.id).collect(),
                    )
                })
                .collect(),
            next_class: p.next_class,
            next_sample: p.next_sample,
            held_out: p.held_out.iter().copied().collect(),
            unlabelled: p.unlabelled.ids(),
            tasks: p.tasks.kept(&p.sample_ids().into_iter().collect()),
        }
    }

    /// The id half the listed samples are below: where two readers split the records
    /// (`Store::samples`); `None` when there are none.
    pub fn middle_id(&self) -> Option<u64> {
        let listed = self.classes.iter().flat_map(|(_, _, ids)| ids);
        let mut ids: Vec<u64> = listed.chain(&self.unlabelled).copied().collect();
        let middle = ids.len() / 2;
        (!ids.is_empty()).then(|| *ids.select_nth_unstable(middle).1)
    }

    /// Rebuild from saved meta and sample records. Records the meta does not list (left by a
    /// deleted class, or written just before the tab closed) are returned for deletion.
    pub fn restore(self, records: Vec<Sample>) -> (Project, Vec<u64>) {
        let meta = self;
        let mut by_id: std::collections::HashMap<u64, Sample> =
            records.into_iter().map(|s| (s.id, s)).collect();
        let classes = meta
            .classes
            .into_iter()
            .take(MAX_CLASSES)
            .map(|(id, name, ids)| Class {
                id,
                name,
                samples: Rc::new(ids.iter().filter_map(|i| by_id.remove(i)).collect()),
            })
            .collect();
        let unlabelled = Tray::restore(&meta.unlabelled, &mut by_id);
        let mut orphans: Vec<u64> = by_id.into_keys().collect();
        orphans.sort();
        let mut project = Project {
            classes,
            next_class: meta.next_class,
            next_sample: meta.next_sample,
            held_out: Default::default(),
            unlabelled,
            tasks: Default::default(),
        };
        let kept = project.sample_ids();
        project.tasks = Rc::new(meta.tasks.checked().kept(&kept.iter().copied().collect()));
        project.held_out = Rc::new(
            (meta.held_out.into_iter())
                .filter(|id| kept.contains(id))
                .collect(),
        );
        (project, orphans)
    }
}
