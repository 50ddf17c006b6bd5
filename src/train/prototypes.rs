//! One-shot answers (issue 17): each class's prototype is the mean direction of its photos'
//! L2-normalised features, and a photo's probabilities are a softmax over its cosine
//! similarity to each prototype times a temperature (Snell et al. 2017, "Prototypical
//! Networks", with the cosine of Chen et al. 2019, "A Closer Look at Few-shot
//! Classification"). Nothing is trained, so it answers from one photo a class. As a head:
//! one layer whose column c is `T * p_c`, on normalised features (`HeadWeights::normalize`).

use super::metrics::Evaluation;
use super::split::Plan;
use crate::model::FEATURE_DIM;
use crate::model::head::{HeadWeights, LayerWeights, l2_normalized};

/// The temperature when no class has two photos to calibrate it on: what leave-one-out
/// calibrated on crops of six scikit-image scenes at 3 photos a class (15.8; 35.5 at 6 a
/// class), measured 2026-12-01 with `graft train --method prototypes`.
pub const DEFAULT_TEMPERATURE: f32 = 16.0;

/// The calibration's candidates: 1 to 40 on a log scale, 33 steps (x1.12 each). Classes
/// that leave-one-out always gets right would take any temperature, however hot: the cap
/// keeps a margin of 0.1 in cosine at e^4 to 1 rather than e^10.
fn candidates() -> impl Iterator<Item = f32> {
    (0..=32).map(|i| 10f32.powf(i as f32 / 20.0))
}

/// The hottest candidate.
pub fn max_temperature() -> f32 {
    10f32.powf(32.0 / 20.0)
}

/// Each class's sum of normalised rows (`features`: `[N * dim]`, row i of class
/// `labels[i]`), in f64.
fn sums(features: &[f32], labels: &[usize], classes: usize) -> (Vec<Vec<f64>>, Vec<Vec<f32>>) {
    let dim = features.len() / labels.len().max(1);
    let mut sums = vec![vec![0f64; dim]; classes];
    let mut rows = Vec::with_capacity(labels.len());
    for (row, &label) in features.chunks_exact(dim.max(1)).zip(labels) {
        let unit = l2_normalized(row);
        for (s, v) in sums[label].iter_mut().zip(&unit) {
            *s += *v as f64;
        }
        rows.push(unit);
    }
    (sums, rows)
}

fn unit(v: &[f64]) -> Vec<f64> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter()
        .map(|x| if norm == 0.0 { 0.0 } else { x / norm })
        .collect()
}

fn dot(a: &[f32], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * y).sum()
}

/// Each class's prototype: the normalised sum (so the mean direction) of its normalised rows.
pub fn prototypes(features: &[f32], labels: &[usize], classes: usize) -> Vec<Vec<f32>> {
    of_sums(&sums(features, labels, classes).0)
}

fn of_sums(sums: &[Vec<f64>]) -> Vec<Vec<f32>> {
    sums.iter()
        .map(|s| unit(s).into_iter().map(|v| v as f32).collect())
        .collect()
}

/// Cosine similarities of each photo in a class of two or more to every prototype, its
/// own class's made without it (leave-one-out): `(index, similarities)`.
pub fn left_out(features: &[f32], labels: &[usize], classes: usize) -> Vec<(usize, Vec<f64>)> {
    let (sums, rows) = sums(features, labels, classes);
    left_out_of_sums(&sums, &rows, labels)
}

/// `left_out` from the class sums and normalised rows `sums` made.
fn left_out_of_sums(
    sums: &[Vec<f64>],
    rows: &[Vec<f32>],
    labels: &[usize],
) -> Vec<(usize, Vec<f64>)> {
    let classes = sums.len();
    let units: Vec<Vec<f64>> = sums.iter().map(|s| unit(s)).collect();
    let mut counts = vec![0; classes];
    labels.iter().for_each(|&l| counts[l] += 1);
    let mut out = Vec::new();
    for (i, (row, &label)) in rows.iter().zip(labels).enumerate() {
        if counts[label] < 2 {
            continue;
        }
        let sims = (0..classes)
            .map(|c| {
                if c != label {
                    return dot(row, &units[c]);
                }
                let without: Vec<f64> = sums[c]
                    .iter()
                    .zip(row)
                    .map(|(s, v)| s - *v as f64)
                    .collect();
                dot(row, &unit(&without))
            })
            .collect();
        out.push((i, sims));
    }
    out
}

/// The temperature that minimises the left-out photos' mean cross-entropy (of
/// `candidates`); `DEFAULT_TEMPERATURE` when there are none.
pub fn calibrate(left_out: &[(usize, Vec<f64>)], labels: &[usize]) -> f32 {
    let loss = |t: f32| -> f64 {
        let t = t as f64;
        left_out
            .iter()
            .map(|(i, sims)| {
                let top = sims.iter().fold(f64::MIN, |m, s| m.max(t * s));
                let sum: f64 = sims.iter().map(|s| (t * s - top).exp()).sum();
                top + sum.ln() - t * sims[labels[*i]]
            })
            .sum()
    };
    if left_out.is_empty() {
        return DEFAULT_TEMPERATURE;
    }
    candidates()
        .map(|t| (t, loss(t)))
        .fold((DEFAULT_TEMPERATURE, f64::MAX), |best, c| {
            if c.1 < best.1 { c } else { best }
        })
        .0
}

/// A prototype classifier fitted to `features` (`[N * dim]`) and `labels`.
pub struct PrototypeFit {
    pub head: HeadWeights,
    pub temperature: f32,
    /// Each photo of a class of two or more, judged by prototypes made without it, and
    /// which photos those are.
    pub left_out: Option<Evaluation>,
    pub left_out_of: Vec<usize>,
}

pub fn fit(features: &[f32], labels: &[usize], classes: usize) -> PrototypeFit {
    let dim = features.len() / labels.len().max(1);
    // Every row normalised once, for both the left-out figures and the prototypes.
    let (class_sums, rows) = sums(features, labels, classes);
    let out = left_out_of_sums(&class_sums, &rows, labels);
    let temperature = calibrate(&out, labels);
    let protos = of_sums(&class_sums);
    // Row-major [dim, classes]: row r holds feature r's weight for each class.
    let mut weight = vec![0f32; dim * classes];
    for (c, p) in protos.iter().enumerate() {
        for (r, v) in p.iter().enumerate() {
            weight[r * classes + c] = temperature * v;
        }
    }
    let left_out = (!out.is_empty()).then(|| {
        let (index, predicted): (Vec<usize>, Vec<usize>) = out
            .iter()
            .map(|(i, sims)| {
                let best = (0..classes).fold(0, |b, c| if sims[c] > sims[b] { c } else { b });
                (labels[*i], best)
            })
            .unzip();
        Evaluation::new(classes, index, predicted)
    });
    PrototypeFit {
        left_out_of: out.iter().map(|(i, _)| *i).collect(),
        head: HeadWeights {
            layers: vec![LayerWeights {
                inputs: dim,
                outputs: classes,
                weight,
                bias: vec![0.0; classes],
            }],
            normalize: true,
        },
        temperature,
        left_out,
    }
}

/// Prototypes fitted and measured as a training plan says.
pub struct Planned {
    pub fit: PrototypeFit,
    pub evaluation: Option<Evaluation>,
    /// The photos the figures come from (indices into the rows).
    pub evaluated: Vec<usize>,
    /// The figures are the plan's held-out photos' (else each photo left out in turn).
    pub held_out: bool,
}

/// Prototypes of `features` (`[N * 1280]`) as `plan` says: measured on its held-out photos
/// by the training photos' prototypes, which the model keeps, when it holds some out;
/// else made of every photo and measured by leaving each out in turn.
pub fn fit_planned(features: &[f32], labels: &[usize], plan: &Plan, classes: usize) -> Planned {
    let row = |i: usize| &features[i * FEATURE_DIM..(i + 1) * FEATURE_DIM];
    let pick = |set: &[usize]| -> (Vec<f32>, Vec<usize>) {
        let rows = set.iter().flat_map(|&i| row(i)).copied().collect();
        (rows, set.iter().map(|&i| labels[i]).collect())
    };
    match plan {
        Plan::HeldOut(split) if !split.validation.is_empty() => {
            let (f, l) = pick(&split.train);
            let fit = fit(&f, &l, classes);
            let (vf, vl) = pick(&split.validation);
            Planned {
                evaluation: Some(Evaluation::of_head(&fit.head, &vf, &vl)),
                evaluated: split.validation.clone(),
                held_out: true,
                fit,
            }
        }
        Plan::HeldOut(split) => {
            let (f, l) = pick(&split.train);
            Planned {
                fit: fit(&f, &l, classes),
                evaluation: None,
                evaluated: Vec::new(),
                held_out: true,
            }
        }
        Plan::Share(_) | Plan::CrossValidated(_) => {
            let fit = fit(features, labels, classes);
            Planned {
                evaluation: fit.left_out.clone(),
                evaluated: fit.left_out_of.clone(),
                held_out: false,
                fit,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes in 2-D: class 0 at (2, 0) and (0, 3) (unit rows (1, 0), (0, 1)), class 1
    /// at (-1, 0). By hand: prototype 0 = (1, 1) / sqrt 2, prototype 1 = (-1, 0); photo 0
    /// left out of class 0 leaves its prototype at (0, 1): similarities (0, -1).
    #[test]
    fn prototypes_and_left_out_similarities_by_hand() {
        let features = [2.0, 0.0, 0.0, 3.0, -1.0, 0.0];
        let labels = [0, 0, 1];
        let p = prototypes(&features, &labels, 2);
        let h = std::f32::consts::FRAC_1_SQRT_2;
        assert!(
            (p[0][0] - h).abs() < 1e-7 && (p[0][1] - h).abs() < 1e-7,
            "{p:?}"
        );
        assert_eq!(p[1], vec![-1.0, 0.0]);
        let out = left_out(&features, &labels, 2);
        // Photo 2 is its class's only one: not left out.
        assert_eq!(out.iter().map(|o| o.0).collect::<Vec<_>>(), vec![0, 1]);
        assert!((out[0].1[0] - 0.0).abs() < 1e-12 && (out[0].1[1] + 1.0).abs() < 1e-12);
        assert!((out[1].1[0] - 0.0).abs() < 1e-12 && (out[1].1[1] - 0.0).abs() < 1e-12);
    }

    /// The head gives softmax(T * cos): for photo (0, 3), cos to prototype 0 is 1/sqrt 2
    /// and to prototype 1 is 0, whatever its length.
    #[test]
    fn the_head_scores_cosines_times_the_temperature() {
        let fit = fit(&[2.0, 0.0, 0.0, 3.0, -1.0, 0.0], &[0, 0, 1], 2);
        for scale in [1.0, 40.0] {
            let z = fit.head.logits(&[0.0, 3.0 * scale]);
            let t = fit.temperature;
            assert!(
                (z[0] - t * std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-5 * t,
                "{z:?}"
            );
            assert!(z[1].abs() < 1e-6, "{z:?}");
        }
        // Left out, both photos of class 0 sit at similarity 0 to their class and 0 or -1
        // to the other: the first is right, the second a tie (to the first class).
        let eval = fit.left_out.unwrap();
        assert_eq!(eval.predicted, vec![0, 0]);
    }

    /// With separable classes, a hotter softmax always fits better: the hottest candidate.
    #[test]
    fn calibration_picks_the_temperature_that_fits_best() {
        let out = vec![(0, vec![0.9, 0.1]), (1, vec![0.2, 0.8])];
        assert_eq!(calibrate(&out, &[0, 1]), max_temperature());
        // Half wrong: a cooler softmax fits better than the hottest.
        let out = vec![(0, vec![0.9, 0.1]), (1, vec![0.6, 0.5])];
        assert!(calibrate(&out, &[0, 1]) < max_temperature());
        assert_eq!(calibrate(&[], &[]), DEFAULT_TEMPERATURE);
    }
}
