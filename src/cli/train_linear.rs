//! `graft train` with the L-BFGS head: each fit's iterations as it ends, and the head with
//! its validation figures (cross-validated or on the held-out images).

use super::trained::{Candidate, validation_title};
use crate::classifier::Classifier;
use crate::train::linear::LinearRun;
use crate::train::provenance::Provenance;
use crate::train::split::Plan;
use crate::train::{Inputs, TrainConfig, Views};
use std::time::Instant;

/// Fit the head and measure it: `model` is the class names and the backbone's weights id
/// the file names.
pub fn fit(
    inputs: Inputs,
    plan: Plan,
    (names, backbone_id): (&[String], &str),
    config: &TrainConfig,
    views: &Views,
    json: bool,
) -> Result<Candidate, Box<dyn std::error::Error>> {
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
    let labels = (inputs.labels, names.len());
    let training = Provenance::of_linear("graft train", &outcome, labels, config, seconds).json();
    Ok(Candidate {
        title: validation_title(outcome.folds, outcome.refitted, None),
        extra: serde_json::json!({ "cross_validated_folds": outcome.folds }),
        evaluation: outcome.evaluation,
        model: Classifier::new(names.to_vec(), outcome.head, backbone_id, training),
        seconds,
    })
}
