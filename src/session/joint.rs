//! Fine-tuning a project of several tasks (issue 18): the last K blocks and a head per task
//! trained together on the tasks' summed losses (`train::joint`), an epoch at a time so
//! that Stop and previews are answered between epochs; measured on the run's held-out
//! photos, each task on those it labels.

use super::core::Session;
use super::protocol::TrainSet;
use super::run::{report, trained};
use crate::classifier::{Classifier, TaskMeta};
use crate::model::tail::TailConfig;
use crate::state::training::{Outcome, Progress, Report, TaskFigure};
use crate::train::data::check_trainable;
use crate::train::joint::{JointRun, TaskLabels};
use crate::train::provenance::per_class;
use crate::train::split::Split;
use crate::train::{EpochStats, TrainConfig};
use crate::web::fetch::now_ms;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;

/// Train every task of `set` on `rows` (activations at `cut`, in the set's order).
pub(super) async fn train_joint(
    session: &Session,
    set: &TrainSet,
    (rows, cut): (&[f32], TailConfig),
    split: &Split,
    config: &TrainConfig,
) {
    let fail = |m: String| report(session, Progress::Failed(m));
    // The further tasks train here, not after the model is made.
    session.tasks.borrow_mut().take();
    let started = now_ms();
    let engine = match session.engine() {
        Ok(engine) => engine,
        Err(e) => return fail(e.to_string()),
    };
    let Some(tail) = engine.backbone.pretrained_tail(cut) else {
        return fail("the weight file lacks the blocks to fine-tune".into());
    };
    let first: Vec<Option<usize>> = set.labels.iter().map(|&l| Some(l)).collect();
    let mut tasks = vec![TaskLabels {
        classes: set.classes.len(),
        labels: &first,
    }];
    // A further task whose training photos cannot train it (a class without any) is left
    // out of the model, and the page says why.
    let mut skipped = Vec::new();
    let mut trained_tasks = Vec::new();
    for t in &set.tasks {
        let labels: Vec<usize> = (split.train.iter())
            .filter_map(|&i| t.labels.get(i).copied().flatten())
            .collect();
        match check_trainable(&t.classes, &labels) {
            Ok(()) => {
                trained_tasks.push(t);
                tasks.push(TaskLabels {
                    classes: t.classes.len(),
                    labels: &t.labels,
                });
            }
            Err(e) => skipped.push(TaskFigure::skipped(&t.name, &e.to_string())),
        }
    }
    let rows = &rows[..(set.labels.len() * cut.cut_len()).min(rows.len())];
    let device = engine.device.clone();
    let mut run = match JointRun::start(&device, rows, &tail, &tasks, &split.train, config) {
        Ok(run) => run,
        Err(e) => return fail(e.to_string()),
    };
    report(session, Progress::Started(run.epochs()));
    let mut history = Vec::new();
    while !run.finished() {
        if session.stop.get() {
            return fail(
                "Stopped: the tasks train together, so the previous model is kept.".into(),
            );
        }
        let (loss, accuracy) = match run.epoch().await {
            Ok(figures) => figures,
            Err(e) => return fail(e.to_string()),
        };
        let stats = EpochStats {
            epoch: history.len() + 1,
            loss,
            accuracy,
            val_loss: None,
            val_accuracy: None,
        };
        history.push(stats);
        report(session, Progress::Epochs(vec![stats]));
        TimeoutFuture::new(0).await;
    }
    let fit = match run.finish(rows, &tasks, &split.validation, &device).await {
        Ok(fit) => fit,
        Err(e) => return fail(e.to_string()),
    };
    let ms = now_ms() - started;
    let ids: Vec<u64> = split.validation.iter().map(|&i| set.ids[i]).collect();
    let training = |t: usize, names: &[String], labels: &[Option<usize>]| {
        let e = &fit.evaluations[t];
        let trained: Vec<usize> = (split.train.iter())
            .filter_map(|&i| labels.get(i).copied().flatten())
            .collect();
        serde_json::json!({ "by": "graft page", "solver": "adam", "joint": true,
            "tasks": tasks.len(), "steps": fit.steps, "samples": split.train.len(),
            "validation_samples": e.labels.len(), "accuracy": e.accuracy(),
            "images_per_class": per_class(&trained, names.len()),
            "confusion": e.accuracy().map(|_| &e.confusion), "config": config, "seconds": ms / 1e3 })
    };
    let mut heads = fit.heads.clone().into_iter();
    let Some(head) = heads.next() else {
        return fail("the joint run ended without a head".into());
    };
    let mut model = Classifier::new(
        set.classes.clone(),
        head,
        engine.backbone.weights_id(),
        training(0, &set.classes, &first),
    )
    .with_tail(Some(fit.tail.clone()));
    let mut figures = skipped;
    for ((t, task), head) in trained_tasks.into_iter().enumerate().zip(heads) {
        let e = &fit.evaluations[t + 1];
        let meta = TaskMeta {
            name: task.name.clone(),
            classes: task.classes.clone(),
            hidden: head.hidden(),
            normalized_features: false,
            training: training(t + 1, &task.classes, &task.labels),
        };
        model = model.with_task(&set.first_task, meta, head);
        figures.push(TaskFigure {
            name: task.name.clone(),
            photos: split
                .train
                .iter()
                .filter(|&&i| task.labels.get(i).is_some_and(Option::is_some))
                .count(),
            accuracy: e.accuracy(),
            folds: 0,
            skipped: None,
        });
    }
    let evaluation = fit.evaluations[0].clone();
    let report = evaluation.accuracy().is_some().then(|| {
        Rc::new(Report {
            names: set.classes.clone(),
            evaluation,
            samples: ids,
            folds: 0,
        })
    });
    let outcome = Outcome {
        epochs: history.len(),
        best_epoch: history.len(),
        ms,
        rows: split.train.len(),
        held_out: split.validation.len(),
        stopped: false,
        early: false,
        report,
        history,
        notice: Some(format!(
            "The {} tasks trained together: one set of tuned blocks, a head each, on their summed losses.",
            tasks.len()
        )),
        fit: None,
        temperature: None,
        auto: Vec::new(),
        tasks: figures,
    };
    trained(session, model, outcome).await;
}
