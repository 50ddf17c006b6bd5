//! `graft train`'s and `graft bench-train`'s settings flags, read into a `TrainConfig`
//! through the same checks as the page's fields.

use crate::train::{Method, Solver, TrainConfig};
use clap::Args;

/// Training settings; unset ones take the page's defaults (`TrainConfig::default`), and a
/// setting of the other solver is refused with the reason, as the page's field refuses it.
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// head (default: a head fitted by --solver), prototypes (each class's mean direction
    /// and a calibrated temperature: nothing trained, answers from one photo a class) or
    /// auto (those two, the head with 4 augmented views, the head on a backbone adapted to
    /// the photos (AdaBN), and fine-tuning 1 to 3 blocks from the head (LP-FT), measured on
    /// the photos' own figures within --budget; the best kept).
    #[arg(long, value_parser = Method::parse)]
    pub method: Option<Method>,
    /// lbfgs (default: a linear head fitted to convergence) or adam (epochs of
    /// mini-batches: a hidden layer, fine-tuning).
    #[arg(long, value_parser = Solver::parse)]
    pub solver: Option<Solver>,
    /// L-BFGS: inverse L2 strength, as scikit-learn's C (default 10).
    #[arg(long)]
    pub penalty_c: Option<f64>,
    /// Adam: optimiser steps in all, whatever the set's size (default 800), with a cosine
    /// decay of the learning rates over them.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Adam: images per step (default 64).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Adam: step size (default 0.001).
    #[arg(long)]
    pub learning_rate: Option<f64>,
    /// Adam: label smoothing (default 0.1).
    #[arg(long)]
    pub label_smoothing: Option<f64>,
    /// Adam: hidden units (0: a linear softmax head).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Adam: decoupled weight decay (AdamW); 0 is plain Adam.
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// Percent of each class held out for validation (default 15; 0: none). With L-BFGS,
    /// classes under 10 images are cross-validated instead.
    #[arg(long)]
    pub validation_percent: Option<f64>,
    /// Adam: stop after this many steps without a lower validation loss (default 160; 0: never).
    #[arg(long)]
    pub patience: Option<usize>,
    /// Augmented views per training image (crop, flip, rotation, colour), embedded once.
    #[arg(long)]
    pub augment_views: Option<usize>,
    /// How far the augmented views go, 0 to 1 (default 0.5).
    #[arg(long)]
    pub augment_strength: Option<f64>,
    /// Adam: the backbone's last blocks to fine-tune with the head (0 to 5; 0: head only).
    #[arg(long)]
    pub tuned_blocks: Option<usize>,
    /// Adam: learning rate of the fine-tuned blocks (default 0.0001).
    #[arg(long)]
    pub backbone_learning_rate: Option<f64>,
    /// --method auto: seconds it may spend on its candidates (default 60); one that would
    /// overrun it (estimated from the embedding's pace) is skipped and said so.
    #[arg(long)]
    pub budget: Option<f64>,
    #[arg(long)]
    pub seed: Option<u64>,
}

impl TrainArgs {
    /// The settings, starting from `solver` unless `--solver` names one.
    pub(super) fn config(&self, solver: Solver) -> Result<TrainConfig, String> {
        let mut config = TrainConfig::default();
        config.set_solver(solver)?;
        self.over(config)
    }

    /// `config` (the defaults, or a project file's settings) with the flags given set over it.
    pub(super) fn over(&self, mut config: TrainConfig) -> Result<TrainConfig, String> {
        if let Some(solver) = self.solver {
            config.set_solver(solver)?;
        }
        if let Some(method) = self.method {
            config
                .set_method(method)
                .map_err(|e| format!("--method: {e}"))?;
        }
        let given = [
            ("penalty_c", self.penalty_c),
            ("steps", self.steps.map(|v| v as f64)),
            ("batch_size", self.batch_size.map(|v| v as f64)),
            ("learning_rate", self.learning_rate),
            ("label_smoothing", self.label_smoothing),
            ("hidden", self.hidden.map(|v| v as f64)),
            ("weight_decay", self.weight_decay),
            ("validation_percent", self.validation_percent),
            ("patience", self.patience.map(|v| v as f64)),
            ("augment_views", self.augment_views.map(|v| v as f64)),
            ("augment_strength", self.augment_strength),
            ("tuned_blocks", self.tuned_blocks.map(|v| v as f64)),
            ("backbone_learning_rate", self.backbone_learning_rate),
            ("budget", self.budget),
        ];
        for (key, value) in given {
            if let Some(v) = value {
                let flag = format!("--{}", key.replace('_', "-"));
                config.set(key, v).map_err(|e| {
                    format!("{flag}: {}", e.replace("under Solver", "with --solver"))
                })?;
            }
        }
        config.seed = self.seed.unwrap_or(config.seed);
        Ok(config)
    }
}
