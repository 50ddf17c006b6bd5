//! The page's reducer, natively: actions in, state out. Thumbnails are owned by the state, so
//! what the reducer drops frees its URL once no state shows it, and nothing else does.

use super::teach::TeachAction;
use super::training::{Progress, TrainAction, Training};
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

fn teach(state: &State, action: TeachAction) -> State {
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
    assert_eq!(again.teach.notices.len(), 1, "{:?}", again.teach.notices);
    assert!(
        again.teach.notices[0].contains("b.png"),
        "{:?}",
        again.teach.notices
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
    assert_eq!(stopped.teach.notices.len(), 1);
    let idle = teach(&start, TeachAction::SessionStopped("a crash".into()));
    assert_eq!(idle.teach.training, Training::Idle);
    assert!(idle.teach.notices[0].contains("a crash"));
}
