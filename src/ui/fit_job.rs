//! The page's L-BFGS head: the folds and the final fit, a few iterations per task so the
//! page stays responsive, then the (cross-validated or held-out) report and the model.

use super::jobs::{Jobs, SLICE_MS, send};
use super::train_job::Job;
use crate::classifier::Classifier;
use crate::state::State;
use crate::state::teach::TeachAction;
use crate::state::training::{FitSummary, Outcome, Report, TrainAction};
use crate::train::linear::LinearRun;
use crate::web::fetch::now_ms;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;
use yew::UseReducerDispatcher;

impl Jobs {
    /// Fit until done or Stop (which keeps the previous model).
    pub(super) async fn fit_linear(&self, fit: Job<'_>, dispatch: UseReducerDispatcher<State>) {
        let fail = |m: String| send(&dispatch, TeachAction::Train(TrainAction::Failed(m)));
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
        send(
            &dispatch,
            TeachAction::Train(TrainAction::Fitting(0, total)),
        );
        if let Some(n) = &fit.notice {
            send(
                &dispatch,
                TeachAction::Train(TrainAction::Notice(n.clone())),
            );
        }
        TimeoutFuture::new(0).await;
        let mut slice = now_ms();
        while !run.step() {
            if self.stop.get() {
                return fail(
                    "Stopped before the head was fitted: the previous model is kept.".into(),
                );
            }
            if now_ms() - slice > SLICE_MS {
                let (done, total) = run.progress();
                send(
                    &dispatch,
                    TeachAction::Train(TrainAction::Fitting(done, total)),
                );
                TimeoutFuture::new(0).await;
                slice = now_ms();
            }
        }
        let Some(out) = run.outcome() else {
            return fail("the fit ended without a head".into());
        };
        let ms = now_ms() - fit.started;
        let trained = out.trained_images(inputs.labels.len());
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
        let info = serde_json::json!({ "by": "graft page", "solver": "lbfgs",
            "samples": trained, "rows": out.rows,
            "validation_samples": out.evaluated.len(), "cross_validated_folds": out.folds,
            "config": config, "iterations": out.iterations, "converged": out.converged,
            "accuracy": report.as_ref().and_then(|r| r.evaluation.accuracy()),
            "seconds": (ms / 10.0).round() / 100.0 });
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
        };
        let classifier = Classifier::new(names, out.head, &fit.backbone_id, info);
        send(
            &dispatch,
            TeachAction::Train(TrainAction::Trained(Rc::new(classifier), outcome)),
        );
    }
}
