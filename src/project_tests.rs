//! Tests of `project.rs`.
use super::*;
use crate::model::FEATURE_DIM;

/// A sample of `p` (its next id) whose hash is `hash`.
pub(crate) fn sample(p: &mut Project, hash: &str) -> Sample {
    Sample {
        id: p.new_sample_id(),
        name: format!("{hash}.jpg"),
        hash: hash.into(),
        embedding: Rc::new(vec![1.0; FEATURE_DIM]),
        thumb: crate::thumb::Thumb::default(),
    }
}

#[test]
fn names_are_unique_and_classes_limited() {
    let mut p = Project::starter();
    assert_eq!(p.fresh_name(), "Class 3");
    assert_eq!(
        p.add_class(" Class 1 "),
        Err(ProjectError::NameTaken("Class 1".into()))
    );
    assert_eq!(p.add_class("  "), Err(ProjectError::EmptyName));
    let id = p.classes[0].id;
    assert_eq!(
        p.rename(id, "Class 1"),
        Ok(()),
        "keeping its own name is fine"
    );
    assert_eq!(
        p.rename(id, "Class 2"),
        Err(ProjectError::NameTaken("Class 2".into()))
    );
    while p.classes.len() < MAX_CLASSES {
        let name = p.fresh_name();
        p.add_class(&name).unwrap();
    }
    assert_eq!(p.add_class("one more"), Err(ProjectError::TooManyClasses));
}

#[test]
fn duplicates_moves_and_undo() {
    let mut p = Project::starter();
    let (a, b) = (p.classes[0].id, p.classes[1].id);
    let s = sample(&mut p, "x");
    p.add_sample(a, s.clone()).unwrap();
    let again = Sample {
        id: 99,
        ..s.clone()
    };
    assert_eq!(
        p.add_sample(a, again.clone()),
        Err(ProjectError::Duplicate("x.jpg".into(), "Class 1".into()))
    );
    p.add_sample(b, again).unwrap();
    assert_eq!(
        p.move_sample(s.id, b),
        Err(ProjectError::Duplicate("x.jpg".into(), "Class 2".into()))
    );
    assert_eq!(
        p.class(a).unwrap().samples.len(),
        1,
        "a refused move keeps the sample"
    );
    let y = sample(&mut p, "y");
    let y_id = y.id;
    p.add_sample(a, y).unwrap();
    p.move_sample(y_id, b).unwrap();
    assert_eq!(p.class(b).unwrap().samples.len(), 2);
    let (at, class) = p.remove_class(b).unwrap();
    assert!(p.labels().is_err());
    p.restore_class(at, class);
    let (names, labels) = p.labels().unwrap();
    assert_eq!(names, ["Class 1", "Class 2"]);
    assert_eq!(labels, vec![0, 1, 1]);
}

#[test]
fn folder_names_find_or_make_their_class() {
    let mut p = Project::starter();
    let first = p.classes[0].id;
    assert_eq!(p.resolve(&ClassRef::Name("Class 1".into())), Ok(first));
    let cats = p.resolve(&ClassRef::Name(" cats ".into())).unwrap();
    assert_eq!(p.class(cats).unwrap().name, "cats");
    assert_eq!(p.resolve(&ClassRef::Name("cats".into())), Ok(cats));
    assert_eq!(
        p.resolve(&ClassRef::Id(999)),
        Err(ProjectError::NoSuchClass)
    );
    assert_eq!(
        p.resolve(&ClassRef::Name("".into())),
        Err(ProjectError::EmptyName)
    );
}

#[test]
fn training_needs_two_classes_with_images() {
    let mut p = Project::starter();
    let a = p.classes[0].id;
    assert_eq!(
        p.labels().unwrap_err(),
        TrainError::EmptyClass("Class 1".into())
    );
    let s = sample(&mut p, "x");
    p.add_sample(a, s).unwrap();
    assert_eq!(
        p.labels().unwrap_err(),
        TrainError::EmptyClass("Class 2".into())
    );
    p.remove_class(p.classes[1].id);
    assert_eq!(p.labels().unwrap_err(), TrainError::TooFewClasses(1));
}

#[test]
fn restores_from_meta_and_records() {
    let mut p = Project::starter();
    let a = p.classes[0].id;
    let s = sample(&mut p, "x");
    p.add_sample(a, s.clone()).unwrap();
    let orphan = sample(&mut p, "z");
    let (back, orphans) =
        ProjectMeta::of(&p, None).restore(vec![(orphan.clone(), None), (s, None)]);
    assert_eq!(back, p);
    assert_eq!(orphans, vec![orphan.id]);
}

#[test]
fn images_set_aside_for_validation_survive_a_restore_and_leave_with_their_sample() {
    let mut p = Project::starter();
    let (a, b) = (sample(&mut p, "a"), sample(&mut p, "b"));
    let (ida, idb) = (a.id, b.id);
    let class = p.classes[0].id;
    p.add_sample(class, a).unwrap();
    p.add_sample(class, b).unwrap();
    p.toggle_held_out(idb);
    assert_eq!(p.held_out_mask(), vec![false, true]);
    let records = (p.classes.iter())
        .flat_map(|c| c.samples.iter().map(|s| (s.clone(), None)))
        .collect();
    let (back, _) = ProjectMeta::of(&p, None).restore(records);
    assert_eq!(back.held_out_mask(), vec![false, true]);
    p.toggle_held_out(idb);
    assert!(p.held_out.is_empty());
    p.toggle_held_out(ida);
    p.remove_sample(ida);
    assert!(
        p.held_out.is_empty(),
        "a removed sample is no longer set aside"
    );
    // An old project without the field reads as none set aside.
    let old: ProjectMeta =
        serde_json::from_str(r#"{"classes": [], "next_class": 1, "next_sample": 0}"#).unwrap();
    assert!(old.held_out.is_empty());
}

/// `has_sample` finds the newest and the oldest sample of any class, and no other id.
#[test]
fn has_sample_finds_every_sample_and_nothing_else() {
    let mut p = Project::starter();
    let (a, b) = (p.classes[0].id, p.classes[1].id);
    let mut ids = Vec::new();
    for (class, hash) in [(a, "x"), (a, "y"), (b, "z")] {
        let s = sample(&mut p, hash);
        ids.push(s.id);
        p.add_sample(class, s).unwrap();
    }
    assert!(ids.iter().all(|&id| p.has_sample(id)));
    assert!(!p.has_sample(ids.iter().max().unwrap() + 1));
    p.remove_sample(ids[0]);
    assert!(!p.has_sample(ids[0]));
}

#[test]
fn the_middle_id_splits_the_listed_samples_in_half() {
    let mut meta = ProjectMeta::default();
    assert_eq!(meta.middle_id(), None);
    meta.classes = vec![(0, "a".into(), vec![9, 1, 40]), (1, "b".into(), vec![3])];
    meta.unlabelled = vec![20];
    // Sorted 1 3 9 20 40: two below 9, two above.
    assert_eq!(meta.middle_id(), Some(9));
    meta.unlabelled.push(50);
    // 1 3 9 | 20 40 50: the second reader starts at 20.
    assert_eq!(meta.middle_id(), Some(20));
}
