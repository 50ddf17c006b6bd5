//! Tests of `head.rs`: validation, early stopping and the kept weights, on the CPU (Flex).

use super::*;
use crate::train::{EpochStats, Evaluation};

use crate::train::test_rows::separable;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|c| format!("c{c}")).collect()
}

fn run(trainer: &mut Trainer) -> Vec<EpochStats> {
    let mut out = Vec::new();
    while !trainer.finished() {
        out.push(pollster::block_on(trainer.finish_epoch()).unwrap());
    }
    out
}

#[test]
fn validation_is_measured_each_epoch_on_the_held_out_share() {
    let (features, labels) = separable(3, 20, 1);
    let config = TrainConfig {
        steps: 5,
        ..TrainConfig::default()
    };
    let mut t = Trainer::new(&Device::flex(), &features, &labels, &names(3), &config).unwrap();
    // 15 % of 20 is 3 per class.
    assert_eq!((t.split().train.len(), t.split().validation.len()), (51, 9));
    let history = run(&mut t);
    assert_eq!(history.len(), 5);
    assert!(
        history
            .iter()
            .all(|s| s.val_loss.is_some() && s.val_accuracy.is_some())
    );
    let last = history.last().unwrap();
    assert_eq!(
        last.val_accuracy,
        Some(1.0),
        "separable classes: {history:?}"
    );
}

/// Validation labels that contradict training make the validation loss rise as training
/// learns: early stopping must end the run `patience` epochs after the first, and keep the
/// first epoch's weights (checked by recomputing its validation loss from them).
#[test]
fn early_stopping_keeps_the_epoch_with_the_lowest_validation_loss() {
    let (mut features, mut labels) = separable(2, 30, 2);
    let (val_features, val_labels) = separable(2, 6, 3);
    let flipped: Vec<usize> = val_labels.iter().map(|&c| 1 - c).collect();
    features.extend(&val_features);
    labels.extend(&flipped);
    let split = Split {
        train: (0..60).collect(),
        validation: (60..72).collect(),
    };
    let config = TrainConfig {
        steps: 40,
        patience: 3,
        learning_rate: 1e-2,
        ..TrainConfig::default()
    };
    let mut t = Trainer::with_split(
        &Device::flex(),
        &features,
        &labels,
        split,
        &names(2),
        &config,
        &Views::default(),
    )
    .unwrap();
    let history = run(&mut t);
    let best = history
        .iter()
        .min_by(|a, b| a.val_loss.unwrap().total_cmp(&b.val_loss.unwrap()))
        .unwrap();
    assert_eq!(t.best_epoch(), best.epoch);
    assert!(t.stopped_early());
    assert_eq!(history.len(), best.epoch + 3, "{history:?}");

    let head = t.weights().unwrap().head;
    let loss: f32 = val_features
        .chunks_exact(FEATURE_DIM)
        .zip(&flipped)
        .map(|(f, &c)| {
            let z = head.logits(f);
            let max = z.iter().copied().fold(f32::MIN, f32::max);
            let log_sum = z.iter().map(|v| (v - max).exp()).sum::<f32>().ln() + max;
            log_sum - z[c]
        })
        .sum::<f32>()
        / flipped.len() as f32;
    let want = best.val_loss.unwrap();
    assert!(
        (loss - want).abs() < 1e-4 * want.max(1.0),
        "kept weights give {loss}, best epoch had {want}"
    );
    let e = Evaluation::of_head(&head, &val_features, &flipped);
    assert_eq!(e.accuracy(), best.val_accuracy);
}

#[test]
fn without_validation_every_epoch_runs_and_the_last_is_kept() {
    let (features, labels) = separable(2, 5, 4);
    let config = TrainConfig {
        steps: 4,
        validation_percent: 0.0,
        ..TrainConfig::default()
    };
    let mut t = Trainer::new(&Device::flex(), &features, &labels, &names(2), &config).unwrap();
    let history = run(&mut t);
    assert_eq!(history.len(), 4);
    assert!(history.iter().all(|s| s.val_loss.is_none()));
    assert_eq!(t.best_epoch(), 4);
    assert!(!t.stopped_early());
}

#[test]
fn bad_settings_are_refused_before_training_and_a_lone_image_trains() {
    let (features, labels) = separable(2, 5, 5);
    let bad = TrainConfig {
        learning_rate: 3.0,
        ..TrainConfig::default()
    };
    let e = Trainer::new(&Device::flex(), &features, &labels, &names(2), &bad)
        .err()
        .unwrap();
    assert_eq!(e.to_string(), "Learning rate must be from 0.00001 to 1");
    // A class of one image trains; it has nothing to give up for validation.
    let lone = [0, 0, 0, 1];
    let t = Trainer::new(
        &Device::flex(),
        &features[..4 * FEATURE_DIM],
        &lone,
        &names(2),
        &TrainConfig::default(),
    )
    .unwrap();
    assert!(t.split().train.contains(&3) && !t.split().validation.contains(&3));
}

#[test]
fn views_of_training_images_add_rows_and_views_of_held_out_ones_do_not() {
    let (features, labels) = separable(2, 10, 6);
    let config = TrainConfig {
        steps: 1,
        validation_percent: 20.0,
        ..TrainConfig::default()
    };
    let split = crate::train::split::stratified(&labels, &names(2), 20.0, config.seed);
    let held = split.validation[0];
    let trained = split.train[0];
    // Two views of a training image, one of a held-out image (which would leak it).
    let views = Views {
        features: features[..3 * FEATURE_DIM].to_vec(),
        of: vec![trained, trained, held],
    };
    let t = Trainer::with_split(
        &Device::flex(),
        &features,
        &labels,
        split,
        &names(2),
        &config,
        &views,
    )
    .unwrap();
    assert_eq!(t.rows(), 16 + 2);
}

/// Every parameter of the kept weights, head then tail.
fn flat(t: &Trainer) -> Vec<f32> {
    let w = t.weights().unwrap();
    let mut out: Vec<f32> = w
        .head
        .layers
        .iter()
        .flat_map(|l| l.weight.iter().chain(&l.bias))
        .copied()
        .collect();
    out.extend(w.tail.iter().flat_map(|t| t.flat.iter().copied()));
    out
}

/// A batch queued in pieces (gradients summed before the step) trains the same weights as
/// whole batches: the page's CPU path relies on it to yield mid-batch.
#[test]
fn batches_queued_in_pieces_train_the_same_weights() {
    let (features, labels) = separable(3, 12, 7);
    let config = TrainConfig {
        steps: 12,
        batch_size: 8,
        hidden: 16,
        solver: crate::train::Solver::Adam,
        ..TrainConfig::default()
    };
    let new = || Trainer::new(&Device::flex(), &features, &labels, &names(3), &config).unwrap();
    let (mut whole, mut pieces) = (new(), new());
    let want = run(&mut whole);
    let mut got = Vec::new();
    let mut calls = 0;
    while !pieces.finished() {
        while !pieces.advance(3).unwrap() {
            calls += 1;
        }
        got.push(pollster::block_on(pieces.finish_epoch()).unwrap());
    }
    // Per epoch: 30 training rows in batches of 8, 8, 8, 6 (pieces 3+3+2 three times, then
    // 3+3) and 6 validation rows (3+3): 13 calls, the last of which says it is all queued.
    assert_eq!(calls, 3 * (13 - 1), "calls before the last of each epoch");
    let (a, b) = (flat(&whole), flat(&pieces));
    let diff = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(diff < 1e-5, "weights differ by {diff}");
    for (w, g) in want.iter().zip(&got) {
        assert!(
            (w.loss - g.loss).abs() < 1e-5 && w.accuracy == g.accuracy,
            "{w:?} vs {g:?}"
        );
        assert_eq!(w.val_accuracy, g.val_accuracy);
    }
}

/// A run taken up by a fresh trainer (as after a lost GPU) goes on from its last finished
/// epoch with those weights and its best epoch so far.
#[test]
fn a_checkpoint_resumes_at_the_next_epoch_with_its_weights_and_best() {
    let (features, labels) = separable(2, 10, 8);
    let config = TrainConfig {
        steps: 5,
        ..TrainConfig::default()
    };
    let new = || Trainer::new(&Device::flex(), &features, &labels, &names(2), &config).unwrap();
    let mut first = new();
    assert!(
        first.checkpoint().is_none(),
        "nothing to resume before an epoch"
    );
    for _ in 0..2 {
        pollster::block_on(first.finish_epoch()).unwrap();
    }
    // A half-queued third epoch is what a lost device leaves: it is not in the checkpoint.
    first.advance(1).unwrap();
    let checkpoint = first.checkpoint().unwrap();
    assert_eq!(checkpoint.epoch(), 2);
    let mut second = new().resume(checkpoint).unwrap();
    assert_eq!(
        (second.epochs_done(), second.best_epoch()),
        (2, first.best_epoch())
    );
    assert_eq!(flat(&second), flat(&first));
    let history = run(&mut second);
    assert_eq!(
        history.iter().map(|s| s.epoch).collect::<Vec<_>>(),
        [3, 4, 5]
    );
    assert!(second.evaluate().unwrap().is_some());

    let other = TrainConfig {
        hidden: 8,
        solver: crate::train::Solver::Adam,
        ..config.clone()
    };
    let e = Trainer::new(&Device::flex(), &features, &labels, &names(2), &other)
        .unwrap()
        .resume(first.checkpoint().unwrap())
        .err()
        .unwrap();
    assert_eq!(
        e,
        TrainError::Settings("the checkpoint is for another model".into())
    );
}

/// The step budget, not an epoch count: 10 images and 1 000 get the same number of
/// optimiser steps (to within one epoch's), where a fixed 50 epochs gave them 50 and 800;
/// the learning rates fall from their value to zero along the run.
#[test]
fn the_steps_do_not_grow_with_the_images_and_the_learning_rate_decays() {
    let config = TrainConfig {
        validation_percent: 0.0,
        ..TrainConfig::default()
    };
    for per_class in [5, 500] {
        let (features, labels) = separable(2, per_class, 9);
        let t = Trainer::new(&Device::flex(), &features, &labels, &names(2), &config).unwrap();
        let steps = t.epochs() * t.steps_per_epoch();
        assert!(
            steps >= config.steps && steps < config.steps + t.steps_per_epoch(),
            "{} images: {} epochs of {} steps",
            2 * per_class,
            t.epochs(),
            t.steps_per_epoch()
        );
        assert_eq!(super::cosine(0, steps), 1.0);
        assert!((super::cosine(steps / 2, steps) - 0.5).abs() < 0.01);
        assert!(super::cosine(steps - 1, steps) < 1e-4);
    }
}

/// LP-FT starts from the probed head: after one step at the smallest learning rate the
/// settings allow (1e-5), every weight is within one Adam step (1e-5) of the probe's; a
/// fresh head is nowhere near it. A head of another shape is refused.
#[test]
fn lp_ft_starts_from_the_probed_head() {
    let (features, labels) = separable(2, 4, 5);
    let config = TrainConfig {
        steps: 1,
        batch_size: 64,
        learning_rate: 1e-5,
        validation_percent: 0.0,
        ..TrainConfig::default()
    };
    let probe = HeadConfig::new(2).init_weights(99);
    let start = || Trainer::new(&Device::flex(), &features, &labels, &names(2), &config).unwrap();
    let mut t = start().from_head(&probe).unwrap();
    run(&mut t);
    let want: Vec<f32> = (probe.layers.iter())
        .flat_map(|l| l.weight.iter().chain(&l.bias))
        .copied()
        .collect();
    let gap = |got: Vec<f32>| {
        (got.iter().zip(&want))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    };
    let probed = gap(flat(&t));
    assert!(probed <= 1.1e-5, "from the probe: {probed}");
    let mut fresh = start();
    run(&mut fresh);
    assert!(gap(flat(&fresh)) > 1e-2, "a fresh head is elsewhere");
    let other = HeadConfig::new(2).with_hidden(4).init_weights(1);
    assert!(matches!(
        start().from_head(&other),
        Err(TrainError::Settings(_))
    ));
}
