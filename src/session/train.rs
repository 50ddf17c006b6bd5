//! The session's training job: plan the validation (a share, the images set aside, or
//! folds), make (or reuse) the rows it needs, then fit the L-BFGS head (`fit.rs`) or train
//! with Adam (`adam.rs`), and report on the held-out images; the Unlabelled tray's photos
//! that propagation labels surely train a head too.

use super::core::Session;
use super::protocol::TrainSet;
use super::run::{Job, report};
use super::tasks::PendingTasks;
use super::{adam, auto, fit, joint, measured, rows};
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::state::training::Progress;
use crate::train::consistency::{VIEWS, consistent};
use crate::train::linear::fit_on_all;
use crate::train::propagation::{PseudoRule, pseudo_label};
use crate::train::split::{Plan, Split, plan_for};
use crate::train::{Inputs, Method, Solver, TrainConfig, TrainError};
use crate::web::fetch::now_ms;

/// Train until the epochs are done, patience runs out, or Stop; keep the best epoch.
pub async fn train(session: &Session, set: TrainSet, features: Vec<f32>, config: TrainConfig) {
    let fail = |m: String| report(session, Progress::Failed(m));
    let mut features = features;
    if features.len() != (set.labels.len() + set.unlabelled.len()) * FEATURE_DIM {
        return fail("the images' embeddings did not come with the request".into());
    }
    let pool = features.split_off(set.labels.len() * FEATURE_DIM);
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
    let (mut values, views) = match made {
        Ok((values, views)) => match (values, set.tasks.is_empty()) {
            (Some(values), _) => (values, views),
            (None, true) => (std::mem::take(&mut features), views),
            (None, false) => (features.clone(), views),
        },
        Err(e) => return fail(e.to_string()),
    };
    // The further tasks train when the model is made, on the same photos' features.
    *session.tasks.borrow_mut() = (!set.tasks.is_empty()).then(|| {
        let n = set.labels.len();
        PendingTasks {
            first: set.first_task.clone(),
            tasks: set.tasks.clone(),
            features,
            cut: cut.map(|c| (c, values[..(n * c.cut_len()).min(values.len())].to_vec())),
            config: config.clone(),
        }
    });
    // Train may be pressed while the backbone still loads (a reopened project): the run
    // waits for it here, once, before any solver (`adam.rs`, `joint.rs`) asks for the engine.
    let backbone_id = match session.ready_engine().await {
        Ok(engine) => engine.backbone.weights_id().to_string(),
        Err(e) => return fail(e.to_string()),
    };
    let mut labels = set.labels.clone();
    let tray = with_tray(
        session,
        &set,
        &config,
        plan,
        (&mut values, &mut labels),
        &pool,
    );
    let (plan, notice) = match tray.await {
        Ok(made) => made,
        Err(e) => return fail(e.to_string()),
    };
    let inputs = Inputs {
        values: &values,
        shape: cut.map_or([FEATURE_DIM, 1, 1], |c| c.cut_shape()),
        labels: &labels,
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
        notice,
        set: &set,
        split: &split,
        probe_first: false,
        deadline: None,
    };
    match (config.method, config.solver) {
        // Several tasks and fine-tuning: the blocks learn every task's loss together.
        (Method::Head, Solver::Adam)
            if !set.tasks.is_empty()
                && let Some(cut) = cut =>
        {
            joint::train_joint(session, &set, (&values, cut), &split, &config).await
        }
        (Method::Head, Solver::Lbfgs) => fit::fit_linear(session, job).await,
        (Method::Head, Solver::Adam) => adam::train_adam(session, job).await,
        (Method::Prototypes, _) => measured::fit_prototypes(session, job).await,
        (Method::Auto, _) => auto::fit_auto(session, job).await,
    }
}

/// The tray's photos that a rule labels surely (propagation, or consistency across views
/// once every class has `CONSISTENCY_FROM` photos: `PseudoRule::Auto`, as `graft train
/// --unlabeled` does), trained on by every fit after the labelled rows and never measured
/// on; a linear head on the backbone's features only. Says what became of the tray.
async fn with_tray(
    session: &Session,
    set: &TrainSet,
    config: &TrainConfig,
    plan: Plan,
    (values, labels): (&mut Vec<f32>, &mut Vec<usize>),
    pool: &[f32],
) -> Result<(Plan, Option<String>), TrainError> {
    const D: usize = FEATURE_DIM;
    let n = set.unlabelled.len();
    if n == 0 {
        return Ok((plan, None));
    }
    let head_only = config.tuned_blocks == 0
        && config.hidden == 0
        && (config.method, config.solver) == (Method::Head, Solver::Lbfgs);
    if !head_only {
        let notice = format!(
            "The {n} unlabelled photos were not trained on: they teach a linear head fitted \
             on the backbone's features (Method Head, Solver L-BFGS, no hidden layer or tuned \
             blocks)."
        );
        return Ok((plan, Some(notice)));
    }
    let trained = plan.trained(labels.len());
    let labelled: Vec<f32> = (trained.iter())
        .flat_map(|&i| values[i * D..(i + 1) * D].iter().copied())
        .collect();
    let classes: Vec<usize> = trained.iter().map(|&i| labels[i]).collect();
    let mut unread = Vec::new();
    let got = match PseudoRule::Auto.for_labels(&classes, set.classes.len()) {
        PseudoRule::Consistency => {
            let views;
            (views, unread) = rows::pool_views(session, &set.unlabelled, config, VIEWS).await?;
            let head = fit_on_all(&labelled, &classes, &set.classes, config)?;
            consistent(&head, &labelled, pool, &views, D)
        }
        _ => pseudo_label((&labelled, &classes), pool, D, set.classes.len()),
    };
    let from = labels.len();
    for (&i, &class) in got.rows.iter().zip(&got.classes) {
        values.extend_from_slice(&pool[i * D..(i + 1) * D]);
        labels.push(class);
    }
    let mut notice = format!("{}.", got.summary(&set.classes));
    if !unread.is_empty() {
        notice += &format!(
            " Not checked, their saved copies unreadable: {}.",
            unread.join(", ")
        );
    }
    Ok((plan.with_extra_training(from..labels.len()), Some(notice)))
}
