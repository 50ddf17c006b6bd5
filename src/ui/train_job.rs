//! The page's training job: plan the validation (a share, the images set aside, or folds),
//! make (or reuse) the rows it needs, then fit the L-BFGS head (`fit_job.rs`) or train with
//! Adam in pieces that keep each task short, going on on the CPU if the GPU is lost, and
//! report on the held-out images.

use super::engine::{Engine, EngineSlot, gpu_lost, move_to_cpu};
use super::fit_job::Fit;
use super::state::State;
use super::teach::{SLICE_MS, Teacher, send};
use super::teach_state::TeachAction;
use super::training::{Outcome, Report, TrainAction};
use crate::classifier::Classifier;
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::project::Project;
use crate::train::split::{Plan, Split, plan_for};
use crate::train::trainer::VAL_CHUNK;
use crate::train::{Inputs, Solver, TrainConfig, TrainError, Trainer, Views};
use crate::web::fetch::now_ms;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// What one `Trainer::advance` call aims to take. On the CPU path Burn computes inside the
/// call, so pieces this long, run until a `SLICE_MS` slice is spent, keep every task far
/// below the 200 ms at which a page feels frozen; on WebGPU a call only queues work.
const PIECE_MS: f64 = 30.0;

/// What the loop needs to (re)start a trainer on another device.
struct Run<'a> {
    inputs: Inputs<'a>,
    split: &'a Split,
    names: &'a [String],
    config: &'a TrainConfig,
    views: &'a Views,
    cut: Option<TailConfig>,
}

impl Run<'_> {
    fn trainer(&self, engine: &Engine) -> Result<Trainer, TrainError> {
        let tail = self.cut.and_then(|c| engine.backbone.pretrained_tail(c));
        let inputs = self.inputs;
        let split = self.split.clone();
        let (names, config, views) = (self.names, self.config, self.views);
        Trainer::start(
            &engine.device,
            inputs,
            split,
            names,
            config,
            views,
            tail.as_ref(),
        )
    }
}

impl Teacher {
    /// Train until the epochs are done, patience runs out, or Stop; keep the best epoch.
    /// On the engine in `slot`, replaced by a CPU one if the GPU is lost.
    pub async fn train(
        &self,
        slot: EngineSlot,
        project: Project,
        config: TrainConfig,
        dispatch: UseReducerDispatcher<State>,
    ) {
        let fail = |m: String| send(&dispatch, TeachAction::Train(TrainAction::Failed(m)));
        let Some(mut engine) = slot.borrow().clone() else {
            return fail("the model is not loaded yet".into());
        };
        let (names, features, labels) = match project.training_set() {
            Ok(set) => set,
            Err(e) => return fail(e.to_string()),
        };
        let ids = project.sample_ids();
        // Images set aside on their cards are the validation set; otherwise a stratified
        // share, or (L-BFGS, small classes) k-fold cross-validation.
        let held = project.held_out_mask();
        let plan = match plan_for(&config, &labels, &held, &names) {
            Ok(plan) => plan,
            Err(e) => return fail(e.to_string()),
        };
        // The images whose views are made; the Adam trainer's split.
        let split = match &plan {
            Plan::HeldOut(split) => split.clone(),
            _ => Split {
                train: plan.trained(labels.len()),
                validation: Vec::new(),
            },
        };
        let cut = TailConfig::new(config.tuned_blocks);
        self.stop.set(false);
        let started = now_ms();
        let mut notice: Option<String> = None;
        let made = loop {
            let made = self.rows(&engine, &project, &ids, &split, &config, cut, &dispatch);
            match made.await {
                Err(e) if gpu_lost(&engine, &e).await => {
                    log::warn!("the GPU was lost while preparing: {e}");
                    engine = match move_to_cpu(&engine, &slot, &dispatch).await {
                        Ok(cpu) => cpu,
                        Err(e) => return fail(format!("The GPU stopped responding, and {e}")),
                    };
                    notice = Some(
                        "The GPU stopped responding while preparing; the page went on on the CPU."
                            .into(),
                    );
                }
                made => break made,
            }
        };
        let (values, views) = match made {
            Ok((values, views)) => (values.unwrap_or(features), views),
            Err(e) => return fail(e.to_string()),
        };
        let inputs = Inputs {
            values: &values,
            shape: cut.map_or([FEATURE_DIM, 1, 1], |c| c.cut_shape()),
            labels: &labels,
        };
        if config.solver == Solver::Lbfgs {
            let fit = Fit {
                inputs,
                plan,
                names,
                ids: &ids,
                config: &config,
                views: &views,
                backbone_id: engine.backbone.weights_id(),
                started,
                notice,
            };
            return self.fit_linear(fit, dispatch).await;
        }
        let run = Run {
            inputs,
            split: &split,
            names: &names,
            config: &config,
            views: &views,
            cut,
        };
        let mut trainer = match run.trainer(&engine) {
            Ok(t) => t,
            Err(e) => return fail(e.to_string()),
        };
        send(
            &dispatch,
            TeachAction::Train(TrainAction::Started(trainer.epochs())),
        );
        if let Some(n) = &notice {
            send(
                &dispatch,
                TeachAction::Train(TrainAction::Notice(n.clone())),
            );
        }
        // The set-up and its render are one task, the first epochs the next.
        TimeoutFuture::new(0).await;
        let mut slice = now_ms();
        let (mut history, mut unsent) = (Vec::new(), Vec::new());
        // Rows for the next piece: from one, as a first piece's cost is not known.
        let mut rows = 1;
        while !trainer.finished() && !self.stop.get() {
            let begun = now_ms();
            let step = match trainer.advance(rows) {
                Ok(queued) => {
                    // Grow or shrink the next piece toward PIECE_MS (at most doubling, and
                    // never past what one call can take: a batch or a validation chunk).
                    let ms = (now_ms() - begun).max(0.5);
                    let most = (rows * 2).min(config.batch_size.max(VAL_CHUNK));
                    rows = ((rows as f64 * PIECE_MS / ms) as usize).clamp(1, most);
                    match queued {
                        true => trainer.finish_epoch().await.map(Some),
                        false => Ok(None),
                    }
                }
                Err(e) => Err(e),
            };
            match step {
                Ok(Some(stats)) => {
                    history.push(stats);
                    unsent.push(stats);
                }
                Ok(None) => {}
                Err(e) if gpu_lost(&engine, &e).await => {
                    // Go on from the last finished epoch, on the CPU; the project is untouched.
                    log::warn!("the GPU was lost while training: {e}");
                    let from = trainer.checkpoint();
                    let done = from.as_ref().map_or(0, |c| c.epoch());
                    engine = match move_to_cpu(&engine, &slot, &dispatch).await {
                        Ok(cpu) => cpu,
                        Err(e) => return fail(format!("The GPU stopped responding, and {e}")),
                    };
                    let resumed = run.trainer(&engine).and_then(|t| match from {
                        Some(c) => t.resume(c),
                        None => Ok(t),
                    });
                    trainer = match resumed {
                        Ok(t) => t,
                        Err(e) => return fail(e.to_string()),
                    };
                    rows = 1;
                    let text = format!(
                        "The GPU stopped responding during epoch {}; training went on on the CPU from {}.",
                        done + 1,
                        if done == 0 {
                            "the start".to_string()
                        } else {
                            format!("epoch {done}'s weights")
                        }
                    );
                    notice = Some(text.clone());
                    send(&dispatch, TeachAction::Train(TrainAction::Notice(text)));
                }
                Err(e) => return fail(e.to_string()),
            }
            if now_ms() - slice > SLICE_MS {
                if !unsent.is_empty() {
                    let batch = std::mem::take(&mut unsent);
                    send(&dispatch, TeachAction::Train(TrainAction::Epochs(batch)));
                }
                TimeoutFuture::new(0).await;
                slice = now_ms();
            }
        }
        let (weights, evaluation) = match (trainer.weights(), trainer.evaluate()) {
            (Ok(w), Ok(e)) if !history.is_empty() => (w, e),
            _ => return fail("stopped before the first epoch finished".into()),
        };
        let ms = now_ms() - started;
        let validation = &trainer.split().validation;
        let report = evaluation.map(|evaluation| {
            Rc::new(Report {
                names: names.clone(),
                evaluation,
                samples: validation.iter().map(|&i| ids[i]).collect(),
                folds: 0,
            })
        });
        let outcome = Outcome {
            epochs: trainer.epochs_done(),
            best_epoch: trainer.best_epoch(),
            ms,
            rows: trainer.rows(),
            held_out: validation.len(),
            stopped: !trainer.finished() || trainer.stopped_early(),
            early: trainer.stopped_early(),
            report,
            history,
            notice,
            fit: None,
        };
        let info = serde_json::json!({ "by": "graft page", "samples": trainer.split().train.len(),
            "rows": outcome.rows, "validation_samples": outcome.held_out, "config": config,
            "final": outcome.kept(), "best_epoch": outcome.best_epoch, "seconds": (ms / 10.0).round() / 100.0 });
        let classifier = Classifier::new(names, weights.head, engine.backbone.weights_id(), info)
            .with_tail(weights.tail);
        send(
            &dispatch,
            TeachAction::Train(TrainAction::Trained(Rc::new(classifier), outcome)),
        );
    }
}
