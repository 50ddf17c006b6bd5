//! The default head: a linear softmax fitted to convergence by L-BFGS (`logistic`) at the
//! penalty `config.penalty_c`, measured on a held-out share, or by k-fold cross-validation
//! (out-of-fold predictions) when the classes are small (`split::plan`), after which the
//! final head trains on every image. One L-BFGS iteration per `step`, so a page can yield.

use super::TrainConfig;
use super::data::{Inputs, TrainError, Views, check_trainable};
use super::logistic::{Lbfgs, Stop};
use super::metrics::Evaluation;
use super::runs::Runs;
use super::split::Plan;
use crate::model::FEATURE_DIM;
use crate::model::head::HeadWeights;

/// A finished run of the L-BFGS head.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearOutcome {
    pub head: HeadWeights,
    /// Predictions on images the head (or, cross-validated, its fold's head) did not train
    /// on, in `evaluated` order; `None` when there were none to make.
    pub evaluation: Option<Evaluation>,
    /// The images `evaluation` covers (indices into the inputs' rows).
    pub evaluated: Vec<usize>,
    /// Folds when cross-validated, 0 with a held-out share or no validation.
    pub folds: usize,
    /// The final head also trained on the images `evaluation` measured (cross-validated,
    /// or a stratified share): the figures are those of heads that did not.
    pub refitted: bool,
    /// Each fit's L-BFGS iterations, the final head's last.
    pub iterations: Vec<usize>,
    /// Every fit reached `Stop::HEAD`'s gradient.
    pub converged: bool,
    /// The final fit's penalised mean cross-entropy and its training rows (images and views).
    pub objective: f64,
    pub rows: usize,
}

impl LinearOutcome {
    /// Images the final head trained on, of `images` in all: every one, unless a held-out
    /// set measured it without being trained on.
    pub fn trained_images(&self, images: usize) -> usize {
        match self.refitted {
            true => images,
            false => images - self.evaluated.len(),
        }
    }
}

/// A run under way: the fits the plan asks for, one after another.
pub struct LinearRun<'a> {
    inputs: Inputs<'a>,
    views: &'a Views,
    classes: usize,
    penalty_c: f64,
    runs: Runs,
    current: Option<Lbfgs>,
    /// The last finished fit's head, where the next one starts.
    last: Option<HeadWeights>,
    done: usize,
    iterations: Vec<usize>,
    converged: bool,
    head: Option<(HeadWeights, f64, usize)>,
}

impl<'a> LinearRun<'a> {
    /// Refuses what cannot train (fewer than two classes, an empty class, every image of a
    /// class set aside) and rows that are not 1 280-d features.
    pub fn new(
        inputs: Inputs<'a>,
        plan: Plan,
        names: &[String],
        config: &TrainConfig,
        views: &'a Views,
    ) -> Result<Self, TrainError> {
        config.check().map_err(TrainError::Settings)?;
        if inputs.shape != [FEATURE_DIM, 1, 1] {
            return Err(TrainError::Settings(
                "the L-BFGS head trains on features, not a fine-tuned cut".into(),
            ));
        }
        check_trainable(names, inputs.labels)?;
        let runs = Runs::new(plan, inputs.labels.len());
        for split in runs.splits() {
            inputs.check(split, views, None)?;
            let train: Vec<usize> = split.train.iter().map(|&i| inputs.labels[i]).collect();
            check_trainable(names, &train)?;
        }
        Ok(Self {
            inputs,
            views,
            classes: names.len(),
            penalty_c: config.penalty_c,
            runs,
            current: None,
            last: None,
            done: 0,
            iterations: Vec::new(),
            converged: true,
            head: None,
        })
    }

    /// Fits finished and planned (the folds and the final head).
    pub fn progress(&self) -> (usize, usize) {
        (self.done, self.runs.splits().len())
    }

    pub fn finished(&self) -> bool {
        self.done == self.runs.splits().len()
    }

    /// One L-BFGS iteration (or a fit's set-up); true once every fit has ended.
    pub fn step(&mut self) -> bool {
        if self.finished() {
            return true;
        }
        let Some(fit) = &mut self.current else {
            let split = &self.runs.splits()[self.done];
            let (rows, labels) = self.inputs.gather(&split.train, Some(self.views));
            // scikit-learn's C: the penalty shrinks as rows are added.
            let l2 = 1.0 / (self.penalty_c * labels.len() as f64);
            // Each fit after the first starts where the last ended: most rows are shared.
            let start = self.last.as_ref();
            self.current = Some(Lbfgs::starting_from(
                &rows,
                &labels,
                self.classes,
                l2,
                Stop::HEAD,
                start,
            ));
            return false;
        };
        if !fit.step() {
            return false;
        }
        let result = fit.fit();
        let split = &self.runs.splits()[self.done];
        let predicted: Vec<usize> = (split.validation.iter())
            .map(|&i| {
                result
                    .head
                    .class_of(&self.inputs.values[i * FEATURE_DIM..][..FEATURE_DIM])
            })
            .collect();
        self.runs.record(self.done, &predicted);
        self.iterations.push(result.iterations);
        self.converged &= result.converged;
        self.done += 1;
        if self.finished() {
            let split = &self.runs.splits()[self.done - 1];
            let rows = split.train.len()
                + (self.views.of.iter())
                    .filter(|of| split.train.binary_search(of).is_ok())
                    .count();
            self.head = Some((result.head, result.objective, rows));
        } else {
            self.last = Some(result.head);
        }
        self.current = None;
        self.finished()
    }

    /// The final head and its figures; `None` before `step` has returned true.
    pub fn outcome(self) -> Option<LinearOutcome> {
        let (head, objective, rows) = self.head?;
        Some(LinearOutcome {
            head,
            evaluation: self.runs.evaluation(self.classes, self.inputs.labels),
            evaluated: self.runs.evaluated().to_vec(),
            folds: self.runs.folds(),
            refitted: self.runs.refitted(),
            iterations: self.iterations,
            converged: self.converged,
            objective,
            rows,
        })
    }
}

/// `LinearRun` to its end.
/// The L-BFGS head fitted on every one of `features` (`[N * 1280]`, their `labels`), no
/// validation: a linear probe (LP-FT) or the head judging unlabelled photos' views.
pub fn fit_on_all(
    features: &[f32],
    labels: &[usize],
    names: &[String],
    config: &TrainConfig,
) -> Result<HeadWeights, TrainError> {
    let inputs = Inputs {
        values: features,
        shape: [FEATURE_DIM, 1, 1],
        labels,
    };
    let all = Plan::HeldOut(crate::train::split::Split {
        train: (0..labels.len()).collect(),
        validation: Vec::new(),
    });
    Ok(fit_linear(inputs, all, names, config, &Views::default())?.head)
}

pub fn fit_linear(
    inputs: Inputs,
    plan: Plan,
    names: &[String],
    config: &TrainConfig,
    views: &Views,
) -> Result<LinearOutcome, TrainError> {
    let mut run = LinearRun::new(inputs, plan, names, config, views)?;
    while !run.step() {}
    run.outcome().ok_or(TrainError::Interrupted)
}

#[cfg(test)]
#[path = "linear_tests.rs"]
mod tests;
