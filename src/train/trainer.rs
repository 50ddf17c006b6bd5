//! Train a new head on cached 1280-d embeddings, or fine-tune the backbone's last K blocks
//! with it on activations cached at the cut: Adam(W) with a lower learning rate for the
//! backbone, cross-entropy with label smoothing, validation on held-out images with early
//! stopping that keeps the best epoch.
//!
//! Burn's `Learner` does not compile to wasm, so this is the loop itself (`epoch.rs`).
//! Every tensor stays on the device (WebGPU, wgpu or Flex); each epoch ends with one
//! awaited read of its figures and weights, which the trainer keeps on the CPU so that a
//! run can go on on another device (`results.rs`).

use super::data::{Inputs, TrainError, Views, check_trainable};
use super::epoch::{EpochRun, Net, Rows, Validation};
use super::metrics::Evaluation;
use super::results::{Checkpoint, Kept, Record, unflatten};
use super::split::{Split, stratified};
use super::{EpochStats, TrainConfig, Trained};
use crate::model::FEATURE_DIM;
use crate::model::head::{HeadConfig, HeadWeights};
use crate::model::tail::{TailConfig, TailWeights};
use crate::rng::SplitMix64;
use burn::module::Module;
use burn::optim::{AdamWConfig, ModuleOptimizer};
use burn::tensor::Device;

pub struct Trainer {
    config: TrainConfig,
    head_config: HeadConfig,
    tail_config: Option<TailConfig>,
    device: Device,
    model: Option<Net>,
    optim: ModuleOptimizer,
    /// The training rows and their views (autodiff device), and the held-out images.
    rows: Rows,
    validation: Option<Validation>,
    split: Split,
    /// The last finished epoch and the best, on the CPU: where a run resumes.
    record: Record,
    /// The validation images choose the kept epoch and stop the run early; false when they
    /// only measure it (`measuring`).
    selects: bool,
    rng: SplitMix64,
    epoch: usize,
    /// The epoch being queued, between `advance` calls.
    run: Option<EpochRun>,
}

impl Trainer {
    /// `features` is `[N * 1280]` row-major, `labels[i] < names.len()`; `config.validation_percent`
    /// of each class is held out (`stratified`). `device` is the plain device (the trainer
    /// adds autodiff).
    pub fn new(
        device: &Device,
        features: &[f32],
        labels: &[usize],
        names: &[String],
        config: &TrainConfig,
    ) -> Result<Self, TrainError> {
        check_trainable(names, labels)?;
        let split = stratified(labels, names, config.validation_percent, config.seed);
        Self::with_split(
            device,
            features,
            labels,
            split,
            names,
            config,
            &Views::default(),
        )
    }

    /// A new head on 1280-d embeddings (`[N * 1280]`): train on `split.train` and the
    /// `views` of those images, validate on `split.validation` (none: no early stopping).
    pub fn with_split(
        device: &Device,
        features: &[f32],
        labels: &[usize],
        split: Split,
        names: &[String],
        config: &TrainConfig,
        views: &Views,
    ) -> Result<Self, TrainError> {
        let inputs = Inputs {
            values: features,
            shape: [FEATURE_DIM, 1, 1],
            labels,
        };
        Self::start(device, inputs, split, names, config, views, None)
    }

    /// The general case: rows of `inputs.shape`, and with `tail` the backbone blocks it
    /// holds are fine-tuned too (their inputs are the activations at its cut).
    pub fn start(
        device: &Device,
        inputs: Inputs,
        split: Split,
        names: &[String],
        config: &TrainConfig,
        views: &Views,
        tail: Option<&TailWeights>,
    ) -> Result<Self, TrainError> {
        config.check().map_err(TrainError::Settings)?;
        inputs.check(&split, views, tail.map(|t| t.config.cut_shape()))?;
        let (classes, labels) = (names.len(), inputs.labels);
        let train_labels: Vec<usize> = split.train.iter().map(|&i| labels[i]).collect();
        check_trainable(names, &train_labels)?;
        let plain = device.clone();
        let device = device.clone().autodiff();
        let head_config = HeadConfig::new(classes).with_hidden(config.hidden);
        let net = Net::new(&head_config, config.seed, tail, &device)?;
        // Training rows: the training images, then the augmented views of those images.
        let smoothing = config.label_smoothing;
        let train = (split.train.as_slice(), Some(views));
        let (rows, _) = Rows::upload(&inputs, train, classes, smoothing, &device);
        let validation = (!split.validation.is_empty()).then(|| {
            let held_out = (split.validation.as_slice(), None);
            let (rows, classes_of) = Rows::upload(&inputs, held_out, classes, 0.0, &plain);
            Validation { rows, classes_of }
        });
        let optim = AdamWConfig::new()
            .with_weight_decay(config.weight_decay as f32)
            .init();
        Ok(Self {
            config: config.clone(),
            head_config,
            tail_config: tail.map(|t| t.config),
            rows,
            model: Some(net),
            optim,
            device,
            validation,
            split,
            record: Record::default(),
            selects: true,
            rng: SplitMix64(config.seed ^ 0x5eed),
            epoch: 0,
            run: None,
        })
    }

    /// Run every step and keep the last epoch: the validation images only measure it (a
    /// cross-validation fold, which must train as the final run on every image will, with
    /// nothing to stop it early), they choose nothing.
    pub fn measuring(mut self) -> Self {
        self.selects = false;
        self
    }

    /// Rows each epoch trains on: the training images and their augmented views.
    pub fn rows(&self) -> usize {
        self.rows.samples
    }

    /// Which samples train and which validate.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// The epoch whose weights `weights` returns: the lowest validation loss so far, or
    /// the last one without validation images.
    pub fn best_epoch(&self) -> usize {
        self.record.best.as_ref().map_or(self.epoch, |b| b.epoch)
    }

    /// Optimiser steps an epoch takes: one per batch.
    pub fn steps_per_epoch(&self) -> usize {
        self.rows
            .samples
            .div_ceil(self.config.batch_size.max(1))
            .max(1)
    }

    /// Epochs the run takes at most: `config.steps`, rounded up to whole epochs. The step
    /// budget, not an epoch count, is what the person sets: 20 images get as many steps as
    /// 2 000 (issue 12).
    pub fn epochs(&self) -> usize {
        self.config.steps.div_ceil(self.steps_per_epoch()).max(1)
    }

    /// True once patience ran out: that many steps without a lower validation loss.
    pub fn stopped_early(&self) -> bool {
        self.config.patience > 0
            && self.record.best.is_some()
            && (self.epoch - self.best_epoch()) * self.steps_per_epoch() >= self.config.patience
            && self.epoch < self.epochs()
    }

    pub fn epochs_done(&self) -> usize {
        self.epoch
    }

    pub fn finished(&self) -> bool {
        self.epoch >= self.epochs() || self.stopped_early()
    }

    /// Queue up to `rows` more rows of the current epoch (starting one if none is under
    /// way), stepping at each complete batch. True once the whole epoch is queued: call
    /// `finish_epoch`.
    pub fn advance(&mut self, rows: usize) -> Result<bool, TrainError> {
        let net = self.model.take().ok_or(TrainError::Interrupted)?;
        let mut run = match self.run.take() {
            Some(run) => run,
            None => self.begin(),
        };
        let (at, total) = (
            self.epoch * self.steps_per_epoch(),
            self.epochs() * self.steps_per_epoch(),
        );
        let (config, optim) = (&self.config, &mut self.optim);
        // The head and the tuned blocks step at their own learning rates, both scheduled.
        let mut step = |mut net: Net, batch: usize, head, tail| {
            let share = cosine(at + batch, total);
            if net.tail.is_some() {
                net = optim.step(config.backbone_learning_rate * share, net, tail);
            }
            optim.step(config.learning_rate * share, net, head)
        };
        let data = (&self.rows, self.validation.as_ref());
        let (net, queued) = run.advance(net, data, rows, config.batch_size, &mut step);
        self.model = Some(net);
        self.run = Some(run);
        Ok(queued)
    }

    /// A new epoch, its rows in an order drawn from the trainer's own generator
    /// (Fisher-Yates): the same order on every device.
    fn begin(&mut self) -> EpochRun {
        let n = self.rows.samples;
        let mut order: Vec<i64> = (0..n as i64).collect();
        for i in (1..n).rev() {
            order.swap(i, self.rng.below(i + 1));
        }
        EpochRun::begin(order, &self.device)
    }

    /// Queue the rest of the epoch and read it back (one await): its figures, predictions
    /// and weights, which become the last finished epoch and, if its validation loss is the
    /// lowest, the best.
    pub async fn finish_epoch(&mut self) -> Result<EpochStats, TrainError> {
        while !self.advance(usize::MAX)? {}
        let run = self.run.take().ok_or(TrainError::Interrupted)?;
        let net = self.model.as_ref().ok_or(TrainError::Interrupted)?.valid();
        let val = self.validation.as_ref().map_or(0, |v| v.rows.samples);
        let (stats, predicted, flat) = run
            .read(&net, self.rows.samples, val, self.epoch + 1)
            .await?;
        let weights = unflatten(&self.head_config, self.tail_config, &flat)
            .ok_or_else(|| TrainError::Read("the epoch's weights had the wrong size".into()))?;
        self.epoch += 1;
        let kept = Kept {
            weights,
            epoch: self.epoch,
            loss: stats.val_loss,
            predicted,
        };
        self.record.add(kept, self.selects);
        Ok(stats)
    }

    fn kept(&self) -> Result<&Kept, TrainError> {
        self.record.kept().ok_or(TrainError::Interrupted)
    }

    /// How the kept model labels the validation images (`None` without any), in
    /// `split().validation` order.
    pub fn evaluate(&self) -> Result<Option<Evaluation>, TrainError> {
        let Some(v) = &self.validation else {
            return Ok(None);
        };
        let (classes, predicted) = (self.head_config.classes, self.kept()?.predicted.clone());
        Ok(Some(Evaluation::new(
            classes,
            v.classes_of.clone(),
            predicted,
        )))
    }

    /// The best epoch's weights (`best_epoch`): head and tuned blocks.
    pub fn weights(&self) -> Result<Trained, TrainError> {
        Ok(self.kept()?.weights.clone())
    }

    /// Where the run stands, `None` before its first epoch has finished.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.record.checkpoint(&self.rng)
    }

    /// Start from `head`, not a fresh one: LP-FT (Kumar et al. 2022, "Fine-Tuning can
    /// Distort Pretrained Features and Underperform Out-of-Distribution"): a linear probe
    /// fitted to the frozen features first, so that the tuned blocks do not move to chase a
    /// random head. Before the first epoch; `head` must have this model's shape.
    pub fn from_head(mut self, head: &HeadWeights) -> Result<Self, TrainError> {
        let wrong = || TrainError::Settings("the probed head does not fit this model".into());
        let shapes: Vec<(usize, usize)> = (head.layers.iter())
            .map(|l| (l.inputs, l.outputs))
            .collect();
        if self.epoch > 0 || head.normalize || shapes != self.head_config.layers() {
            return Err(wrong());
        }
        let module = head.to_module(&self.device).ok_or_else(wrong)?;
        let net = self.model.take().ok_or(TrainError::Interrupted)?;
        self.model = Some(Net {
            tail: net.tail,
            head: module,
        });
        Ok(self)
    }

    /// Go on from `from`, taken from a trainer with the same rows, split and settings
    /// (on any device): the next epoch is `from.epoch() + 1`, the best so far is kept.
    pub fn resume(mut self, from: Checkpoint) -> Result<Self, TrainError> {
        let wrong = || TrainError::Settings("the checkpoint is for another model".into());
        let Trained { head, tail } = from.weights();
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
        self.epoch = from.epoch();
        (self.record, self.rng) = from.into_parts();
        self.run = None;
        Ok(self)
    }
}

/// The learning rates' share at step `done` of the run's `total` (every step of
/// `epochs()`): a cosine from 1 to 0 (Loshchilov & Hutter, SGDR, without restarts).
pub(super) fn cosine(done: usize, total: usize) -> f64 {
    0.5 * (1.0 + (std::f64::consts::PI * done as f64 / total as f64).cos())
}

#[cfg(test)]
#[path = "trainer_tests.rs"]
mod tests;
