//! The session's L-BFGS head: the folds and the final fit, a few iterations at a time so
//! requests (Stop, a preview) are answered meanwhile, then the (cross-validated or
//! held-out) report and the model.

use super::core::Session;
use super::run::{Job, report};
use crate::classifier::Classifier;
use crate::state::training::{FitSummary, Outcome, Progress, Report};
use crate::train::linear::LinearRun;
use crate::train::provenance::Provenance;
use crate::web::fetch::now_ms;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;

/// Give other work a turn at least this often (ms) during long loops.
pub(super) const SLICE_MS: f64 = 50.0;

/// Step `run` to its end, giving other work a turn every `SLICE_MS`; `between` hears the
/// progress first and at each turn, and ends the fit early by returning false (then: false).
pub(super) async fn step_through(
    run: &mut LinearRun<'_>,
    mut between: impl FnMut((usize, usize)) -> bool,
) -> bool {
    // Asked once before the first step too: a Stop that came while the run was made.
    if !between(run.progress()) {
        return false;
    }
    let mut slice = now_ms();
    while !run.step() {
        if now_ms() - slice > SLICE_MS {
            if !between(run.progress()) {
                return false;
            }
            TimeoutFuture::new(0).await;
            slice = now_ms();
        }
    }
    true
}

/// Fit until done or Stop (which keeps the previous model).
pub(super) async fn fit_linear(session: &Session, fit: Job<'_>) {
    if let Some((classifier, outcome)) = linear_candidate(session, fit).await {
        super::run::trained(session, classifier, outcome).await;
    }
}

/// The fitted head and its outcome; `None` when it failed or was stopped (and said so).
pub(super) async fn linear_candidate(
    session: &Session,
    fit: Job<'_>,
) -> Option<(Classifier, Outcome)> {
    let fail = |m: String| {
        report(session, Progress::Failed(m));
        None
    };
    let Job {
        inputs,
        plan,
        names,
        ids,
        config,
        views,
        ..
    } = fit;
    let mut run = match LinearRun::new(inputs, plan, &names, config, views) {
        Ok(run) => run,
        Err(e) => return fail(e.to_string()),
    };
    let (_, total) = run.progress();
    report(session, Progress::Fitting(0, total));
    if let Some(n) = &fit.notice {
        report(session, Progress::Notice(n.clone()));
    }
    TimeoutFuture::new(0).await;
    // Stop is heard between slices, when other requests are.
    let fitted = step_through(&mut run, |(done, total)| {
        report(session, Progress::Fitting(done, total));
        !session.stop.get()
    });
    if !fitted.await {
        return fail("Stopped before the head was fitted: the previous model is kept.".into());
    }
    let Some(out) = run.outcome() else {
        return fail("the fit ended without a head".into());
    };
    let ms = now_ms() - fit.started;
    let labels = (inputs.labels, names.len());
    let info = Provenance::of_linear("graft page", &out, labels, config, ms / 1e3).json();
    let report = out.evaluation.map(|evaluation| {
        Rc::new(Report {
            names: names.clone(),
            evaluation,
            samples: out.evaluated.iter().map(|&i| ids[i]).collect(),
            folds: out.folds,
        })
    });
    let summary = FitSummary {
        iterations: out.iterations.last().copied().unwrap_or(0),
        fits: out.iterations.len(),
        folds: out.folds,
        refitted: out.refitted,
        converged: out.converged,
        objective: out.objective,
    };
    let outcome = Outcome {
        epochs: 0,
        best_epoch: 0,
        ms,
        rows: out.rows,
        held_out: out.evaluated.len(),
        stopped: false,
        early: false,
        report,
        history: Vec::new(),
        notice: fit.notice,
        fit: Some(summary),
        temperature: None,
        auto: Vec::new(),
        tasks: Vec::new(),
    };
    let classifier = Classifier::new(names, out.head, &fit.backbone_id, info);
    Some((classifier, outcome))
}
