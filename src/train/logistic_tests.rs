//! The converged linear head against scikit-learn's, and the solver's own arithmetic.

use super::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    features: usize,
    classes: usize,
    train_x: Vec<f32>,
    train_labels: Vec<usize>,
    test_x: Vec<f32>,
    fits: Vec<Fit>,
}

#[derive(Deserialize)]
struct Fit {
    #[serde(rename = "C")]
    c: f64,
    coef: Vec<f64>,
    intercept: Vec<f64>,
    test_probs: Vec<f64>,
}

/// Far tighter than the head's own stop, to compare weights with scikit-learn's to 1e-4:
/// the weights are within |gradient| / l2 of the optimum (l2 >= 0.005 here).
const TIGHT: Stop = Stop {
    gradient: 1e-7,
    max_iterations: 1000,
};

fn reference() -> Reference {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/logistic_reference.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("the reference file"))
        .expect("the reference parses")
}

fn softmax(z: &[f32]) -> Vec<f64> {
    let max = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
    let e: Vec<f64> = z.iter().map(|&v| (v as f64 - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

/// The same optimum as scikit-learn's tightly fitted `LogisticRegression(C)` on real digits,
/// at its default penalty and a strong one: one convex problem has one answer, so weights
/// and held-out probabilities agree to what f32 weights allow.
#[test]
fn the_fit_is_scikit_learns_optimum() {
    let r = reference();
    let n = r.train_labels.len();
    for fit in &r.fits {
        let got = fit_logistic(
            &r.train_x,
            &r.train_labels,
            r.classes,
            1.0 / (fit.c * n as f64),
            TIGHT,
        );
        assert!(
            got.converged,
            "C = {}: {} iterations",
            fit.c, got.iterations
        );
        eprintln!("C = {}: converged in {} iterations", fit.c, got.iterations);
        let layer = &got.head.layers[0];
        assert_eq!((layer.inputs, layer.outputs), (r.features, r.classes));
        let scale = fit.coef.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let worst = layer
            .weight
            .iter()
            .zip(&fit.coef)
            .chain(layer.bias.iter().zip(&fit.intercept))
            .fold(0.0f64, |m, (&a, &b)| m.max((a as f64 - b).abs()));
        // Tolerance: 1e-4 of the largest weight, far below any difference a prediction shows.
        assert!(
            worst <= 1e-4 * scale,
            "C = {}: weights differ by {worst} (largest {scale})",
            fit.c
        );
        let probs: Vec<f64> = r
            .test_x
            .chunks_exact(r.features)
            .flat_map(|x| softmax(&got.head.logits(x)))
            .collect();
        let worst = probs
            .iter()
            .zip(&fit.test_probs)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst <= 1e-5,
            "C = {}: held-out probabilities differ by {worst}",
            fit.c
        );
    }
}

/// The gradient is the objective's: central differences at a point away from the optimum.
#[test]
fn the_gradient_matches_finite_differences() {
    let r = reference();
    let problem = Problem {
        x: Rows::Double(r.train_x.iter().map(|&v| f64::from(v)).collect()),
        labels: r.train_labels.clone(),
        d: r.features,
        classes: r.classes,
        l2: 0.01,
    };
    let size = r.features * r.classes + r.classes;
    let w: Vec<f64> = (0..size)
        .map(|i| ((i * 37 % 101) as f64 - 50.0) / 200.0)
        .collect();
    let mut grad = vec![0.0; size];
    problem.evaluate(&w, &mut grad);
    let mut scratch = vec![0.0; size];
    // Entries in every class's column, of weights and biases.
    for i in [0, 13, 64 * 5 + 7, 64 * 10 - 1, size - 10, size - 1] {
        let h = 1e-5;
        let (mut up, mut down) = (w.clone(), w.clone());
        up[i] += h;
        down[i] -= h;
        let numeric = (problem.evaluate(&up, &mut scratch) - problem.evaluate(&down, &mut scratch))
            / (2.0 * h);
        assert!(
            (numeric - grad[i]).abs() <= 1e-7 + 1e-5 * numeric.abs(),
            "entry {i}: analytic {} numeric {numeric}",
            grad[i]
        );
    }
}

/// Ten times the rows, the same solver's work: convergence decides when it stops, not the
/// set's size (the Adam head's step count grows with the rows, epochs x batches).
#[test]
fn the_iterations_do_not_grow_with_the_rows() {
    let r = reference();
    let n = r.train_labels.len();
    // Two rows a class (the rows are in class order, twenty each).
    let rows: Vec<usize> = (0..n).step_by(10).collect();
    let few_x: Vec<f32> = rows
        .iter()
        .flat_map(|&i| r.train_x[i * r.features..(i + 1) * r.features].to_vec())
        .collect();
    let few_labels: Vec<usize> = rows.iter().map(|&i| r.train_labels[i]).collect();
    let few = fit_logistic(&few_x, &few_labels, r.classes, 1e-2, Stop::HEAD);
    let many = fit_logistic(&r.train_x, &r.train_labels, r.classes, 1e-2, Stop::HEAD);
    assert!(few.converged && many.converged);
    assert!(
        many.iterations < 3 * few.iterations.max(10),
        "{} rows: {} iterations; {n} rows: {}",
        rows.len(),
        few.iterations,
        many.iterations
    );
}

/// The head's f32 products give the f64 objective and gradient to what its stop needs: on
/// real digits at a point away from the optimum, within 1e-6 of the objective and 1e-6 of
/// every gradient entry (the head stops at 1e-4).
#[test]
fn single_products_agree_with_double() {
    let r = reference();
    let problem = |x: Rows| Problem {
        x,
        labels: r.train_labels.clone(),
        d: r.features,
        classes: r.classes,
        l2: 0.01,
    };
    let double = problem(Rows::Double(
        r.train_x.iter().map(|&v| f64::from(v)).collect(),
    ));
    let single = problem(Rows::Single(r.train_x.clone()));
    let size = r.features * r.classes + r.classes;
    let w: Vec<f64> = (0..size)
        .map(|i| ((i * 37 % 101) as f64 - 50.0) / 2000.0)
        .collect();
    let (mut g64, mut g32) = (vec![0.0; size], vec![0.0; size]);
    let (f64_, f32_) = (double.evaluate(&w, &mut g64), single.evaluate(&w, &mut g32));
    assert!(
        (f64_ - f32_).abs() <= 1e-6 * f64_.abs().max(1.0),
        "{f64_} vs {f32_}"
    );
    let worst = g64
        .iter()
        .zip(&g32)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 1e-6, "gradients differ by {worst}");
}

/// Starting from a fit on most of the rows reaches the same optimum as starting from zero,
/// in fewer iterations; a head of another shape is ignored. At the tight stop: at the
/// head's, both are only within |gradient|^2 / (2 l2) of the optimum.
#[test]
fn a_warm_start_reaches_the_same_optimum_sooner() {
    let r = reference();
    let (n, d) = (r.train_labels.len(), r.features);
    let l2 = 1.0 / (10.0 * n as f64);
    // Every fifth row left out of the first fit.
    let most: Vec<usize> = (0..n).filter(|i| i % 5 != 0).collect();
    let most_x: Vec<f32> = most
        .iter()
        .flat_map(|&i| r.train_x[i * d..(i + 1) * d].to_vec())
        .collect();
    let most_labels: Vec<usize> = most.iter().map(|&i| r.train_labels[i]).collect();
    let first = fit_logistic(&most_x, &most_labels, r.classes, l2, TIGHT);
    let cold = fit_logistic(&r.train_x, &r.train_labels, r.classes, l2, TIGHT);
    let mut warm = Lbfgs::starting_from(
        &r.train_x,
        &r.train_labels,
        r.classes,
        l2,
        TIGHT,
        Some(&first.head),
    );
    while !warm.step() {}
    let warm = warm.fit();
    assert!(cold.converged && warm.converged);
    assert!(
        (warm.objective - cold.objective).abs() <= 1e-9,
        "{} vs {}",
        warm.objective,
        cold.objective
    );
    assert!(
        warm.iterations < cold.iterations,
        "warm {} cold {}",
        warm.iterations,
        cold.iterations
    );
    let mut other = Lbfgs::starting_from(
        &r.train_x,
        &r.train_labels,
        r.classes + 1,
        l2,
        TIGHT,
        Some(&first.head),
    );
    while !other.step() {}
    assert!(
        other.fit().converged,
        "a head of another shape starts from zero"
    );
}
