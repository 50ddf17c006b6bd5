//! Train the head on cached 1280-d embeddings: Adam, cross-entropy with label smoothing.
//!
//! Burn's `Learner` does not compile to wasm, so this is the loop itself. Every tensor
//! stays on the device (WebGPU, wgpu or Flex); each epoch ends with one awaited read of its
//! loss and accuracy, which is also where the page yields to the browser.

use crate::backend::readback::{ReadError, read_f32};
use crate::model::FEATURE_DIM;
use crate::model::head::{Head, HeadConfig, HeadWeights, SplitMix64};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// What to train and how. Defaults are the ones measured best on real photos (README).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Cross-entropy label smoothing (0 = none): the true class gets 1 - s + s/C.
    pub label_smoothing: f32,
    /// Hidden ReLU units; 0 is a linear softmax head.
    pub hidden: usize,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 50,
            batch_size: 64,
            learning_rate: 1e-3,
            label_smoothing: 0.1,
            hidden: 0,
            seed: 0x67_72_61_66_74, // "graft"
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    #[error("add at least two classes to train (there {})", if *.0 == 1 { "is one".to_string() } else { format!("are {}", .0) })]
    TooFewClasses(usize),
    #[error("class '{0}' has no images: add some, or delete the class")]
    EmptyClass(String),
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

/// One finished epoch, as measured on the training samples.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// 1-based.
    pub epoch: usize,
    pub loss: f32,
    pub accuracy: f32,
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
    /// `features` is `[N * 1280]` row-major, `labels[i] < names.len()`. `device` is the plain
    /// device (the trainer adds autodiff).
    pub fn new(
        device: &Device,
        features: &[f32],
        labels: &[usize],
        names: &[String],
        config: &TrainConfig,
    ) -> Result<Self, TrainError> {
        check_trainable(names, labels)?;
        let classes = names.len();
        let samples = labels.len();
        if features.len() != samples * FEATURE_DIM {
            return Err(TrainError::Settings(format!(
                "{} feature values for {samples} samples",
                features.len()
            )));
        }
        if config.epochs == 0
            || config.batch_size == 0
            || config.learning_rate.is_nan()
            || config.learning_rate <= 0.0
        {
            return Err(TrainError::Settings(
                "epochs, batch size and learning rate must be above zero".into(),
            ));
        }
        if !(0.0..1.0).contains(&config.label_smoothing) {
            return Err(TrainError::Settings(
                "label smoothing must be at least 0 and below 1".into(),
            ));
        }
        let device = device.clone().autodiff();
        let head_config = HeadConfig::new(classes).with_hidden(config.hidden);
        let model = head_config
            .init_weights(config.seed)
            .to_module(&device)
            .ok_or_else(|| TrainError::Settings("a head has one or two layers".into()))?;
        let s = config.label_smoothing;
        let mut smoothed = vec![s / classes as f32; samples * classes];
        for (i, &c) in labels.iter().enumerate() {
            smoothed[i * classes + c] += 1.0 - s;
        }
        let ids: Vec<i64> = labels.iter().map(|&c| c as i64).collect();
        Ok(Self {
            config: config.clone(),
            head_config,
            features: Tensor::from_data(
                TensorData::new(features.to_vec(), [samples, FEATURE_DIM]),
                &device,
            ),
            targets: Tensor::from_data(TensorData::new(smoothed, [samples, classes]), &device),
            labels: Tensor::from_data(TensorData::new(ids, [samples]), &device),
            model: Some(model),
            optim: AdamConfig::new().init(),
            device,
            samples,
            rng: SplitMix64(config.seed ^ 0x5eed),
            epoch: 0,
        })
    }

    pub fn epochs_done(&self) -> usize {
        self.epoch
    }

    pub fn finished(&self) -> bool {
        self.epoch >= self.config.epochs
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
        let correct = model
            .valid()
            .forward(self.features.clone().without_autodiff())
            .argmax(1)
            .squeeze_dim::<1>(1)
            .equal(self.labels.clone().without_autodiff())
            .float()
            .sum();
        self.model = Some(model);
        self.epoch += 1;
        let stats = Tensor::cat(vec![loss_sum.without_autodiff(), correct], 0);
        let (stats, _) = read_f32(stats).await?;
        Ok(EpochStats {
            epoch: self.epoch,
            loss: stats[0] / n as f32,
            accuracy: stats[1] / n as f32,
        })
    }

    /// The head as it stands, read back with one await.
    pub async fn weights(&self) -> Result<HeadWeights, TrainError> {
        let model = self.model.as_ref().ok_or(TrainError::Interrupted)?;
        let (flat, _) = read_f32(model.valid().flat_params()).await?;
        HeadWeights::from_flat(&self.head_config, &flat)
            .ok_or_else(|| TrainError::Read("the head's parameters had the wrong size".into()))
    }
}
