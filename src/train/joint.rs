//! Several tasks on one backbone (issue 18): the backbone's last K blocks fine-tuned on the
//! tasks' summed losses, one shared tail and one head per task. A photo may carry a label
//! in some tasks only: its target row is zero in the others, so they add nothing for it.
//!
//! AdamW with the trainer's two learning rates and cosine schedule, `config.steps` steps of
//! `config.batch_size` (no early stopping: the held-out photos only measure). One task is
//! the separate model the benchmark compares with. Reads are awaited once per epoch.

use super::TrainConfig;
use super::data::TrainError;
use super::epoch::VAL_CHUNK;
use super::metrics::Evaluation;
use super::trainer::cosine;
use crate::backend::readback::read_f32;
use crate::model::head::{Head, HeadConfig, HeadWeights};
use crate::model::tail::{Tail, TailConfig, TailWeights};
use crate::rng::SplitMix64;
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// One task's labels over the rows: `labels[r]` is row r's class, `None` where the photo
/// has no label in this task.
pub struct TaskLabels<'a> {
    pub classes: usize,
    pub labels: &'a [Option<usize>],
}

/// What the joint run learned and how it did.
#[derive(Clone, Debug)]
pub struct JointFit {
    pub tail: TailWeights,
    /// One head per task, in the tasks' order.
    pub heads: Vec<HeadWeights>,
    /// How each task's head labels the held-out rows that task labels.
    pub evaluations: Vec<Evaluation>,
    pub steps: usize,
}

#[derive(Module, Debug)]
struct JointNet {
    tail: Tail,
    heads: Vec<Head>,
}

/// A joint run under way: an epoch at a time (`epoch`), so that a page can report, yield
/// and stop between epochs; `finish` measures it and reads its weights.
pub struct JointRun {
    net: JointNet,
    optim: ModuleOptimizer,
    inputs: Tensor<4>,
    targets: Vec<Tensor<2>>,
    heads: Vec<HeadConfig>,
    tail: TailConfig,
    config: TrainConfig,
    device: Device,
    train: usize,
    batch: usize,
    epochs: usize,
    epoch: usize,
    rng: SplitMix64,
    /// Training rows the first task labels.
    first_labelled: usize,
}

impl JointRun {
    /// Fine-tune `tail` and a fresh head per task on `rows` (activations at the tail's
    /// cut, `[N * cut_len]`), training on the rows `train`.
    pub fn start(
        device: &Device,
        rows: &[f32],
        tail: &TailWeights,
        tasks: &[TaskLabels<'_>],
        train: &[usize],
        config: &TrainConfig,
    ) -> Result<Self, TrainError> {
        config.check().map_err(TrainError::Settings)?;
        let settings = |why: &str| TrainError::Settings(why.to_string());
        let [c, h, w] = tail.config.cut_shape();
        let n = rows.len() / (c * h * w);
        if tasks.is_empty() || train.is_empty() {
            return Err(settings(
                "joint training needs a task and photos to train on",
            ));
        }
        if tasks.iter().any(|t| t.labels.len() != n || t.classes < 2)
            || train.iter().any(|&i| i >= n)
        {
            return Err(settings("the tasks' labels do not match the photos"));
        }
        let device = device.clone().autodiff();
        let heads: Vec<HeadConfig> = (tasks.iter())
            .map(|t| HeadConfig::new(t.classes).with_hidden(config.hidden))
            .collect();
        let modules = (heads.iter().enumerate())
            .map(|(t, hc)| hc.init_weights(config.seed + t as u64).to_module(&device))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| settings("a head has one or two layers"))?;
        let tail_module = (tail.to_module(&device))
            .ok_or_else(|| settings("the backbone blocks to fine-tune are incomplete"))?;
        let batch = config.batch_size.max(1).min(train.len());
        let epochs = config.steps.div_ceil(train.len().div_ceil(batch)).max(1);
        Ok(Self {
            net: JointNet {
                tail: tail_module,
                heads: modules,
            },
            optim: AdamWConfig::new()
                .with_weight_decay(config.weight_decay as f32)
                .init(),
            inputs: upload(rows, train, [c, h, w], &device),
            targets: (tasks.iter())
                .map(|t| targets(t, train, config.label_smoothing, &device))
                .collect(),
            heads,
            tail: tail.config,
            config: config.clone(),
            device,
            train: train.len(),
            batch,
            epochs,
            epoch: 0,
            rng: SplitMix64(config.seed ^ 0x5eed),
            first_labelled: train
                .iter()
                .filter(|&&i| tasks[0].labels[i].is_some())
                .count(),
        })
    }

    /// Epochs the run takes: `config.steps` rounded up to whole epochs.
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    pub fn finished(&self) -> bool {
        self.epoch >= self.epochs
    }

    /// One epoch (rows in a fresh order, a step a batch): its loss, summed over the tasks,
    /// per row, and the first task's accuracy on the rows it labels (one read).
    pub async fn epoch(&mut self) -> Result<(f32, f32), TrainError> {
        let (batch, config) = (self.batch, &self.config);
        let per_epoch = self.train.div_ceil(batch);
        let total = self.epochs * per_epoch;
        let mut order: Vec<i64> = (0..self.train as i64).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, self.rng.below(i + 1));
        }
        let mut loss_sum: Tensor<1> = Tensor::zeros([1], &self.device);
        let mut right: Tensor<1> = Tensor::zeros([1], &self.device);
        let mut net = self.net.clone();
        for (b, ids) in order.chunks(batch).enumerate() {
            let ids = Tensor::<1, Int>::from_data(
                TensorData::new(ids.to_vec(), [ids.len()]),
                &self.device,
            );
            let features = net.tail.forward(self.inputs.clone().select(0, ids.clone()));
            let mut loss: Tensor<1> = Tensor::zeros([1], &self.device);
            for (k, (head, t)) in net.heads.iter().zip(&self.targets).enumerate() {
                let logits = head.forward(features.clone());
                let t = t.clone().select(0, ids.clone());
                if k == 0 {
                    // A hit where the largest logit is the target's class, on labelled rows.
                    let hit = (logits.clone().detach().argmax(1)).equal(t.clone().argmax(1));
                    right = right + (hit.float() * t.clone().sum_dim(1)).sum();
                }
                let logp = log_softmax(logits, 1);
                loss = loss + (logp * t).sum().neg();
            }
            loss_sum = loss_sum + loss.clone().detach();
            let mut grads = loss.div_scalar(batch as f32).backward();
            let tail_grads = GradientsParams::from_module(&mut grads, &net.tail);
            let head_grads = GradientsParams::from_module(&mut grads, &net.heads);
            let share = cosine(self.epoch * per_epoch + b, total);
            net = self
                .optim
                .step(config.backbone_learning_rate * share, net, tail_grads);
            net = self
                .optim
                .step(config.learning_rate * share, net, head_grads);
        }
        self.net = net;
        self.epoch += 1;
        let both = Tensor::cat(vec![loss_sum, right], 0).without_autodiff();
        let (read, _) = read_f32(both).await?;
        let loss = read.first().copied().unwrap_or(f32::NAN) / self.train as f32;
        let accuracy = read.get(1).copied().unwrap_or(0.0) / self.first_labelled.max(1) as f32;
        Ok((loss, accuracy))
    }

    /// How the run did on the rows `held` of `rows` (each task on those it labels), and
    /// its weights (one read each).
    pub async fn finish(
        self,
        rows: &[f32],
        tasks: &[TaskLabels<'_>],
        held: &[usize],
        plain: &Device,
    ) -> Result<JointFit, TrainError> {
        let net = self.net.valid();
        let n = rows.len() / self.tail.cut_len();
        if held.iter().any(|&i| i >= n) || tasks.iter().any(|t| t.labels.len() != n) {
            return Err(TrainError::Settings(
                "the tasks' labels do not match the photos".into(),
            ));
        }
        let evaluations = measure(&net, rows, held, tasks, self.tail.cut_shape(), plain).await?;
        let mut parts: Vec<Tensor<1>> = net.heads.iter().map(Head::flat_params).collect();
        parts.push(net.tail.flat_params());
        let (flat, _) = read_f32(Tensor::cat(parts, 0)).await?;
        let wrong = || TrainError::Read("the joint run's weights had the wrong size".into());
        let mut at = 0;
        let mut heads = Vec::new();
        for hc in &self.heads {
            let len: usize = hc.layers().iter().map(|(i, o)| i * o + o).sum();
            let flat = flat.get(at..at + len).ok_or_else(wrong)?;
            heads.push(HeadWeights::from_flat(hc, flat).ok_or_else(wrong)?);
            at += len;
        }
        let tail = TailWeights::from_flat(self.tail, flat[at..].to_vec()).ok_or_else(wrong)?;
        Ok(JointFit {
            tail,
            heads,
            evaluations,
            steps: self.epochs * self.train.div_ceil(self.batch),
        })
    }
}

/// The whole run at once (the command line): `on_epoch` hears each epoch's number, the
/// run's epochs and the epoch's loss; measured on the rows `held`.
pub async fn fit(
    device: &Device,
    rows: &[f32],
    tail: &TailWeights,
    tasks: &[TaskLabels<'_>],
    (train, held): (&[usize], &[usize]),
    config: &TrainConfig,
    on_epoch: &mut dyn FnMut(usize, usize, f32),
) -> Result<JointFit, TrainError> {
    let mut run = JointRun::start(device, rows, tail, tasks, train, config)?;
    while !run.finished() {
        let (loss, _) = run.epoch().await?;
        on_epoch(run.epoch, run.epochs, loss);
    }
    run.finish(rows, tasks, held, device).await
}

/// Rows `which` of `rows` as one `[n, c, h, w]` tensor.
fn upload(rows: &[f32], which: &[usize], [c, h, w]: [usize; 3], device: &Device) -> Tensor<4> {
    let len = c * h * w;
    let gathered: Vec<f32> = (which.iter())
        .flat_map(|&i| &rows[i * len..(i + 1) * len])
        .copied()
        .collect();
    Tensor::from_data(TensorData::new(gathered, [which.len(), c, h, w]), device)
}

/// A task's targets for the rows `which`: one-hot spread by label `smoothing` where the
/// row is labelled, zero where it is not (so it adds nothing to that task's loss).
fn targets(task: &TaskLabels, which: &[usize], smoothing: f32, device: &Device) -> Tensor<2> {
    let k = task.classes;
    let mut t = vec![0.0; which.len() * k];
    for (r, &i) in which.iter().enumerate() {
        if let Some(class) = task.labels[i] {
            t[r * k..(r + 1) * k].fill(smoothing / k as f32);
            t[r * k + class] += 1.0 - smoothing;
        }
    }
    Tensor::from_data(TensorData::new(t, [which.len(), k]), device)
}

/// How each task's head labels the rows `held` that the task labels: one read.
async fn measure(
    net: &JointNet,
    rows: &[f32],
    held: &[usize],
    tasks: &[TaskLabels<'_>],
    shape: [usize; 3],
    device: &Device,
) -> Result<Vec<Evaluation>, TrainError> {
    let mut picked = Vec::new();
    for chunk in held.chunks(VAL_CHUNK) {
        let features = net.tail.forward(upload(rows, chunk, shape, device));
        for head in &net.heads {
            let logits = head.forward(features.clone());
            picked.push(logits.argmax(1).squeeze_dim::<1>(1).float());
        }
    }
    let picked = match picked.is_empty() {
        true => Vec::new(),
        false => read_f32(Tensor::cat(picked, 0)).await?.0,
    };
    let mut truth = vec![(Vec::new(), Vec::new()); tasks.len()];
    let mut at = 0;
    for chunk in held.chunks(VAL_CHUNK) {
        for (t, task) in tasks.iter().enumerate() {
            for (j, &i) in chunk.iter().enumerate() {
                if let Some(class) = task.labels[i] {
                    truth[t].0.push(class);
                    truth[t].1.push(picked[at + j] as usize);
                }
            }
            at += chunk.len();
        }
    }
    Ok((tasks.iter().zip(truth))
        .map(|(task, (labels, predicted))| Evaluation::new(task.classes, labels, predicted))
        .collect())
}

#[cfg(test)]
#[path = "joint_tests.rs"]
mod tests;
