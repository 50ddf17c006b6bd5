//! Auto (issue 17): what it tries, cheapest first, each only where its estimated time fits
//! what is left of the budget; the settings each trains with; the table of what was tried;
//! and the choice. The command line and the page run the candidates; the rules are here.

use super::TrainConfig;
use serde::{Deserialize, Serialize};

/// One thing auto tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidate {
    /// Each class's mean direction, nothing trained (`prototypes.rs`).
    Prototypes,
    /// The default head: L-BFGS on the frozen features.
    Head,
    /// The default head with `VIEWS` augmented views of each training photo.
    HeadViews,
    /// The default head on a backbone whose BatchNorm statistics are the photos' (AdaBN).
    AdaBn,
    /// The last K blocks fine-tuned with Adam, from the default head fitted on the frozen
    /// blocks' features (LP-FT, Kumar et al. 2022).
    LpFt(usize),
}

/// In the order tried: each costs more than the one before (docs/benchmarks.md, issue 5:
/// a head in 0.1-0.8 s, views 4-5x that, one fine-tuned block 25-60x, two 50-100x).
pub const CANDIDATES: [Candidate; 7] = [
    Candidate::Prototypes,
    Candidate::Head,
    Candidate::HeadViews,
    Candidate::AdaBn,
    Candidate::LpFt(1),
    Candidate::LpFt(2),
    Candidate::LpFt(3),
];

/// Augmented views of each training photo for "head + views": 4 at the default strength
/// gained a point on ImageNet-like crops (docs/benchmarks.md, "Which layers to adapt").
pub const VIEWS: usize = 4;

/// A step of Adam through the tuned blocks (forward and backward) costs about three
/// forward passes (backward is about twice the forward's work: Kaplan et al. 2020, the 6N
/// against 2N FLOPs per token).
pub const STEP_PER_FORWARD: f64 = 3.0;

impl Candidate {
    /// Its name in the table, the command line's `--json` and the page.
    pub fn name(self) -> String {
        match self {
            Candidate::Prototypes => "prototypes".into(),
            Candidate::Head => "head".into(),
            Candidate::HeadViews => format!("head + {VIEWS} views"),
            Candidate::AdaBn => "adabn + head".into(),
            Candidate::LpFt(k) => format!("lp-ft, {k} block{}", if k == 1 { "" } else { "s" }),
        }
    }

    /// Among equal scores, the lower wins: graft's default head first, then the cheaper;
    /// prototypes last, as the head did as well or better wherever both were measured on
    /// several photos a class (docs/benchmarks.md).
    fn preference(self) -> usize {
        match self {
            Candidate::Head => 0,
            Candidate::HeadViews => 1,
            Candidate::AdaBn => 2,
            Candidate::LpFt(k) => 2 + k,
            Candidate::Prototypes => 9,
        }
    }

    /// The settings it trains with, from the person's (their penalty, seed, validation
    /// share, Adam's rates and steps).
    pub fn config(self, base: &TrainConfig) -> TrainConfig {
        let mut c = base.clone();
        c.method = super::Method::Head;
        c.augment_views = 0;
        c.tuned_blocks = 0;
        c.hidden = 0;
        c.solver = super::Solver::Lbfgs;
        match self {
            Candidate::Prototypes => c.method = super::Method::Prototypes,
            Candidate::HeadViews => c.augment_views = VIEWS,
            Candidate::LpFt(k) => {
                c.solver = super::Solver::Adam;
                c.tuned_blocks = k;
            }
            Candidate::Head | Candidate::AdaBn => {}
        }
        c
    }

    /// Seconds it takes at least, from how long one photo's embedding took: views are one
    /// embedding each; AdaBN measures on up to `adapt_photos` with Burn's model
    /// (`ADAPT_COST_PER_EMBED`), then embeds every photo again; LP-FT makes every photo's
    /// activations at the cut (most of an embedding), probes, and trains an epoch.
    pub fn estimate(self, pace: &Pace) -> f64 {
        let per = pace.embed_per_photo;
        let (trained, rows) = (pace.trained as f64, pace.rows as f64);
        match self {
            Candidate::Prototypes | Candidate::Head => 0.0,
            Candidate::HeadViews => per * trained * VIEWS as f64,
            Candidate::AdaBn => per * pace.adapt_photos as f64 * ADAPT_COST_PER_EMBED + per * rows,
            Candidate::LpFt(_) => per * rows + per * trained * STEP_PER_FORWARD,
        }
    }
}

/// AdaBN measures with Burn's model, which on the CPU runs ~4x slower a photo than the
/// fused path the embedding uses (measured: 64 digits in 11.9 s against ~3 s for their
/// embedding).
const ADAPT_COST_PER_EMBED: f64 = 4.0;

/// What the estimates go by.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Seconds one photo's embedding took.
    pub embed_per_photo: f64,
    /// Photos trained on, and all photos (with the validation ones).
    pub trained: usize,
    pub rows: usize,
    /// Photos AdaBN measures on (`adapt::sample`).
    pub adapt_photos: usize,
}

/// Adam's steps an LP-FT candidate can take in `seconds`, at `forward_per_photo` seconds
/// a photo through the tuned blocks (timed on the probe's pass): the person's steps where
/// they fit, else what fits, but one epoch at least (`per_epoch` steps).
pub fn steps_within(
    seconds: f64,
    forward_per_photo: f64,
    (batch, per_epoch): (usize, usize),
    wanted: usize,
) -> usize {
    let step = forward_per_photo.max(1e-6) * STEP_PER_FORWARD * batch.max(1) as f64;
    let fits = (seconds.max(0.0) / step) as usize;
    wanted.min(fits).max(per_epoch.max(1))
}

/// The Adam steps for an LP-FT candidate with `seconds_left` to share among its `runs`
/// (folds, then the final fit) over `trained` photos: `steps_within` each run's share, at
/// `config`'s batch. The command line and the page both ask this.
pub fn lp_ft_steps(
    seconds_left: f64,
    runs: usize,
    forward_per_photo: f64,
    trained: usize,
    config: &TrainConfig,
) -> usize {
    let batch = config.batch_size.min(trained).max(1);
    let per_run = seconds_left / runs.max(1) as f64;
    steps_within(
        per_run,
        forward_per_photo,
        (batch, trained.div_ceil(batch)),
        config.steps,
    )
}

/// One row of the table: a candidate's accuracy on the validation figures (none where a
/// class has one photo), its time, or why it was not tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tried {
    pub method: String,
    pub accuracy: Option<f32>,
    pub seconds: f64,
    /// Not tried, and why (the budget; it cannot run here).
    pub skipped: Option<String>,
    pub kept: bool,
}

impl Tried {
    pub fn ran(c: Candidate, accuracy: Option<f32>, seconds: f64) -> Self {
        Tried {
            method: c.name(),
            accuracy,
            seconds,
            skipped: None,
            kept: false,
        }
    }

    pub fn skipped(c: Candidate, why: String) -> Self {
        Tried {
            method: c.name(),
            accuracy: None,
            seconds: 0.0,
            skipped: Some(why),
            kept: false,
        }
    }

    /// "91.7 %", or "-" without figures.
    pub fn accuracy_text(&self) -> String {
        self.accuracy
            .map_or("-".into(), |a| format!("{:.1} %", a * 100.0))
    }
}

/// Why the candidates after the head are not tried when the head had no figures: with
/// nothing to compare them by, prototypes are kept whatever they do (`choose`).
pub const NO_FIGURES: &str =
    "skipped: nothing to measure it on (every class has one photo; add a second to any)";

/// Whether `kind` is worth trying after `ran`: not past the head once the head had no
/// figures.
pub fn unmeasured(kind: Candidate, ran: &[(Candidate, Option<f32>)]) -> bool {
    let head_blind = ran.iter().any(|r| r.0 == Candidate::Head && r.1.is_none());
    head_blind && !matches!(kind, Candidate::Prototypes | Candidate::Head)
}

/// Why a candidate estimated at `estimate` s is not tried after `spent` of `budget` s.
/// Those estimated at nothing (prototypes, the head: well under a second) always run, so
/// that any budget gives an answer.
pub fn over_budget(estimate: f64, spent: f64, budget: f64) -> Option<String> {
    (estimate > 0.0 && spent + estimate > budget).then(|| {
        format!("skipped: ~{estimate:.0} s more would pass the {budget:.0} s budget ({spent:.0} s spent)")
    })
}

/// The candidate kept among those that ran (`(candidate, accuracy)`): the best accuracy,
/// ties to the preferred; with no figures at all (one photo a class), prototypes, which
/// did as well or better than the head at one photo a class (docs/benchmarks.md).
pub fn choose(ran: &[(Candidate, Option<f32>)]) -> Option<usize> {
    let best = (0..ran.len())
        .filter_map(|i| ran[i].1.map(|a| (i, a)))
        .min_by(|&(i, a), &(j, b)| {
            b.total_cmp(&a)
                .then(ran[i].0.preference().cmp(&ran[j].0.preference()))
        })
        .map(|(i, _)| i);
    best.or_else(|| ran.iter().position(|r| r.0 == Candidate::Prototypes))
        .or((!ran.is_empty()).then_some(0))
}

#[cfg(test)]
#[path = "auto_tests.rs"]
mod tests;
