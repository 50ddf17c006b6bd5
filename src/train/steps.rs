//! One epoch in pieces: `advance` queues at most a given number of rows (a share of a
//! batch, whose gradients add up before its step, or of the validation images), so a page
//! on the CPU path can yield between pieces; `finish_epoch` reads the epoch back once.

use super::data::{EpochStats, TrainError};
use super::results::{Kept, correct};
use super::trainer::{Net, Trainer, VAL_CHUNK};
use crate::backend::readback::read_f32;
use crate::model::head::Head;
use crate::model::tail::Tail;
use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};

/// What an epoch has queued so far.
pub(super) struct EpochRun {
    /// The epoch's random order of the training rows.
    order: Tensor<1, Int>,
    /// Training rows queued; the current batch's gradients wait in the accumulators.
    done: usize,
    head_grads: GradientsAccumulator<Head>,
    tail_grads: GradientsAccumulator<Tail>,
    loss_sum: Tensor<1>,
    right: Tensor<1>,
    /// Validation rows queued, their summed loss, hits and predicted classes.
    val_done: usize,
    val_loss: Option<Tensor<1>>,
    val_hits: Option<Tensor<1>>,
    predicted: Vec<Tensor<1>>,
}

impl Trainer {
    fn begin(&mut self) -> EpochRun {
        let n = self.samples;
        // Fisher-Yates with the trainer's own generator: the same order on every device.
        let mut order: Vec<i64> = (0..n as i64).collect();
        for i in (1..n).rev() {
            order.swap(i, self.rng.below(i + 1));
        }
        EpochRun {
            order: Tensor::from_data(TensorData::new(order, [n]), &self.device),
            done: 0,
            head_grads: GradientsAccumulator::new(),
            tail_grads: GradientsAccumulator::new(),
            loss_sum: Tensor::zeros([1], &self.device),
            right: Tensor::zeros([1], &self.device),
            val_done: 0,
            val_loss: None,
            val_hits: None,
            predicted: Vec::new(),
        }
    }

    /// Queue up to `rows` more rows of the current epoch (starting one if none is under
    /// way): training rows within one batch, stepping when the batch is complete, then
    /// validation rows. True once the whole epoch is queued: call `finish_epoch`.
    ///
    /// A batch's loss is its mean, so the gradients of its pieces sum to the whole batch's
    /// (BatchNorm is folded and frozen: rows do not interact), whatever `rows` is.
    pub fn advance(&mut self, rows: usize) -> Result<bool, TrainError> {
        let mut run = match self.run.take() {
            Some(run) => run,
            None => self.begin(),
        };
        let rows = rows.max(1);
        let (n, batch) = (self.samples, self.config.batch_size);
        if run.done < n {
            let first = run.done / batch * batch;
            let last = (first + batch).min(n);
            let end = run.done.saturating_add(rows).min(last);
            let ids = run.order.clone().slice(run.done..end);
            let net = self.model.take().ok_or(TrainError::Interrupted)?;
            let logits = net.forward(self.inputs.clone().select(0, ids.clone()));
            run.right = run.right
                + correct(
                    logits.clone().detach(),
                    self.labels.clone().select(0, ids.clone()),
                );
            // This piece's share of the batch mean of -sum_c t_c log softmax(z)_c.
            let summed = (log_softmax(logits, 1) * self.targets.clone().select(0, ids))
                .sum()
                .neg();
            run.loss_sum = run.loss_sum + summed.clone().detach();
            let mut grads = summed.div_scalar((last - first) as f32).backward();
            let head = GradientsParams::from_module(&mut grads, &net.head);
            run.head_grads.accumulate(&net.head, head);
            if let Some(tail) = &net.tail {
                let grads = GradientsParams::from_module(&mut grads, tail);
                run.tail_grads.accumulate(tail, grads);
            }
            run.done = end;
            self.model = Some(if end == last {
                self.step(net, &mut run)
            } else {
                net
            });
        } else if let Some(v) = &self.validation
            && run.val_done < v.samples
        {
            let (s, e) = (
                run.val_done,
                (run.val_done + rows.min(VAL_CHUNK)).min(v.samples),
            );
            let net = self.model.as_ref().ok_or(TrainError::Interrupted)?.valid();
            let logits = net.forward(v.inputs.clone().slice(s..e));
            let loss = (log_softmax(logits.clone(), 1) * v.targets.clone().slice(s..e))
                .sum()
                .neg();
            let hits = correct(logits.clone(), v.labels.clone().slice(s..e));
            run.predicted
                .push(logits.argmax(1).squeeze_dim::<1>(1).float());
            run.val_loss = Some(run.val_loss.take().map_or(loss.clone(), |l| l + loss));
            run.val_hits = Some(run.val_hits.take().map_or(hits.clone(), |h| h + hits));
            run.val_done = e;
        }
        let queued = run.done == n
            && self
                .validation
                .as_ref()
                .is_none_or(|v| run.val_done == v.samples);
        self.run = Some(run);
        Ok(queued)
    }

    /// The head and the tuned blocks step at their own learning rates, both scheduled.
    fn step(&mut self, mut net: Net, run: &mut EpochRun) -> Net {
        let batch = run.done.div_ceil(self.config.batch_size.max(1)) - 1;
        let share = self.schedule(self.epoch * self.steps_per_epoch() + batch);
        if net.tail.is_some() {
            let grads = run.tail_grads.grads();
            net = self
                .optim
                .step(self.config.backbone_learning_rate * share, net, grads);
        }
        let grads = run.head_grads.grads();
        self.optim
            .step(self.config.learning_rate * share, net, grads)
    }

    /// Read the queued epoch back (one await): its figures, predictions and weights, which
    /// become the last finished epoch and, if its validation loss is the lowest, the best.
    pub async fn finish_epoch(&mut self) -> Result<EpochStats, TrainError> {
        while !self.advance(usize::MAX)? {}
        let run = self.run.take().ok_or(TrainError::Interrupted)?;
        let net = self.model.as_ref().ok_or(TrainError::Interrupted)?.valid();
        let mut parts = vec![
            run.loss_sum.without_autodiff(),
            run.right.without_autodiff(),
        ];
        let val = self.validation.as_ref().map_or(0, |v| v.samples);
        parts.extend(run.val_loss);
        parts.extend(run.val_hits);
        parts.extend(run.predicted);
        parts.push(net.head.flat_params());
        parts.extend(net.tail.as_ref().map(Tail::flat_params));
        let (values, _) = read_f32(Tensor::cat(parts, 0)).await?;
        let stats_len = if val > 0 { 4 + val } else { 2 };
        let wrong = || TrainError::Read("the epoch's figures had the wrong size".into());
        let stats = values.get(..stats_len).ok_or_else(wrong)?;
        let weights = self.trained(&values[stats_len..]).ok_or_else(wrong)?;
        self.epoch += 1;
        let n = self.samples as f32;
        let val_loss = (val > 0).then(|| stats[2] / val as f32);
        let kept = Kept {
            weights,
            epoch: self.epoch,
            loss: val_loss,
            predicted: stats
                .get(4..)
                .unwrap_or(&[])
                .iter()
                .map(|&p| p as usize)
                .collect(),
        };
        if let Some(loss) = val_loss.filter(|_| self.selects)
            && self
                .best
                .as_ref()
                .is_none_or(|b| b.loss.is_none_or(|l| loss < l))
        {
            self.best = Some(kept.clone());
        }
        self.last = Some(kept);
        Ok(EpochStats {
            epoch: self.epoch,
            loss: stats[0] / n,
            accuracy: stats[1] / n,
            val_loss,
            val_accuracy: (val > 0).then(|| stats[3] / val as f32),
        })
    }

    /// One whole epoch: every row queued, then read back.
    pub async fn epoch(&mut self) -> Result<EpochStats, TrainError> {
        self.finish_epoch().await
    }
}
