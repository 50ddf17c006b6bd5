//! A finished run's results: the kept (best) model's weights and its verdicts on the
//! held-out images, each read back with one await.

use super::metrics::Evaluation;
use super::trainer::{Net, Trainer, VAL_CHUNK};
use super::{TrainError, Trained};
use crate::backend::readback::read_f32;
use crate::model::head::HeadWeights;
use crate::model::tail::{Tail, TailWeights};
use burn::module::Module;
use burn::tensor::{Int, Tensor};

impl Trainer {
    /// The best epoch's model (`best_epoch`), on the plain device.
    fn kept(&self) -> Result<Net, TrainError> {
        match &self.best {
            Some((best, ..)) => Ok(best.clone()),
            None => Ok(self.model.as_ref().ok_or(TrainError::Interrupted)?.valid()),
        }
    }

    /// How the kept model labels the validation images (`None` without any), in
    /// `split().validation` order; one awaited read.
    pub async fn evaluate(&self) -> Result<Option<Evaluation>, TrainError> {
        let Some(v) = &self.validation else {
            return Ok(None);
        };
        let net = self.kept()?;
        let predicted: Vec<Tensor<1>> = (0..v.samples)
            .step_by(VAL_CHUNK)
            .map(|s| {
                let e = (s + VAL_CHUNK).min(v.samples);
                net.forward(v.inputs.clone().slice(s..e))
                    .argmax(1)
                    .squeeze_dim::<1>(1)
                    .float()
            })
            .collect();
        let (predicted, _) = read_f32(Tensor::cat(predicted, 0)).await?;
        let predicted = predicted.into_iter().map(|p| p as usize).collect();
        Ok(Some(Evaluation::new(
            self.head_config.classes,
            v.classes_of.clone(),
            predicted,
        )))
    }

    /// The best epoch's weights (`best_epoch`): head and tuned blocks, read with one await.
    pub async fn weights(&self) -> Result<Trained, TrainError> {
        let net = self.kept()?;
        let mut parts = vec![net.head.flat_params()];
        parts.extend(net.tail.as_ref().map(Tail::flat_params));
        let (flat, _) = read_f32(Tensor::cat(parts, 0)).await?;
        let head_len: usize = self
            .head_config
            .layers()
            .iter()
            .map(|(i, o)| i * o + o)
            .sum();
        let wrong = || TrainError::Read("the model's parameters had the wrong size".into());
        let head =
            HeadWeights::from_flat(&self.head_config, flat.get(..head_len).ok_or_else(wrong)?)
                .ok_or_else(wrong)?;
        let tail = match self.tail_config {
            Some(config) => {
                Some(TailWeights::from_flat(config, flat[head_len..].to_vec()).ok_or_else(wrong)?)
            }
            None => None,
        };
        Ok(Trained { head, tail })
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
