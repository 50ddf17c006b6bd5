//! The session's training job: plan the validation (a share, the images set aside, or
//! folds), make (or reuse) the rows it needs, then fit the L-BFGS head (`fit.rs`) or train
//! with Adam (`adam.rs`), and report on the held-out images.

use super::core::Session;
use super::protocol::TrainSet;
use super::run::{Job, report};
use super::{adam, fit, measured, rows};
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::state::training::Progress;
use crate::train::split::{Plan, Split, plan_for};
use crate::train::{Inputs, Method, Solver, TrainConfig};
use crate::web::fetch::now_ms;

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
    match (config.method, config.solver) {
        (Method::Head, Solver::Lbfgs) => fit::fit_linear(session, job).await,
        (Method::Head, Solver::Adam) => adam::train_adam(session, job).await,
        (Method::Prototypes | Method::Auto, _) => measured::fit_measured(session, job).await,
    }
}
