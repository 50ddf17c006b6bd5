//! Pseudo-labels by consistency (issue 17), FixMatch-style (Sohn et al. 2020, "FixMatch:
//! Simplifying Semi-Supervised Learning with Consistency and Confidence") on cached views:
//! a head fitted on the labelled photos labels an unlabelled photo only when it gives the
//! same class to the photo and to every augmented view of it, sure on average to at least
//! `THRESHOLD`. The other rule beside label propagation (train/propagation.rs); the
//! benchmarks document measures both.

use super::data::Views;
use super::propagation::{PseudoLabels, fresh_rows};
use crate::inference::softmax_row;
use crate::model::head::HeadWeights;

/// FixMatch's confidence threshold (tau = 0.95, their Table 8's best).
pub const THRESHOLD: f32 = 0.95;
/// Augmented views a pool photo is checked on: the page's largest view setting's half.
pub const VIEWS: usize = 4;

/// The pool photos (`pool`, `dim`-wide rows) `head` labels consistently across the photo
/// and its `views` (`views.of[i]`: the pool photo of view row `i`); copies of `labelled`
/// rows are left out, as propagation leaves them, and a photo with no views is not
/// labelled.
pub fn consistent(
    head: &HeadWeights,
    labelled: &[f32],
    pool: &[f32],
    views: &Views,
    dim: usize,
) -> PseudoLabels {
    let fresh = fresh_rows(labelled, pool, dim);
    let copies = pool.len() / dim - fresh.len();
    let probs = |row: &[f32]| softmax_row(&head.logits(row));
    let argmax = |p: &[f32]| (0..p.len()).fold(0, |b, c| if p[c] > p[b] { c } else { b });
    // Each pool photo's view rows, in one pass over the views.
    let mut views_of = vec![Vec::new(); pool.len() / dim];
    for (v, &of) in views.of.iter().enumerate() {
        if let Some(list) = views_of.get_mut(of) {
            list.push(v);
        }
    }
    let (mut rows, mut classes) = (Vec::new(), Vec::new());
    for &i in &fresh {
        // A photo without views (its kept copy could not be read) cannot be checked.
        if views_of[i].is_empty() {
            continue;
        }
        let mut seen = vec![probs(&pool[i * dim..(i + 1) * dim])];
        let view = |v: usize| &views.features[v * dim..(v + 1) * dim];
        seen.extend(views_of[i].iter().map(|&v| probs(view(v))));
        let class = argmax(&seen[0]);
        let agree = seen.iter().all(|p| argmax(p) == class);
        let sure = seen.iter().map(|p| p[class]).sum::<f32>() / seen.len() as f32;
        if agree && sure >= THRESHOLD {
            rows.push(i);
            classes.push(class);
        }
    }
    let unsure = fresh.len() - rows.len();
    PseudoLabels {
        rows,
        classes,
        copies,
        unsure,
        rule: format!("consistency over {VIEWS} augmented views (sure to {THRESHOLD})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::head::LayerWeights;

    /// A hand-made head on 2-D rows whose logits are the rows scaled by 10: a photo kept
    /// needs every view on its side and sure; one view across the line drops it; an unsure
    /// photo (near the line) is dropped; a copy of a labelled row is counted apart.
    #[test]
    fn only_photos_sure_on_every_view_are_labelled() {
        let head = HeadWeights {
            layers: vec![LayerWeights {
                inputs: 2,
                outputs: 2,
                weight: vec![10.0, 0.0, 0.0, 10.0],
                bias: vec![0.0, 0.0],
            }],
            normalize: false,
        };
        let labelled = [0.8, 0.1];
        // Photo 0: class 0 and sure, views too; 1: class 1, but one view on the other side;
        // 2: near the line (p = 0.73); 3: a copy of the labelled row; 4: sure, but with
        // no views to check it on.
        let pool = [1.0, 0.0, 0.0, 1.0, 0.6, 0.5, 0.8, 0.1, 1.0, 0.0];
        let views = Views {
            features: vec![0.9, 0.0, 1.0, 0.1, 0.0, 1.0, 1.0, 0.0],
            of: vec![0, 0, 1, 1],
        };
        let got = consistent(&head, &labelled, &pool, &views, 2);
        assert_eq!((got.rows, got.classes), (vec![0], vec![0]));
        assert_eq!((got.copies, got.unsure), (1, 3));
    }
}
