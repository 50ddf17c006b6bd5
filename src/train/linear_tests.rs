//! Tests of `linear.rs`: what each plan trains and measures, on rows a linear head can
//! separate (class c lights up features c, c + classes, ... above uniform noise).

use super::*;
use crate::train::split::{folds, plan, stratified};
use crate::train::test_rows::separable;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|c| format!("c{c}")).collect()
}

fn inputs<'a>(features: &'a [f32], labels: &'a [usize]) -> Inputs<'a> {
    Inputs {
        values: features,
        shape: [FEATURE_DIM, 1, 1],
        labels,
    }
}

#[test]
fn cross_validation_predicts_every_image_once_then_the_head_trains_on_all() {
    let (features, labels) = separable(3, 4, 1);
    let config = TrainConfig::default();
    let folds = folds(&labels, &names(3), config.seed);
    let k = folds.len();
    let none = Views::default();
    let plan = Plan::CrossValidated(folds);
    let mut run =
        LinearRun::new(inputs(&features, &labels), plan, &names(3), &config, &none).unwrap();
    assert_eq!(run.progress(), (0, k + 1));
    while !run.step() {}
    let out = run.outcome().unwrap();
    assert_eq!((out.folds, out.iterations.len(), out.rows), (4, 5, 12));
    assert!(out.converged, "{:?}", out.iterations);
    let mut seen = out.evaluated.clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..12).collect::<Vec<_>>());
    let e = out.evaluation.unwrap();
    assert_eq!(e.accuracy(), Some(1.0), "{:?}", e.confusion);
    assert!((0..12).all(|i| {
        out.head
            .class_of(&features[i * FEATURE_DIM..][..FEATURE_DIM])
            == labels[i]
    }));
}

#[test]
fn a_class_of_one_image_trains_and_has_no_figures() {
    let (mut features, mut labels) = separable(2, 3, 2);
    // Class 1 keeps one image only.
    let keep: Vec<usize> = (0..labels.len())
        .filter(|&i| labels[i] == 0 || i == 1)
        .collect();
    features = keep
        .iter()
        .flat_map(|&i| features[i * FEATURE_DIM..][..FEATURE_DIM].to_vec())
        .collect();
    labels = keep.iter().map(|&i| labels[i]).collect();
    let config = TrainConfig::default();
    let held = vec![false; labels.len()];
    let p = plan(
        &labels,
        &held,
        &names(2),
        config.validation_percent,
        config.seed,
    )
    .unwrap();
    let none = Views::default();
    let out = fit_linear(inputs(&features, &labels), p, &names(2), &config, &none).unwrap();
    let e = out.evaluation.unwrap();
    assert_eq!(e.class(1).images, 0);
    assert_eq!(e.class(0).images, 3);
    assert_eq!(out.rows, 4);
    // Every image of both classes alike: nothing to cross-validate on.
    let out = fit_linear(
        inputs(&features[..2 * FEATURE_DIM], &[0, 1]),
        plan(&[0, 1], &[false, false], &names(2), 15.0, 1).unwrap(),
        &names(2),
        &config,
        &none,
    )
    .unwrap();
    assert_eq!(
        (out.evaluation, out.folds, out.iterations.len()),
        (None, 0, 1)
    );
}

#[test]
fn a_held_out_share_is_predicted_by_the_head_that_did_not_train_on_it() {
    let (features, labels) = separable(2, 10, 3);
    let config = TrainConfig::default();
    let split = stratified(&labels, &names(2), 20.0, 1);
    // Two views of a training image and one of a held-out image (which must not train).
    let (trained, held) = (split.train[0], split.validation[0]);
    let views = Views {
        features: features[..3 * FEATURE_DIM].to_vec(),
        of: vec![trained, trained, held],
    };
    let plan = Plan::HeldOut(split.clone());
    let out = fit_linear(inputs(&features, &labels), plan, &names(2), &config, &views).unwrap();
    assert_eq!(out.rows, split.train.len() + 2);
    assert_eq!(out.evaluated, split.validation);
    assert_eq!((out.iterations.len(), out.refitted), (1, false));
    // A stratified share measures a head that did not train on it, then the final head
    // fits every image and its views.
    let plan = Plan::Share(split.clone());
    let out = fit_linear(inputs(&features, &labels), plan, &names(2), &config, &views).unwrap();
    assert_eq!(out.evaluated, split.validation);
    assert_eq!(
        (out.iterations.len(), out.refitted, out.rows),
        (2, true, 23)
    );
}

#[test]
fn what_cannot_train_is_refused() {
    let (features, labels) = separable(2, 3, 4);
    let none = Views::default();
    let hidden = TrainConfig {
        hidden: 8,
        ..TrainConfig::default()
    };
    let all = Plan::HeldOut(stratified(&labels, &names(2), 0.0, 1));
    let e = LinearRun::new(
        inputs(&features, &labels),
        all.clone(),
        &names(2),
        &hidden,
        &none,
    );
    assert!(matches!(e, Err(TrainError::Settings(_))));
    let e = LinearRun::new(
        inputs(&features, &labels),
        all,
        &names(3),
        &TrainConfig::default(),
        &none,
    );
    assert!(matches!(e, Err(TrainError::EmptyClass(c)) if c == "c2"));
}
