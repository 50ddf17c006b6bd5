//! The project's further tasks at the end of a run (issue 18): each gets a linear head
//! fitted (L-BFGS, cross-validated or on a share, as the page's default head) on the
//! features the run's model classifies by (the backbone's, or through its tuned blocks), so
//! that one model file answers every task.

use super::core::Session;
use super::fit::step_through;
use super::protocol::TaskSet;
use crate::classifier::{Classifier, TaskMeta};
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::state::training::TaskFigure;
use crate::train::data::check_trainable;
use crate::train::linear::LinearRun;
use crate::train::lp_ft::tail_features;
use crate::train::provenance::Provenance;
use crate::train::split::plan_for;
use crate::train::{Inputs, TrainConfig, TrainError, Views};
use crate::web::fetch::now_ms;

/// What a run keeps for its further tasks until its model is made.
pub struct PendingTasks {
    /// The class cards' task's name.
    pub first: String,
    pub tasks: Vec<TaskSet>,
    /// The backbone's features of the run's photos, in the set's order.
    pub features: Vec<f32>,
    /// With fine-tuning, the same photos' activations at the cut.
    pub cut: Option<(TailConfig, Vec<f32>)>,
    pub config: TrainConfig,
}

/// `model` with a head for each further task, and each task's figures (or why it was not
/// trained).
pub(super) async fn with_tasks(
    session: &Session,
    model: Classifier,
    pending: PendingTasks,
) -> (Classifier, Vec<TaskFigure>) {
    let skipped = |tasks: &[TaskSet], why: &str| -> Vec<TaskFigure> {
        (tasks.iter())
            .map(|t| TaskFigure::skipped(&t.name, why))
            .collect()
    };
    let n = pending.features.len() / FEATURE_DIM;
    let features = match (&model.tail, &pending.cut) {
        _ if model.adaptation.is_some() => {
            let why = "the model adapted the backbone (AdaBN), the other tasks' heads did not";
            return (model, skipped(&pending.tasks, why));
        }
        (None, _) => pending.features,
        (Some(tail), Some((cut, rows))) if tail.config == *cut => {
            let all: Vec<usize> = (0..n).collect();
            let inputs = Inputs {
                values: rows,
                shape: cut.cut_shape(),
                labels: &[],
            };
            let made = match session.engine() {
                Ok(engine) => tail_features(tail, inputs, &all, &engine.device).await,
                Err(e) => Err(TrainError::Settings(e.to_string())),
            };
            match made {
                Ok(f) => f,
                Err(e) => return (model, skipped(&pending.tasks, &e.to_string())),
            }
        }
        (Some(_), _) => {
            let why = "the kept model's tuned blocks are not the run's";
            return (model, skipped(&pending.tasks, why));
        }
    };
    let config = head_config(&pending.config);
    let mut model = model;
    let mut figures = Vec::new();
    for task in pending.tasks {
        match fit_task(&task, &features, &config).await {
            Ok((meta, head, figure)) => {
                model = model.with_task(&pending.first, meta, head);
                figures.push(figure);
            }
            Err(why) => figures.push(TaskFigure::skipped(&task.name, &why)),
        }
    }
    (model, figures)
}

/// The page's default head (L-BFGS, linear) with the run's validation share, seed and
/// penalty.
fn head_config(run: &TrainConfig) -> TrainConfig {
    TrainConfig {
        validation_percent: run.validation_percent,
        seed: run.seed,
        penalty_c: run.penalty_c,
        ..TrainConfig::default()
    }
}

/// One task's head on the photos it labels, a few iterations at a time.
async fn fit_task(
    task: &TaskSet,
    features: &[f32],
    config: &TrainConfig,
) -> Result<(TaskMeta, crate::model::head::HeadWeights, TaskFigure), String> {
    const D: usize = FEATURE_DIM;
    let started = now_ms();
    let which: Vec<usize> = (0..task.labels.len())
        .filter(|&i| task.labels[i].is_some() && (i + 1) * D <= features.len())
        .collect();
    let labels: Vec<usize> = which.iter().filter_map(|&i| task.labels[i]).collect();
    let rows: Vec<f32> = (which.iter())
        .flat_map(|&i| &features[i * D..(i + 1) * D])
        .copied()
        .collect();
    check_trainable(&task.classes, &labels).map_err(|e| e.to_string())?;
    let plan = plan_for(config, &labels, &[], &task.classes).map_err(|e| e.to_string())?;
    let inputs = Inputs {
        values: &rows,
        shape: [D, 1, 1],
        labels: &labels,
    };
    let views = Views::default();
    let mut run =
        LinearRun::new(inputs, plan, &task.classes, config, &views).map_err(|e| e.to_string())?;
    // Not stopped by Stop: a run stopped early keeps its model, and its tasks with it.
    step_through(&mut run, |_| true).await;
    let out = run.outcome().ok_or("the fit ended without a head")?;
    let accuracy = out.evaluation.as_ref().and_then(|e| e.accuracy());
    let seconds = (now_ms() - started) / 1e3;
    let labelled = (labels.as_slice(), task.classes.len());
    let info = Provenance::of_linear("graft page", &out, labelled, config, seconds).json();
    let meta = TaskMeta {
        name: task.name.clone(),
        classes: task.classes.clone(),
        hidden: 0,
        normalized_features: false,
        training: info,
    };
    let figure = TaskFigure {
        name: task.name.clone(),
        photos: labels.len(),
        accuracy,
        folds: out.folds,
        skipped: None,
    };
    Ok((meta, out.head, figure))
}
