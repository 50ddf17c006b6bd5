//! The reducer and models: a loaded model's classes and tasks join the project; a new
//! model clears the previewed picture's answers until the session sends the new model's.

use super::State;
use super::teach::{Prediction, TeachAction};
use super::tests::{model, teach};
use super::training::{Outcome, TrainAction, Training};
use crate::thumb::Thumb;

/// A loaded model of several tasks adds the tasks (and classes) the project lacks, and says
/// so; the project's photos and classes stay.
#[test]
fn a_model_of_several_tasks_adds_the_tasks_the_project_lacks() {
    let mut m = model("k1", &["Class 1", "Class 2"]);
    m.task = Some("leaf".into());
    m.tasks = vec![("healthy".into(), vec!["yes".into(), "no".into()])];
    let loaded = teach(&State::default(), TeachAction::ModelLoaded(m));
    let tasks = &loaded.teach.project.tasks;
    assert_eq!(tasks.first, "leaf");
    let names: Vec<_> = tasks.others[0]
        .classes
        .iter()
        .map(|(_, n)| n.as_str())
        .collect();
    assert_eq!(
        (tasks.others[0].name.as_str(), names),
        ("healthy", vec!["yes", "no"])
    );
    assert!(loaded.teach.notices.lines()[0].contains("task 'healthy' (from the model file)"));
    assert_eq!(loaded.teach.project.classes.len(), 2);
}

/// A loaded model adds the classes the project lacks; a new model clears the previewed
/// picture's bars (the session sends the new model's), and the same model keeps them.
#[test]
fn a_new_model_adds_its_classes_and_waits_for_new_bars() {
    let start = State::default();
    let loaded = teach(
        &start,
        TeachAction::ModelLoaded(model("k1", &["Class 1", "cats"])),
    );
    let names: Vec<_> = (loaded.teach.project.classes.iter())
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["Class 1", "Class 2", "cats"]);
    let prediction = Prediction {
        name: "a.png".into(),
        thumb: Thumb::default(),
        probs: vec![("Class 1".into(), 0.25), ("cats".into(), 0.75)],
        looks: Some(graft_maps()),
        tasks: vec![(
            "turned".into(),
            vec![("up".into(), 0.9), ("down".into(), 0.1)],
        )],
    };
    let shown = teach(&loaded, TeachAction::Predicted(Box::new(prediction)));
    let renamed = teach(&shown, TeachAction::Rename(0, "dogs".into()));
    assert_eq!(renamed.teach.prediction.as_ref().unwrap().probs.len(), 2);
    let outcome: Outcome = serde_json::from_str(OUTCOME).unwrap();
    let trained = teach(
        &renamed,
        TeachAction::Train(TrainAction::Trained(Box::new((
            model("k2", &["dogs"]),
            outcome,
        )))),
    );
    assert_eq!(trained.teach.model.as_ref().unwrap().key, "k2");
    // The new model's answer comes from the session: the old one's tasks are cleared too.
    assert!(trained.teach.prediction.as_ref().unwrap().tasks.is_empty());
    // A new project forgets the model; an answer without one shows nothing.
    let fresh = teach(&shown, TeachAction::NewProject);
    let late = Prediction {
        name: "a.png".into(),
        thumb: Thumb::default(),
        probs: Vec::new(),
        looks: None,
        tasks: Vec::new(),
    };
    assert!(
        teach(&fresh, TeachAction::Predicted(Box::new(late)))
            .teach
            .prediction
            .is_none()
    );
    assert!(trained.teach.prediction.as_ref().unwrap().probs.is_empty());
    assert!(trained.teach.prediction.as_ref().unwrap().looks.is_none());
    assert!(matches!(trained.teach.training, Training::Done(_)));
}

pub(super) const OUTCOME: &str = r#"{"history":[],"epochs":0,"best_epoch":0,"ms":1.0,"rows":2,
    "held_out":0,"stopped":false,"early":false,"report":null,"notice":null,"fit":null}"#;

/// Two classes' maps over a 1 x 1 map, as the session sends them.
fn graft_maps() -> crate::model::cam::ClassMaps {
    crate::model::cam::ClassMaps {
        kind: crate::model::cam::MapKind::Cam,
        side: 1,
        maps: vec![vec![0.5], vec![-0.5]],
    }
}
