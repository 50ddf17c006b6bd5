//! Train the head on cached 1280-d embeddings: Adam(W), cross-entropy with label smoothing,
//! validation on held-out images with early stopping that keeps the best epoch.
//!
//! Burn's `Learner` does not compile to wasm, so this is the loop itself. Every tensor
//! stays on the device (WebGPU, wgpu or Flex); each epoch ends with one awaited read of its
//! training and validation loss and accuracy, which is also where the page yields.

use super::TrainConfig;
use super::split::{Split, stratified};
use crate::backend::readback::{ReadError, read_f32};
use crate::model::FEATURE_DIM;
use crate::model::head::{Head, HeadConfig, HeadWeights, SplitMix64};
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    #[error("add at least two classes to train (there {})", if *.0 == 1 { "is one".to_string() } else { format!("are {}", .0) })]
    TooFewClasses(usize),
    #[error("class '{0}' has no images: add some, or delete the class")]
    EmptyClass(String),
    #[error(
        "class '{0}' has one image: add another so one can be held out for validation, or set Validation % to 0"
    )]
    TooFewToValidate(String),
    #[error("{0}")]
    Settings(String),
    #[error("{0}")]
    Read(String),
    #[error("training was interrupted in the middle of an epoch; train again")]
    Interrupted,
}

impl From<ReadError> for TrainError {
    fn from(e: ReadError) -> Self {
        TrainError::Read(e.to_string())
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

/// Augmented views' features (`[V * 1280]`): view i is a view of sample `of[i]`. Only views
/// of training samples are used: a held-out image's views would leak it into training.
#[derive(Clone, Debug, Default)]
pub struct Views {
    pub features: Vec<f32>,
    pub of: Vec<usize>,
}

/// The held-out images, on the plain (non-autodiff) device.
struct Validation {
    features: Tensor<2>,
    /// One-hot, unsmoothed: the validation loss is comparable across smoothing settings.
    targets: Tensor<2>,
    labels: Tensor<1, Int>,
    samples: usize,
}

pub struct HeadTrainer {
    config: TrainConfig,
    head_config: HeadConfig,
    device: Device,
    model: Option<Head>,
    optim: ModuleOptimizer,
    /// `[N, 1280]`, `[N, C]` smoothed one-hot, `[N]` class ids: uploaded once.
    features: Tensor<2>,
    targets: Tensor<2>,
    labels: Tensor<1, Int>,
    samples: usize,
    validation: Option<Validation>,
    split: Split,
    /// The weights of the epoch with the lowest validation loss so far: (weights, epoch, loss).
    best: Option<(Head, usize, f32)>,
    rng: SplitMix64,
    epoch: usize,
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

impl HeadTrainer {
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
        let split = stratified(labels, names, config.validation_percent, config.seed)?;
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

    /// Train on `split.train` and the `views` of those images, validate on
    /// `split.validation` (none: no early stopping).
    pub fn with_split(
        device: &Device,
        features: &[f32],
        labels: &[usize],
        split: Split,
        names: &[String],
        config: &TrainConfig,
        views: &Views,
    ) -> Result<Self, TrainError> {
        config.check().map_err(TrainError::Settings)?;
        let classes = names.len();
        if features.len() != labels.len() * FEATURE_DIM
            || split
                .train
                .iter()
                .chain(&split.validation)
                .any(|&i| i >= labels.len())
        {
            return Err(TrainError::Settings(format!(
                "{} feature values for {} samples",
                features.len(),
                labels.len()
            )));
        }
        let train_labels: Vec<usize> = split.train.iter().map(|&i| labels[i]).collect();
        check_trainable(names, &train_labels)?;
        let gather = |ids: &[usize]| -> (Vec<f32>, Vec<usize>) {
            let rows = ids
                .iter()
                .flat_map(|&i| &features[i * FEATURE_DIM..(i + 1) * FEATURE_DIM]);
            (
                rows.copied().collect(),
                ids.iter().map(|&i| labels[i]).collect(),
            )
        };
        let plain = device.clone();
        let device = device.clone().autodiff();
        let head_config = HeadConfig::new(classes).with_hidden(config.hidden);
        let model = head_config
            .init_weights(config.seed)
            .to_module(&device)
            .ok_or_else(|| TrainError::Settings("a head has one or two layers".into()))?;
        let upload = |(rows, labels): (Vec<f32>, Vec<usize>), smoothing: f32, device: &Device| {
            let n = labels.len();
            let mut targets = vec![smoothing / classes as f32; n * classes];
            for (row, &c) in labels.iter().enumerate() {
                targets[row * classes + c] += 1.0 - smoothing;
            }
            let ids: Vec<i64> = labels.iter().map(|&c| c as i64).collect();
            (
                Tensor::<2>::from_data(TensorData::new(rows, [n, FEATURE_DIM]), device),
                Tensor::<2>::from_data(TensorData::new(targets, [n, classes]), device),
                Tensor::<1, Int>::from_data(TensorData::new(ids, [n]), device),
            )
        };
        // Training rows: the training images, then the augmented views of those images.
        let (mut rows, mut row_labels) = gather(&split.train);
        let mut training = vec![false; labels.len()];
        split.train.iter().for_each(|&i| training[i] = true);
        for (view, &of) in views.features.chunks_exact(FEATURE_DIM).zip(&views.of) {
            if training.get(of) == Some(&true) {
                rows.extend_from_slice(view);
                row_labels.push(labels[of]);
            }
        }
        let samples = row_labels.len();
        let (features_t, targets, labels_t) =
            upload((rows, row_labels), config.label_smoothing, &device);
        let validation = (!split.validation.is_empty()).then(|| {
            let (features, targets, labels) = upload(gather(&split.validation), 0.0, &plain);
            Validation {
                features,
                targets,
                labels,
                samples: split.validation.len(),
            }
        });
        let optim = AdamWConfig::new()
            .with_weight_decay(config.weight_decay as f32)
            .init();
        Ok(Self {
            config: config.clone(),
            head_config,
            features: features_t,
            targets,
            labels: labels_t,
            model: Some(model),
            optim,
            device,
            samples,
            validation,
            split,
            best: None,
            rng: SplitMix64(config.seed ^ 0x5eed),
            epoch: 0,
        })
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
        self.best.as_ref().map_or(self.epoch, |b| b.1)
    }

    /// True once patience ran out: that many epochs without a lower validation loss.
    pub fn stopped_early(&self) -> bool {
        self.config.patience > 0
            && self.best.is_some()
            && self.epoch - self.best_epoch() >= self.config.patience
            && self.epoch < self.config.epochs
    }

    pub fn epochs_done(&self) -> usize {
        self.epoch
    }

    pub fn finished(&self) -> bool {
        self.epoch >= self.config.epochs || self.stopped_early()
    }

    /// One pass over the samples in a fresh random order; one awaited read at the end.
    pub async fn epoch(&mut self) -> Result<EpochStats, TrainError> {
        let n = self.samples;
        // Fisher-Yates with the trainer's own generator: the same order on every device.
        let mut order: Vec<i64> = (0..n as i64).collect();
        for i in (1..n).rev() {
            order.swap(i, self.rng.below(i + 1));
        }
        let order = Tensor::<1, Int>::from_data(TensorData::new(order, [n]), &self.device);
        let features = self.features.clone().select(0, order.clone());
        let targets = self.targets.clone().select(0, order.clone());
        // Taken for the epoch's steps and put back at its end; absent only if an earlier
        // epoch's future was dropped midway, which loses that epoch's model.
        let mut model = self.model.take().ok_or(TrainError::Interrupted)?;
        let mut loss_sum = Tensor::<1>::zeros([1], &self.device);
        let mut start = 0;
        while start < n {
            let end = (start + self.config.batch_size).min(n);
            let logits = model.forward(features.clone().slice(start..end));
            // Mean over the batch of -sum_c t_c log softmax(z)_c.
            let loss = (log_softmax(logits, 1) * targets.clone().slice(start..end))
                .sum_dim(1)
                .mean()
                .neg();
            loss_sum = loss_sum + loss.clone().detach().mul_scalar((end - start) as f32);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = self.optim.step(self.config.learning_rate, model, grads);
            start = end;
        }
        // Accuracy of the epoch's final weights on every sample: one forward, not one per step.
        let valid = model.valid();
        let correct = |logits: Tensor<2>, labels: Tensor<1, Int>| {
            logits
                .argmax(1)
                .squeeze_dim::<1>(1)
                .equal(labels)
                .float()
                .sum()
        };
        let mut parts = vec![
            loss_sum.without_autodiff(),
            correct(
                valid.forward(self.features.clone().without_autodiff()),
                self.labels.clone().without_autodiff(),
            ),
        ];
        if let Some(v) = &self.validation {
            let logits = valid.forward(v.features.clone());
            let loss = (log_softmax(logits.clone(), 1) * v.targets.clone())
                .sum()
                .neg();
            parts.extend([loss, correct(logits, v.labels.clone())]);
        }
        self.model = Some(model);
        self.epoch += 1;
        let (stats, _) = read_f32(Tensor::cat(parts, 0)).await?;
        let val = self.validation.as_ref().map(|v| v.samples as f32);
        let val_loss = val.map(|v| stats[2] / v);
        if let Some(loss) = val_loss
            && self.best.as_ref().is_none_or(|b| loss < b.2)
        {
            self.best = Some((valid, self.epoch, loss));
        }
        Ok(EpochStats {
            epoch: self.epoch,
            loss: stats[0] / n as f32,
            accuracy: stats[1] / n as f32,
            val_loss,
            val_accuracy: val.map(|v| stats[3] / v),
        })
    }

    /// The best epoch's head (`best_epoch`), read back with one await.
    pub async fn weights(&self) -> Result<HeadWeights, TrainError> {
        let params = match &self.best {
            Some((best, ..)) => best.flat_params(),
            None => self
                .model
                .as_ref()
                .ok_or(TrainError::Interrupted)?
                .valid()
                .flat_params(),
        };
        let (flat, _) = read_f32(params).await?;
        HeadWeights::from_flat(&self.head_config, &flat)
            .ok_or_else(|| TrainError::Read("the head's parameters had the wrong size".into()))
    }
}

#[cfg(test)]
#[path = "head_tests.rs"]
mod tests;
