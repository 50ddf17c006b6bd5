//! `graft train` with the Adam solver (a hidden layer, fine-tuning): the plan's runs (each
//! cross-validation fold, then the final run on every image; or one run measured on the
//! held-out images), the epochs as they end, the report and the model file.

use super::CliResult;
use super::trained::{Candidate, Output, finish, validation_title};
use crate::classifier::Classifier;
use crate::model::tail::TailWeights;
use crate::train::lp_ft::probe;
use crate::train::provenance::{Provenance, Solved, per_class};
use crate::train::runs::Runs;
use crate::train::split::Plan;
use crate::train::{Inputs, TrainConfig, Trainer, Views};
use burn::tensor::Device;
use std::time::Instant;

/// What the runs train on and where the model goes.
pub struct Job<'a> {
    pub device: &'a Device,
    pub inputs: Inputs<'a>,
    pub plan: Plan,
    pub names: &'a [String],
    pub backbone_id: &'a str,
    pub config: &'a TrainConfig,
    pub views: &'a Views,
    pub tail: Option<&'a TailWeights>,
    /// LP-FT: each run starts from a linear probe of the frozen tail's features (`lp_ft`).
    pub probe_first: bool,
    /// `--method auto`: each run ends after its first epoch once this passes, keeping its
    /// best epoch.
    pub deadline: Option<Instant>,
}

/// Train, report and write the model.
pub fn train(job: Job, out: Output, json: bool) -> CliResult {
    let names = job.names;
    finish(fit(job, json)?, names, out, json)
}

/// Train; the model and its figures.
pub(super) fn fit(job: Job, json: bool) -> Result<Candidate, Box<dyn std::error::Error>> {
    let Job {
        inputs,
        names,
        config,
        ..
    } = job;
    let mut runs = Runs::new(job.plan, inputs.labels.len());
    let started = Instant::now();
    let mut history = Vec::new();
    let mut fin = None;
    for i in 0..runs.splits().len() {
        let split = runs.splits()[i].clone();
        let trainer = Trainer::start(
            job.device, inputs, split, names, config, job.views, job.tail,
        )
        .map_err(|e| e.to_string())?;
        let trainer = match (job.probe_first, job.tail) {
            (true, Some(tail)) => {
                let from = (config, job.device);
                let train = &runs.splits()[i].train;
                let head = pollster::block_on(probe(tail, inputs, train, names, from))?;
                trainer.from_head(&head).map_err(|e| e.to_string())?
            }
            _ => trainer,
        };
        let measuring = runs.measures(i);
        let mut trainer = match measuring {
            true => trainer.measuring(),
            false => trainer,
        };
        if measuring {
            eprintln!(
                "graft: cross-validating, fold {} of {}",
                i + 1,
                runs.folds()
            );
        }
        let past =
            |t: &Trainer| job.deadline.is_some_and(|d| Instant::now() > d) && t.epochs_done() > 0;
        while !trainer.finished() && !past(&trainer) {
            let stats = pollster::block_on(trainer.finish_epoch())?;
            if measuring {
                continue;
            }
            if json {
                println!("{}", serde_json::to_string(&stats)?);
            } else {
                let val = match (stats.val_loss, stats.val_accuracy) {
                    (Some(l), Some(a)) => {
                        format!("  val loss {l:.4}  val accuracy {:.1}%", a * 100.0)
                    }
                    _ => String::new(),
                };
                eprintln!(
                    "epoch {:>3}/{}  loss {:.4}  train accuracy {:.1}%{val}",
                    stats.epoch,
                    trainer.epochs(),
                    stats.loss,
                    stats.accuracy * 100.0
                );
            }
            history.push(stats);
        }
        if let Some(evaluation) = trainer.evaluate()? {
            runs.record(i, &evaluation.predicted);
        }
        if !measuring {
            fin = Some(trainer);
        }
    }
    let trainer = fin.ok_or("the plan had no final run")?;
    let seconds = started.elapsed().as_secs_f64();
    let weights = trainer.weights()?;
    if trainer.stopped_early() {
        eprintln!(
            "graft: stopped early at epoch {}: no lower validation loss for {} steps",
            trainer.epochs_done(),
            config.patience
        );
    }
    let best = (runs.folds() == 0).then(|| trainer.best_epoch());
    let title = validation_title(runs.folds(), runs.refitted(), best);
    let extra = serde_json::json!({ "best_epoch": trainer.best_epoch(),
        "cross_validated_folds": runs.folds() });
    let evaluation = runs.evaluation(names.len(), inputs.labels);
    let training = Provenance {
        by: "graft train",
        solved: Solved::Adam {
            best_epoch: trainer.best_epoch(),
            kept: history
                .iter()
                .find(|s| s.epoch == trainer.best_epoch())
                .copied(),
        },
        samples: runs.trained_images(inputs.labels.len()),
        rows: trainer.rows(),
        validation_samples: runs.evaluated().len(),
        cross_validated_folds: runs.folds(),
        accuracy: evaluation.as_ref().and_then(|e| e.accuracy()),
        images_per_class: per_class(inputs.labels, names.len()),
        confusion: evaluation.as_ref().map(|e| e.confusion.clone()),
        config,
        seconds,
    }
    .json();
    let model = Classifier::new(names.to_vec(), weights.head, job.backbone_id, training)
        .with_tail(weights.tail);
    Ok(Candidate {
        title,
        extra,
        evaluation,
        model,
        seconds,
    })
}
