//! Training benchmarks shared by the command line and the page: the Adam head on 1 000
//! embeddings x 50 epochs (issue 4) and the L-BFGS head on the same rows (issue 12)
//! (`graft bench-train`, `?bench=train`), and a fine-tuning
//! step's time per image (issue 5; `graft bench-train --tuned-blocks K`, `?bench=finetune`).

use super::linear::fit_linear;
use super::split::Plan;
use super::{Inputs, Split, TrainConfig, TrainError, Trainer, Views};
use crate::model::FEATURE_DIM;
use crate::model::tail::TailWeights;
use crate::rng::SplitMix64;
use burn::tensor::Device;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct TrainBench {
    pub samples: usize,
    pub classes: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub hidden: usize,
    /// Wall time of all epochs, each ending in its awaited loss read; set-up excluded.
    pub train_ms: f64,
    pub ms_per_epoch: f64,
    pub final_loss: f32,
    /// The default head on the same rows: an L-BFGS fit to convergence (no validation),
    /// its wall time and iterations.
    pub lbfgs_ms: f64,
    pub lbfgs_iterations: usize,
}

/// Train a fresh head on `samples` vectors for `config.steps` steps and time it. The
/// values only have to look like features (in [0, 6), as after ReLU6 and pooling) with a
/// learnable class signal: they do not change the work, so the timing is that of real data.
pub async fn train_speed(
    device: &Device,
    samples: usize,
    classes: usize,
    config: &TrainConfig,
    now_ms: impl Fn() -> f64,
) -> Result<TrainBench, TrainError> {
    let mut rng = SplitMix64(7);
    let labels: Vec<usize> = (0..samples).map(|i| i % classes).collect();
    let features: Vec<f32> = labels
        .iter()
        .flat_map(|&c| {
            let signal = (0..FEATURE_DIM).map(move |j| if j % classes == c { 1.0 } else { 0.0 });
            signal
                .map(|s| (s + 3.0 * rng.next_f64()) as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    let names: Vec<String> = (0..classes).map(|c| format!("class {c}")).collect();
    // Every epoch runs on every vector: none held out, no early stop.
    let config = TrainConfig {
        validation_percent: 0.0,
        patience: 0,
        ..config.clone()
    };
    let mut trainer = Trainer::new(device, &features, &labels, &names, &config)?;
    let started = now_ms();
    let mut last = None;
    while !trainer.finished() {
        last = Some(trainer.finish_epoch().await?);
    }
    let train_ms = now_ms() - started;
    let started = now_ms();
    let inputs = Inputs {
        values: &features,
        shape: [FEATURE_DIM, 1, 1],
        labels: &labels,
    };
    let all = Plan::HeldOut(Split {
        train: (0..samples).collect(),
        validation: Vec::new(),
    });
    let linear = fit_linear(inputs, all, &names, &config, &Views::default())?;
    let lbfgs_ms = now_ms() - started;
    Ok(TrainBench {
        samples,
        classes,
        epochs: trainer.epochs(),
        batch_size: config.batch_size,
        hidden: config.hidden,
        train_ms: train_ms.round(),
        ms_per_epoch: (train_ms / trainer.epochs() as f64 * 100.0).round() / 100.0,
        final_loss: last.map_or(f32::NAN, |s| s.loss),
        lbfgs_ms: lbfgs_ms.round(),
        lbfgs_iterations: linear.iterations.iter().sum(),
    })
}

/// One fine-tuning benchmark: a training step's wall time per image.
#[derive(Clone, Debug, Serialize)]
pub struct FinetuneBench {
    pub blocks: usize,
    pub batch: usize,
    pub steps: usize,
    /// Forward, backward and both optimiser updates, each step ending in its awaited read.
    pub ms_per_image: f64,
}

/// Time `steps` fine-tuning steps of the pre-trained `tail` and a new head on `device`,
/// `batch` images each, after one warm-up step. The activations only have to look like the
/// cut's (in [0, 6), as after ReLU6): they do not change the work.
pub async fn finetune_speed(
    device: &Device,
    tail: &TailWeights,
    batch: usize,
    steps: usize,
    now_ms: impl Fn() -> f64,
) -> Result<FinetuneBench, TrainError> {
    let shape = tail.config.cut_shape();
    let row: usize = shape.iter().product();
    let mut rng = SplitMix64(11);
    let values: Vec<f32> = (0..batch * row)
        .map(|_| (6.0 * rng.next_f64()) as f32)
        .collect();
    let labels: Vec<usize> = (0..batch).map(|i| i % 2).collect();
    let names = ["a".to_string(), "b".to_string()];
    // One epoch is one step: every row in one batch, none held out.
    let config = TrainConfig {
        steps: steps + 1,
        batch_size: batch,
        validation_percent: 0.0,
        patience: 0,
        tuned_blocks: tail.config.blocks,
        solver: super::Solver::Adam,
        ..TrainConfig::default()
    };
    let inputs = Inputs {
        values: &values,
        shape,
        labels: &labels,
    };
    let split = Split {
        train: (0..batch).collect(),
        validation: Vec::new(),
    };
    let mut trainer = Trainer::start(
        device,
        inputs,
        split,
        &names,
        &config,
        &Views::default(),
        Some(tail),
    )?;
    trainer.finish_epoch().await?;
    let started = now_ms();
    for _ in 0..steps {
        trainer.finish_epoch().await?;
    }
    let ms = now_ms() - started;
    Ok(FinetuneBench {
        blocks: tail.config.blocks,
        batch,
        steps,
        ms_per_image: (ms / (steps * batch) as f64 * 100.0).round() / 100.0,
    })
}
