//! What a training run takes and gives: its rows and views, its errors, each epoch's
//! figures and the finished weights.

use super::split::Split;
use crate::backend::readback::ReadError;
use crate::model::head::HeadWeights;
use crate::model::tail::TailWeights;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    #[error("add at least two classes to train (there {})", if *.0 == 1 { "is one".to_string() } else { format!("are {}", .0) })]
    TooFewClasses(usize),
    #[error("class '{0}' has no images: add some, or delete the class")]
    EmptyClass(String),
    #[error(
        "every image of class '{0}' is set aside for validation: keep at least one to train on"
    )]
    AllHeldOut(String),
    #[error("{0}")]
    Settings(String),
    #[error("{0}")]
    Read(String),
    /// The device was lost: the run can go on elsewhere from its `checkpoint`.
    #[error("the GPU was lost: {0}")]
    DeviceLost(String),
    #[error("training was interrupted in the middle of an epoch; train again")]
    Interrupted,
}

impl From<ReadError> for TrainError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::DeviceLost(why) => TrainError::DeviceLost(why),
            e => TrainError::Read(e.to_string()),
        }
    }
}

/// One finished epoch: loss (label-smoothed) and accuracy on the training images, and
/// plain cross-entropy and accuracy on the validation images when there are any.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// 1-based.
    pub epoch: usize,
    pub loss: f32,
    pub accuracy: f32,
    pub val_loss: Option<f32>,
    pub val_accuracy: Option<f32>,
}

/// Augmented views, laid out as the inputs' rows (`[V * row]`): view i is a view of sample
/// `of[i]`. Only views of training samples are used: a held-out image's views would leak it
/// into training.
#[derive(Clone, Debug, Default)]
pub struct Views {
    pub features: Vec<f32>,
    pub of: Vec<usize>,
}

/// The rows a run trains and validates on, one per image, each of `shape` values:
/// `[1280, 1, 1]` embeddings for a new head alone, the cut's `[C, H, W]` to fine-tune.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub values: &'a [f32],
    pub shape: [usize; 3],
    pub labels: &'a [usize],
}

impl Inputs<'_> {
    pub fn row(&self) -> usize {
        self.shape.iter().product()
    }

    /// Refuse sizes that do not fit: values, views, split indices, and a tail's cut.
    pub(super) fn check(
        &self,
        split: &Split,
        views: &Views,
        cut: Option<[usize; 3]>,
    ) -> Result<(), TrainError> {
        let (row, n) = (self.row(), self.labels.len());
        if self.values.len() != n * row
            || views.features.len() != views.of.len() * row
            || split.train.iter().chain(&split.validation).any(|&i| i >= n)
            || cut.is_some_and(|c| c != self.shape)
        {
            return Err(TrainError::Settings(format!(
                "{} input values for {n} samples of {:?}",
                self.values.len(),
                self.shape
            )));
        }
        Ok(())
    }

    /// The rows and labels of samples `ids`, then, with `views`, the views of those samples
    /// (never of others: a held-out image's views would leak it into training).
    pub(super) fn gather(&self, ids: &[usize], views: Option<&Views>) -> (Vec<f32>, Vec<usize>) {
        let row = self.row();
        let mut rows: Vec<f32> = ids
            .iter()
            .flat_map(|&i| &self.values[i * row..(i + 1) * row])
            .copied()
            .collect();
        let mut labels: Vec<usize> = ids.iter().map(|&i| self.labels[i]).collect();
        if let Some(views) = views {
            let mut wanted = vec![false; self.labels.len()];
            ids.iter().for_each(|&i| wanted[i] = true);
            for (view, &of) in views.features.chunks_exact(row).zip(&views.of) {
                if wanted.get(of) == Some(&true) {
                    rows.extend_from_slice(view);
                    labels.push(self.labels[of]);
                }
            }
        }
        (rows, labels)
    }
}

/// A finished run's weights: the head, and the tuned tail when blocks were fine-tuned.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    pub head: HeadWeights,
    pub tail: Option<TailWeights>,
}

/// Refuse what cannot train, naming what to add: `names[c]` is class c's name.
pub fn check_trainable(names: &[String], labels: &[usize]) -> Result<(), TrainError> {
    if names.len() < 2 {
        return Err(TrainError::TooFewClasses(names.len()));
    }
    for (c, name) in names.iter().enumerate() {
        if !labels.contains(&c) {
            return Err(TrainError::EmptyClass(name.clone()));
        }
    }
    Ok(())
}
