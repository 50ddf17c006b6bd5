//! Train a new head on cached 1280-d embeddings, or fine-tune the backbone's last K blocks
//! with it on activations cached at the cut: Adam(W) with a lower learning rate for the
//! backbone, cross-entropy with label smoothing, validation on held-out images with early
//! stopping that keeps the best epoch.
//!
//! Burn's `Learner` does not compile to wasm, so this is the loop itself (`steps.rs`).
//! Every tensor stays on the device (WebGPU, wgpu or Flex); each epoch ends with one
//! awaited read of its figures and weights, which the trainer keeps on the CPU so that a
//! run can go on on another device (`results.rs`).

use super::TrainConfig;
use super::data::{Inputs, TrainError, Views, check_trainable, upload};
use super::results::Kept;
use super::split::{Split, stratified};
use super::steps::EpochRun;
use crate::model::FEATURE_DIM;
use crate::model::head::{Head, HeadConfig};
use crate::model::tail::{Tail, TailWeights};
use crate::rng::SplitMix64;
use burn::module::Module;
use burn::optim::{AdamWConfig, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor};

/// What trains: the backbone's tuned tail, if any, and the head.
#[derive(Module, Debug)]
pub(super) struct Net {
    pub(super) tail: Option<Tail>,
    pub(super) head: Head,
}

impl Net {
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

/// Validation rows per forward pass at most: bounds memory when fine-tuning (block 11
/// expands 14x14x112 activations sixfold).
pub const VAL_CHUNK: usize = 64;

/// The held-out images, on the plain (non-autodiff) device.
pub(super) struct Validation {
    pub(super) inputs: Tensor<4>,
    /// One-hot, unsmoothed: the validation loss is comparable across smoothing settings.
    pub(super) targets: Tensor<2>,
    pub(super) labels: Tensor<1, Int>,
    pub(super) samples: usize,
    /// The same labels on the CPU, for the report.
    pub(super) classes_of: Vec<usize>,
}

pub struct Trainer {
    pub(super) config: TrainConfig,
    pub(super) head_config: HeadConfig,
    pub(super) tail_config: Option<crate::model::tail::TailConfig>,
    pub(super) device: Device,
    pub(super) model: Option<Net>,
    pub(super) optim: ModuleOptimizer,
    /// `[N, C, H, W]` rows, `[N, classes]` smoothed one-hot, `[N]` class ids: uploaded once.
    pub(super) inputs: Tensor<4>,
    pub(super) targets: Tensor<2>,
    pub(super) labels: Tensor<1, Int>,
    pub(super) samples: usize,
    pub(super) validation: Option<Validation>,
    pub(super) split: Split,
    /// The last finished epoch, on the CPU: where a run resumes (`checkpoint`).
    pub(super) last: Option<Kept>,
    /// The finished epoch with the lowest validation loss so far, on the CPU.
    pub(super) best: Option<Kept>,
    /// The validation images choose the kept epoch and stop the run early; false when they
    /// only measure it (`measuring`).
    pub(super) selects: bool,
    pub(super) rng: SplitMix64,
    pub(super) epoch: usize,
    /// The epoch being queued, between `advance` calls.
    pub(super) run: Option<EpochRun>,
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
        let head = head_config
            .init_weights(config.seed)
            .to_module(&device)
            .ok_or_else(|| TrainError::Settings("a head has one or two layers".into()))?;
        let tail_module = match tail {
            Some(t) => Some(t.to_module(&device).ok_or_else(|| {
                TrainError::Settings("the backbone blocks to fine-tune are incomplete".into())
            })?),
            None => None,
        };
        // Training rows: the training images, then the augmented views of those images.
        let (rows, row_labels) = inputs.gather(&split.train, Some(views));
        let samples = row_labels.len();
        let smoothing = config.label_smoothing;
        let (inputs_t, targets, labels_t) =
            upload(rows, &row_labels, inputs.shape, classes, smoothing, &device);
        let validation = (!split.validation.is_empty()).then(|| {
            let (rows, classes_of) = inputs.gather(&split.validation, None);
            let (inputs, targets, labels) =
                upload(rows, &classes_of, inputs.shape, classes, 0.0, &plain);
            Validation {
                inputs,
                targets,
                labels,
                samples: split.validation.len(),
                classes_of,
            }
        });
        let optim = AdamWConfig::new()
            .with_weight_decay(config.weight_decay as f32)
            .init();
        Ok(Self {
            config: config.clone(),
            head_config,
            tail_config: tail.map(|t| t.config),
            inputs: inputs_t,
            targets,
            labels: labels_t,
            model: Some(Net {
                tail: tail_module,
                head,
            }),
            optim,
            device,
            samples,
            validation,
            split,
            last: None,
            best: None,
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
        self.samples
    }

    /// Which samples train and which validate.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// The epoch whose weights `weights` returns: the lowest validation loss so far, or
    /// the last one without validation images.
    pub fn best_epoch(&self) -> usize {
        self.best.as_ref().map_or(self.epoch, |b| b.epoch)
    }

    /// Optimiser steps an epoch takes: one per batch.
    pub fn steps_per_epoch(&self) -> usize {
        self.samples.div_ceil(self.config.batch_size.max(1)).max(1)
    }

    /// Epochs the run takes at most: `config.steps`, rounded up to whole epochs. The step
    /// budget, not an epoch count, is what the person sets: 20 images get as many steps as
    /// 2 000 (issue 12).
    pub fn epochs(&self) -> usize {
        self.config.steps.div_ceil(self.steps_per_epoch()).max(1)
    }

    /// The learning rates' share at the `done`-th step of the run: a cosine from 1 to 0 over
    /// every step of `epochs()` (Loshchilov & Hutter, SGDR, without restarts).
    pub(super) fn schedule(&self, done: usize) -> f64 {
        let total = (self.epochs() * self.steps_per_epoch()) as f64;
        0.5 * (1.0 + (std::f64::consts::PI * done as f64 / total).cos())
    }

    /// True once patience ran out: that many steps without a lower validation loss.
    pub fn stopped_early(&self) -> bool {
        self.config.patience > 0
            && self.best.is_some()
            && (self.epoch - self.best_epoch()) * self.steps_per_epoch() >= self.config.patience
            && self.epoch < self.epochs()
    }

    pub fn epochs_done(&self) -> usize {
        self.epoch
    }

    pub fn finished(&self) -> bool {
        self.epoch >= self.epochs() || self.stopped_early()
    }
}

#[cfg(test)]
#[path = "trainer_tests.rs"]
mod tests;
