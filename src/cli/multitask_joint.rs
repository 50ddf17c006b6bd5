//! `graft train --task` with `--tuned-blocks K`: one shared tail and a head per task
//! trained on the tasks' summed losses (`train::joint`), measured on a held-out share.

use super::Task;
use crate::classifier::{Classifier, TaskMeta};
use crate::cli::trained::{report, validation_title};
use crate::rng::SplitMix64;
use crate::train::TrainConfig;
use crate::train::joint::{self, TaskLabels};
use std::time::Instant;

/// Fine-tuning: one shared tail and a head per task on the summed losses, measured on a
/// share of the photos held out (each task's figures on the held photos it labels).
pub(super) fn together(
    tasks: &[Task],
    (values, device): (&[f32], &burn::tensor::Device),
    tail: &crate::model::tail::TailWeights,
    config: &TrainConfig,
    json: bool,
    id: &str,
) -> Result<Classifier, Box<dyn std::error::Error>> {
    let n = tasks[0].labels.len();
    let (train, held) = held_out(tasks, n, config);
    if held.is_empty() {
        eprintln!("graft: no photos held out (too few, or --validation-percent 0): no figures");
    }
    let labels: Vec<TaskLabels> = (tasks.iter())
        .map(|t| TaskLabels {
            classes: t.classes.len(),
            labels: &t.labels,
        })
        .collect();
    let started = Instant::now();
    // Ten lines of progress on stderr at most; every epoch in JSON.
    let mut on_epoch = |epoch: usize, epochs: usize, loss: f32| match json {
        true => println!("{}", serde_json::json!({ "epoch": epoch, "loss": loss })),
        false if epoch.is_multiple_of(epochs.div_ceil(10)) || epoch == epochs => {
            eprintln!("graft: epoch {epoch} of {epochs}: loss {loss:.4} (summed over the tasks)")
        }
        false => {}
    };
    let fit = pollster::block_on(joint::fit(
        device,
        values,
        tail,
        &labels,
        (&train, &held),
        config,
        &mut on_epoch,
    ))?;
    let seconds = started.elapsed().as_secs_f64();
    let title = validation_title(0, false, None);
    for (task, e) in tasks.iter().zip(&fit.evaluations) {
        if e.accuracy().is_some() {
            let extra = serde_json::json!({ "task": task.name, "joint": true });
            report(
                e,
                &task.classes,
                &format!("task '{}': {title}", task.name),
                extra,
                json,
            )?;
        }
    }
    let training = |t: usize| {
        let task = &tasks[t];
        let per_class: Vec<usize> = (0..task.classes.len())
            .map(|c| train.iter().filter(|&&i| task.labels[i] == Some(c)).count())
            .collect();
        let e = &fit.evaluations[t];
        let confusion = e.accuracy().map(|_| &e.confusion);
        serde_json::json!({ "by": "graft train", "solver": "adam", "joint": true,
            "tasks": tasks.len(), "steps": fit.steps, "samples": train.len(),
            "validation_samples": e.labels.len(), "accuracy": e.accuracy(),
            "images_per_class": per_class, "confusion": confusion,
            "config": config, "seconds": seconds })
    };
    let mut heads = fit.heads.into_iter();
    let first = heads.next().ok_or("no task to train")?;
    let mut model =
        Classifier::new(tasks[0].classes.clone(), first, id, training(0)).with_tail(Some(fit.tail));
    for (t, head) in heads.enumerate() {
        let task = &tasks[t + 1];
        let meta = TaskMeta {
            name: task.name.clone(),
            classes: task.classes.clone(),
            hidden: head.hidden(),
            normalized_features: false,
            training: training(t + 1),
        };
        model = model.with_task(&tasks[0].name, meta, head);
    }
    Ok(model)
}

/// `config.validation_percent` of the photos, drawn by the seed, held out, as long as every
/// class of every task keeps a photo to train on; otherwise none.
fn held_out(tasks: &[Task], n: usize, config: &TrainConfig) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(config.seed);
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let k = (n as f64 * config.validation_percent / 100.0).round() as usize;
    let (held, train) = order.split_at(k.min(n));
    let keeps_every_class = tasks
        .iter()
        .all(|t| (0..t.classes.len()).all(|c| train.iter().any(|&i| t.labels[i] == Some(c))));
    match keeps_every_class && !held.is_empty() {
        true => (train.to_vec(), held.to_vec()),
        false => ((0..n).collect(), Vec::new()),
    }
}
