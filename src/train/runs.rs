//! The fits a validation plan asks for, in order, and the figures they make together: each
//! fold (or share) trains without the images it then predicts, the last fit trains on every
//! image, and the predictions of images no fit trained on are the report (issue 12). Both
//! solvers use it: the L-BFGS head (`linear`) and the Adam trainer (in the page and the CLI).

use super::metrics::Evaluation;
use super::split::{Plan, Split};

/// A plan's fits and the predictions recorded so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Runs {
    splits: Vec<Split>,
    folds: usize,
    evaluated: Vec<usize>,
    predicted: Vec<usize>,
}

impl Runs {
    /// The fits for `plan` over `images` images: a held-out plan's one fit; a share's fit,
    /// then the final on every image; each fold's, then the final on every image.
    pub fn new(plan: Plan, images: usize) -> Self {
        let all = Split {
            train: (0..images).collect(),
            validation: Vec::new(),
        };
        let (splits, folds) = match plan {
            Plan::HeldOut(split) => (vec![split], 0),
            Plan::Share(split) => (vec![split, all], 0),
            Plan::CrossValidated(mut folds) => {
                let k = folds.len();
                folds.push(all);
                (folds, k)
            }
        };
        Self {
            splits,
            folds,
            evaluated: Vec::new(),
            predicted: Vec::new(),
        }
    }

    /// Each fit's split, the final head's last.
    pub fn splits(&self) -> &[Split] {
        &self.splits
    }

    /// Folds when cross-validated, 0 otherwise.
    pub fn folds(&self) -> usize {
        self.folds
    }

    /// Fit `i` only measures: a fold or a share, after which the final fit trains on every
    /// image. Such a fit must train as the final one will (the Adam trainer's every step,
    /// nothing chosen by its validation images: `Trainer::measuring`).
    pub fn measures(&self, i: usize) -> bool {
        i + 1 < self.splits.len()
    }

    /// The final head also trains on the images the figures come from.
    pub fn refitted(&self) -> bool {
        self.splits.len() > 1
    }

    /// Fit `i`'s predictions of its validation images, in `splits()[i].validation` order.
    pub fn record(&mut self, i: usize, predicted: &[usize]) {
        let validation = &self.splits[i].validation;
        debug_assert_eq!(validation.len(), predicted.len());
        self.evaluated.extend(validation);
        self.predicted.extend(predicted);
    }

    /// The images predicted so far (indices into the inputs), in the order recorded.
    pub fn evaluated(&self) -> &[usize] {
        &self.evaluated
    }

    /// The recorded predictions against `labels` (every image's class); `None` without any.
    pub fn evaluation(&self, classes: usize, labels: &[usize]) -> Option<Evaluation> {
        let truth: Vec<usize> = self.evaluated.iter().map(|&i| labels[i]).collect();
        (!truth.is_empty()).then(|| Evaluation::new(classes, truth, self.predicted.clone()))
    }

    /// Images the final head trained on, of `images` in all: every one, unless a held-out
    /// set was measured without being trained on.
    pub fn trained_images(&self, images: usize) -> usize {
        match self.refitted() {
            true => images,
            false => images - self.evaluated.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::split::folds;

    /// Cross-validated: every image predicted once, by a fit that did not train on it; the
    /// final fit trains on all of them and only measures nothing.
    #[test]
    fn folds_predict_each_image_once_and_the_last_fit_takes_all() {
        let labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut runs = Runs::new(Plan::CrossValidated(folds(&labels, &names, 7)), 9);
        assert_eq!(runs.folds(), 3);
        assert_eq!(runs.splits().len(), 4);
        for i in 0..runs.splits().len() {
            let split = runs.splits()[i].clone();
            assert_eq!(runs.measures(i), i < 3, "fit {i}");
            assert!(split.train.iter().all(|t| !split.validation.contains(t)));
            // A fit that predicts every image's class right except image 4's.
            let predicted: Vec<usize> = (split.validation.iter())
                .map(|&v| if v == 4 { 2 } else { labels[v] })
                .collect();
            runs.record(i, &predicted);
        }
        let mut seen = runs.evaluated().to_vec();
        seen.sort_unstable();
        assert_eq!(seen, (0..9).collect::<Vec<_>>());
        assert_eq!(runs.splits()[3].train, (0..9).collect::<Vec<_>>());
        let e = runs.evaluation(3, &labels).expect("figures");
        assert_eq!(e.confusion[1], vec![0, 2, 1]);
        assert!(runs.refitted());
        assert_eq!(runs.trained_images(9), 9);
    }

    /// Held out: one fit, measured on images it never trains on.
    #[test]
    fn a_held_out_plan_is_one_fit() {
        let split = Split {
            train: vec![0, 1, 3],
            validation: vec![2, 4],
        };
        let mut runs = Runs::new(Plan::HeldOut(split), 5);
        assert_eq!(
            (runs.splits().len(), runs.folds(), runs.measures(0)),
            (1, 0, false)
        );
        runs.record(0, &[1, 0]);
        let e = runs.evaluation(2, &[0, 0, 1, 1, 1]).expect("figures");
        assert_eq!(e.confusion, vec![vec![0, 0], vec![1, 1]]);
        assert!(!runs.refitted());
        assert_eq!(runs.trained_images(5), 3);
    }
}
