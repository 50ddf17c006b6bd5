//! One epoch in pieces: `EpochRun::advance` queues at most a given number of rows (a share
//! of a batch, whose gradients add up before its step, or of the validation images), so a
//! page on the CPU path can yield between pieces; `read` reads the epoch back once. What
//! trains (`Net`) and the rows it trains on (`Rows`, `Validation`) are declared here too.

use super::data::{EpochStats, Inputs, TrainError, Views};
use crate::backend::readback::read_f32;
use crate::model::head::{Head, HeadConfig};
use crate::model::tail::{Tail, TailWeights};
use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Validation rows per forward pass at most: bounds memory when fine-tuning (block 11
/// expands 14x14x112 activations sixfold).
pub const VAL_CHUNK: usize = 64;

/// What trains: the backbone's tuned tail, if any, and the head.
#[derive(Module, Debug)]
pub(super) struct Net {
    pub(super) tail: Option<Tail>,
    pub(super) head: Head,
}

impl Net {
    /// A fresh head (drawn from `seed`) on `device`, after `tail`'s blocks when fine-tuning.
    pub(super) fn new(
        head: &HeadConfig,
        seed: u64,
        tail: Option<&TailWeights>,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let head = (head.init_weights(seed).to_module(device))
            .ok_or_else(|| TrainError::Settings("a head has one or two layers".into()))?;
        let tail = match tail {
            Some(t) => Some(t.to_module(device).ok_or_else(|| {
                TrainError::Settings("the backbone blocks to fine-tune are incomplete".into())
            })?),
            None => None,
        };
        Ok(Self { tail, head })
    }

    /// # Shapes
    /// - x: `[B, C, H, W]` (`[B, 1280, 1, 1]` without a tail) -> `[B, classes]`
    pub(super) fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let features = match &self.tail {
            Some(tail) => tail.forward(x),
            None => x.flatten::<2>(1, 3),
        };
        self.head.forward(features)
    }
}

/// Rows on a device, uploaded once: `[N, C, H, W]` inputs, `[N, classes]` targets (one-hot,
/// smoothed for training), `[N]` class ids.
pub(super) struct Rows {
    pub(super) inputs: Tensor<4>,
    pub(super) targets: Tensor<2>,
    pub(super) labels: Tensor<1, Int>,
    pub(super) samples: usize,
}

impl Rows {
    /// Rows `which` of `inputs` (then, with `views`, their views), uploaded to `device`
    /// with targets one-hot spread by label `smoothing`; and their classes.
    pub(super) fn upload(
        inputs: &Inputs,
        (which, views): (&[usize], Option<&Views>),
        classes: usize,
        smoothing: f32,
        device: &Device,
    ) -> (Self, Vec<usize>) {
        let (rows, labels) = inputs.gather(which, views);
        let [c, h, w] = inputs.shape;
        let n = labels.len();
        let mut targets = vec![smoothing / classes as f32; n * classes];
        for (r, &class) in labels.iter().enumerate() {
            targets[r * classes + class] += 1.0 - smoothing;
        }
        let ids: Vec<i64> = labels.iter().map(|&class| class as i64).collect();
        let uploaded = Rows {
            inputs: Tensor::from_data(TensorData::new(rows, [n, c, h, w]), device),
            targets: Tensor::from_data(TensorData::new(targets, [n, classes]), device),
            labels: Tensor::from_data(TensorData::new(ids, [n]), device),
            samples: n,
        };
        (uploaded, labels)
    }
}

/// The held-out images, on the plain (non-autodiff) device; targets unsmoothed, so the
/// validation loss is comparable across smoothing settings.
pub(super) struct Validation {
    pub(super) rows: Rows,
    /// The same labels on the CPU, for the report.
    pub(super) classes_of: Vec<usize>,
}

/// A finished batch's gradients, for the trainer's optimiser: the batch's index in the
/// epoch, the head's, and the tuned blocks' (when there are some).
pub(super) type Step<'a> = &'a mut dyn FnMut(Net, usize, GradientsParams, GradientsParams) -> Net;

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

impl EpochRun {
    /// An epoch over the rows in `order` (a permutation of the training rows).
    pub(super) fn begin(order: Vec<i64>, device: &Device) -> Self {
        let n = order.len();
        EpochRun {
            order: Tensor::from_data(TensorData::new(order, [n]), device),
            done: 0,
            head_grads: GradientsAccumulator::new(),
            tail_grads: GradientsAccumulator::new(),
            loss_sum: Tensor::zeros([1], device),
            right: Tensor::zeros([1], device),
            val_done: 0,
            val_loss: None,
            val_hits: None,
            predicted: Vec::new(),
        }
    }

    /// Queue up to `want` more rows: training rows within one batch of `batch`, handing the
    /// batch to `step` when it is complete, then validation rows. Returns the net and
    /// whether the whole epoch is queued.
    ///
    /// A batch's loss is its mean, so the gradients of its pieces sum to the whole batch's
    /// (BatchNorm is folded and frozen: rows do not interact), whatever `want` is.
    pub(super) fn advance(
        &mut self,
        net: Net,
        (train, validation): (&Rows, Option<&Validation>),
        want: usize,
        batch: usize,
        step: Step,
    ) -> (Net, bool) {
        let (n, want, batch) = (train.samples, want.max(1), batch.max(1));
        let mut net = net;
        if self.done < n {
            let first = self.done / batch * batch;
            let last = (first + batch).min(n);
            let end = self.done.saturating_add(want).min(last);
            let ids = self.order.clone().slice(self.done..end);
            let logits = net.forward(train.inputs.clone().select(0, ids.clone()));
            let labels = train.labels.clone().select(0, ids.clone());
            self.right = self.right.clone() + correct(logits.clone().detach(), labels);
            // This piece's share of the batch mean of -sum_c t_c log softmax(z)_c.
            let summed = (log_softmax(logits, 1) * train.targets.clone().select(0, ids))
                .sum()
                .neg();
            self.loss_sum = self.loss_sum.clone() + summed.clone().detach();
            let mut grads = summed.div_scalar((last - first) as f32).backward();
            let head = GradientsParams::from_module(&mut grads, &net.head);
            self.head_grads.accumulate(&net.head, head);
            if let Some(tail) = &net.tail {
                let grads = GradientsParams::from_module(&mut grads, tail);
                self.tail_grads.accumulate(tail, grads);
            }
            self.done = end;
            if end == last {
                let (head, tail) = (self.head_grads.grads(), self.tail_grads.grads());
                net = step(net, end.div_ceil(batch) - 1, head, tail);
            }
        } else if let Some(v) = validation
            && self.val_done < v.rows.samples
        {
            let s = self.val_done;
            let e = (s + want.min(VAL_CHUNK)).min(v.rows.samples);
            let logits = net.valid().forward(v.rows.inputs.clone().slice(s..e));
            let loss = (log_softmax(logits.clone(), 1) * v.rows.targets.clone().slice(s..e))
                .sum()
                .neg();
            let hits = correct(logits.clone(), v.rows.labels.clone().slice(s..e));
            (self.predicted).push(logits.argmax(1).squeeze_dim::<1>(1).float());
            self.val_loss = Some(self.val_loss.take().map_or(loss.clone(), |l| l + loss));
            self.val_hits = Some(self.val_hits.take().map_or(hits.clone(), |h| h + hits));
            self.val_done = e;
        }
        let val = validation.map_or(0, |v| v.rows.samples);
        (net, self.done == n && self.val_done == val)
    }

    /// Read the queued epoch back (one await): its figures (numbered `epoch`), the class
    /// given to each of the `val` validation images, and `net`'s weights, flat (the head's
    /// parameters, then the tail's).
    pub(super) async fn read(
        self,
        net: &Net,
        samples: usize,
        val: usize,
        epoch: usize,
    ) -> Result<(EpochStats, Vec<usize>, Vec<f32>), TrainError> {
        let mut parts = vec![
            self.loss_sum.without_autodiff(),
            self.right.without_autodiff(),
        ];
        parts.extend(self.val_loss);
        parts.extend(self.val_hits);
        parts.extend(self.predicted);
        parts.push(net.head.flat_params());
        parts.extend(net.tail.as_ref().map(Tail::flat_params));
        let (mut values, _) = read_f32(Tensor::cat(parts, 0)).await?;
        let stats_len = if val > 0 { 4 + val } else { 2 };
        if values.len() < stats_len {
            return Err(TrainError::Read(
                "the epoch's figures had the wrong size".into(),
            ));
        }
        let flat = values.split_off(stats_len);
        let (n, stats) = (samples as f32, values);
        let predicted = stats.get(4..).unwrap_or(&[]).iter();
        let epoch_stats = EpochStats {
            epoch,
            loss: stats[0] / n,
            accuracy: stats[1] / n,
            val_loss: (val > 0).then(|| stats[2] / val as f32),
            val_accuracy: (val > 0).then(|| stats[3] / val as f32),
        };
        Ok((epoch_stats, predicted.map(|&p| p as usize).collect(), flat))
    }
}

/// How many rows of `logits` pick their label.
fn correct(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    logits
        .argmax(1)
        .squeeze_dim::<1>(1)
        .equal(labels)
        .float()
        .sum()
}
