//! The page's reducer, natively: actions in, state out. Thumbnails are owned by the state, so
//! what the reducer drops frees its URL once no state shows it, and nothing else does.

use super::teach::TeachAction;
use super::training::{ModelSummary, Progress, TrainAction, Training};
use super::{Action, State};
use crate::project::{ClassRef, Sample};
use crate::thumb::Thumb;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static FREED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn freed() -> Vec<String> {
    FREED.with(|f| f.borrow().clone())
}

fn sample(id: u64, name: &str, hash: &str) -> Sample {
    Sample {
        id,
        name: name.into(),
        hash: hash.into(),
        embedding: Rc::new(vec![0.5; 4]),
        thumb: Thumb::owned(format!("blob:{name}"), |href| {
            FREED.with(|f| f.borrow_mut().push(href.to_string()))
        }),
    }
}

pub(super) fn teach(state: &State, action: TeachAction) -> State {
    state.reduced(Action::Teach(action))
}

fn counts(state: &State) -> Vec<usize> {
    (state.teach.project.classes.iter())
        .map(|c| c.samples.len())
        .collect()
}

/// A photo is added to its class; the same photo again is refused with a notice, and the
/// refused copy's thumbnail is freed at once while the kept one stays.
#[test]
fn samples_are_added_and_a_duplicate_is_refused_with_a_notice() {
    let start = State::default();
    let first = start.teach.project.classes[0].id;
    let one = teach(
        &start,
        TeachAction::SampleReady(ClassRef::Id(first), sample(1, "a.png", "h1")),
    );
    assert_eq!(counts(&one), vec![1, 0]);
    let again = teach(
        &one,
        TeachAction::SampleReady(ClassRef::Id(first), sample(2, "b.png", "h1")),
    );
    assert_eq!(counts(&again), vec![1, 0]);
    assert_eq!(
        again.teach.notices.lines(),
        ["b.png: this image is already in 'Class 1'"]
    );
    assert_eq!(freed(), vec!["blob:b.png".to_string()]);
    // Folders name classes: an image for a new folder makes its class.
    let named = teach(
        &again,
        TeachAction::SampleReady(ClassRef::Name("cats".into()), sample(3, "c.png", "h3")),
    );
    assert_eq!(counts(&named), vec![1, 0, 1]);
    assert_eq!(named.teach.project.classes[2].name, "cats");
}

/// A removed photo's thumbnail lives while an older state still shows it, then goes.
#[test]
fn a_removed_photo_frees_its_thumbnail_when_no_state_shows_it() {
    let start = State::default();
    let first = start.teach.project.classes[0].id;
    let one = teach(
        &start,
        TeachAction::SampleReady(ClassRef::Id(first), sample(7, "d.png", "h7")),
    );
    let none = teach(&one, TeachAction::RemoveSample(7));
    assert_eq!(counts(&none), vec![0, 0]);
    assert!(
        !freed().contains(&"blob:d.png".to_string()),
        "still shown by the older state"
    );
    drop(one);
    assert!(freed().contains(&"blob:d.png".to_string()));
}

/// Delete and Undo bring a class back where it was; a new project keeps the settings.
#[test]
fn delete_undo_and_a_new_project() {
    let start = State::default();
    let second = start.teach.project.classes[1].id;
    let renamed = teach(&start, TeachAction::Rename(second, "dogs".into()));
    let deleted = teach(&renamed, TeachAction::DeleteClass(second));
    assert_eq!(deleted.teach.project.classes.len(), 1);
    let back = teach(&deleted, TeachAction::Undo);
    assert_eq!(back.teach.project.classes[1].name, "dogs");
    let set = teach(
        &back,
        TeachAction::Train(TrainAction::Setting("penalty_c".into(), "3".into())),
    );
    assert_eq!(set.teach.settings.config.penalty_c, 3.0);
    let fresh = teach(&set, TeachAction::NewProject);
    assert_eq!(fresh.teach.project.classes.len(), 2);
    assert_eq!(fresh.teach.project.classes[1].name, "Class 2");
    assert_eq!(fresh.teach.settings.config.penalty_c, 3.0);
}

/// A training run's progress and end, as the jobs report them; a setting out of range is
/// refused at its field and changes nothing.
#[test]
fn training_progress_and_refused_settings() {
    let start = State::default();
    let fitting = teach(
        &start,
        TeachAction::Train(TrainAction::Progress(Progress::Fitting(2, 6))),
    );
    assert!(matches!(
        fitting.teach.training,
        Training::Fitting {
            done: 2,
            total: 6,
            ..
        }
    ));
    let noted = teach(
        &fitting,
        TeachAction::Train(TrainAction::Progress(Progress::Notice(
            "went on on the CPU".into(),
        ))),
    );
    assert!(
        matches!(&noted.teach.training, Training::Fitting { notice: Some(n), .. } if n == "went on on the CPU")
    );
    let failed = teach(
        &noted,
        TeachAction::Train(TrainAction::Progress(Progress::Failed("stopped".into()))),
    );
    assert_eq!(failed.teach.training, Training::Failed("stopped".into()));
    let refused = teach(
        &failed,
        TeachAction::Train(TrainAction::Setting("penalty_c".into(), "-1".into())),
    );
    assert_eq!(refused.teach.settings.config, start.teach.settings.config);
    assert_eq!(refused.teach.settings.refused.len(), 1);
}

/// A worker that stops ends the run in progress with a message, and says so; a finished
/// run is left as it was.
#[test]
fn a_stopped_session_ends_the_run_in_progress() {
    let start = State::default();
    let running = teach(
        &start,
        TeachAction::Train(TrainAction::Progress(Progress::Started(30))),
    );
    let stopped = teach(
        &running,
        TeachAction::SessionStopped("out of memory".into()),
    );
    assert!(
        matches!(&stopped.teach.training, Training::Failed(m) if m.contains("out of memory")),
        "{:?}",
        stopped.teach.training
    );
    assert_eq!(stopped.teach.notices.lines().len(), 1);
    let idle = teach(&start, TeachAction::SessionStopped("a crash".into()));
    assert_eq!(idle.teach.training, Training::Idle);
    assert!(idle.teach.notices.lines()[0].contains("a crash"));
}

pub(super) fn model(key: &str, classes: &[&str]) -> ModelSummary {
    ModelSummary {
        key: key.into(),
        classes: classes.iter().map(|c| c.to_string()).collect(),
        tuned_blocks: 0,
        task: None,
        tasks: Vec::new(),
    }
}

/// Work proportional to the change: an action copies no class's sample list but the one
/// it changes (the lists are shared between states), so it costs the same at 10 and at
/// 10 000 samples (`examples/state_scale.rs` measures it).
#[test]
fn an_action_copies_only_the_class_it_changes() {
    let start = State::default();
    let ids: Vec<u32> = start.teach.project.classes.iter().map(|c| c.id).collect();
    let mut state = start;
    for i in 0..6 {
        let class = ClassRef::Id(ids[i % 2]);
        let s = sample(i as u64, &format!("{i}.png"), &format!("h{i}"));
        state = teach(&state, TeachAction::SampleReady(class, s));
    }
    let shared = |a: &State, b: &State, class: usize| {
        Rc::ptr_eq(
            &a.teach.project.classes[class].samples,
            &b.teach.project.classes[class].samples,
        )
    };
    let renamed = teach(&state, TeachAction::Rename(ids[0], "dogs".into()));
    let aside = teach(&renamed, TeachAction::ToggleHeldOut(0));
    let progress = Progress::Fitting(1, 3);
    let fitting = teach(&aside, TeachAction::Train(TrainAction::Progress(progress)));
    for next in [&renamed, &aside, &fitting] {
        assert!(shared(&state, next, 0) && shared(&state, next, 1));
    }
    let s = sample(9, "9.png", "h9");
    let added = teach(&fitting, TeachAction::SampleReady(ClassRef::Id(ids[1]), s));
    assert!(shared(&fitting, &added, 0) && !shared(&fitting, &added, 1));
    assert_eq!(counts(&added), vec![3, 4]);
}

/// A saved project asks the browser to keep its photos once it has more than
/// `PERSIST_ABOVE` of them, once, and says what the browser answered.
#[test]
fn a_large_project_asks_for_persistent_storage_once() {
    use super::storage::{PERSIST_ABOVE, StorageUse};
    let restored = TeachAction::Restored {
        project: Box::new(crate::project::Project::starter()),
        error: None,
        checking_model: false,
    };
    let mut state = teach(&State::default(), restored);
    let kept = StorageUse {
        used: 3e8,
        quota: 2e9,
        persisted: Some(false),
    };
    state = teach(&state, TeachAction::StorageUse(kept));
    let class = ClassRef::Id(state.teach.project.classes[0].id);
    for i in 0..PERSIST_ABOVE as u64 {
        let s = sample(i, &format!("{i}.jpg"), &format!("h{i}"));
        state = teach(&state, TeachAction::SampleReady(class.clone(), s));
    }
    assert!(!state.teach.wants_persist());
    let s = sample(1_000, "last.jpg", "last");
    state = teach(&state, TeachAction::SampleReady(class, s));
    assert!(state.teach.wants_persist());
    let asked = teach(&state, TeachAction::PersistAsked(Some(false)));
    assert!(!asked.teach.wants_persist());
    assert!(
        asked
            .teach
            .notices
            .lines()
            .iter()
            .any(|n| n.contains("it declined")),
        "{:?}",
        asked.teach.notices
    );
    let granted = teach(&state, TeachAction::PersistAsked(Some(true)));
    assert_eq!(granted.teach.storage.unwrap().persisted, Some(true));
}

/// A restored project has no thumbnails: the first ones of each card are wanted, given, and
/// wanted no more; one removed brings the next into view, wanted in turn.
#[test]
fn restored_samples_get_the_thumbnails_their_cards_show() {
    use super::teach::THUMBS_SHOWN;
    let mut state = State::default();
    let class = ClassRef::Id(state.teach.project.classes[0].id);
    for id in 0..(THUMBS_SHOWN as u64 + 2) {
        let mut s = sample(id, &format!("p{id}.png"), &format!("h{id}"));
        s.thumb = Thumb::default();
        state = teach(&state, TeachAction::SampleReady(class.clone(), s));
    }
    let wanted = state.teach.thumbs_wanted();
    assert_eq!(wanted, (0..THUMBS_SHOWN as u64).collect::<Vec<_>>());
    let made = (wanted.iter())
        .map(|&id| (id, Thumb::borrowed(format!("blob:{id}"))))
        .collect();
    state = teach(&state, TeachAction::Thumbs(made));
    assert!(state.teach.thumbs_wanted().is_empty());
    let first = &state.teach.project.classes[0].samples[0];
    assert_eq!(first.thumb.href(), "blob:0");
    state = teach(&state, TeachAction::RemoveSample(0));
    assert_eq!(state.teach.thumbs_wanted(), vec![THUMBS_SHOWN as u64]);
}

/// A photo added past a card's shown ones keeps no object URL: a library of thousands holds
/// a card's worth of thumbnails a class, not one a photo.
#[test]
fn a_photo_past_the_shown_ones_frees_its_thumbnail() {
    use super::teach::THUMBS_SHOWN;
    let mut state = State::default();
    let class = ClassRef::Id(state.teach.project.classes[0].id);
    let n = THUMBS_SHOWN as u64 + 3;
    for id in 0..n {
        let s = sample(id, &format!("past{id}.png"), &format!("hp{id}"));
        state = teach(&state, TeachAction::SampleReady(class.clone(), s));
    }
    let samples = &state.teach.project.classes[0].samples;
    let shown = samples
        .iter()
        .filter(|s| !s.thumb.href().is_empty())
        .count();
    assert_eq!((samples.len(), shown), (n as usize, THUMBS_SHOWN));
    let freed = freed();
    for id in THUMBS_SHOWN as u64..n {
        assert!(
            freed.contains(&format!("blob:past{id}.png")),
            "{id} was freed"
        );
    }
    assert!(!freed.contains(&"blob:past0.png".to_string()));
}

/// Answers from a pool of workers come in any order; a class keeps its photos in the order
/// they were sent (by id), so the page trains on the command line's order.
#[test]
fn samples_keep_the_order_they_were_sent_in() {
    let mut state = State::default();
    let class = ClassRef::Id(state.teach.project.classes[0].id);
    for id in [0, 2, 1, 4, 3] {
        let s = sample(id, &format!("o{id}.png"), &format!("ho{id}"));
        state = teach(&state, TeachAction::SampleReady(class.clone(), s));
    }
    let ids: Vec<u64> = (state.teach.project.classes[0].samples.iter())
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, [0, 1, 2, 3, 4]);
}

thread_local! {
    static MADE: RefCell<usize> = const { RefCell::new(0) };
}

/// Photos added with a thumbnail still to be made are not wanted from the store, and asking
/// which are wanted (every render does) makes no URL: only a card drawn near the screen
/// makes its own (an object URL each, ~2.6 ms of the page's thread).
#[test]
fn asking_which_thumbnails_are_wanted_makes_none() {
    let mut state = State::default();
    let class = ClassRef::Id(state.teach.project.classes[0].id);
    let make = |bytes: &[u8]| {
        MADE.with(|m| *m.borrow_mut() += 1);
        format!("blob:{}", bytes.len())
    };
    for id in 0..5 {
        let mut s = sample(id, &format!("l{id}.png"), &format!("hl{id}"));
        s.thumb = Thumb::lazy(vec![0; id as usize + 1], make, |_| {});
        state = teach(&state, TeachAction::SampleReady(class.clone(), s));
    }
    assert!(state.teach.thumbs_wanted().is_empty());
    assert_eq!(MADE.with(|m| *m.borrow()), 0);
    assert_eq!(
        state.teach.project.classes[0].samples[2].thumb.href(),
        "blob:3"
    );
    assert_eq!(MADE.with(|m| *m.borrow()), 1);
}
