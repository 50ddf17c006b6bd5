//! The map of the photos and the labels that look wrong (issue 18), as the page holds them:
//! what the session's `Explore` answers (`explore`, which the worker runs), and what the
//! person has done with the suspects since.

use crate::explore::pca::pca2;
use crate::explore::suspects::{NEIGHBOURS, Suspect, suspects};
use crate::model::FEATURE_DIM;
use crate::project::Project;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Photos the finder compares at most: it compares every pair (10 000 photos would be 50
/// million pairs of 1 280 values, minutes in a worker); the map has no such limit.
pub const SUSPECTS_UP_TO: usize = 3000;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Explored {
    /// The photos mapped, each one's class (`Class::id`) then, and its point.
    pub ids: Vec<u64>,
    pub classes: Vec<u32>,
    pub points: Vec<[f32; 2]>,
    /// The share of the variance each axis explains.
    pub explained: [f64; 2],
    /// Photos whose neighbours carry another class, the most suspect first (`index` into
    /// `ids`; `label` and `suggested` are class ids); none above `SUSPECTS_UP_TO` photos.
    pub suspects: Vec<Suspect>,
    /// Suspects the person kept as labelled.
    #[serde(skip)]
    pub kept: BTreeSet<u64>,
    /// The fine-tuned model (its key) whose features drew it; `None`: the backbone's.
    #[serde(default)]
    pub model: Option<String>,
}

/// The map panel's state: asked for and not yet answered, the answer, or why there is none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapState {
    pub asked: bool,
    pub explored: Option<std::rc::Rc<Explored>>,
    pub error: Option<String>,
}

pub enum MapAction {
    Asked,
    Answered(Result<Explored, String>),
    /// Keep a suspect photo's label as it is.
    Keep(u64),
}

impl MapState {
    pub fn apply(&mut self, action: MapAction) {
        match action {
            MapAction::Asked => {
                self.asked = true;
                self.error = None;
            }
            MapAction::Answered(result) => {
                self.asked = false;
                match result {
                    Ok(explored) => self.explored = Some(std::rc::Rc::new(explored)),
                    Err(e) => self.error = Some(e),
                }
            }
            MapAction::Keep(id) => {
                if let Some(explored) = &mut self.explored {
                    std::rc::Rc::make_mut(explored).kept.insert(id);
                }
            }
        }
    }
}

/// The map and the suspects of the photos `ids` of classes `classes` (class ids), from
/// their embeddings (`features`, untrusted: checked here).
pub fn explore(features: &[f32], classes: Vec<u32>, ids: Vec<u64>) -> Result<Explored, String> {
    if classes.len() != ids.len() || features.len() != ids.len() * FEATURE_DIM {
        return Err("the photos came malformed: no map was drawn".into());
    }
    if ids.len() < 2 {
        return Err("the map needs at least two photos with a class".into());
    }
    let projection = pca2(features, FEATURE_DIM);
    let labels: Vec<usize> = classes.iter().map(|c| *c as usize).collect();
    let suspects = match ids.len() <= SUSPECTS_UP_TO {
        true => suspects(features, FEATURE_DIM, &labels, NEIGHBOURS),
        false => Vec::new(),
    };
    Ok(Explored {
        ids,
        classes,
        points: projection.points,
        explained: projection.explained,
        suspects,
        kept: BTreeSet::new(),
        model: None,
    })
}

/// What the map was drawn from: each labelled photo's id and class id, in order (a change
/// detector: the map is stale when the project's differs).
pub fn fingerprint(project: &Project) -> u64 {
    fold((project.classes.iter()).flat_map(|c| c.samples.iter().map(move |s| (s.id, c.id))))
}

/// FNV-1a-like fold of `(photo id, class id)` pairs (a change detector, not a key).
fn fold(pairs: impl Iterator<Item = (u64, u32)>) -> u64 {
    pairs.fold(0xcbf2_9ce4_8422_2325u64, |h, (id, class)| {
        (h ^ id ^ ((class as u64) << 48)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Explored {
    /// What was asked: the same fold as `fingerprint`, over the photos mapped.
    pub fn fingerprint(&self) -> u64 {
        fold(self.ids.iter().copied().zip(self.classes.iter().copied()))
    }

    /// The suspects still open: the photo is still in the class it was found in, and was
    /// not kept.
    pub fn open_suspects(&self, project: &Project) -> Vec<&Suspect> {
        let now: HashMap<u64, u32> = (project.classes.iter())
            .flat_map(|c| c.samples.iter().map(move |s| (s.id, c.id)))
            .collect();
        (self.suspects.iter())
            .filter(|s| {
                let id = self.ids[s.index];
                now.get(&id) == Some(&(s.label as u32)) && !self.kept.contains(&id)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Sample;
    use std::rc::Rc;

    fn sample(id: u64) -> Sample {
        Sample {
            id,
            name: format!("{id}.png"),
            hash: format!("h{id}"),
            embedding: Rc::new(vec![0.0; 4]),
            thumb: Default::default(),
        }
    }

    #[test]
    fn a_suspect_leaves_the_list_once_moved_or_kept_and_the_map_goes_stale() {
        let mut project = Project::starter();
        let (a, b) = (project.classes[0].id, project.classes[1].id);
        for (id, class) in [(10, a), (11, a), (12, b), (13, b)] {
            project.add_sample(class, sample(id)).unwrap();
        }
        let suspect = |index: usize, label: u32, suggested: u32| Suspect {
            index,
            label: label as usize,
            suggested: suggested as usize,
            score: 0.9,
        };
        let explored = Explored {
            ids: vec![10, 11, 12, 13],
            classes: vec![a, a, b, b],
            points: vec![[0.0, 0.0]; 4],
            suspects: vec![suspect(1, a, b), suspect(3, b, a)],
            ..Explored::default()
        };
        assert_eq!(explored.fingerprint(), fingerprint(&project));
        let mut map = MapState::default();
        map.apply(MapAction::Asked);
        map.apply(MapAction::Answered(Ok(explored)));
        assert!(!map.asked);
        let open = |map: &MapState, p: &Project| -> Vec<usize> {
            let e = map.explored.as_ref().unwrap();
            e.open_suspects(p).iter().map(|s| s.index).collect()
        };
        assert_eq!(open(&map, &project), [1, 3]);
        project.move_sample(11, b).unwrap();
        assert_eq!(open(&map, &project), [3]);
        assert_ne!(
            map.explored.as_ref().unwrap().fingerprint(),
            fingerprint(&project)
        );
        map.apply(MapAction::Keep(13));
        assert!(open(&map, &project).is_empty());
        map.apply(MapAction::Answered(Err("no".into())));
        assert_eq!(map.error.as_deref(), Some("no"));
    }

    #[test]
    fn malformed_or_too_few_photos_are_refused_with_a_reason() {
        let one = vec![0.5; FEATURE_DIM];
        assert!(
            explore(&one, vec![1], vec![7])
                .unwrap_err()
                .contains("at least two")
        );
        assert!(
            explore(&one, vec![1, 2], vec![7, 8])
                .unwrap_err()
                .contains("malformed")
        );
    }
}
