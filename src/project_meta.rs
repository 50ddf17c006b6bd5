//! What the page saves of a project (the classes, the tray and the marks, not the photos,
//! which are records of their own) and how a project is rebuilt from it.

use crate::classifier::MAX_CLASSES;
use crate::project::{Class, ClassRef, Project, Sample};
use crate::tasks::Tasks;
use crate::tray::Tray;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A saved sample and the class its record says it was added to (`None`: a record saved
/// before records said so, which is never adopted).
pub type SavedSample = (Sample, Option<ClassRef>);

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
    /// Records from this id on that the lists above lack were saved after this was
    /// written (a folder's photos, still coming when it was): reopening adds each to the
    /// class its record names. So this is written once a second while a folder comes in,
    /// not once a photo (each write holds every id). `None` (saved before): none are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopt_from: Option<u64>,
}

fn no_tasks(t: &Tasks) -> bool {
    t.others.is_empty() && t.first.is_empty()
}

impl ProjectMeta {
    /// What is saved of `project`, while the photos from id `pending` on may still come
    /// (`None`: every photo sent was answered).
    pub fn of(project: &Project, pending: Option<u64>) -> ProjectMeta {
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
            adopt_from: Some(pending.map_or(p.next_sample, |id| id.min(p.next_sample))),
        }
    }

    /// Every sample id listed, in a class or the tray.
    fn listed(&self) -> impl Iterator<Item = &u64> {
        let classes = self.classes.iter().flat_map(|(_, _, ids)| ids);
        classes.chain(&self.unlabelled)
    }

    /// Samples listed here that `newer` lists nowhere though it still has their class (or
    /// the tray) and would adopt them: photos of a folder still coming, removed one by
    /// one, whose records must go before `newer` is written. Below `adopt_from` a removed
    /// photo's record is an orphan, deleted when the project is next opened; a deleted
    /// class's records stay, for Undo.
    pub fn removed_in(&self, newer: &ProjectMeta) -> Vec<u64> {
        let Some(from) = newer.adopt_from else {
            return Vec::new();
        };
        let listed: HashSet<u64> = newer.listed().copied().collect();
        let classes: HashSet<u32> = newer.classes.iter().map(|(id, _, _)| *id).collect();
        let kept = (self.classes.iter())
            .filter(|(id, _, _)| classes.contains(id))
            .flat_map(|(_, _, ids)| ids);
        (kept.chain(&self.unlabelled))
            .filter(|&&id| id >= from && !listed.contains(&id))
            .copied()
            .collect()
    }

    /// The samples listed here that are not among `records`: their records were damaged
    /// (unreadable, so deleted by `Store::samples`) or lost, and the reopened project says
    /// so rather than show fewer photos without a word.
    pub fn missing(&self, records: &[SavedSample]) -> Vec<u64> {
        let read: HashSet<u64> = records.iter().map(|(s, _)| s.id).collect();
        self.listed()
            .filter(|id| !read.contains(id))
            .copied()
            .collect()
    }

    /// The id half the listed samples are below: where two readers split the records
    /// (`Store::samples`); `None` when there are none.
    pub fn middle_id(&self) -> Option<u64> {
        let mut ids: Vec<u64> = self.listed().copied().collect();
        let middle = ids.len() / 2;
        (!ids.is_empty()).then(|| *ids.select_nth_unstable(middle).1)
    }

    /// Rebuild from saved meta and sample records. Records it does not list but should
    /// adopt (`adopt_from`) join their class, in id order, unless refused as a duplicate;
    /// the rest (left by a deleted class, a removed or refused photo) are returned for
    /// deletion.
    pub fn restore(self, records: Vec<SavedSample>) -> (Project, Vec<u64>) {
        let meta = self;
        let mut places = HashMap::new();
        let mut by_id: HashMap<u64, Sample> = (records.into_iter())
            .map(|(s, place)| {
                if let Some(place) = place {
                    places.insert(s.id, place);
                }
                (s.id, s)
            })
            .collect();
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
        let mut project = Project {
            classes,
            next_class: meta.next_class,
            next_sample: meta.next_sample,
            held_out: Default::default(),
            unlabelled,
            tasks: Default::default(),
        };
        let mut left: Vec<Sample> = by_id.into_values().collect();
        left.sort_by_key(|s| s.id);
        let mut orphans = Vec::new();
        for sample in left {
            let id = sample.id;
            let place = places
                .remove(&id)
                .filter(|_| meta.adopt_from.is_some_and(|f| id >= f));
            if !place.is_some_and(|place| adopt(&mut project, &place, sample)) {
                orphans.push(id);
            }
        }
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

/// Add a record's sample to the class it names (by id: a deleted class stays deleted; by
/// name: made if missing) or to the tray; whether it went in (a duplicate is refused as
/// when added).
fn adopt(project: &mut Project, place: &ClassRef, sample: Sample) -> bool {
    match place {
        ClassRef::Unlabelled => project.add_unlabelled(sample).is_ok(),
        // As when the photo was answered (`TeachAction::SampleReady`): a folder's class is
        // found by its name, or made if the tab closed before a list holding it was written.
        class => (project.resolve(class))
            .and_then(|id| project.add_sample(id, sample))
            .is_ok(),
    }
}

#[cfg(test)]
#[path = "project_meta_tests.rs"]
mod tests;
