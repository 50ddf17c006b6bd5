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
use crate::model::tail::{Tail, TailWeights};
use crate::rng::SplitMix64;
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
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
    /// Each epoch's training loss (summed over the tasks, per row).
    pub losses: Vec<f32>,
    pub steps: usize,
}

#[derive(Module, Debug)]
struct JointNet {
    tail: Tail,
    heads: Vec<Head>,
}

/// Fine-tune `tail` and a fresh head per task on `rows` (activations at the tail's cut,
/// `[N * cut_len]`): train on the rows `train`, measure on `held`. `on_epoch` hears each
/// epoch's number, the run's epochs and the epoch's loss.
pub async fn fit(
    device: &Device,
    rows: &[f32],
    tail: &TailWeights,
    tasks: &[TaskLabels<'_>],
    (train, held): (&[usize], &[usize]),
    config: &TrainConfig,
    on_epoch: &mut dyn FnMut(usize, usize, f32),
) -> Result<JointFit, TrainError> {
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
        || train.iter().chain(held).any(|&i| i >= n)
    {
        return Err(settings("the tasks' labels do not match the photos"));
    }
    let plain = device.clone();
    let device = device.clone().autodiff();
    let configs: Vec<HeadConfig> = (tasks.iter())
        .map(|t| HeadConfig::new(t.classes).with_hidden(config.hidden))
        .collect();
    let heads = (configs.iter().enumerate())
        .map(|(t, hc)| hc.init_weights(config.seed + t as u64).to_module(&device))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| settings("a head has one or two layers"))?;
    let tail_module = (tail.to_module(&device))
        .ok_or_else(|| settings("the backbone blocks to fine-tune are incomplete"))?;
    let mut net = JointNet {
        tail: tail_module,
        heads,
    };
    let inputs = upload(rows, train, [c, h, w], &device);
    let targets: Vec<Tensor<2>> = (tasks.iter())
        .map(|t| targets(t, train, config.label_smoothing, &device))
        .collect();
    let mut optim = AdamWConfig::new()
        .with_weight_decay(config.weight_decay as f32)
        .init();
    let batch = config.batch_size.max(1).min(train.len());
    let per_epoch = train.len().div_ceil(batch);
    let epochs = config.steps.div_ceil(per_epoch).max(1);
    let total = epochs * per_epoch;
    let mut rng = SplitMix64(config.seed ^ 0x5eed);
    let mut losses = Vec::new();
    for epoch in 0..epochs {
        let mut order: Vec<i64> = (0..train.len() as i64).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut loss_sum: Tensor<1> = Tensor::zeros([1], &device);
        for (b, ids) in order.chunks(batch).enumerate() {
            let ids =
                Tensor::<1, Int>::from_data(TensorData::new(ids.to_vec(), [ids.len()]), &device);
            let features = net.tail.forward(inputs.clone().select(0, ids.clone()));
            let mut loss: Tensor<1> = Tensor::zeros([1], &device);
            for (head, t) in net.heads.iter().zip(&targets) {
                let logp = log_softmax(head.forward(features.clone()), 1);
                loss = loss + (logp * t.clone().select(0, ids.clone())).sum().neg();
            }
            loss_sum = loss_sum + loss.clone().detach();
            let mut grads = loss.div_scalar(batch as f32).backward();
            let tail_grads = GradientsParams::from_module(&mut grads, &net.tail);
            let head_grads = GradientsParams::from_module(&mut grads, &net.heads);
            let share = cosine(epoch * per_epoch + b, total);
            net = optim.step(config.backbone_learning_rate * share, net, tail_grads);
            net = optim.step(config.learning_rate * share, net, head_grads);
        }
        let (loss, _) = read_f32(loss_sum.without_autodiff()).await?;
        let loss = loss.first().copied().unwrap_or(f32::NAN) / train.len() as f32;
        losses.push(loss);
        on_epoch(epoch + 1, epochs, loss);
    }
    let net = net.valid();
    let evaluations = measure(&net, rows, held, tasks, [c, h, w], &plain).await?;
    let mut parts: Vec<Tensor<1>> = net.heads.iter().map(Head::flat_params).collect();
    parts.push(net.tail.flat_params());
    let (flat, _) = read_f32(Tensor::cat(parts, 0)).await?;
    let wrong = || TrainError::Read("the joint run's weights had the wrong size".into());
    let mut at = 0;
    let mut heads = Vec::new();
    for hc in &configs {
        let len: usize = hc.layers().iter().map(|(i, o)| i * o + o).sum();
        heads.push(
            HeadWeights::from_flat(hc, flat.get(at..at + len).ok_or_else(wrong)?)
                .ok_or_else(wrong)?,
        );
        at += len;
    }
    let tail = TailWeights::from_flat(tail.config, flat[at..].to_vec()).ok_or_else(wrong)?;
    Ok(JointFit {
        tail,
        heads,
        evaluations,
        losses,
        steps: total,
    })
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
