//! The backbone's BatchNorms, kept apart from the folded weights, and an adaptation of them
//! to the user's photos (AdaBN, Li et al. 2016): a per-channel scale and shift after each
//! folded convolution, folded into its weight and bias.
//!
//! The converter folds each BatchNorm into the convolution before it:
//! `t = s·(W x) + β − s·μ` with `s = γ / √(var + ε)`. Re-estimating the statistics on new
//! photos means normalising `z = W x` by its mean `μ'` and variance `σ'²` there instead.
//! Written in terms of `t`, whose mean `m` and variance `v` over the photos are what is
//! measured: `μ' = (m − β)/s + μ` and `σ'² = v/s²`, so
//! `γ (z − μ') / √(σ'² + ε) + β = k (t − m) + β` with `k = |γ| / √(v + ε s²)` (`s` has
//! `γ`'s sign): a scale `k` and a shift `β − k m` on the folded output, the identity at the
//! statistics the weights were folded with (`m = β`, `v = s²·var`). Only `γ`, `β` and `var` are needed, which is what
//! `scripts/convert_weights.py` keeps in the `.batchnorm.safetensors` file beside the weights.

use super::weights::{BACKBONE_ID, WeightsError};
use safetensors::{Dtype, SafeTensors};
use std::collections::BTreeMap;

/// What the BatchNorm file says it is (`scripts/convert_weights.py`).
pub const BATCHNORM_FORMAT: &str = "graft-batchnorm/1";

/// One BatchNorm's parameters, per output channel of its convolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Norm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    /// The running variance the weights were folded with.
    pub var: Vec<f32>,
}

/// Every BatchNorm of the backbone, by the name of the convolution it was folded into.
#[derive(Clone, Debug)]
pub struct BatchNorms {
    norms: BTreeMap<String, Norm>,
    eps: f32,
}

/// The mean and variance of one folded convolution's output over some photos, per channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    pub mean: Vec<f64>,
    pub var: Vec<f64>,
}

/// Per-channel `y ← scale·y + shift` after each folded convolution named, in network order.
#[derive(Clone, Debug, PartialEq)]
pub struct Adaptation {
    pub convs: Vec<AdaptedConv>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AdaptedConv {
    pub name: String,
    pub scale: Vec<f32>,
    pub shift: Vec<f32>,
}

impl BatchNorms {
    /// Parse the BatchNorm file's bytes (untrusted), which must belong to the weights whose
    /// id (`WeightFile::id`) is `weights_id`.
    pub fn parse(bytes: &[u8], weights_id: &str) -> Result<Self, WeightsError> {
        let format = |e: String| WeightsError::Format(format!("the BatchNorm file: {e}"));
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| format(e.to_string()))?;
        let entries = meta.metadata().clone().unwrap_or_default();
        let field = |key: &str| entries.get(key).map(String::as_str).unwrap_or("");
        if field("format") != BATCHNORM_FORMAT || field("backbone") != BACKBONE_ID {
            return Err(format(format!(
                "it is not a {BATCHNORM_FORMAT} file for {BACKBONE_ID}"
            )));
        }
        if field("weights") != weights_id {
            return Err(format(
                "it belongs to other weights (run the README's set-up command)".into(),
            ));
        }
        let eps: f32 = field("eps")
            .parse()
            .ok()
            .filter(|e: &f32| *e > 0.0 && e.is_finite())
            .ok_or_else(|| format("no valid eps".into()))?;
        let file = SafeTensors::deserialize(bytes).map_err(|e| format(e.to_string()))?;
        let mut values: BTreeMap<String, Vec<f32>> = BTreeMap::new();
        for (name, view) in file.tensors() {
            if view.dtype() != Dtype::F32 || view.shape().len() != 1 {
                return Err(format(format!("'{name}' is not a vector of f32")));
            }
            let v: Vec<f32> = (view.data().chunks_exact(4))
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if v.iter().any(|x| !x.is_finite()) {
                return Err(WeightsError::NotFinite(name));
            }
            values.insert(name, v);
        }
        let mut norms = BTreeMap::new();
        let convs: Vec<String> = (values.keys())
            .filter_map(|k| k.strip_suffix(".gamma").map(str::to_string))
            .collect();
        for conv in convs {
            let mut take = |part: &str| {
                let key = format!("{conv}.{part}");
                values.remove(&key).ok_or(WeightsError::Missing(key))
            };
            let norm = Norm {
                gamma: take("gamma")?,
                beta: take("beta")?,
                var: take("var")?,
            };
            let n = norm.gamma.len();
            if norm.beta.len() != n || norm.var.len() != n || norm.var.iter().any(|v| *v < 0.0) {
                return Err(format(format!(
                    "'{conv}' has mismatched or negative values"
                )));
            }
            norms.insert(conv, norm);
        }
        if !values.is_empty() {
            return Err(WeightsError::Unused(values.into_keys().collect()));
        }
        Ok(Self { norms, eps })
    }

    /// The BatchNorm folded into convolution `name`, with `channels` channels.
    pub fn get(&self, name: &str, channels: usize) -> Result<&Norm, WeightsError> {
        match self.norms.get(name) {
            Some(n) if n.gamma.len() == channels => Ok(n),
            Some(n) => Err(WeightsError::Shape {
                name: format!("{name}.gamma"),
                expected: vec![channels],
                found: vec![n.gamma.len()],
            }),
            None => Err(WeightsError::Missing(format!("{name}.gamma"))),
        }
    }

    /// How many convolutions have a BatchNorm.
    pub fn len(&self) -> usize {
        self.norms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.norms.is_empty()
    }

    /// The scale and shift that re-normalise convolution `name`'s folded output, whose
    /// moments over the user's photos are `moments` (module docs: `k = |γ|/√(v + ε s²)`,
    /// shift `β − k m`).
    pub fn adapt(&self, name: &str, moments: &Moments) -> Result<AdaptedConv, WeightsError> {
        let norm = self.get(name, moments.mean.len())?;
        let eps = self.eps as f64;
        let mut scale = Vec::with_capacity(norm.gamma.len());
        let mut shift = Vec::with_capacity(norm.gamma.len());
        for c in 0..norm.gamma.len() {
            let (gamma, beta, var) = (
                norm.gamma[c] as f64,
                norm.beta[c] as f64,
                norm.var[c] as f64,
            );
            let s2 = gamma * gamma / (var + eps);
            let k = gamma.abs() / (moments.var[c].max(0.0) + eps * s2).sqrt();
            scale.push(if k.is_finite() { k as f32 } else { 1.0 });
            shift.push(if k.is_finite() {
                (beta - k * moments.mean[c]) as f32
            } else {
                0.0
            });
        }
        Ok(AdaptedConv {
            name: name.to_string(),
            scale,
            shift,
        })
    }
}

impl AdaptedConv {
    /// Fold into a convolution's weight `[out, ...]` (row-major) and bias `[out]`.
    pub fn fold(&self, weight: &mut [f32], bias: &mut [f32]) {
        let per_channel = weight.len() / self.scale.len().max(1);
        for (c, chunk) in weight.chunks_exact_mut(per_channel).enumerate() {
            chunk.iter_mut().for_each(|w| *w *= self.scale[c]);
            bias[c] = bias[c] * self.scale[c] + self.shift[c];
        }
    }
}

/// Per-channel moments accumulated batch by batch (Chan et al.'s pairwise update, so that
/// a large mean does not swamp the variance).
#[derive(Clone, Debug)]
pub struct MomentsSum {
    count: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl MomentsSum {
    pub fn new(channels: usize) -> Self {
        Self {
            count: 0.0,
            mean: vec![0.0; channels],
            m2: vec![0.0; channels],
        }
    }

    /// Add channel-major values `[B, C, hw]` (C as given to `new`), in f64.
    pub fn add(&mut self, values: &[f32], hw: usize) {
        let channels = self.mean.len();
        let per_image = channels * hw;
        if per_image == 0 {
            return;
        }
        let n = (values.len() / per_image * hw) as f64;
        let plane = |c: usize| {
            (values.chunks_exact(per_image)).flat_map(move |img| &img[c * hw..(c + 1) * hw])
        };
        let means: Vec<f64> = (0..channels)
            .map(|c| plane(c).map(|&v| v as f64).sum::<f64>() / n)
            .collect();
        let m2s: Vec<f64> = (0..channels)
            .map(|c| plane(c).map(|&v| (v as f64 - means[c]).powi(2)).sum())
            .collect();
        self.merge(n, &means, &m2s);
    }

    /// Merge a batch of `n` values per channel with means `means` and squared deviations `m2s`.
    pub fn merge(&mut self, n: f64, means: &[f64], m2s: &[f64]) {
        let total = self.count + n;
        if n == 0.0 {
            return;
        }
        for c in 0..self.mean.len() {
            let delta = means[c] - self.mean[c];
            self.m2[c] += m2s[c] + delta * delta * self.count * n / total;
            self.mean[c] += delta * n / total;
        }
        self.count = total;
    }

    /// Population moments (BatchNorm's own variance divides by the count).
    pub fn finish(self) -> Moments {
        let count = self.count.max(1.0);
        Moments {
            var: self.m2.iter().map(|m| m / count).collect(),
            mean: self.mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms() -> BatchNorms {
        let norm = Norm {
            gamma: vec![2.0, -0.5],
            beta: vec![0.25, 1.0],
            var: vec![4.0, 0.09],
        };
        BatchNorms {
            norms: BTreeMap::from([("c".to_string(), norm)]),
            eps: 1e-3,
        }
    }

    #[test]
    fn the_statistics_folded_with_give_the_identity() {
        // m = beta, v = s^2 var, s = gamma / sqrt(var + eps): a negative gamma included.
        let s2 = |g: f64, v: f64| g * g / (v + 1e-3);
        let moments = Moments {
            mean: vec![0.25, 1.0],
            var: vec![s2(2.0, 4.0) * 4.0, s2(-0.5, 0.09) * 0.09],
        };
        let a = norms().adapt("c", &moments).unwrap();
        for c in 0..2 {
            assert!((a.scale[c] - 1.0).abs() < 1e-6, "{:?}", a.scale);
            assert!(a.shift[c].abs() < 1e-6, "{:?}", a.shift);
        }
    }

    #[test]
    fn new_statistics_normalise_by_hand() {
        // Channel 0: gamma 2, var 4, so s^2 = 4 / 4.001; photos measured m = 3, v = 9:
        // k = 2 / sqrt(9 + 0.001 * 4 / 4.001), shift = 0.25 - 3k.
        let moments = Moments {
            mean: vec![3.0, -1.0],
            var: vec![9.0, 0.0],
        };
        let a = norms().adapt("c", &moments).unwrap();
        let k = 2.0 / (9.0f64 + 1e-3 * 4.0 / 4.001).sqrt();
        assert!((a.scale[0] as f64 - k).abs() < 1e-6);
        assert!((a.shift[0] as f64 - (0.25 - 3.0 * k)).abs() < 1e-6);
        // Channel 1 is constant (-1) on the photos: k = |gamma| / sqrt(eps s^2)
        // = sqrt(var + eps) / sqrt(eps), finite, and every photo's output becomes beta.
        let k1 = (0.09f64 + 1e-3).sqrt() / 1e-3f64.sqrt();
        assert!((a.scale[1] as f64 - k1).abs() < 1e-4, "{}", a.scale[1]);
        assert!((-(a.scale[1] as f64) + a.shift[1] as f64 - 1.0).abs() < 1e-4);
    }

    #[test]
    fn fold_scales_each_output_channel() {
        let a = AdaptedConv {
            name: "c".into(),
            scale: vec![2.0, -1.0],
            shift: vec![0.5, 3.0],
        };
        let (mut w, mut b) = (vec![1.0, 2.0, 3.0, 4.0], vec![1.0, 1.0]);
        a.fold(&mut w, &mut b);
        assert_eq!(w, vec![2.0, 4.0, -3.0, -4.0]);
        assert_eq!(b, vec![2.5, 2.0]);
    }

    #[test]
    fn moments_merge_batches_as_one() {
        // [B=2, C=2, hw=2]: channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 10, 10, 14.
        let values = [1.0, 2.0, 10.0, 10.0, 3.0, 4.0, 10.0, 14.0];
        let mut whole = MomentsSum::new(2);
        whole.add(&values, 2);
        let mut parts = MomentsSum::new(2);
        parts.add(&values[..4], 2);
        parts.add(&values[4..], 2);
        let (a, b) = (whole.finish(), parts.finish());
        assert_eq!(a.mean, vec![2.5, 11.0]);
        assert_eq!(a.var, vec![1.25, 3.0]);
        for c in 0..2 {
            assert!((a.mean[c] - b.mean[c]).abs() < 1e-12 && (a.var[c] - b.var[c]).abs() < 1e-12);
        }
    }
}
