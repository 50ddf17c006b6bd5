//! The session's Adam solver (a hidden layer, fine-tuning): the plan's runs (each
//! cross-validation fold, then the final run on every image; or one run measured on the
//! held-out images), in pieces that keep each task short, going on on the CPU if the GPU is
//! lost, then the report and the model.

use super::core::Session;
use super::engine::{Engine, gpu_lost};
use super::fit::SLICE_MS;
use super::run::{Job, report, trained};
use crate::classifier::Classifier;
use crate::model::tail::TailConfig;
use crate::state::training::{Outcome, Progress, Report};
use crate::train::VAL_CHUNK;
use crate::train::provenance::{Provenance, Solved, per_class};
use crate::train::runs::Runs;
use crate::train::split::Split;
use crate::train::{EpochStats, Inputs, TrainConfig, TrainError, Trainer, Views, lp_ft};
use crate::web::fetch::now_ms;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;

/// What one `Trainer::advance` call aims to take. On the CPU path Burn computes inside the
/// call, so pieces this long, run until a `SLICE_MS` slice is spent, keep every task far
/// below the 200 ms at which a page feels frozen; on WebGPU a call only queues work.
const PIECE_MS: f64 = 30.0;

/// What one run needs to (re)start its trainer on another device.
struct Run<'a> {
    inputs: Inputs<'a>,
    split: Split,
    names: &'a [String],
    config: &'a TrainConfig,
    views: &'a Views,
    cut: Option<TailConfig>,
    /// A cross-validation fold: every step, nothing chosen by its validation images.
    measuring: bool,
    /// LP-FT: start from the head probed on the frozen blocks' features (`train::lp_ft`).
    probe: bool,
    /// Auto: end after the first epoch once `now_ms` passes this, keeping the best epoch.
    deadline: Option<f64>,
}

impl Run<'_> {
    /// A trainer for this run, probed first when LP-FT asks (not when it resumes).
    async fn trainer(&self, engine: &Engine, probe: bool) -> Result<Trainer, TrainError> {
        let tail = self.cut.and_then(|c| engine.backbone.pretrained_tail(c));
        let (names, config, views) = (self.names, self.config, self.views);
        let trainer = Trainer::start(
            &engine.device,
            self.inputs,
            self.split.clone(),
            names,
            config,
            views,
            tail.as_ref(),
        )?;
        let trainer = match (probe, &tail) {
            (true, Some(tail)) => {
                let from = (config, &engine.device);
                let train = &self.split.train;
                trainer.from_head(&lp_ft::probe(tail, self.inputs, train, names, from).await?)?
            }
            _ => trainer,
        };
        Ok(match self.measuring {
            true => trainer.measuring(),
            false => trainer,
        })
    }

    fn past_deadline(&self, trainer: &Trainer) -> bool {
        self.deadline.is_some_and(|d| now_ms() > d) && trainer.epochs_done() > 0
    }
}

/// A run that ended: its trainer and the epochs it reported.
struct Ran {
    trainer: Trainer,
    history: Vec<EpochStats>,
}

/// Every run of the plan until done or Stop: Stop during a fold keeps the previous
/// model, Stop during the final run keeps its best epoch so far.
pub(super) async fn train_adam(session: &Session, job: Job<'_>) {
    if let Some((classifier, outcome)) = adam_candidate(session, job).await {
        trained(session, classifier, outcome).await;
    }
}

/// The trained model and its outcome; `None` when it failed or was stopped (and said so).
pub(super) async fn adam_candidate(
    session: &Session,
    job: Job<'_>,
) -> Option<(Classifier, Outcome)> {
    let fail = |m: String| {
        report(session, Progress::Failed(m));
        None
    };
    let mut engine = match session.engine() {
        Ok(engine) => engine,
        Err(e) => return fail(e.to_string()),
    };
    let Job {
        inputs,
        names,
        config,
        mut notice,
        ..
    } = job;
    let mut runs = Runs::new(job.plan, inputs.labels.len());
    let total = runs.splits().len();
    let mut fin = None;
    for i in 0..total {
        let run = Run {
            inputs,
            split: runs.splits()[i].clone(),
            names: &names,
            config,
            views: job.views,
            cut: job.cut,
            measuring: runs.measures(i),
            probe: job.probe_first,
            deadline: job.deadline,
        };
        if run.measuring {
            report(session, Progress::Fitting(i, total));
            if let Some(n) = &notice {
                report(session, Progress::Notice(n.clone()));
            }
        }
        let ran = run_one(session, &run, &mut engine, &mut notice).await;
        let Ran { trainer, history } = match ran {
            Ok(ran) => ran,
            Err(e) => return fail(e),
        };
        if run.measuring && session.stop.get() {
            return fail("Stopped while cross-validating: the previous model is kept.".into());
        }
        match trainer.evaluate() {
            Ok(Some(evaluation)) => runs.record(i, &evaluation.predicted),
            Ok(None) => {}
            Err(e) => return fail(e.to_string()),
        }
        if !run.measuring {
            fin = Some(Ran { trainer, history });
        }
    }
    let Some(Ran { trainer, history }) = fin else {
        return fail("the plan had no final run".into());
    };
    let weights = match trainer.weights() {
        Ok(w) if !history.is_empty() => w,
        _ => return fail("stopped before the first epoch finished".into()),
    };
    let ms = now_ms() - job.started;
    let report = runs
        .evaluation(names.len(), inputs.labels)
        .map(|evaluation| {
            Rc::new(Report {
                names: names.clone(),
                evaluation,
                samples: runs.evaluated().iter().map(|&i| job.ids[i]).collect(),
                folds: runs.folds(),
            })
        });
    let outcome = Outcome {
        epochs: trainer.epochs_done(),
        best_epoch: trainer.best_epoch(),
        ms,
        rows: trainer.rows(),
        held_out: runs.evaluated().len(),
        stopped: !trainer.finished() || trainer.stopped_early(),
        early: trainer.stopped_early(),
        report,
        history,
        notice,
        fit: None,
        temperature: None,
        auto: Vec::new(),
        tasks: Vec::new(),
    };
    let info = Provenance {
        by: "graft page",
        solved: Solved::Adam {
            best_epoch: outcome.best_epoch,
            kept: outcome.kept().copied(),
        },
        samples: runs.trained_images(inputs.labels.len()),
        rows: outcome.rows,
        validation_samples: outcome.held_out,
        cross_validated_folds: runs.folds(),
        accuracy: outcome
            .report
            .as_ref()
            .and_then(|r| r.evaluation.accuracy()),
        images_per_class: per_class(inputs.labels, names.len()),
        confusion: (outcome.report.as_ref()).map(|r| r.evaluation.confusion.clone()),
        config,
        seconds: ms / 1e3,
    }
    .json();
    let classifier =
        Classifier::new(names, weights.head, &job.backbone_id, info).with_tail(weights.tail);
    Some((classifier, outcome))
}

/// One trainer until its epochs are done, patience runs out, or Stop. A measuring run
/// (a fold) reports no epochs; the final one draws its curves as it goes.
async fn run_one(
    session: &Session,
    run: &Run<'_>,
    engine: &mut Rc<Engine>,
    notice: &mut Option<String>,
) -> Result<Ran, String> {
    let mut trainer = (run.trainer(engine, run.probe).await).map_err(|e| e.to_string())?;
    if !run.measuring {
        report(session, Progress::Started(trainer.epochs()));
        if let Some(n) = notice {
            report(session, Progress::Notice(n.clone()));
        }
    }
    // The set-up and its render are one task, the first epochs the next.
    TimeoutFuture::new(0).await;
    let mut slice = now_ms();
    let (mut history, mut unsent) = (Vec::new(), Vec::new());
    // Rows for the next piece: from one, as a first piece's cost is not known.
    let mut rows = 1;
    while !trainer.finished() && !session.stop.get() && !run.past_deadline(&trainer) {
        let begun = now_ms();
        let step = match trainer.advance(rows) {
            Ok(queued) => {
                // Grow or shrink the next piece toward PIECE_MS (at most doubling, and
                // never past what one call can take: a batch or a validation chunk).
                let ms = (now_ms() - begun).max(0.5);
                let most = (rows * 2).min(run.config.batch_size.max(VAL_CHUNK));
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
            Err(e) if gpu_lost(engine, &e).await => {
                // Go on from the last finished epoch, on the CPU; the project is untouched.
                log::warn!("the GPU was lost while training: {e}");
                let from = trainer.checkpoint();
                let done = from.as_ref().map_or(0, |c| c.epoch());
                *engine = (session.move_to_cpu(engine).await).map_err(|e| e.to_string())?;
                let resumed = (run.trainer(engine, from.is_none() && run.probe).await).and_then(
                    |t| match from {
                        Some(c) => t.resume(c),
                        None => Ok(t),
                    },
                );
                trainer = resumed.map_err(|e| e.to_string())?;
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
                *notice = Some(text.clone());
                report(session, Progress::Notice(text));
            }
            Err(e) => return Err(e.to_string()),
        }
        if now_ms() - slice > SLICE_MS {
            if !unsent.is_empty() && !run.measuring {
                let batch = std::mem::take(&mut unsent);
                report(session, Progress::Epochs(batch));
            }
            TimeoutFuture::new(0).await;
            slice = now_ms();
        }
    }
    Ok(Ran { trainer, history })
}
