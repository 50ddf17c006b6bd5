//! graft's default head (the page's and `graft train`'s settings, hold-out and early stopping
//! included) on the feature sets that `tests/reference/head_reference.py` writes, one JSON
//! line per run: the graft side of that script's comparison with scikit-learn, with the
//! accuracy of prototypes of the same photos (issue 17).
//!
//! `cargo run --example default_head -- DIR [SETTINGS]` where SETTINGS is JSON of the
//! settings to change (`{"solver": "adam", "epochs": 300}`; the rest stay the defaults) and DIR holds `runs.json`:
//! `{"tasks": [{"name", "classes": [..], "features": "F.f32", "labels": [..],
//!   "runs": [{"shots", "draw", "train": [row, ..], "test": [row, ..]}]}]}`
//! and each `F.f32` is `[N, 1280]` little-endian f32 (`graft embed` output).

use burn::tensor::Device;
use graft::model::FEATURE_DIM;
use graft::model::head::HeadWeights;
use graft::train::linear::fit_linear;
use graft::train::logistic::{Stop, fit_logistic};
use graft::train::propagation::{CONFIDENT, NEIGHBOURS, propagate};
use graft::train::prototypes;
use graft::train::runs::Runs as PlanRuns;
use graft::train::split::{plan, plan_for};
use graft::train::{Inputs, Solver, TrainConfig, Trainer, Views};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Deserialize)]
struct Runs {
    tasks: Vec<Task>,
}

#[derive(Deserialize)]
struct Task {
    name: String,
    classes: Vec<String>,
    features: String,
    labels: Vec<usize>,
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    shots: usize,
    draw: usize,
    train: Vec<usize>,
    test: Vec<usize>,
    /// Unlabelled rows (issue 17): their labels spread from `train`'s, the sure ones train
    /// the head too.
    #[serde(default)]
    pool: Vec<usize>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: default_head DIR")?);
    let runs: Runs = serde_json::from_slice(&std::fs::read(dir.join("runs.json"))?)?;
    let device = Device::flex();
    // Unnamed settings keep their defaults (`#[serde(default)]`); the values are checked.
    let config: TrainConfig =
        serde_json::from_str(&std::env::args().nth(2).unwrap_or("{}".into()))?;
    config.check()?;
    // Every task's rows together, classes kept apart: the L-BFGS head's speed on 1 000
    // real embeddings (each task's classes offset past the previous task's).
    let (mut all, mut all_labels, mut offset) = (Vec::new(), Vec::new(), 0);
    for task in &runs.tasks {
        all.extend(read_features(&dir.join(&task.features))?);
        all_labels.extend(task.labels.iter().map(|l| l + offset));
        offset += task.classes.len();
    }
    let n = all_labels.len().min(1000);
    let started = Instant::now();
    let fit = fit_logistic(
        &all[..n * FEATURE_DIM],
        &all_labels[..n],
        offset,
        1.0 / (config.penalty_c * n as f64),
        Stop::HEAD,
    );
    let speed = serde_json::json!({ "speed": { "rows": n, "classes": offset,
        "iterations": fit.iterations, "converged": fit.converged,
        "ms": started.elapsed().as_millis() as u64 } });
    println!("{speed}");
    for task in &runs.tasks {
        let features = read_features(&dir.join(&task.features))?;
        let row = |i: usize| &features[i * FEATURE_DIM..(i + 1) * FEATURE_DIM];
        for run in &task.runs {
            let train: Vec<f32> = run.train.iter().flat_map(|&i| row(i)).copied().collect();
            let labels: Vec<usize> = run.train.iter().map(|&i| task.labels[i]).collect();
            let started = Instant::now();
            // What the page and `graft train` do with these photos and these settings; a
            // refusal is reported as such.
            let outcome = match config.solver {
                Solver::Lbfgs => linear(&train, &labels, &task.classes, &config),
                Solver::Adam => adam(&device, &train, &labels, &task.classes, &config),
            };
            let ms = started.elapsed().as_millis() as u64;
            let accuracy = |head: &HeadWeights| {
                let right = (run.test.iter())
                    .filter(|&&i| head.class_of(row(i)) == task.labels[i])
                    .count();
                right as f64 / run.test.len() as f64
            };
            // Prototypes of the same photos (issue 17): nothing trained.
            let protos = prototypes::fit(&train, &labels, task.classes.len());
            let semi = (!run.pool.is_empty() && config.solver == Solver::Lbfgs)
                .then(|| with_pool(&features, (&train, &labels), &run.pool, task, &config));
            let (semi_accuracy, pseudo) = match semi {
                Some(Ok((head, kept, right))) => (Some(accuracy(&head)), Some((kept, right))),
                _ => (None, None),
            };
            let line = match outcome {
                Ok((head, steps)) => {
                    serde_json::json!({
                        "task": task.name, "shots": run.shots, "draw": run.draw,
                        "accuracy": accuracy(&head), "steps": steps, "ms": ms,
                        "prototypes": accuracy(&protos.head),
                        "temperature": protos.temperature,
                        "with_pool": semi_accuracy, "pool": run.pool.len(),
                        "pseudo_kept": pseudo.map(|p| p.0), "pseudo_right": pseudo.map(|p| p.1),
                    })
                }
                Err(refused) => serde_json::json!({
                    "task": task.name, "shots": run.shots, "draw": run.draw, "refused": refused,
                    "prototypes": accuracy(&protos.head), "temperature": protos.temperature,
                }),
            };
            println!("{line}");
        }
    }
    Ok(())
}

/// The L-BFGS head with the pool's surely propagated photos as extra training rows, as
/// `graft train --unlabeled` fits it: the head, and how many pool photos were kept and
/// how many of those got their true class.
fn with_pool(
    features: &[f32],
    (train, labels): (&[f32], &[usize]),
    pool: &[usize],
    task: &Task,
    config: &TrainConfig,
) -> Result<(HeadWeights, usize, usize), String> {
    let row = |i: usize| &features[i * FEATURE_DIM..(i + 1) * FEATURE_DIM];
    let mut all = train.to_vec();
    pool.iter().for_each(|&i| all.extend_from_slice(row(i)));
    let spread = propagate(&all, FEATURE_DIM, labels, task.classes.len(), NEIGHBOURS);
    let kept: Vec<usize> = (0..pool.len())
        .filter(|&j| spread.confidence[j] >= CONFIDENT)
        .collect();
    let right = (kept.iter())
        .filter(|&&j| spread.labels[j] == task.labels[pool[j]])
        .count();
    let (mut x, mut l) = (train.to_vec(), labels.to_vec());
    for &j in &kept {
        x.extend_from_slice(row(pool[j]));
        l.push(spread.labels[j]);
    }
    let held = vec![false; labels.len()];
    let plan = plan(
        labels,
        &held,
        &task.classes,
        config.validation_percent,
        config.seed,
    )
    .map_err(|e| e.to_string())?
    .with_extra_training(labels.len()..l.len());
    let inputs = Inputs {
        values: &x,
        shape: [FEATURE_DIM, 1, 1],
        labels: &l,
    };
    let out = fit_linear(inputs, plan, &task.classes, config, &Views::default())
        .map_err(|e| e.to_string())?;
    Ok((out.head, kept.len(), right))
}

/// The L-BFGS head as the page fits it; the steps are the final fit's iterations.
fn linear(
    train: &[f32],
    labels: &[usize],
    names: &[String],
    config: &TrainConfig,
) -> Result<(HeadWeights, usize), String> {
    let held = vec![false; labels.len()];
    let plan = plan(labels, &held, names, config.validation_percent, config.seed)
        .map_err(|e| e.to_string())?;
    let inputs = Inputs {
        values: train,
        shape: [FEATURE_DIM, 1, 1],
        labels,
    };
    let out =
        fit_linear(inputs, plan, names, config, &Views::default()).map_err(|e| e.to_string())?;
    Ok((out.head, out.iterations.last().copied().unwrap_or(0)))
}

/// The Adam head as the page trains it: the plan's final run (on every image when the
/// classes are small enough to cross-validate; the folds only measure, so they are skipped
/// here), or a held-out share with early stopping. The steps are epochs.
fn adam(
    device: &Device,
    train: &[f32],
    labels: &[usize],
    names: &[String],
    config: &TrainConfig,
) -> Result<(HeadWeights, usize), String> {
    let plan = plan_for(config, labels, &[], names).map_err(|e| e.to_string())?;
    let runs = PlanRuns::new(plan, labels.len());
    let split = runs.splits().last().cloned().ok_or("no final run")?;
    let mut trainer = Trainer::with_split(
        device,
        train,
        labels,
        split,
        names,
        config,
        &Views::default(),
    )
    .map_err(|e| e.to_string())?;
    while !trainer.finished() {
        pollster::block_on(trainer.finish_epoch()).map_err(|e| e.to_string())?;
    }
    let head = trainer.weights().map_err(|e| e.to_string())?.head;
    Ok((head, trainer.epochs_done()))
}

/// A features file: little-endian f32, `[N, 1280]`.
fn read_features(path: &std::path::Path) -> std::io::Result<Vec<f32>> {
    let bytes = std::fs::read(path)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}
