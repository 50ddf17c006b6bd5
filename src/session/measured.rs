//! Train with Method prototypes (issue 17): prototypes of the photos, measured as the plan
//! says (held-out photos, else each left out in turn); one of Auto's candidates too.

use super::core::Session;
use super::run::{Job, trained};
use crate::classifier::Classifier;
use crate::state::training::{Outcome, Report};
use crate::train::prototypes::fit_planned;
use crate::train::provenance::{Provenance, Solved, per_class};
use crate::web::fetch::now_ms;
use std::rc::Rc;

/// Method Prototypes: nothing trained, the answer at once.
pub(super) async fn fit_prototypes(session: &Session, job: Job<'_>) {
    let (classifier, outcome) = prototypes_candidate(&job);
    trained(session, classifier, outcome).await;
}

/// Prototypes of the job's photos and how they did.
pub(super) fn prototypes_candidate(job: &Job) -> (Classifier, Outcome) {
    let (values, labels) = (job.inputs.values, job.inputs.labels);
    let planned = fit_planned(values, labels, &job.plan, job.names.len());
    let ms = now_ms() - job.started;
    let trained_on = job.plan.trained(labels.len()).len();
    // Left out in turn is cross-validation with a fold per photo.
    let folds = if planned.held_out {
        0
    } else {
        planned.evaluated.len()
    };
    let report = (planned.evaluation).map(|evaluation| {
        Rc::new(Report {
            names: job.names.clone(),
            evaluation,
            samples: planned.evaluated.iter().map(|&i| job.ids[i]).collect(),
            folds,
        })
    });
    let info = Provenance {
        by: "graft page",
        solved: Solved::Prototypes {
            temperature: planned.fit.temperature,
        },
        samples: trained_on,
        rows: trained_on,
        validation_samples: planned.evaluated.len(),
        cross_validated_folds: folds,
        accuracy: report.as_ref().and_then(|r| r.evaluation.accuracy()),
        images_per_class: per_class(labels, job.names.len()),
        confusion: report.as_ref().map(|r| r.evaluation.confusion.clone()),
        config: job.config,
        seconds: ms / 1e3,
    }
    .json();
    let outcome = Outcome {
        history: Vec::new(),
        epochs: 0,
        best_epoch: 0,
        ms,
        rows: trained_on,
        held_out: planned.evaluated.len(),
        stopped: false,
        early: false,
        report,
        notice: job.notice.clone(),
        fit: None,
        temperature: Some(planned.fit.temperature),
        auto: Vec::new(),
        tasks: Vec::new(),
    };
    let head = planned.fit.head;
    (
        Classifier::new(job.names.clone(), head, &job.backbone_id, info),
        outcome,
    )
}
