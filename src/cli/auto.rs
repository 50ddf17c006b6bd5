//! `graft train --method auto` (issue 17): `train::auto`'s candidates (prototypes, the
//! default head, the head with augmented views, the head on a backbone adapted to the
//! photos, and LP-FT of 1 to 3 blocks), each measured on the photos' own validation
//! figures (the held-out images; else prototypes' leave-one-out and the others'
//! cross-validation), each only where its estimate fits the budget; the best kept, with a
//! table of what was tried. None wins everywhere (docs/benchmarks.md).

use super::classify::Rows;
use super::trained::{Candidate, Output, finish};
use super::{CliResult, ModelFiles, train_adam, train_linear, train_prototypes};
use crate::backend::DeviceChoice;
use crate::inference::Backbone;
use crate::model::tail::TailConfig;
use crate::train::auto::{self, CANDIDATES, Candidate as Kind, Pace, Tried};
use crate::train::lp_ft::tail_features;
use crate::train::runs::Runs;
use crate::train::split::Plan;
use crate::train::{Inputs, TrainConfig, Views};
use burn::tensor::Device;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error>;

/// What auto needs besides the features: the photos (to adapt to, to make views of) and a
/// way to make the same rows (training photos, then validation photos, in `inputs`' order)
/// another way (on an adapted backbone, at a cut).
pub(super) struct Sources<'a> {
    pub files: &'a ModelFiles,
    pub choice: DeviceChoice,
    pub backbone: &'a Backbone,
    pub device: &'a Device,
    /// Every labelled photo (AdaBN adapts to them).
    pub photos: &'a [&'a Path],
    /// The photos of the first rows, in order (views are made of the trained ones).
    pub paths: &'a [PathBuf],
    pub rows_of: &'a dyn Fn(&Rows) -> Result<Vec<f32>, Error>,
    /// How long the first embedding took.
    pub embedded_in: f64,
}

/// The model files' class names and backbone id.
type Model<'a> = (&'a [String], &'a str);

impl Sources<'_> {
    fn head_views(&self, inputs: Inputs, plan: Plan, model: Model, config: &TrainConfig) -> Fit {
        let trained = plan.trained(inputs.labels.len());
        let views = super::train::augmented_views(
            &Rows::features(self.backbone),
            self.paths,
            &trained,
            config,
        )?;
        train_linear::fit(inputs, plan, model, config, &views, false)
    }

    fn adabn(&self, labels: &[usize], plan: Plan, names: &[String], config: &TrainConfig) -> Fit {
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
        Ok(c)
    }

    /// LP-FT of `config.tuned_blocks` blocks in about `seconds`: the steps that fit, at
    /// the pace of a forward pass through the blocks.
    fn lp_ft(
        &self,
        labels: &[usize],
        plan: Plan,
        names: &[String],
        config: &TrainConfig,
        seconds: f64,
    ) -> Fit {
        let started = Instant::now();
        let cut = TailConfig::new(config.tuned_blocks).ok_or("no blocks to fine-tune")?;
        let tail = (self.backbone.pretrained_tail(cut))
            .ok_or("the backbone blocks to fine-tune are incomplete")?;
        let values = (self.rows_of)(&Rows::cut(self.backbone, cut))?;
        let inputs = Inputs {
            values: &values,
            shape: cut.cut_shape(),
            labels,
        };
        let runs = Runs::new(plan.clone(), labels.len());
        let trained = plan.trained(labels.len());
        // The pace of a forward pass through the blocks, timed on up to 16 photos (the
        // page times the same; the probe itself runs in each of train_adam's runs).
        let sample = &trained[..trained.len().min(16)];
        let timed = Instant::now();
        pollster::block_on(tail_features(&tail, inputs, sample, self.device))?;
        let forward = timed.elapsed().as_secs_f64() / sample.len().max(1) as f64;
        let left = seconds - started.elapsed().as_secs_f64();
        let mut config = config.clone();
        config.steps =
            auto::lp_ft_steps(left, runs.splits().len(), forward, trained.len(), &config);
        eprintln!(
            "graft: auto: {}: {} steps",
            Kind::LpFt(config.tuned_blocks).name(),
            config.steps
        );
        let job = train_adam::Job {
            device: self.device,
            inputs,
            plan,
            names,
            backbone_id: self.backbone.weights_id(),
            config: &config,
            views: &Views::default(),
            tail: Some(&tail),
            probe_first: true,
            deadline: Some(started + Duration::from_secs_f64(seconds.max(0.0))),
        };
        let mut c = train_adam::fit(job, false)?;
        c.seconds = started.elapsed().as_secs_f64();
        Ok(c)
    }
}

type Fit = Result<Candidate, Error>;

fn accuracy(c: &Candidate) -> Option<f32> {
    c.evaluation.as_ref().and_then(|e| e.accuracy())
}

pub(super) fn choose(
    inputs: Inputs,
    plan: Plan,
    model: Model,
    config: &TrainConfig,
    (out, json): (Output, bool),
    sources: Sources,
) -> CliResult {
    let started = Instant::now();
    let rows = inputs.labels.len();
    let pace = Pace {
        // The first embedding was of the training folder's photos.
        embed_per_photo: sources.embedded_in / sources.paths.len().max(1) as f64,
        trained: plan.trained(rows).len(),
        rows,
        adapt_photos: sources.photos.len().min(crate::adapt::MAX_PHOTOS),
    };
    let mut table = Vec::new();
    let mut ran: Vec<(Kind, Candidate)> = Vec::new();
    for (n, kind) in CANDIDATES.into_iter().enumerate() {
        let spent = sources.embedded_in + started.elapsed().as_secs_f64();
        if kind == Kind::AdaBn && out.adaptation.is_some() {
            let why = "skipped: the backbone is adapted already (--adapt-bn)";
            table.push(Tried::skipped(kind, why.into()));
            continue;
        }
        let scores: Vec<_> = ran.iter().map(|(k, c)| (*k, accuracy(c))).collect();
        if auto::unmeasured(kind, &scores) {
            table.push(Tried::skipped(kind, auto::NO_FIGURES.into()));
            continue;
        }
        if let Some(why) = auto::over_budget(kind.estimate(&pace), spent, config.budget) {
            table.push(Tried::skipped(kind, why));
            continue;
        }
        let (c, p) = (kind.config(config), plan.clone());
        let begun = Instant::now();
        let fitted = match kind {
            Kind::Prototypes => Ok(train_prototypes::fit(inputs, p, model, &c)),
            Kind::Head => train_linear::fit(inputs, p, model, &c, &Views::default(), json),
            Kind::HeadViews => sources.head_views(inputs, p, model, &c),
            Kind::AdaBn => sources.adabn(inputs.labels, p, model.0, &c),
            Kind::LpFt(_) => {
                // An equal share of what is left for this and each LP-FT after it.
                let left = CANDIDATES[n..].len() as f64;
                let share = (config.budget - spent) / left;
                sources.lp_ft(inputs.labels, p, model.0, &c, share)
            }
        };
        let fitted = fitted?;
        let seconds = begun.elapsed().as_secs_f64();
        table.push(Tried::ran(kind, accuracy(&fitted), seconds));
        ran.push((kind, fitted));
    }
    let scores: Vec<_> = ran.iter().map(|(k, c)| (*k, accuracy(c))).collect();
    let chosen = auto::choose(&scores).ok_or("auto tried nothing")?;
    let kept = ran[chosen].0.name();
    for t in &mut table {
        t.kept = t.method == kept;
    }
    if json {
        let line = serde_json::json!({ "auto": { "tried": table, "chosen": kept,
            "budget": config.budget } });
        println!("{line}");
    }
    eprintln!("graft: auto: tried, each on its own validation figures:");
    for (t, (_, c)) in table.iter().filter(|t| t.skipped.is_none()).zip(&ran) {
        let acc = t.accuracy_text();
        eprintln!(
            "  {:<16} {acc:>8}  {:>6.2} s  ({})",
            t.method, t.seconds, c.title
        );
    }
    for t in table.iter().filter(|t| t.skipped.is_some()) {
        eprintln!(
            "  {:<16} {}",
            t.method,
            t.skipped.as_deref().unwrap_or_default()
        );
    }
    eprintln!("graft: auto: kept {kept}");
    let best = ran.swap_remove(chosen).1;
    finish(best, model.0, out, json)
}
