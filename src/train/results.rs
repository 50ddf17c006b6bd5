//! A run's results, kept on the CPU after each epoch: the best (kept) model's weights and
//! its verdicts on the held-out images, and the last epoch, from which a run can go on on
//! another device when its own is lost.

use super::metrics::Evaluation;
use super::trainer::{Net, Trainer};
use super::{TrainError, Trained};
use crate::model::head::HeadWeights;
use crate::model::tail::TailWeights;
use crate::rng::SplitMix64;
use burn::tensor::{Int, Tensor};

/// A finished epoch as plain values.
#[derive(Clone, Debug)]
pub(super) struct Kept {
    pub(super) weights: Trained,
    /// 1-based.
    pub(super) epoch: usize,
    /// Validation loss, if there were validation images.
    pub(super) loss: Option<f32>,
    /// The class given to each validation image, in `split().validation` order.
    pub(super) predicted: Vec<usize>,
}

/// Where a run stands after its last finished epoch, on the CPU: enough to go on on
/// another device (`Trainer::resume`). The optimiser's moments are not kept: they restart.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    last: Kept,
    best: Option<Kept>,
    rng: SplitMix64,
}

impl Checkpoint {
    /// The last finished epoch (1-based).
    pub fn epoch(&self) -> usize {
        self.last.epoch
    }
}

impl Trainer {
    /// Weights from `flat` (the head's parameters, then the tail's), as `finish_epoch`
    /// reads them; `None` if the sizes do not fit.
    pub(super) fn trained(&self, flat: &[f32]) -> Option<Trained> {
        let head_len: usize = self
            .head_config
            .layers()
            .iter()
            .map(|(i, o)| i * o + o)
            .sum();
        let head = HeadWeights::from_flat(&self.head_config, flat.get(..head_len)?)?;
        let tail = match self.tail_config {
            Some(config) => Some(TailWeights::from_flat(config, flat[head_len..].to_vec())?),
            None if flat.len() == head_len => None,
            None => return None,
        };
        Some(Trained { head, tail })
    }

    /// The kept epoch: the lowest validation loss, or the last one without validation.
    fn kept(&self) -> Result<&Kept, TrainError> {
        self.best
            .as_ref()
            .or(self.last.as_ref())
            .ok_or(TrainError::Interrupted)
    }

    /// How the kept model labels the validation images (`None` without any), in
    /// `split().validation` order.
    pub fn evaluate(&self) -> Result<Option<Evaluation>, TrainError> {
        let Some(v) = &self.validation else {
            return Ok(None);
        };
        Ok(Some(Evaluation::new(
            self.head_config.classes,
            v.classes_of.clone(),
            self.kept()?.predicted.clone(),
        )))
    }

    /// The best epoch's weights (`best_epoch`): head and tuned blocks.
    pub fn weights(&self) -> Result<Trained, TrainError> {
        Ok(self.kept()?.weights.clone())
    }

    /// Where the run stands, `None` before its first epoch has finished.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        Some(Checkpoint {
            last: self.last.clone()?,
            best: self.best.clone(),
            rng: self.rng.clone(),
        })
    }

    /// Go on from `from`, taken from a trainer with the same rows, split and settings
    /// (on any device): the next epoch is `from.epoch() + 1`, the best so far is kept.
    pub fn resume(mut self, from: Checkpoint) -> Result<Self, TrainError> {
        let wrong = || TrainError::Settings("the checkpoint is for another model".into());
        let Trained { head, tail } = &from.last.weights;
        if tail.as_ref().map(|t| t.config) != self.tail_config
            || head.layers.len() != self.head_config.layers().len()
        {
            return Err(wrong());
        }
        let head = head.to_module(&self.device).ok_or_else(wrong)?;
        let tail = match tail {
            Some(t) => Some(t.to_module(&self.device).ok_or_else(wrong)?),
            None => None,
        };
        self.model = Some(Net { tail, head });
        self.epoch = from.last.epoch;
        self.rng = from.rng;
        self.best = from.best;
        self.last = Some(from.last);
        self.run = None;
        Ok(self)
    }
}

/// How many rows of `logits` pick their label.
pub(super) fn correct(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    logits
        .argmax(1)
        .squeeze_dim::<1>(1)
        .equal(labels)
        .float()
        .sum()
}
