//! A linear softmax head fitted to convergence: L-BFGS on the L2-penalised mean
//! cross-entropy over every row at once (issue 12). The weights are 1 280 x C, so the whole
//! problem fits in memory and each step sees the exact gradient; the answer does not depend
//! on a step count, a batch size or the set's size, only on the penalty.

use crate::model::head::{HeadWeights, LayerWeights};
use std::collections::VecDeque;

/// Pairs of (step, change of gradient) L-BFGS remembers: scipy's default `maxcor`, which
/// scikit-learn's `lbfgs` solver uses.
const MEMORY: usize = 10;
/// Converged when no entry of the gradient is larger than this. The objective is
/// `l2`-strongly convex, so the weights are within |gradient| / `l2` of the optimum: at
/// scikit-learn's default penalty on 200 rows (`l2` = 0.005), 1e-6 left them 4.6e-4 from
/// it (logistic_tests.rs measures 1e-4 of the largest weight); 1e-8 is well inside.
pub const GRADIENT_TOLERANCE: f64 = 1e-8;
/// Armijo's sufficient-decrease constant (Nocedal & Wright, Numerical Optimization, 3.1).
const ARMIJO: f64 = 1e-4;

/// The fitted head and how the fit ended.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticFit {
    pub head: HeadWeights,
    pub iterations: usize,
    /// The gradient fell below `GRADIENT_TOLERANCE` within the iterations allowed.
    pub converged: bool,
    /// Mean cross-entropy + `l2` / 2 * |W|^2 at the end (biases are not penalised).
    pub objective: f64,
}

/// Rows `x` (`[n, d]` row-major) with classes `labels[i] < classes`.
struct Problem<'a> {
    x: &'a [f32],
    labels: &'a [usize],
    d: usize,
    classes: usize,
    l2: f64,
}

impl Problem<'_> {
    /// The objective at `w` (`[d, classes]` row-major, then the biases), its gradient in `grad`.
    fn evaluate(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let (d, c) = (self.d, self.classes);
        let (weights, biases) = w.split_at(d * c);
        grad.fill(0.0);
        let mut loss = 0.0;
        let mut z = vec![0.0; c];
        for (xi, &label) in self.x.chunks_exact(d).zip(self.labels) {
            z.copy_from_slice(biases);
            for (&v, row) in xi.iter().zip(weights.chunks_exact(c)) {
                if v != 0.0 {
                    z.iter_mut().zip(row).for_each(|(z, &w)| *z += v as f64 * w);
                }
            }
            let max = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let log_sum = max + z.iter().map(|&v| (v - max).exp()).sum::<f64>().ln();
            loss += log_sum - z[label];
            // d loss / d z = softmax(z) - one_hot(label).
            for (k, z) in z.iter_mut().enumerate() {
                *z = (*z - log_sum).exp() - f64::from(u8::from(k == label));
            }
            let (grad_w, grad_b) = grad.split_at_mut(d * c);
            for (&v, row) in xi.iter().zip(grad_w.chunks_exact_mut(c)) {
                if v != 0.0 {
                    row.iter_mut()
                        .zip(&z)
                        .for_each(|(g, &e)| *g += v as f64 * e);
                }
            }
            grad_b.iter_mut().zip(&z).for_each(|(g, &e)| *g += e);
        }
        let inv = 1.0 / self.labels.len() as f64;
        let mut penalty = 0.0;
        for (g, &w) in grad[..d * c].iter_mut().zip(weights) {
            *g = *g * inv + self.l2 * w;
            penalty += w * w;
        }
        grad[d * c..].iter_mut().for_each(|g| *g *= inv);
        loss * inv + 0.5 * self.l2 * penalty
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn largest(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Fit a linear softmax head to rows `x` (`[labels.len(), d]`) by L-BFGS, from zero weights,
/// minimising mean cross-entropy + `l2` / 2 * |W|^2. scikit-learn's `LogisticRegression(C)`
/// minimises the same with `l2 = 1 / (C * n)`. `l2` must be positive (the problem is then
/// strictly convex: one answer, which L-BFGS finds).
pub fn fit_logistic(
    x: &[f32],
    labels: &[usize],
    classes: usize,
    l2: f64,
    max_iterations: usize,
) -> LogisticFit {
    let d = x.len() / labels.len().max(1);
    let problem = Problem {
        x,
        labels,
        d,
        classes,
        l2,
    };
    let size = d * classes + classes;
    let mut w = vec![0.0; size];
    let mut grad = vec![0.0; size];
    let mut f = problem.evaluate(&w, &mut grad);
    let mut memory: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let (mut iterations, mut converged) = (0, largest(&grad) <= GRADIENT_TOLERANCE);
    let (mut next, mut next_grad) = (vec![0.0; size], vec![0.0; size]);
    while !converged && iterations < max_iterations {
        // The two-loop recursion (Nocedal & Wright, algorithm 7.4): q becomes H * grad.
        let mut q = grad.clone();
        let mut alphas = Vec::with_capacity(memory.len());
        for (s, y, rho) in memory.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(q, y)| *q -= a * y);
            alphas.push(a);
        }
        // Initial scale: the last pair's curvature; before any, a first step of unit length.
        let gamma = memory
            .back()
            .map_or(1.0 / dot(&grad, &grad).sqrt(), |(s, y, _)| {
                dot(s, y) / dot(y, y)
            });
        q.iter_mut().for_each(|q| *q *= gamma);
        for ((s, y, rho), a) in memory.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(q, s)| *q += (a - b) * s);
        }
        let slope = -dot(&grad, &q);
        // Backtracking until the objective falls enough (Armijo).
        let mut t = 1.0;
        loop {
            next.iter_mut()
                .zip(&w)
                .zip(&q)
                .for_each(|((n, w), q)| *n = w - t * q);
            let f_next = problem.evaluate(&next, &mut next_grad);
            if f_next <= f + ARMIJO * t * slope {
                f = f_next;
                break;
            }
            t *= 0.5;
            if t < 1e-12 {
                // No decrease along the direction: as good as float arithmetic allows.
                return finish(&w, d, classes, iterations, false, f);
            }
        }
        let s: Vec<f64> = next.iter().zip(&w).map(|(n, w)| n - w).collect();
        let y: Vec<f64> = next_grad.iter().zip(&grad).map(|(n, g)| n - g).collect();
        let sy = dot(&s, &y);
        if sy > 0.0 {
            memory.push_back((s, y, 1.0 / sy));
            if memory.len() > MEMORY {
                memory.pop_front();
            }
        }
        std::mem::swap(&mut w, &mut next);
        std::mem::swap(&mut grad, &mut next_grad);
        iterations += 1;
        converged = largest(&grad) <= GRADIENT_TOLERANCE;
    }
    finish(&w, d, classes, iterations, converged, f)
}

fn finish(
    w: &[f64],
    d: usize,
    classes: usize,
    iterations: usize,
    converged: bool,
    objective: f64,
) -> LogisticFit {
    let (weights, biases) = w.split_at(d * classes);
    LogisticFit {
        head: HeadWeights {
            layers: vec![LayerWeights {
                inputs: d,
                outputs: classes,
                weight: weights.iter().map(|&v| v as f32).collect(),
                bias: biases.iter().map(|&v| v as f32).collect(),
            }],
        },
        iterations,
        converged,
        objective,
    }
}

#[cfg(test)]
#[path = "logistic_tests.rs"]
mod tests;
