//! The Unlabelled tray in the reducer, natively: photos in, suggestions named by class,
//! accepting one or all above a threshold, copies refused, and the tray saved and restored.

use super::State;
use super::suggestions::{Answer, why_none};
use super::teach::TeachAction;
use super::tests::teach;
use crate::project::{ClassRef, ProjectMeta, Sample};
use crate::session::protocol::TrainSet;
use crate::thumb::Thumb;
use std::rc::Rc;

fn photo(id: u64, hash: &str, value: f32) -> Sample {
    Sample {
        id,
        name: format!("{hash}.png"),
        hash: hash.into(),
        embedding: Rc::new(vec![value; 3]),
        thumb: Thumb::default(),
    }
}

/// Two classes of one photo each, and three photos in the tray.
fn with_tray() -> State {
    let mut state = State::default();
    let ids: Vec<u32> = state.teach.project.classes.iter().map(|c| c.id).collect();
    for (i, &class) in ids.iter().enumerate() {
        let s = photo(i as u64, &format!("l{i}"), i as f32);
        state = teach(&state, TeachAction::SampleReady(ClassRef::Id(class), s));
    }
    for (id, hash) in [(2, "u2"), (3, "u3"), (4, "u4")] {
        let s = photo(id, hash, 0.5);
        state = teach(&state, TeachAction::SampleReady(ClassRef::Unlabelled, s));
    }
    state
}

fn answer(confidence: [f32; 3]) -> Answer {
    Answer {
        classes: vec!["Class 1".into(), "Class 2".into()],
        ids: vec![2, 3, 4],
        labels: vec![0, 1, 1],
        confidence: confidence.to_vec(),
    }
}

/// Photos go to the tray, not to a class; a copy of a labelled photo is refused, naming
/// its class; the tray's photos train after the labelled ones, counted apart.
#[test]
fn the_tray_takes_photos_and_refuses_copies_of_labelled_ones() {
    let state = with_tray();
    let p = &state.teach.project;
    assert_eq!(p.unlabelled.ids(), vec![2, 3, 4]);
    assert_eq!(p.sample_count(), 2);
    assert_eq!(p.next_sample, 5);
    let copy = teach(
        &state,
        TeachAction::SampleReady(ClassRef::Unlabelled, photo(9, "l1", 1.0)),
    );
    assert_eq!(copy.teach.project.unlabelled.len(), 3);
    let said = format!("{:?}", copy.teach.notices);
    assert!(said.contains("already in 'Class 2'"), "{said}");
    let (set, embeddings) = TrainSet::of(p).unwrap();
    assert_eq!(
        (set.labels.len(), set.unlabelled.len(), embeddings.len()),
        (2, 3, 5)
    );
    assert_eq!(embeddings[4][0], 0.5);
}

/// Suggestions are named by the classes' ids, surest first; "accept all at or above" moves
/// only those, the rest stay; accepting one moves it; a class renamed since the question
/// suggests nothing.
#[test]
fn accepting_suggestions_moves_photos_into_their_classes() {
    let state = with_tray();
    let ids: Vec<u32> = state.teach.project.classes.iter().map(|c| c.id).collect();
    let state = teach(
        &state,
        TeachAction::Suggested(Some(answer([0.7, 0.95, 0.85]))),
    );
    let order: Vec<u64> = (state
        .teach
        .suggestions
        .order(&state.teach.project.unlabelled))
    .iter()
    .map(|s| s.id)
    .collect();
    assert_eq!(order, vec![3, 4, 2]);
    let moved = teach(&state, TeachAction::AcceptAbove(0.8));
    let p = &moved.teach.project;
    assert_eq!(p.unlabelled.ids(), vec![2]);
    assert_eq!(p.class(ids[1]).unwrap().samples.len(), 3);
    assert_eq!(p.class(ids[0]).unwrap().samples.len(), 1);
    let one = teach(&moved, TeachAction::MoveSample(2, ids[0]));
    assert!(one.teach.project.unlabelled.is_empty());
    assert_eq!(one.teach.project.class(ids[0]).unwrap().samples.len(), 2);

    let renamed = teach(&state, TeachAction::Rename(ids[1], "other".into()));
    let stale = teach(&renamed, TeachAction::Suggested(Some(answer([0.9; 3]))));
    assert_eq!(stale.teach.suggestions.by_sample.len(), 1);
    let none = teach(&stale, TeachAction::Suggested(None));
    assert!(none.teach.suggestions.by_sample.is_empty());
}

/// The tray is saved with the project and comes back; with a class empty it says why it
/// makes no suggestions, and training leaves it out.
#[test]
fn the_tray_is_saved_and_waits_for_every_class() {
    let state = with_tray();
    let p = &state.teach.project;
    let records = (p.classes.iter().flat_map(|c| c.samples.iter()))
        .chain(p.unlabelled.samples.iter())
        .map(|s| (s.clone(), None))
        .collect();
    let (back, orphans) = ProjectMeta::of(p, None).restore(records);
    assert_eq!(back.unlabelled.ids(), vec![2, 3, 4]);
    assert!(orphans.is_empty());
    assert!(why_none(p).is_none());

    let first = p.classes[0].id;
    let emptied = teach(&state, TeachAction::DeleteClass(first));
    let why = why_none(&emptied.teach.project).unwrap();
    assert!(why.contains("every class has a labelled photo"), "{why}");
    let removed = teach(&state, TeachAction::RemoveSample(3));
    assert_eq!(removed.teach.project.unlabelled.ids(), vec![2, 4]);
}
