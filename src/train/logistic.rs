//! A linear softmax head fitted to convergence: L-BFGS on the L2-penalised mean
//! cross-entropy over every row at once (issue 12). The weights are 1 280 x C, so the whole
//! problem fits in memory and each step sees the exact gradient; the answer does not depend
//! on a step count, a batch size or the set's size, only on the penalty. One iteration at a
//! time (`Lbfgs::step`), so that a page can yield between them.

use crate::model::head::{HeadWeights, LayerWeights};
use crate::model::matmul::{Scalar, matmul, matmul_transposed};
use std::collections::VecDeque;

/// Pairs of (step, change of gradient) L-BFGS remembers: scipy's default `maxcor`, which
/// scikit-learn's `lbfgs` solver uses.
const MEMORY: usize = 10;
/// Armijo's sufficient-decrease constant (Nocedal & Wright, Numerical Optimization, 3.1).
const ARMIJO: f64 = 1e-4;

/// When a fit ends: no entry of the gradient above `gradient`, or `max_iterations` done.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stop {
    pub gradient: f64,
    pub max_iterations: usize,
}

impl Stop {
    /// The head's: scikit-learn's `tol` (1e-4, its `gtol` for L-BFGS), which its reference
    /// accuracies are measured at. Tighter moved the benchmark's accuracies by at most 1
    /// point but cost time: on 1 000 real embeddings of 24 classes 187 iterations at 1e-4,
    /// 463 at 1e-5, over 1 000 at 1e-6 (docs/benchmarks.md).
    pub const HEAD: Stop = Stop {
        gradient: 1e-4,
        max_iterations: 1000,
    };
}

/// The fitted head and how the fit ended.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticFit {
    pub head: HeadWeights,
    pub iterations: usize,
    /// The gradient fell below the stop's within the iterations allowed.
    pub converged: bool,
    /// Mean cross-entropy + `l2` / 2 * |W|^2 at the end (biases are not penalised).
    pub objective: f64,
}

/// The centred rows, in the precision the products run at.
pub(super) enum Rows {
    /// f32 products, f64 sums: twice the SIMD lanes, and the gradient still resolves to
    /// ~1e-6 (a numpy replica asked for 1e-6 on 1 000 real embeddings of 24 classes ran its
    /// 1 000 iterations without stalling; docs/benchmarks.md), far below the head's stop.
    Single(Vec<f32>),
    /// Near an optimum asked for to 1e-7, objectives differ by less than f32 logits resolve.
    Double(Vec<f64>),
}

impl Rows {
    /// The precision a stop needs: f32 products down to a gradient of `SINGLE_DOWN_TO`.
    fn for_stop(centred: Vec<f64>, stop: Stop) -> Self {
        if stop.gradient >= SINGLE_DOWN_TO {
            Rows::Single(centred.into_iter().map(|v| v as f32).collect())
        } else {
            Rows::Double(centred)
        }
    }
}

/// The smallest gradient stop f32 products serve (see `Rows::Single`).
const SINGLE_DOWN_TO: f64 = 1e-5;

/// Rows `x` (`[n, d]`) with classes `labels[i] < classes`; losses and gradients are summed in
/// f64 whatever the products' precision.
pub(super) struct Problem {
    pub(super) x: Rows,
    pub(super) labels: Vec<usize>,
    pub(super) d: usize,
    pub(super) classes: usize,
    pub(super) l2: f64,
}

/// `X W` into `z` and `Xᵀ E` (E read from `z` after `errors` rewrote it) into `grad_w`, at the
/// rows' precision `T`.
fn products<T: Scalar + Into<f64>>(
    x: &[T],
    (n, d, c): (usize, usize, usize),
    weights: &[f64],
    cast: fn(f64) -> T,
    errors: &mut dyn FnMut(&mut [f64]),
    grad_w: &mut [f64],
) {
    let w: Vec<T> = weights.iter().map(|&v| cast(v)).collect();
    let mut z = vec![cast(0.0); n * c];
    matmul(n, c, d, x, &w, &mut z);
    let mut z64: Vec<f64> = z.iter().map(|&v| v.into()).collect();
    errors(&mut z64);
    z.iter_mut().zip(&z64).for_each(|(z, &e)| *z = cast(e));
    let mut g = vec![cast(0.0); d * c];
    matmul_transposed(d, c, n, x, &z, &mut g);
    grad_w.iter_mut().zip(&g).for_each(|(o, &v)| *o = v.into());
}

impl Problem {
    /// The objective at `w` (`[d, classes]` row-major, then the biases), its gradient in `grad`.
    pub(super) fn evaluate(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let (n, d, c) = (self.labels.len(), self.d, self.classes);
        let (weights, biases) = w.split_at(d * c);
        let mut loss = 0.0;
        let mut grad_b = vec![0.0f64; c];
        // Logits `X W + b` in, per row d loss / d z = softmax(z) - one_hot(label) out.
        let mut errors = |z: &mut [f64]| {
            for (row, &label) in z.chunks_exact_mut(c).zip(&self.labels) {
                row.iter_mut().zip(biases).for_each(|(z, b)| *z += b);
                let max = row.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                let log_sum = max + row.iter().map(|&v| (v - max).exp()).sum::<f64>().ln();
                loss += log_sum - row[label];
                for (k, (e, g)) in row.iter_mut().zip(&mut grad_b).enumerate() {
                    *e = (*e - log_sum).exp() - f64::from(u8::from(k == label));
                    *g += *e;
                }
            }
        };
        let mut grad_w = vec![0.0; d * c];
        let shape = (n, d, c);
        match &self.x {
            Rows::Single(x) => products(x, shape, weights, |v| v as f32, &mut errors, &mut grad_w),
            Rows::Double(x) => products(x, shape, weights, |v| v, &mut errors, &mut grad_w),
        }
        let inv = 1.0 / n.max(1) as f64;
        let mut penalty = 0.0;
        for ((g, &gw), &w) in grad.iter_mut().zip(&grad_w).zip(weights) {
            *g = gw * inv + self.l2 * w;
            penalty += w * w;
        }
        for (g, gb) in grad[d * c..].iter_mut().zip(grad_b) {
            *g = gb * inv;
        }
        loss * inv + 0.5 * self.l2 * penalty
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn largest(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// A fit under way, one iteration per `step`.
pub struct Lbfgs {
    problem: Problem,
    /// The rows' column means, taken out of `problem.x`.
    means: Vec<f64>,
    stop: Stop,
    w: Vec<f64>,
    grad: Vec<f64>,
    objective: f64,
    memory: VecDeque<(Vec<f64>, Vec<f64>, f64)>,
    iterations: usize,
    converged: bool,
    /// No decrease along the search direction: as good as float arithmetic allows.
    stalled: bool,
}

impl Lbfgs {
    /// Fit rows `x` (`[labels.len(), d]`) from zero weights, minimising mean cross-entropy +
    /// `l2` / 2 * |W|^2. scikit-learn's `LogisticRegression(C)` minimises the same with
    /// `l2 = 1 / (C * n)`. `l2` must be positive (the problem is then strictly convex: one
    /// answer, which L-BFGS finds).
    pub fn new(x: &[f32], labels: &[usize], classes: usize, l2: f64, stop: Stop) -> Self {
        Self::starting_from(x, labels, classes, l2, stop, None)
    }

    /// `new`, starting from a head of the same shape (a fit on most of the same rows): the
    /// same optimum, reached in fewer iterations (on 1 000 real embeddings of 24 classes,
    /// starting from the fit on 85 % of them took 107 iterations instead of 165 in a numpy
    /// replica of this solver; docs/benchmarks.md). Any other head is ignored.
    pub fn starting_from(
        x: &[f32],
        labels: &[usize],
        classes: usize,
        l2: f64,
        stop: Stop,
        start: Option<&HeadWeights>,
    ) -> Self {
        let (n, d) = (labels.len(), x.len() / labels.len().max(1));
        // Centred columns: features after ReLU6 and pooling are all positive, so their
        // mean is one direction the Hessian is far steeper along than any other, and
        // L-BFGS crawls. The bias is not penalised, so centring changes nothing but the
        // bias (`fit` shifts it back): the same optimum, in far fewer iterations.
        let mut means = vec![0.0f64; d];
        for row in x.chunks_exact(d.max(1)) {
            means
                .iter_mut()
                .zip(row)
                .for_each(|(m, &v)| *m += f64::from(v));
        }
        means.iter_mut().for_each(|m| *m /= n.max(1) as f64);
        let problem = Problem {
            x: Rows::for_stop(
                x.chunks_exact(d.max(1))
                    .flat_map(|row| row.iter().zip(&means).map(|(&v, m)| f64::from(v) - m))
                    .collect(),
                stop,
            ),
            labels: labels.to_vec(),
            d,
            classes,
            l2,
        };
        let size = d * classes + classes;
        let w = match start.map(|h| h.layers.as_slice()) {
            Some([layer]) if (layer.inputs, layer.outputs) == (d, classes) => {
                // Into centred rows: (x - means) W + b' = x W + b, so b' = b + means W.
                let mut bias: Vec<f64> = layer.bias.iter().map(|&b| f64::from(b)).collect();
                for (m, row) in means.iter().zip(layer.weight.chunks_exact(classes)) {
                    bias.iter_mut()
                        .zip(row)
                        .for_each(|(b, &w)| *b += m * f64::from(w));
                }
                (layer.weight.iter().map(|&w| f64::from(w)))
                    .chain(bias)
                    .collect()
            }
            _ => vec![0.0; size],
        };
        let mut grad = vec![0.0; size];
        let objective = problem.evaluate(&w, &mut grad);
        let converged = largest(&grad) <= stop.gradient;
        Self {
            problem,
            means,
            stop,
            w,
            grad,
            objective,
            memory: VecDeque::new(),
            iterations: 0,
            converged,
            stalled: false,
        }
    }

    pub fn finished(&self) -> bool {
        self.converged || self.stalled || self.iterations >= self.stop.max_iterations
    }

    /// One iteration; true once the fit has ended.
    pub fn step(&mut self) -> bool {
        if self.finished() {
            return true;
        }
        let q = self.direction();
        let slope = -dot(&self.grad, &q);
        // Backtracking until the objective falls enough (Armijo).
        let mut next_grad = vec![0.0; self.w.len()];
        let mut t = 1.0;
        let next = loop {
            let next: Vec<f64> = self.w.iter().zip(&q).map(|(w, q)| w - t * q).collect();
            let f = self.problem.evaluate(&next, &mut next_grad);
            if f <= self.objective + ARMIJO * t * slope {
                self.objective = f;
                break next;
            }
            t *= 0.5;
            if t < 1e-12 {
                self.stalled = true;
                return true;
            }
        };
        let s: Vec<f64> = next.iter().zip(&self.w).map(|(n, w)| n - w).collect();
        let y: Vec<f64> = next_grad
            .iter()
            .zip(&self.grad)
            .map(|(n, g)| n - g)
            .collect();
        let sy = dot(&s, &y);
        if sy > 0.0 {
            self.memory.push_back((s, y, 1.0 / sy));
            if self.memory.len() > MEMORY {
                self.memory.pop_front();
            }
        }
        self.w = next;
        self.grad = next_grad;
        self.iterations += 1;
        self.converged = largest(&self.grad) <= self.stop.gradient;
        self.finished()
    }

    /// The two-loop recursion (Nocedal & Wright, algorithm 7.4): H * grad.
    fn direction(&self) -> Vec<f64> {
        let mut q = self.grad.clone();
        let mut alphas = Vec::with_capacity(self.memory.len());
        for (s, y, rho) in self.memory.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(q, y)| *q -= a * y);
            alphas.push(a);
        }
        // Initial scale: the last pair's curvature; before any, a first step of unit length.
        let gamma = self
            .memory
            .back()
            .map_or(1.0 / dot(&self.grad, &self.grad).sqrt(), |(s, y, _)| {
                dot(s, y) / dot(y, y)
            });
        q.iter_mut().for_each(|q| *q *= gamma);
        for ((s, y, rho), a) in self.memory.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(q, s)| *q += (a - b) * s);
        }
        q
    }

    /// The weights as they stand, and how the fit ended.
    pub fn fit(&self) -> LogisticFit {
        let (d, classes) = (self.problem.d, self.problem.classes);
        let (weights, biases) = self.w.split_at(d * classes);
        // Back from centred rows: x W + b' = (x - means) W + b, so b' = b - means W.
        let mut bias = biases.to_vec();
        for (m, row) in self.means.iter().zip(weights.chunks_exact(classes)) {
            bias.iter_mut().zip(row).for_each(|(b, w)| *b -= m * w);
        }
        LogisticFit {
            head: HeadWeights {
                layers: vec![LayerWeights {
                    inputs: d,
                    outputs: classes,
                    weight: weights.iter().map(|&v| v as f32).collect(),
                    bias: bias.iter().map(|&v| v as f32).collect(),
                }],
                normalize: false,
            },
            iterations: self.iterations,
            converged: self.converged,
            objective: self.objective,
        }
    }
}

/// `Lbfgs` run to its end.
pub fn fit_logistic(
    x: &[f32],
    labels: &[usize],
    classes: usize,
    l2: f64,
    stop: Stop,
) -> LogisticFit {
    let mut fit = Lbfgs::new(x, labels, classes, l2, stop);
    while !fit.step() {}
    fit.fit()
}

#[cfg(test)]
#[path = "logistic_tests.rs"]
mod tests;
