//! The session's training job: plan the validation (a share, the images set aside, or
//! folds), make (or reuse) the rows it needs, then fit the L-BFGS head (`fit.rs`) or train
//! with Adam (`adam.rs`), and report on the held-out images.

use super::core::Session;
use super::protocol::{Event, TrainSet};
use super::{adam, fit, rows};
use crate::classifier::Classifier;
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::state::training::{Outcome, Progress};
use crate::train::split::{Plan, Split, plan_for};
use crate::train::{Inputs, Solver, TrainConfig, Views};
use crate::web::fetch::now_ms;
use std::rc::Rc;

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
}

/// Tell the page how the run goes.
pub(super) fn report(session: &Session, progress: Progress) {
    session.send(Event::Train { progress }, Vec::new());
}

/// Train until the epochs are done, patience runs out, or Stop; keep the best epoch.
pub async fn train(session: &Session, set: TrainSet, features: Vec<f32>, config: TrainConfig) {
    let fail = |m: String| report(session, Progress::Failed(m));
    if features.len() != set.labels.len() * FEATURE_DIM {
        return fail("the images' embeddings did not come with the request".into());
    }
    // Images set aside on their cards are the validation set; otherwise a stratified
    // share, or (small classes) k-fold cross-validation.
    let plan = match plan_for(&config, &set.labels, &set.held_out, &set.classes) {
        Ok(plan) => plan,
        Err(e) => return fail(e.to_string()),
    };
    // The images whose views are made; the Adam trainer's split.
    let split = match &plan {
        Plan::HeldOut(split) => split.clone(),
        _ => Split {
            train: plan.trained(set.labels.len()),
            validation: Vec::new(),
        },
    };
    let cut = TailConfig::new(config.tuned_blocks);
    session.stop.set(false);
    let started = now_ms();
    let made = rows::rows(session, &set, &split, &config, cut).await;
    let (values, views) = match made {
        Ok((values, views)) => (values.unwrap_or(features), views),
        Err(e) => return fail(e.to_string()),
    };
    let backbone_id = match session.engine() {
        Ok(engine) => engine.backbone.weights_id().to_string(),
        Err(e) => return fail(e.to_string()),
    };
    let inputs = Inputs {
        values: &values,
        shape: cut.map_or([FEATURE_DIM, 1, 1], |c| c.cut_shape()),
        labels: &set.labels,
    };
    let job = Job {
        inputs,
        plan,
        names: set.classes.clone(),
        ids: &set.ids,
        config: &config,
        views: &views,
        cut,
        backbone_id,
        started,
        notice: None,
    };
    match config.solver {
        Solver::Lbfgs => fit::fit_linear(session, job).await,
        Solver::Adam => adam::train_adam(session, job).await,
    }
}

/// Send the run's model and outcome; the preview uses the model from now on.
pub(super) fn trained(session: &Session, classifier: Classifier, outcome: Outcome) {
    match classifier.to_bytes() {
        Ok(bytes) => {
            *session.model.borrow_mut() = Some(Rc::new(classifier));
            *session.tail.borrow_mut() = None;
            session.send(Event::Trained { outcome }, vec![bytes]);
        }
        Err(e) => report(
            session,
            Progress::Failed(format!("the model could not be written: {e}")),
        ),
    }
}
