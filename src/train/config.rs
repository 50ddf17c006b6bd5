//! Training settings: their defaults, allowed ranges and one-line explanations, shared by
//! the page's fields and the command line's flags so both refuse the same values.

pub use super::solver::{Method, Solver};
use serde::{Deserialize, Serialize};

/// What to train and how. Defaults are the ones measured best on real photos
/// (docs/benchmarks.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// A head, prototypes, or the better of the two (`Method`).
    pub method: Method,
    pub solver: Solver,
    /// L-BFGS's inverse L2 strength, as scikit-learn's `C`: the penalty is
    /// `1 / (C * rows) / 2 * |W|^2` on the mean cross-entropy.
    pub penalty_c: f64,
    /// Adam's optimiser steps in all, whatever the set's size (whole epochs: the last one
    /// is finished); the learning rates follow a cosine from their value to zero over them.
    pub steps: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Cross-entropy label smoothing (0 = none): the true class gets 1 - s + s/C.
    pub label_smoothing: f32,
    /// Hidden ReLU units; 0 is a linear softmax head.
    pub hidden: usize,
    /// Decoupled weight decay (AdamW; 0 is plain Adam).
    pub weight_decay: f64,
    /// Percent of each class held out for validation (at least one image each); 0 = none.
    pub validation_percent: f64,
    /// Steps without a lower validation loss (measured after each epoch) before stopping;
    /// 0 = never stop early.
    pub patience: usize,
    /// Augmented views per training image, embedded once and cached (0 = none).
    pub augment_views: usize,
    /// How far the views go, 0 to 1 (`data::augment`).
    pub augment_strength: f64,
    /// The backbone's last blocks to fine-tune (0: a new head on frozen features).
    pub tuned_blocks: usize,
    /// Adam's step size for the tuned blocks (the head uses `learning_rate`).
    pub backbone_learning_rate: f64,
    /// Seconds Method Auto may spend on its candidates (`auto.rs`).
    pub budget: f64,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            method: Method::Head,
            solver: Solver::Lbfgs,
            // Measured best of 0.01 to 100 on four tasks at 1 to 20 photos a class, and
            // better than choosing it by cross-validation (docs/benchmarks.md, issue 12).
            penalty_c: 10.0,
            // 50 epochs of 1 000 images at batch 64, the old default on the benchmark's
            // 1 000 embeddings; 20 photos now get 800 steps, not 50 (issue 12).
            steps: 800,
            batch_size: 64,
            learning_rate: 1e-3,
            label_smoothing: 0.1,
            hidden: 0,
            weight_decay: 0.0,
            // Teachable Machine holds out a fixed 15 %; here it is a setting (issue 5).
            validation_percent: 15.0,
            // 10 epochs of 1 000 images at batch 64.
            patience: 160,
            augment_views: 0,
            augment_strength: 0.5,
            tuned_blocks: 0,
            // A tenth of the head's: the pre-trained weights should move gently.
            backbone_learning_rate: 1e-4,
            // Issue 17: a minute on the CPU path.
            budget: 60.0,
            seed: 0x67_72_61_66_74, // "graft"
        }
    }
}

/// One setting as the page shows it: name, range and what it does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    /// The field's key, also the command line's flag (`--batch-size` for `batch_size`).
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub min: f64,
    pub max: f64,
    pub integer: bool,
    /// The one solver it means something for (`None`: both).
    pub solver: Option<Solver>,
}

/// Every setting a person may change, in the order the page lists them.
pub const FIELDS: [Field; 14] = [
    Field {
        key: "penalty_c",
        label: "Penalty C",
        help: "How closely the L-BFGS head may fit your photos (scikit-learn's C): smaller is a stronger pull toward simple weights.",
        min: 1e-4,
        max: 1e4,
        integer: false,
        solver: Some(Solver::Lbfgs),
    },
    Field {
        key: "steps",
        label: "Steps",
        help: "Optimiser steps in all, a batch each, whatever the number of images (early stopping may end sooner); the learning rate falls to zero along a cosine over them.",
        min: 1.0,
        max: 100000.0,
        integer: true,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "batch_size",
        label: "Batch size",
        help: "Images per optimiser step: smaller steps are noisier, larger ones slower to learn.",
        min: 1.0,
        max: 1024.0,
        integer: true,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "learning_rate",
        label: "Learning rate",
        help: "Adam's step size: too high and the loss jumps about, too low and it barely moves.",
        min: 1e-5,
        max: 1.0,
        integer: false,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "hidden",
        label: "Hidden units",
        help: "0 is a linear head (the measured best); more adds one hidden ReLU layer of that width.",
        min: 0.0,
        max: 2048.0,
        integer: true,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "label_smoothing",
        label: "Label smoothing",
        help: "Share of each target spread over all classes, so the model is not over-confident.",
        min: 0.0,
        max: 0.5,
        integer: false,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "weight_decay",
        label: "Weight decay",
        help: "Pulls weights toward zero each step (AdamW); 0 turns it off.",
        min: 0.0,
        max: 0.1,
        integer: false,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "validation_percent",
        label: "Validation %",
        help: "Share of each class's images held out to measure the model (at least one each; 0 turns it off). Images marked V on their cards are used instead.",
        min: 0.0,
        max: 50.0,
        integer: false,
        solver: None,
    },
    Field {
        key: "patience",
        label: "Patience",
        help: "Stop after this many steps without a lower validation loss (measured after each pass over the images), keeping the best epoch (0: never).",
        min: 0.0,
        max: 100000.0,
        integer: true,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "augment_views",
        label: "Augmented views",
        help: "Random variants of each training image (crop, flip, tilt, colour), made once: each is one more backbone pass.",
        min: 0.0,
        max: 16.0,
        integer: true,
        solver: None,
    },
    Field {
        key: "augment_strength",
        label: "Augmentation strength",
        help: "How far the variants go: 0 is the photo as is; 1 crops down to 35 % of it, tilts up to 15° and shifts colour up to 40 %.",
        min: 0.0,
        max: 1.0,
        integer: false,
        solver: None,
    },
    Field {
        key: "tuned_blocks",
        label: "Blocks to fine-tune",
        help: "0 trains only a new head on the cached features (fast); 1 to 5 also adapt the backbone's last blocks to your photos (slower).",
        min: 0.0,
        max: 5.0,
        integer: true,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "backbone_learning_rate",
        label: "Backbone learning rate",
        help: "Step size for the fine-tuned blocks, below the head's so the pre-trained weights move gently.",
        min: 1e-6,
        max: 0.1,
        integer: false,
        solver: Some(Solver::Adam),
    },
    Field {
        key: "budget",
        label: "Auto's time budget (s)",
        help: "Method Auto: seconds it may spend trying prototypes, the head, the head with views, fine-tuning 1 to 3 blocks from the head; what would not fit is skipped and said so (prototypes and the head always run: they take well under a second).",
        min: 0.0,
        max: 3600.0,
        integer: false,
        solver: None,
    },
];

impl Field {
    /// The value's problem, if it has one, stated with the allowed range.
    pub fn check(&self, v: f64) -> Result<(), String> {
        let range = format!("{} must be from {} to {}", self.label, self.min, self.max);
        if !v.is_finite() || v < self.min || v > self.max {
            return Err(range);
        }
        if self.integer && v.fract() != 0.0 {
            return Err(format!("{} must be a whole number", self.label));
        }
        Ok(())
    }
}

impl TrainConfig {
    pub fn get(&self, key: &str) -> Option<f64> {
        Some(match key {
            "penalty_c" => self.penalty_c,
            "steps" => self.steps as f64,
            "batch_size" => self.batch_size as f64,
            "learning_rate" => self.learning_rate,
            "hidden" => self.hidden as f64,
            "label_smoothing" => self.label_smoothing as f64,
            "weight_decay" => self.weight_decay,
            "validation_percent" => self.validation_percent,
            "patience" => self.patience as f64,
            "augment_views" => self.augment_views as f64,
            "augment_strength" => self.augment_strength,
            "tuned_blocks" => self.tuned_blocks as f64,
            "backbone_learning_rate" => self.backbone_learning_rate,
            "budget" => self.budget,
            _ => return None,
        })
    }

    /// Set one field, refusing a value outside its range (the setting is then unchanged).
    pub fn set(&mut self, key: &str, v: f64) -> Result<(), String> {
        let field = FIELDS
            .iter()
            .find(|f| f.key == key)
            .ok_or_else(|| format!("no setting called {key}"))?;
        field.check(v)?;
        self.check_solver(field, v)?;
        match key {
            "penalty_c" => self.penalty_c = v,
            "steps" => self.steps = v as usize,
            "batch_size" => self.batch_size = v as usize,
            "learning_rate" => self.learning_rate = v,
            "hidden" => self.hidden = v as usize,
            "label_smoothing" => self.label_smoothing = v as f32,
            "weight_decay" => self.weight_decay = v,
            "validation_percent" => self.validation_percent = v,
            "patience" => self.patience = v as usize,
            "augment_views" => self.augment_views = v as usize,
            "augment_strength" => self.augment_strength = v,
            "tuned_blocks" => self.tuned_blocks = v as usize,
            "backbone_learning_rate" => self.backbone_learning_rate = v,
            "budget" => self.budget = v,
            _ => {}
        }
        Ok(())
    }

    /// Why `field` cannot take `v` under this solver, if it cannot. Only a change is
    /// refused: the other solver's settings keep their values, unused.
    fn check_solver(&self, field: &Field, v: f64) -> Result<(), String> {
        match field.solver {
            Some(s) if s != self.solver && self.get(field.key) != Some(v) => Err(match s {
                Solver::Adam => format!(
                    "{} is a setting of the Adam solver: L-BFGS fits a linear head to convergence, with no epochs or steps to set. Choose Adam under Solver first.",
                    field.label
                ),
                Solver::Lbfgs => format!(
                    "{} is a setting of the L-BFGS solver. Choose L-BFGS under Solver first.",
                    field.label
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Change the solver, refused while a setting only the other one can train is on.
    pub fn set_solver(&mut self, solver: Solver) -> Result<(), String> {
        if solver == Solver::Lbfgs && (self.hidden > 0 || self.tuned_blocks > 0) {
            return Err("L-BFGS fits a linear head on the cached features: set Hidden units and Blocks to fine-tune to 0 first.".into());
        }
        self.solver = solver;
        Ok(())
    }

    /// Prototypes (and Auto, which also tries them) use the backbone's features as they are.
    pub fn set_method(&mut self, method: Method) -> Result<(), String> {
        let shaped = self.tuned_blocks > 0 || self.augment_views > 0 || self.hidden > 0;
        if method != Method::Head && shaped {
            return Err(format!(
                "Method {} uses the backbone's features as they are: set Blocks to fine-tune, \
                 Augmented views and Hidden units to 0 first.",
                method.key()
            ));
        }
        self.method = method;
        Ok(())
    }

    /// Every field's problem, first one first (a config from a file or the command line).
    pub fn check(&self) -> Result<(), String> {
        for f in &FIELDS {
            f.check(self.get(f.key).unwrap_or(f64::NAN))?;
        }
        self.clone().set_solver(self.solver)?;
        self.clone().set_method(self.method)
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
