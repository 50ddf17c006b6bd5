//! What every training run shares, whichever solver: the job it is handed, how it tells the
//! page how it goes, and how it hands over its model.

use super::core::{InUse, Session};
use super::preview;
use super::protocol::{Event, TrainSet};
use crate::classifier::Classifier;
use crate::model::tail::TailConfig;
use crate::state::training::{Outcome, Progress};
use crate::train::split::{Plan, Split};
use crate::train::{Inputs, TrainConfig, Views};

/// What a training run hands its solver's job: the rows, the plan and how to report.
pub(super) struct Job<'a> {
    pub inputs: Inputs<'a>,
    pub plan: Plan,
    pub names: Vec<String>,
    pub ids: &'a [u64],
    pub config: &'a TrainConfig,
    pub views: &'a Views,
    /// The fine-tuned blocks' cut (Adam only).
    pub cut: Option<TailConfig>,
    pub backbone_id: String,
    pub started: f64,
    pub notice: Option<String>,
    /// What was asked for, and the images trained on (Auto makes rows of its own).
    pub set: &'a TrainSet,
    pub split: &'a Split,
    /// LP-FT: fine-tuning starts from the head probed on the frozen blocks (Adam only).
    pub probe_first: bool,
    /// Auto: when (`now_ms`) an Adam run ends, after its first epoch.
    pub deadline: Option<f64>,
}

impl<'a> Job<'a> {
    /// The same job on other rows and settings (Auto's candidates).
    pub fn with<'b>(
        &'b self,
        inputs: Inputs<'b>,
        config: &'b TrainConfig,
        views: &'b Views,
        cut: Option<TailConfig>,
    ) -> Job<'b> {
        Job {
            inputs,
            plan: self.plan.clone(),
            names: self.names.clone(),
            ids: self.ids,
            config,
            views,
            cut,
            backbone_id: self.backbone_id.clone(),
            started: self.started,
            notice: self.notice.clone(),
            set: self.set,
            split: self.split,
            probe_first: false,
            deadline: None,
        }
    }
}

/// Tell the page how the run goes.
pub(super) fn report(session: &Session, progress: Progress) {
    session.send(Event::Train { progress }, Vec::new());
}

/// Send the run's model and outcome (with a head for each of the project's further tasks);
/// the preview uses the model from now on.
pub(super) async fn trained(session: &Session, model: Classifier, outcome: Outcome) {
    let pending = session.tasks.borrow_mut().take();
    let (model, outcome) = match pending {
        Some(pending) => {
            let (model, figures) = super::tasks::with_tasks(session, model, pending).await;
            let outcome = Outcome {
                tasks: figures,
                ..outcome
            };
            (model, outcome)
        }
        None => (model, outcome),
    };
    match model.to_bytes() {
        Ok(file) => {
            let shown = preview::summary(&model, &file);
            let key = shown.key.clone();
            session.send(
                Event::Trained {
                    outcome,
                    model: shown,
                },
                vec![file],
            );
            preview::set_model(session, Some(InUse::model(model, key))).await;
        }
        Err(e) => report(
            session,
            Progress::Failed(format!("the model could not be written: {e}")),
        ),
    }
}
