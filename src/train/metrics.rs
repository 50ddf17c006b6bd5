//! How a trained head does on held-out images: confusion matrix, per-class accuracy
//! (recall) and precision, and which images sit in each cell.

use crate::model::FEATURE_DIM;
use crate::model::head::HeadWeights;
use serde::{Deserialize, Serialize};

/// One class's row of the report. `None` where the ratio has nothing to count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassMetrics {
    /// Its held-out images.
    pub images: usize,
    /// Of those, labelled right.
    pub correct: usize,
    /// `correct / images`: Teachable Machine's "accuracy per class", which is the recall.
    pub recall: Option<f32>,
    /// Of the images the model labelled this class, the share that were.
    pub precision: Option<f32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// `confusion[true][predicted]`: image counts.
    pub confusion: Vec<Vec<usize>>,
    /// Each evaluated image's true and predicted class, in the order given.
    pub labels: Vec<usize>,
    pub predicted: Vec<usize>,
}

impl Evaluation {
    pub fn new(classes: usize, labels: Vec<usize>, predicted: Vec<usize>) -> Self {
        let mut confusion = vec![vec![0; classes]; classes];
        for (&t, &p) in labels.iter().zip(&predicted) {
            if t < classes && p < classes {
                confusion[t][p] += 1;
            }
        }
        Self {
            confusion,
            labels,
            predicted,
        }
    }

    /// Label `features` (`[N * 1280]`) with `head` (argmax of its logits; ties go to the
    /// first class) and compare with `labels`.
    pub fn of_head(head: &HeadWeights, features: &[f32], labels: &[usize]) -> Self {
        let predicted = features
            .chunks_exact(FEATURE_DIM)
            .map(|f| {
                let z = head.logits(f);
                (0..z.len()).fold(0, |best, c| if z[c] > z[best] { c } else { best })
            })
            .collect();
        Self::new(head.classes(), labels.to_vec(), predicted)
    }

    pub fn classes(&self) -> usize {
        self.confusion.len()
    }

    /// How many evaluated images were labelled right.
    pub fn right(&self) -> usize {
        (0..self.classes()).map(|c| self.confusion[c][c]).sum()
    }

    /// Share of all evaluated images labelled right (`None` if there were none).
    pub fn accuracy(&self) -> Option<f32> {
        (!self.labels.is_empty()).then(|| self.right() as f32 / self.labels.len() as f32)
    }

    pub fn class(&self, c: usize) -> ClassMetrics {
        let images: usize = self.confusion[c].iter().sum();
        let labelled: usize = self.confusion.iter().map(|row| row[c]).sum();
        let correct = self.confusion[c][c];
        let ratio = |n: usize| (n > 0).then(|| correct as f32 / n as f32);
        ClassMetrics {
            images,
            correct,
            recall: ratio(images),
            precision: ratio(labelled),
        }
    }

    /// Positions (in the order given) of the images of class `truth` labelled `predicted`.
    pub fn cell(&self, truth: usize, predicted: usize) -> Vec<usize> {
        (0..self.labels.len())
            .filter(|&i| self.labels[i] == truth && self.predicted[i] == predicted)
            .collect()
    }

    /// The `k` largest mistakes `(truth, predicted, images)`, most images first (then in
    /// class order): what a matrix too large to read at a glance comes down to.
    pub fn most_confused(&self, k: usize) -> Vec<(usize, usize, usize)> {
        let mut wrong: Vec<(usize, usize, usize)> = (self.confusion.iter().enumerate())
            .flat_map(|(t, row)| row.iter().enumerate().map(move |(p, &n)| (t, p, n)))
            .filter(|&(t, p, n)| t != p && n > 0)
            .collect();
        wrong.sort_by_key(|&(t, p, n)| (std::cmp::Reverse(n), t, p));
        wrong.truncate(k);
        wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::head::LayerWeights;

    #[test]
    fn counts_and_ratios_match_a_worked_example() {
        // Truth 0,0,0,1,1,2; predicted 0,0,1,1,0,0.
        let e = Evaluation::new(3, vec![0, 0, 0, 1, 1, 2], vec![0, 0, 1, 1, 0, 0]);
        assert_eq!(
            e.confusion,
            vec![vec![2, 1, 0], vec![1, 1, 0], vec![1, 0, 0]]
        );
        assert_eq!(e.accuracy(), Some(0.5));
        let c0 = e.class(0);
        assert_eq!((c0.images, c0.correct), (3, 2));
        assert_eq!(c0.recall, Some(2.0 / 3.0));
        assert_eq!(c0.precision, Some(0.5)); // 4 labelled 0, 2 right
        assert_eq!(e.class(1).precision, Some(0.5));
        // Class 2 was never predicted: no precision to give, and recall 0.
        assert_eq!((e.class(2).recall, e.class(2).precision), (Some(0.0), None));
        assert_eq!(e.cell(1, 0), vec![4]);
        assert_eq!(e.cell(0, 0), vec![0, 1]);
        assert!(e.cell(2, 2).is_empty());
        // Three mistakes of one image each, in class order; right answers are not listed.
        assert_eq!(e.most_confused(5), vec![(0, 1, 1), (1, 0, 1), (2, 0, 1)]);
        assert_eq!(e.most_confused(1), vec![(0, 1, 1)]);
        let twice = Evaluation::new(2, vec![0, 1, 1], vec![0, 0, 0]);
        assert_eq!(twice.most_confused(5), vec![(1, 0, 2)]);
    }

    #[test]
    fn nothing_evaluated_has_no_accuracy() {
        let e = Evaluation::new(2, vec![], vec![]);
        assert_eq!(e.accuracy(), None);
        assert_eq!(e.class(0).recall, None);
    }

    #[test]
    fn a_head_labels_by_its_largest_logit() {
        // A linear head reading feature 0 as class 0's evidence and feature 1 as class 1's.
        let mut weight = vec![0.0; FEATURE_DIM * 2];
        weight[0] = 1.0; // feature 0 -> class 0
        weight[3] = 1.0; // feature 1 -> class 1
        let head = HeadWeights {
            layers: vec![LayerWeights {
                inputs: FEATURE_DIM,
                outputs: 2,
                weight,
                bias: vec![0.0, 0.0],
            }],
            normalize: false,
        };
        let mut features = vec![0.0; FEATURE_DIM * 2];
        features[0] = 2.0;
        features[FEATURE_DIM + 1] = 2.0;
        let e = Evaluation::of_head(&head, &features, &[0, 0]);
        assert_eq!(e.predicted, vec![0, 1]);
        assert_eq!(e.accuracy(), Some(0.5));
    }
}
