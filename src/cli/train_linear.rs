//! `graft train` with the L-BFGS head: each fit's iterations as it ends, then the
//! validation report (cross-validated or on the held-out images) and the model file.

use super::CliResult;
use super::trained::{report, save_trained, validation_title};
use crate::classifier::Classifier;
use crate::train::linear::LinearRun;
use crate::train::provenance::{Provenance, Solved, per_class};
use crate::train::split::Plan;
use crate::train::{Inputs, TrainConfig, Views};
use std::path::Path;
use std::time::Instant;

/// Fit, report and write the model: `model` is the class names and the backbone's
/// weights id the file names.
pub fn train(
    inputs: Inputs,
    plan: Plan,
    (names, backbone_id): (&[String], &str),
    config: &TrainConfig,
    views: &Views,
    out: &Path,
    json: bool,
) -> CliResult {
    let started = Instant::now();
    let mut run = LinearRun::new(inputs, plan, names, config, views).map_err(|e| e.to_string())?;
    let mut fitted = 0;
    while !run.step() {
        let (done, total) = run.progress();
        if done > fitted {
            fitted = done;
            let what = if done < total {
                format!("fold {done}")
            } else {
                "final head".into()
            };
            eprintln!("graft: {what} of {} fitted", total.saturating_sub(1).max(1));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let outcome = run.outcome().ok_or("the fit ended without a head")?;
    let final_iterations = outcome.iterations.last().copied().unwrap_or(0);
    if json {
        let fit = serde_json::json!({ "fit": { "iterations": outcome.iterations,
            "converged": outcome.converged, "objective": outcome.objective,
            "folds": outcome.folds, "seconds": seconds } });
        println!("{fit}");
    } else {
        eprintln!(
            "graft: L-BFGS {} in {final_iterations} iterations ({} fits, {:.2} s)",
            if outcome.converged {
                "converged"
            } else {
                "stopped before converging"
            },
            outcome.iterations.len(),
            seconds
        );
    }
    if let Some(evaluation) = &outcome.evaluation {
        let title = validation_title(outcome.folds, outcome.refitted, None);
        let extra = serde_json::json!({ "cross_validated_folds": outcome.folds });
        report(evaluation, names, &title, extra, json)?;
    } else {
        eprintln!(
            "graft: no validation figures: every class has one image (add a second to any class to cross-validate)"
        );
    }
    let training = Provenance {
        by: "graft train",
        solved: Solved::Lbfgs {
            iterations: outcome.iterations.clone(),
            converged: outcome.converged,
            objective: outcome.objective,
        },
        samples: outcome.trained_images(inputs.labels.len()),
        rows: outcome.rows,
        validation_samples: outcome.evaluated.len(),
        cross_validated_folds: outcome.folds,
        accuracy: (outcome.evaluation.as_ref()).and_then(|e| e.accuracy()),
        images_per_class: per_class(inputs.labels, names.len()),
        confusion: (outcome.evaluation.as_ref()).map(|e| e.confusion.clone()),
        config,
        seconds,
    }
    .json();
    let model = Classifier::new(names.to_vec(), outcome.head, backbone_id, training);
    save_trained(out, &model, seconds)
}
