//! Method Auto in the page (issue 17): `train::auto`'s candidates made in the worker as
//! Train makes each (views and cut activations from the kept copies, cached), measured on
//! the same validation plan, each only where its estimate fits what is left of the
//! budget; the best kept, and the table of what was tried sent with the outcome.

use super::adabn::adabn_candidate;
use super::adam::adam_candidate;
use super::core::Session;
use super::fit::linear_candidate;
use super::measured::prototypes_candidate;
use super::rows;
use super::run::{Job, report, trained};
use crate::classifier::Classifier;
use crate::model::tail::TailConfig;
use crate::state::training::{Outcome, Progress};
use crate::train::auto::{self, CANDIDATES, Candidate as Kind, Pace, Tried};
use crate::train::lp_ft::tail_features;
use crate::train::{Inputs, TrainError, Views};
use crate::web::fetch::now_ms;

type Made = (Classifier, Outcome);

fn accuracy(o: &Outcome) -> Option<f32> {
    o.report.as_ref().and_then(|r| r.evaluation.accuracy())
}

fn scores(ran: &[(Kind, Made)]) -> Vec<(Kind, Option<f32>)> {
    ran.iter().map(|(k, (_, o))| (*k, accuracy(o))).collect()
}

pub(super) async fn fit_auto(session: &Session, job: Job<'_>) {
    let fail = |m: String| report(session, Progress::Failed(m));
    let budget = job.config.budget;
    let spent = || (now_ms() - job.started) / 1e3;
    let pace = match pace(session, &job).await {
        Ok(pace) => pace,
        Err(e) => return fail(e.to_string()),
    };
    let mut table = Vec::new();
    let mut ran: Vec<(Kind, Made)> = Vec::new();
    for (n, kind) in CANDIDATES.into_iter().enumerate() {
        if session.stop.get() {
            table.push(Tried::skipped(kind, "skipped: stopped".into()));
            continue;
        }
        if auto::unmeasured(kind, &scores(&ran)) {
            table.push(Tried::skipped(kind, auto::NO_FIGURES.into()));
            continue;
        }
        if let Some(why) = auto::over_budget(kind.estimate(&pace), spent(), budget) {
            table.push(Tried::skipped(kind, why));
            continue;
        }
        let said = format!(
            "Auto: trying {} ({} of {}).",
            kind.name(),
            n + 1,
            CANDIDATES.len()
        );
        report(session, Progress::Notice(said));
        let begun = now_ms();
        // An equal share of what is left for an LP-FT and each one after it.
        let share = (budget - spent()) / CANDIDATES[n..].len() as f64;
        let made = match candidate(session, &job, kind, share).await {
            Ok(Some(made)) => made,
            // Failed or stopped, and said so; the previous model stays.
            Ok(None) => return,
            Err(e) => return fail(e.to_string()),
        };
        table.push(Tried::ran(
            kind,
            accuracy(&made.1),
            (now_ms() - begun) / 1e3,
        ));
        ran.push((kind, made));
    }
    let Some(chosen) = auto::choose(&scores(&ran)) else {
        return fail("Auto had no time for any method: raise Auto's time budget.".into());
    };
    let (kind, (classifier, mut outcome)) = ran.swap_remove(chosen);
    for t in &mut table {
        t.kept = t.method == kind.name();
    }
    let said = format!(
        "Auto tried {} of {} methods on your photos in {:.0} s (budget {budget:.0} s) and kept {}: the table below says how each did.",
        ran.len() + 1,
        table.len(),
        spent(),
        kind.name()
    );
    outcome.notice = Some(match job.notice.clone() {
        Some(earlier) => format!("{earlier} {said}"),
        None => said,
    });
    outcome.ms = now_ms() - job.started;
    outcome.auto = table;
    trained(session, classifier, outcome).await;
}

/// One candidate made and measured; `Ok(None)` when its run failed or was stopped (its
/// solver said so).
async fn candidate(
    session: &Session,
    job: &Job<'_>,
    kind: Kind,
    seconds: f64,
) -> Result<Option<Made>, TrainError> {
    let mut config = kind.config(job.config);
    let none = Views::default();
    Ok(match kind {
        Kind::Prototypes => Some(prototypes_candidate(job)),
        Kind::Head => linear_candidate(session, job.with(job.inputs, &config, &none, None)).await,
        Kind::AdaBn => adabn_candidate(session, job, &config).await?,
        Kind::HeadViews => {
            let (_, views) = rows::rows(session, job.set, job.split, &config, None).await?;
            linear_candidate(session, job.with(job.inputs, &config, &views, None)).await
        }
        Kind::LpFt(k) => {
            let started = now_ms();
            let cut = TailConfig::new(k).ok_or_else(|| TrainError::Settings("no blocks".into()))?;
            let (values, _) = rows::rows(session, job.set, job.split, &config, Some(cut)).await?;
            let values = values.unwrap_or_default();
            let inputs = Inputs {
                values: &values,
                shape: cut.cut_shape(),
                labels: job.inputs.labels,
            };
            let trained = job.plan.trained(inputs.labels.len());
            let forward = tail_pace(session, cut, inputs, &trained).await?;
            let runs = crate::train::runs::Runs::new(job.plan.clone(), inputs.labels.len());
            let left = seconds - (now_ms() - started) / 1e3;
            config.steps =
                auto::lp_ft_steps(left, runs.splits().len(), forward, trained.len(), &config);
            let mut tuned = job.with(inputs, &config, &none, Some(cut));
            tuned.probe_first = true;
            tuned.deadline = Some(started + seconds.max(0.0) * 1e3);
            adam_candidate(session, tuned).await
        }
    })
}

/// Seconds one photo takes through the blocks `cut` tunes, timed on up to 16 of them.
async fn tail_pace(
    session: &Session,
    cut: TailConfig,
    inputs: Inputs<'_>,
    trained: &[usize],
) -> Result<f64, TrainError> {
    let sample = &trained[..trained.len().min(16)];
    session
        .on_engine("timing the blocks to fine-tune", async |engine| {
            let tail = (engine.backbone.pretrained_tail(cut)).ok_or_else(|| {
                TrainError::Settings("the blocks to fine-tune are incomplete".into())
            })?;
            let begun = now_ms();
            tail_features(&tail, inputs, sample, &engine.device).await?;
            Ok((now_ms() - begun) / 1e3 / sample.len().max(1) as f64)
        })
        .await
}

/// How fast this engine embeds: one pass timed (any input takes the same time).
async fn pace(session: &Session, job: &Job<'_>) -> Result<Pace, TrainError> {
    let blank = vec![0.0f32; 3 * 224 * 224];
    let per = session
        .on_engine("timing the backbone", async |engine| {
            let begun = now_ms();
            engine.backbone.features(&[&blank]).await?;
            Ok((now_ms() - begun) / 1e3)
        })
        .await?;
    let rows = job.inputs.labels.len();
    let trained = job.plan.trained(rows).len();
    Ok(Pace {
        embed_per_photo: per,
        trained,
        rows,
        adapt_photos: trained.min(crate::adapt::MAX_PHOTOS),
    })
}
