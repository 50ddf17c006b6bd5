//! Train with Method prototypes or auto (issue 17): prototypes of the photos, measured as
//! the plan says (held-out photos, else each left out in turn); for auto, the L-BFGS head
//! too, and the better of the two kept, the notice saying what was tried.

use super::core::Session;
use super::fit::linear_candidate;
use super::run::{Job, trained};
use crate::classifier::Classifier;
use crate::state::training::{Outcome, Report};
use crate::train::Method;
use crate::train::prototypes::fit_planned;
use crate::train::provenance::{Provenance, Solved, per_class};
use crate::web::fetch::now_ms;
use std::rc::Rc;

pub(super) async fn fit_measured(session: &Session, job: Job<'_>) {
    let protos = prototypes_candidate(&job);
    if job.config.method == Method::Prototypes {
        return trained(session, protos.0, protos.1).await;
    }
    let Some(head) = linear_candidate(session, job).await else {
        return;
    };
    let accuracy = |o: &Outcome| o.report.as_ref().and_then(|r| r.evaluation.accuracy());
    // Ties go to the head, graft's default; with no figures at all (one photo a class),
    // prototypes, which did as well or better on photos at one a class (docs/benchmarks.md).
    let keep_protos = match (accuracy(&protos.1), accuracy(&head.1)) {
        (Some(p), Some(h)) => p > h,
        (None, Some(_)) => false,
        (_, None) => true,
    };
    let pct =
        |o: &Outcome| accuracy(o).map_or("no figures".into(), |a| format!("{:.1} %", a * 100.0));
    let said = format!(
        "Auto measured prototypes ({}) and a fitted head ({}) on your photos: kept {}.",
        pct(&protos.1),
        pct(&head.1),
        if keep_protos {
            "the prototypes"
        } else {
            "the head"
        }
    );
    let (classifier, mut outcome) = if keep_protos { protos } else { head };
    outcome.notice = Some(match outcome.notice.take() {
        Some(earlier) => format!("{earlier} {said}"),
        None => said,
    });
    trained(session, classifier, outcome).await;
}

/// Prototypes of the job's photos and how they did.
fn prototypes_candidate(job: &Job) -> (Classifier, Outcome) {
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
    };
    let head = planned.fit.head;
    (
        Classifier::new(job.names.clone(), head, &job.backbone_id, info),
        outcome,
    )
}
