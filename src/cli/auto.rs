//! `graft train --method auto` (issue 17): prototypes, the default head, and the head on a
//! backbone adapted to the photos (AdaBN), each measured on the photos' own validation
//! figures (the held-out images; else prototypes' leave-one-out and the head's
//! cross-validation or held-out share), within a time budget; the best kept, with a table
//! of what was tried. None wins everywhere (docs/benchmarks.md: prototypes on ImageNet-like
//! photos, the head on digits, AdaBN on faces at 10 a class).

use super::classify::Rows;
use super::trained::{Candidate, Output, finish};
use super::{CliResult, ModelFiles, train_linear, train_prototypes};
use crate::backend::DeviceChoice;
use crate::train::split::Plan;
use crate::train::{Inputs, TrainConfig, Views};
use std::path::Path;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// What auto needs for its AdaBN candidate: the photos to adapt to, and a way to make the
/// same rows (training photos, then validation photos, in `inputs`' order) on another
/// backbone.
pub(super) struct Adapted<'a> {
    pub files: &'a ModelFiles,
    pub choice: DeviceChoice,
    pub photos: &'a [&'a Path],
    pub rows_of: &'a dyn Fn(&Rows) -> Result<Vec<f32>, Error>,
    /// How long the first embedding took: the AdaBN candidate embeds again.
    pub embedded_in: f64,
    pub budget: f64,
}

/// The adaptation measures on up to 64 photos with Burn's model, which on the CPU runs
/// ~4x slower a photo than the fused path the embedding uses (measured: 64 digits in
/// 11.9 s against ~3 s for their embedding); then every photo is embedded again.
const ADAPT_COST_PER_EMBED: f64 = 4.0;

impl Adapted<'_> {
    fn estimate(&self, rows: usize) -> f64 {
        let per_photo = self.embedded_in / rows.max(1) as f64;
        let measured = self.photos.len().min(crate::adapt::MAX_PHOTOS) as f64;
        per_photo * measured * ADAPT_COST_PER_EMBED + self.embedded_in
    }

    fn candidate(
        &self,
        (plan, labels): (Plan, &[usize]),
        names: &[String],
        config: &TrainConfig,
    ) -> Result<Candidate, Error> {
        let started = Instant::now();
        let (backbone, adaptation) =
            super::adapt_bn::adapted(self.files, self.choice, self.photos)?;
        let values = (self.rows_of)(&Rows::features(&backbone))?;
        let inputs = Inputs {
            values: &values,
            shape: [crate::model::FEATURE_DIM, 1, 1],
            labels,
        };
        let model = (names, backbone.weights_id());
        let mut c = train_linear::fit(inputs, plan, model, config, &Views::default(), false)?;
        c.model = c.model.with_adaptation(Some(adaptation));
        c.method = "adabn + head";
        c.seconds = started.elapsed().as_secs_f64();
        Ok(c)
    }
}

pub(super) fn choose(
    inputs: Inputs,
    plan: Plan,
    (names, backbone_id): (&[String], &str),
    config: &TrainConfig,
    (out, json): (Output, bool),
    adapted: Adapted,
) -> CliResult {
    let started = Instant::now();
    let model = (names, backbone_id);
    let protos = train_prototypes::fit(inputs, plan.clone(), model, config);
    let head = train_linear::fit(inputs, plan.clone(), model, config, &Views::default(), json)?;
    let mut tried = vec![protos, head];
    let mut skipped = None;
    if out.adaptation.is_none() {
        let rows = inputs.labels.len();
        let estimate = adapted.estimate(rows);
        let spent = adapted.embedded_in + started.elapsed().as_secs_f64();
        if spent + estimate <= adapted.budget {
            tried.push(adapted.candidate((plan, inputs.labels), names, config)?);
        } else {
            skipped = Some(format!(
                "adabn + head: skipped, ~{estimate:.0} s more would pass the {:.0} s budget \
                 ({spent:.0} s spent; --budget)",
                adapted.budget
            ));
        }
    }
    let score = |c: &Candidate| c.evaluation.as_ref().and_then(|e| e.accuracy());
    // The best measured; ties go to the earlier in `tried` after the head, graft's default
    // (head, then AdaBN); with no figures at all (one photo a class), prototypes, which did
    // as well or better on photos at one a class.
    let order = [1, 2, 0];
    let chosen = (order.iter().copied())
        .filter(|&i| i < tried.len())
        .filter_map(|i| score(&tried[i]).map(|s| (i, s)))
        .fold(None, |best: Option<(usize, f32)>, (i, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((i, s)),
        })
        .map_or(0, |(i, _)| i);
    let pct = |c: &Candidate| score(c).map_or("-".into(), |a| format!("{:.1} %", a * 100.0));
    if json {
        let rows: Vec<serde_json::Value> = (tried.iter())
            .map(|c| {
                serde_json::json!({ "method": c.method, "accuracy": score(c),
                "validation": c.title, "seconds": c.seconds })
            })
            .collect();
        let line = serde_json::json!({ "auto": { "tried": rows, "skipped": skipped,
            "chosen": tried[chosen].method } });
        println!("{line}");
    }
    eprintln!("graft: auto: tried, each on its own validation figures:");
    for c in &tried {
        eprintln!(
            "  {:<14} {:>8}  {:>6.2} s  ({})",
            c.method,
            pct(c),
            c.seconds,
            c.title
        );
    }
    if let Some(s) = &skipped {
        eprintln!("  {s}");
    }
    eprintln!("graft: auto: kept {}", tried[chosen].method);
    let best = tried.swap_remove(chosen);
    finish(best, names, out, json)
}
