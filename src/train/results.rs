//! A run's results, kept on the CPU after each epoch: the best (kept) model's weights and
//! its verdicts on the held-out images, and the last epoch, from which a run can go on on
//! another device when its own is lost.

use super::Trained;
use crate::model::head::{HeadConfig, HeadWeights};
use crate::model::tail::{TailConfig, TailWeights};
use crate::rng::SplitMix64;

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

/// The epochs a run keeps: the last, and the one with the lowest validation loss.
#[derive(Default)]
pub(super) struct Record {
    pub(super) last: Option<Kept>,
    pub(super) best: Option<Kept>,
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

    /// The last epoch's weights.
    pub(super) fn weights(&self) -> &Trained {
        &self.last.weights
    }

    /// The record it holds and the trainer's generator.
    pub(super) fn into_parts(self) -> (Record, SplitMix64) {
        let record = Record {
            last: Some(self.last),
            best: self.best,
        };
        (record, self.rng)
    }
}

impl Record {
    /// Keep `kept` as the last epoch, and as the best when it `selects` and its validation
    /// loss is the lowest so far.
    pub(super) fn add(&mut self, kept: Kept, selects: bool) {
        if let Some(loss) = kept.loss.filter(|_| selects)
            && (self.best.as_ref()).is_none_or(|b| b.loss.is_none_or(|l| loss < l))
        {
            self.best = Some(kept.clone());
        }
        self.last = Some(kept);
    }

    /// The kept epoch: the lowest validation loss, or the last one without validation.
    pub(super) fn kept(&self) -> Option<&Kept> {
        self.best.as_ref().or(self.last.as_ref())
    }

    /// The run so far, with the trainer's generator `rng`; `None` before an epoch finished.
    pub(super) fn checkpoint(&self, rng: &SplitMix64) -> Option<Checkpoint> {
        Some(Checkpoint {
            last: self.last.clone()?,
            best: self.best.clone(),
            rng: rng.clone(),
        })
    }
}

/// Weights from `flat` (the head's parameters, then the tail's), as an epoch reads them
/// back; `None` if the sizes do not fit.
pub(super) fn unflatten(
    head: &HeadConfig,
    tail: Option<TailConfig>,
    flat: &[f32],
) -> Option<Trained> {
    let head_len: usize = head.layers().iter().map(|(i, o)| i * o + o).sum();
    let head_weights = HeadWeights::from_flat(head, flat.get(..head_len)?)?;
    let tail = match tail {
        Some(config) => Some(TailWeights::from_flat(config, flat[head_len..].to_vec())?),
        None if flat.len() == head_len => None,
        None => return None,
    };
    Some(Trained {
        head: head_weights,
        tail,
    })
}
