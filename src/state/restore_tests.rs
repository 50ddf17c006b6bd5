//! Reopening: the saved project shown before its model is checked, and the check's answer.

use super::State;
use super::model_tests::OUTCOME;
use super::teach::TeachAction;
use super::tests::{model, teach};
use super::training::{Outcome, TrainAction};

/// A reopened project is shown before its saved model is checked (the backbone loads);
/// the check's answer shows the model, unless a model trained meanwhile came first.
#[test]
fn the_saved_model_is_shown_once_checked_unless_another_came_first() {
    let restored = teach(
        &State::default(),
        TeachAction::Restored {
            project: Box::new(crate::project::Project::starter()),
            error: None,
            checking_model: true,
        },
    );
    assert!(restored.teach.restored && restored.teach.checking_model);
    let checked = |model| TeachAction::SavedModel { model, error: None };
    let shown = teach(&restored, checked(Some(model("saved", &["Class 1"]))));
    assert_eq!(shown.teach.model.as_ref().unwrap().key, "saved");
    assert!(!shown.teach.checking_model);
    let outcome: Outcome = serde_json::from_str(OUTCOME).unwrap();
    let trained = teach(
        &restored,
        TeachAction::Train(TrainAction::Trained(Box::new((
            model("new", &["Class 1"]),
            outcome,
        )))),
    );
    assert!(!trained.teach.checking_model);
    let late = teach(&trained, checked(Some(model("saved", &["Class 1"]))));
    assert_eq!(late.teach.model.as_ref().unwrap().key, "new");
    let refused = TeachAction::SavedModel {
        model: None,
        error: Some("The saved model could not be used".into()),
    };
    let failed = teach(&restored, refused);
    assert!(failed.teach.model.is_none() && failed.teach.storage_error.is_some());
}
