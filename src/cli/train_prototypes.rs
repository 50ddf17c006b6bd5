//! `graft train --method prototypes`: each class's mean direction and a calibrated
//! temperature (train/prototypes.rs), nothing trained; measured on the held-out images, or
//! each photo against prototypes made without it (leave-one-out).

use super::trained::Candidate;
use crate::classifier::Classifier;
use crate::train::Inputs;
use crate::train::TrainConfig;
use crate::train::prototypes;
use crate::train::provenance::{Provenance, Solved, per_class};
use crate::train::split::Plan;
use std::time::Instant;

pub fn fit(
    inputs: Inputs,
    plan: Plan,
    (names, backbone_id): (&[String], &str),
    config: &TrainConfig,
) -> Candidate {
    let started = Instant::now();
    let (values, labels) = (inputs.values, inputs.labels);
    let planned = prototypes::fit_planned(values, labels, &plan, names.len());
    let title = if planned.held_out {
        "validation (held-out images)"
    } else {
        "leave-one-out (each image against prototypes made without it)"
    };
    let (trained, evaluation) = (planned.fit, planned.evaluation);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "graft: prototypes of {} classes, temperature {:.2}, in {seconds:.2} s",
        names.len(),
        trained.temperature
    );
    let samples = plan.trained(labels.len()).len();
    let training = Provenance {
        by: "graft train",
        solved: Solved::Prototypes {
            temperature: trained.temperature,
        },
        samples,
        rows: samples,
        validation_samples: evaluation.as_ref().map_or(0, |e| e.labels.len()),
        cross_validated_folds: 0,
        accuracy: evaluation.as_ref().and_then(|e| e.accuracy()),
        images_per_class: per_class(labels, names.len()),
        confusion: evaluation.as_ref().map(|e| e.confusion.clone()),
        config,
        seconds,
    }
    .json();
    Candidate {
        title: title.into(),
        extra: serde_json::json!({ "method": "prototypes" }),
        evaluation,
        model: Classifier::new(names.to_vec(), trained.head, backbone_id, training),
        seconds,
    }
}
