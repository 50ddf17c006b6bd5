//! Where the model looks: a class's map over the positions of the map the features pool.
//!
//! A linear head on pooled features gives an exact class activation map (CAM, Zhou et al.
//! 2016): the logit is the mean over positions of `b + w · a_p / s` (`s = |f|` for a head
//! on L2-normalised features, else 1), so position `p`'s share is `w · a_p / s`. A head with
//! a hidden layer gives Grad-CAM (Selvaraju et al. 2017): the channels weighted by the
//! gradient of the class's logit with respect to the pooled features (the map's gradient
//! averaged over positions, but for pooling's `1 / HW`); a fine-tuned tail changes the map,
//! not the rule, since the map feeds the pooling directly.

use super::head::{HeadWeights, l2_normalized};

/// How a map was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MapKind {
    /// Exact: the positions' shares of the logit (a linear head).
    Cam,
    /// The gradient-weighted channels (a head with a hidden layer).
    GradCam,
}

impl MapKind {
    pub fn label(self) -> &'static str {
        match self {
            MapKind::Cam => "CAM",
            MapKind::GradCam => "Grad-CAM",
        }
    }
}

/// One class's map for one photo.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassMap {
    pub kind: MapKind,
    pub class: usize,
    /// Positions a side (7 for a 224 input).
    pub side: usize,
    /// One value a position, row by row: for CAM each position's share of the logit (their
    /// mean plus the bias is the logit), for Grad-CAM its first-order contribution.
    pub values: Vec<f32>,
}

/// The pooled features of one photo's map (`side * side` positions of `channels`).
pub fn pooled(map: &[f32], channels: usize) -> Vec<f32> {
    let positions = (map.len() / channels.max(1)).max(1);
    let mut sum = vec![0f64; channels];
    for at in map.chunks_exact(channels) {
        sum.iter_mut().zip(at).for_each(|(s, v)| *s += *v as f64);
    }
    sum.into_iter()
        .map(|s| (s / positions as f64) as f32)
        .collect()
}

/// The weight of each channel in `class`'s map, given the photo's pooled `features`.
pub fn channel_weights(head: &HeadWeights, features: &[f32], class: usize) -> (MapKind, Vec<f32>) {
    let first = &head.layers[0];
    let column = |l: &super::head::LayerWeights, o: usize| -> Vec<f64> {
        (0..l.inputs)
            .map(|r| l.weight[r * l.outputs + o] as f64)
            .collect()
    };
    let x = if head.normalize {
        l2_normalized(features)
    } else {
        features.to_vec()
    };
    let norm = match head.normalize {
        true => (features.iter().map(|v| (*v as f64).powi(2)).sum::<f64>()).sqrt(),
        false => 1.0,
    };
    let Some(last) = head.layers.get(1) else {
        let w = column(first, class);
        return (
            MapKind::Cam,
            w.iter().map(|w| (w / norm.max(1e-30)) as f32).collect(),
        );
    };
    // d logit / d x = sum over active hidden units j of W2[j, c] * W1[:, j].
    let mut grad = vec![0f64; first.inputs];
    for j in 0..first.outputs {
        let h = first.bias[j] as f64
            + (x.iter().enumerate())
                .map(|(r, v)| *v as f64 * first.weight[r * first.outputs + j] as f64)
                .sum::<f64>();
        if h <= 0.0 {
            continue;
        }
        let w2 = last.weight[j * last.outputs + class] as f64;
        for (r, g) in grad.iter_mut().enumerate() {
            *g += w2 * first.weight[r * first.outputs + j] as f64;
        }
    }
    if head.normalize && norm > 0.0 {
        // Through x = f / |f|: (g - (g . x) x) / |f|.
        let along: f64 = grad.iter().zip(&x).map(|(g, v)| g * *v as f64).sum();
        (grad.iter_mut().zip(&x)).for_each(|(g, v)| *g = (*g - along * *v as f64) / norm);
    }
    (
        MapKind::GradCam,
        grad.into_iter().map(|g| g as f32).collect(),
    )
}

/// `class`'s map for one photo's feature map (position-major, `side * side * channels`).
pub fn class_map(head: &HeadWeights, map: &[f32], side: usize, class: usize) -> ClassMap {
    let channels = head.layers[0].inputs;
    let (kind, weights) = channel_weights(head, &pooled(map, channels), class);
    let values = (map.chunks_exact(channels))
        .map(|at| {
            let share: f64 = at
                .iter()
                .zip(&weights)
                .map(|(a, w)| *a as f64 * *w as f64)
                .sum();
            share as f32
        })
        .collect();
    ClassMap {
        kind,
        class,
        side,
        values,
    }
}

impl ClassMap {
    /// The map to draw (`heat`).
    pub fn heat(&self) -> Vec<f32> {
        heat(&self.values)
    }
}

/// A map to draw: what speaks against the class cut (ReLU, as Grad-CAM does), scaled to
/// 0..1 by the largest value (all zeros where nothing speaks for the class).
pub fn heat(values: &[f32]) -> Vec<f32> {
    let top = values.iter().cloned().fold(0f32, f32::max);
    (values.iter())
        .map(|v| if top > 0.0 { v.max(0.0) / top } else { 0.0 })
        .collect()
}

/// Every class's map for one photo, in the head's class order: what the preview sends, so
/// that the page draws any class's without asking again.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassMaps {
    pub kind: MapKind,
    pub side: usize,
    pub maps: Vec<Vec<f32>>,
}

pub fn class_maps(head: &HeadWeights, map: &[f32], side: usize) -> ClassMaps {
    let all: Vec<ClassMap> = (0..head.classes())
        .map(|c| class_map(head, map, side, c))
        .collect();
    ClassMaps {
        kind: all.first().map_or(MapKind::Cam, |m| m.kind),
        side,
        maps: all.into_iter().map(|m| m.values).collect(),
    }
}

#[cfg(test)]
#[path = "cam_tests.rs"]
mod tests;
