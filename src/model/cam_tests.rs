//! Class maps against hand-computed cases and finite differences.

use super::*;
use crate::model::head::{HeadConfig, LayerWeights};
use crate::rng::SplitMix64;

fn linear(weight: Vec<f32>, bias: Vec<f32>, normalize: bool) -> HeadWeights {
    HeadWeights {
        layers: vec![LayerWeights {
            inputs: weight.len() / bias.len(),
            outputs: bias.len(),
            weight,
            bias,
        }],
        normalize,
    }
}

#[test]
fn a_linear_heads_map_is_each_positions_share_by_hand() {
    // 2 channels, 2 classes, a 2 x 2 map. W = [[1, -1], [2, 0.5]] (rows: channels).
    let head = linear(vec![1.0, -1.0, 2.0, 0.5], vec![0.25, -0.5], false);
    let map = [1.0, 0.0, 0.0, 2.0, 3.0, 1.0, 0.0, 0.0]; // positions (1,0) (0,2) (3,1) (0,0)
    let cam = class_map(&head, &map, 2, 0);
    assert_eq!(cam.kind, MapKind::Cam);
    // Class 0: 1 * a0 + 2 * a1.
    assert_eq!(cam.values, vec![1.0, 4.0, 5.0, 0.0]);
    let cam1 = class_map(&head, &map, 2, 1);
    // Class 1: -a0 + 0.5 * a1.
    assert_eq!(cam1.values, vec![-1.0, 1.0, -2.5, 0.0]);
    // The mean share plus the bias is the logit of the pooled features.
    let logits = head.logits(&pooled(&map, 2));
    for (c, m) in [(0, &cam), (1, &cam1)] {
        let mean = m.values.iter().sum::<f32>() / 4.0;
        assert!((mean + head.layers[0].bias[c] - logits[c]).abs() < 1e-6);
    }
    // Drawn: cut at zero, scaled by the largest.
    assert_eq!(cam.heat(), vec![0.2, 0.8, 1.0, 0.0]);
    assert_eq!(cam1.heat(), vec![0.0, 1.0, 0.0, 0.0]);
}

#[test]
fn a_normalised_heads_shares_still_sum_to_its_logit() {
    // Pooled features (2, 1): |f| = sqrt(5).
    let head = linear(vec![1.0, -1.0, 2.0, 0.5], vec![0.25, -0.5], true);
    let map = [1.0, 0.0, 3.0, 2.0]; // two positions
    let logits = head.logits(&pooled(&map, 2));
    for (c, logit) in logits.iter().enumerate() {
        let cam = class_map(&head, &map, 1, c);
        let mean = cam.values.iter().sum::<f32>() / 2.0;
        assert!((mean + head.layers[0].bias[c] - logit).abs() < 1e-6);
    }
    let five = 5f32.sqrt();
    let cam = class_map(&head, &map, 1, 0);
    assert!((cam.values[0] - 1.0 / five).abs() < 1e-6);
    assert!((cam.values[1] - 7.0 / five).abs() < 1e-6);
}

/// The gradient of `head`'s logit for `class` at `f` by central differences.
fn finite_difference(head: &HeadWeights, f: &[f32], class: usize) -> Vec<f32> {
    let step = 1e-2f32;
    (0..f.len())
        .map(|k| {
            let (mut up, mut down) = (f.to_vec(), f.to_vec());
            up[k] += step;
            down[k] -= step;
            (head.logits(&up)[class] - head.logits(&down)[class]) / (2.0 * step)
        })
        .collect()
}

#[test]
fn grad_cams_channel_weights_match_finite_differences() {
    let mut rng = SplitMix64(17);
    for normalize in [false, true] {
        let mut head = HeadConfig::new(3)
            .with_hidden(16)
            .with_inputs(24)
            .init_weights(5);
        head.normalize = normalize;
        (head.layers[0].bias.iter_mut()).for_each(|b| *b = (rng.next_f64() as f32 - 0.5) * 0.2);
        let f: Vec<f32> = (0..24).map(|_| rng.next_f64() as f32 * 2.0).collect();
        for class in 0..3 {
            let (kind, weights) = channel_weights(&head, &f, class);
            assert_eq!(kind, MapKind::GradCam);
            let numeric = finite_difference(&head, &f, class);
            let scale = numeric.iter().fold(0f32, |m, v| m.max(v.abs()));
            for (k, (a, n)) in weights.iter().zip(&numeric).enumerate() {
                // Tolerance: f32 logits differenced over 2e-2 (~1e-5), a hidden unit that
                // crosses zero within the step would show as more.
                assert!(
                    (a - n).abs() <= 1e-3 * scale.max(1.0),
                    "normalize {normalize}, class {class}, channel {k}: {a} vs {n}"
                );
            }
        }
    }
}
