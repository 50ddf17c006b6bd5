//! How a model was trained, as its file records it (`ModelMeta::training`, for people
//! reading the file): one writer for the page and for `graft train`.

use super::{EpochStats, TrainConfig};
use serde::Serialize;

/// What each solver adds to the record.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "solver", rename_all = "lowercase")]
pub enum Solved {
    /// L-BFGS: iterations of each fit (the folds', then the final head's).
    Lbfgs {
        iterations: Vec<usize>,
        converged: bool,
        objective: f64,
    },
    /// Prototypes: nothing trained; the softmax temperature, calibrated or the default.
    Prototypes { temperature: f32 },
    /// Adam: the kept epoch and its figures.
    Adam {
        best_epoch: usize,
        #[serde(rename = "final")]
        kept: Option<EpochStats>,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Provenance<'a> {
    /// "graft page" or "graft train".
    pub by: &'static str,
    #[serde(flatten)]
    pub solved: Solved,
    /// Images the final model trained on, and rows (with their augmented views).
    pub samples: usize,
    pub rows: usize,
    /// Images its validation figures come from, and over how many folds (0: held out).
    pub validation_samples: usize,
    pub cross_validated_folds: usize,
    pub accuracy: Option<f32>,
    /// Images of each class, in the model's class order (trained on and held out).
    pub images_per_class: Vec<usize>,
    /// The validation figures' `confusion[true][predicted]`, when there are any: the
    /// model card's per-class results (export/card.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion: Option<Vec<Vec<usize>>>,
    pub config: &'a TrainConfig,
    pub seconds: f64,
}

impl<'a> Provenance<'a> {
    /// An L-BFGS head's record (page, command line, a further task's head): its fits, the
    /// images it trained on of `labels`, and its validation figures.
    pub fn of_linear(
        by: &'static str,
        out: &super::linear::LinearOutcome,
        (labels, classes): (&[usize], usize),
        config: &'a TrainConfig,
        seconds: f64,
    ) -> Self {
        Provenance {
            by,
            solved: Solved::Lbfgs {
                iterations: out.iterations.clone(),
                converged: out.converged,
                objective: out.objective,
            },
            samples: out.trained_images(labels.len()),
            rows: out.rows,
            validation_samples: out.evaluated.len(),
            cross_validated_folds: out.folds,
            accuracy: out.evaluation.as_ref().and_then(|e| e.accuracy()),
            images_per_class: per_class(labels, classes),
            confusion: out.evaluation.as_ref().map(|e| e.confusion.clone()),
            config,
            seconds,
        }
    }
}

/// Images of each of `classes` classes among `labels`.
pub fn per_class(labels: &[usize], classes: usize) -> Vec<usize> {
    let mut counts = vec![0; classes];
    for &l in labels {
        if let Some(c) = counts.get_mut(l) {
            *c += 1;
        }
    }
    counts
}

impl Provenance<'_> {
    /// The record as the model file's JSON (seconds to two decimals).
    pub fn json(&self) -> serde_json::Value {
        let rounded = Provenance {
            seconds: (self.seconds * 100.0).round() / 100.0,
            ..self.clone()
        };
        serde_json::to_value(rounded).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's and the command line's records read alike: same keys, the solver's own.
    #[test]
    fn records_name_the_solver_and_round_the_time() {
        let config = TrainConfig::default();
        let record = Provenance {
            by: "graft train",
            solved: Solved::Adam {
                best_epoch: 3,
                kept: None,
            },
            samples: 10,
            rows: 50,
            validation_samples: 2,
            cross_validated_folds: 0,
            accuracy: Some(0.5),
            images_per_class: per_class(&[0, 1, 1, 5], 2),
            confusion: Some(vec![vec![1, 0], vec![1, 0]]),
            config: &config,
            seconds: 1.23456,
        };
        let json = record.json();
        assert_eq!(json["solver"], "adam");
        assert_eq!(json["best_epoch"], 3);
        assert_eq!(json["seconds"], 1.23);
        assert_eq!(json["config"]["seed"], config.seed);
        assert_eq!(json["images_per_class"], serde_json::json!([1, 2]));
        assert_eq!(json["confusion"][1][0], 1);
        let fit = Provenance {
            solved: Solved::Lbfgs {
                iterations: vec![4, 9],
                converged: true,
                objective: 0.25,
            },
            ..record
        };
        let json = fit.json();
        assert_eq!(
            (json["solver"].as_str(), json["iterations"][1].as_u64()),
            (Some("lbfgs"), Some(9))
        );
    }
}
