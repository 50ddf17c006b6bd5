//! Rows for the training tests: features a linear head can separate.

use crate::model::FEATURE_DIM;
use crate::rng::SplitMix64;

/// `per_class` vectors per class for `classes` classes: class c lights up features
/// `c, c + classes, ...` above uniform noise, so a linear head separates them.
pub(crate) fn separable(classes: usize, per_class: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut rng = SplitMix64(seed);
    let labels: Vec<usize> = (0..classes * per_class).map(|i| i % classes).collect();
    let features = labels
        .iter()
        .flat_map(|&c| {
            (0..FEATURE_DIM)
                .map(|j| (if j % classes == c { 1.0 } else { 0.0 }) + rng.next_f64() as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    (features, labels)
}
