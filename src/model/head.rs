//! The classification head on the backbone's 1280-d features: Burn module and plain weights.
//!
//! `Head` is what trains (on any device); `HeadWeights` is the same head as plain arrays,
//! which is what the model file stores and what predicts, so the page and the command line
//! compute the same probabilities from the same features.

use super::FEATURE_DIM;
use crate::rng::SplitMix64;
use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};

/// A linear softmax head (`hidden == 0`) or one hidden ReLU layer of `hidden` units.
#[derive(Config, Debug, PartialEq)]
pub struct HeadConfig {
    pub classes: usize,
    #[config(default = 0)]
    pub hidden: usize,
    #[config(default = "FEATURE_DIM")]
    pub inputs: usize,
}

impl HeadConfig {
    /// `(inputs, outputs)` of each layer, in order.
    pub fn layers(&self) -> Vec<(usize, usize)> {
        if self.hidden == 0 {
            vec![(self.inputs, self.classes)]
        } else {
            vec![(self.inputs, self.hidden), (self.hidden, self.classes)]
        }
    }

    /// Fresh weights: Kaiming-uniform (bound sqrt(6 / fan_in) / sqrt(3), Burn's Linear default),
    /// zero biases, from `seed` so a run is repeatable on every device.
    pub fn init_weights(&self, seed: u64) -> HeadWeights {
        let mut rng = SplitMix64(seed);
        let layers = self
            .layers()
            .into_iter()
            .map(|(fan_in, fan_out)| {
                let bound = (6.0 / fan_in as f64).sqrt() / 3f64.sqrt();
                LayerWeights {
                    inputs: fan_in,
                    outputs: fan_out,
                    weight: (0..fan_in * fan_out)
                        .map(|_| ((rng.next_f64() * 2.0 - 1.0) * bound) as f32)
                        .collect(),
                    bias: vec![0.0; fan_out],
                }
            })
            .collect();
        HeadWeights {
            layers,
            normalize: false,
        }
    }
}

/// One dense layer as plain arrays: `weight` is `[inputs, outputs]` row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The head as plain arrays: one layer (linear) or two (hidden ReLU layer, then output).
#[derive(Clone, Debug, PartialEq)]
pub struct HeadWeights {
    pub layers: Vec<LayerWeights>,
    /// The features are L2-normalised first: a prototype (cosine) head, `train::prototypes`.
    pub normalize: bool,
}

/// `x / |x|` (all zeros stay zeros), the norm taken in f64.
pub fn l2_normalized(x: &[f32]) -> Vec<f32> {
    let norm = x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
    if norm == 0.0 {
        return x.to_vec();
    }
    x.iter().map(|v| (*v as f64 / norm) as f32).collect()
}

impl HeadWeights {
    pub fn classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    pub fn hidden(&self) -> usize {
        if self.layers.len() > 1 {
            self.layers[0].outputs
        } else {
            0
        }
    }

    /// Logits for one feature vector, accumulated in f64 so every platform agrees closely.
    pub fn logits(&self, features: &[f32]) -> Vec<f32> {
        let mut x: Vec<f32> = if self.normalize {
            l2_normalized(features)
        } else {
            features.to_vec()
        };
        for (i, layer) in self.layers.iter().enumerate() {
            let mut out: Vec<f64> = layer.bias.iter().map(|&b| b as f64).collect();
            for (r, &v) in x.iter().enumerate().take(layer.inputs) {
                let row = &layer.weight[r * layer.outputs..(r + 1) * layer.outputs];
                for (o, &w) in out.iter_mut().zip(row) {
                    *o += v as f64 * w as f64;
                }
            }
            let last = i + 1 == self.layers.len();
            x = out
                .into_iter()
                .map(|v| if last { v as f32 } else { v.max(0.0) as f32 })
                .collect();
        }
        x
    }

    /// The class these weights pick for one feature vector: the largest logit (the first
    /// of equals).
    pub fn class_of(&self, features: &[f32]) -> usize {
        let z = self.logits(features);
        (0..z.len()).fold(0, |best, c| if z[c] > z[best] { c } else { best })
    }

    /// The Burn module holding these weights on `device` (an autodiff device to train it);
    /// `None` unless there are one or two layers, the only heads there are.
    pub fn to_module(&self, device: &Device) -> Option<Head> {
        let layer = |l: &LayerWeights| Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(l.weight.clone(), [l.inputs, l.outputs]),
                device,
            )),
            bias: Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(l.bias.clone(), [l.outputs]),
                device,
            ))),
        };
        let (hidden, out) = match self.layers.as_slice() {
            [out] => (None, layer(out)),
            [hidden, out] => (Some(layer(hidden)), layer(out)),
            _ => return None,
        };
        Some(Head { hidden, out })
    }
}

/// The head as a Burn module: `[B, 1280] -> [B, classes]` logits.
#[derive(Module, Debug)]
pub struct Head {
    pub hidden: Option<Linear>,
    pub out: Linear,
}

impl Head {
    pub fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        match &self.hidden {
            Some(hidden) => self.out.forward(relu(hidden.forward(features))),
            None => self.out.forward(features),
        }
    }

    /// Every parameter flattened into one row, layer by layer (weight then bias): read it
    /// with one await and rebuild with `HeadWeights::from_flat`.
    pub fn flat_params(&self) -> Tensor<1> {
        let mut parts = Vec::new();
        for layer in self.hidden.iter().chain(std::iter::once(&self.out)) {
            let [i, o] = layer.weight.val().dims();
            parts.push(layer.weight.val().reshape([i * o]));
            if let Some(bias) = &layer.bias {
                parts.push(bias.val());
            }
        }
        Tensor::cat(parts, 0)
    }
}

impl HeadWeights {
    /// Rebuild from `Head::flat_params` values for a head of shape `config`.
    pub fn from_flat(config: &HeadConfig, flat: &[f32]) -> Option<Self> {
        let mut at = 0;
        let mut layers = Vec::new();
        for (inputs, outputs) in config.layers() {
            let weight = flat.get(at..at + inputs * outputs)?.to_vec();
            at += inputs * outputs;
            let bias = flat.get(at..at + outputs)?.to_vec();
            at += outputs;
            layers.push(LayerWeights {
                inputs,
                outputs,
                weight,
                bias,
            });
        }
        (at == flat.len()).then_some(Self {
            layers,
            normalize: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_and_plain_weights_agree() {
        for hidden in [0, 7] {
            let cfg = HeadConfig::new(3).with_hidden(hidden).with_inputs(5);
            let weights = cfg.init_weights(42);
            let device = Device::flex();
            let x = [0.5f32, -1.0, 2.0, 0.0, 3.0];
            let module = weights.to_module(&device).unwrap();
            let out = module.forward(Tensor::from_data(
                TensorData::new(x.to_vec(), [1, 5]),
                &device,
            ));
            let got = out
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .unwrap();
            let want = weights.logits(&x);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-5, "hidden {hidden}: {got:?} vs {want:?}");
            }
            let flat = module
                .flat_params()
                .into_data()
                .try_into_vec::<f32>()
                .unwrap();
            assert_eq!(HeadWeights::from_flat(&cfg, &flat), Some(weights));
        }
    }

    #[test]
    fn seeded_init_is_repeatable_and_bounded() {
        let cfg = HeadConfig::new(4);
        let a = cfg.init_weights(1);
        assert_eq!(a, cfg.init_weights(1));
        assert_ne!(a, cfg.init_weights(2));
        let bound = (6.0f32 / 1280.0).sqrt() / 3f32.sqrt();
        assert!(a.layers[0].weight.iter().all(|w| w.abs() <= bound));
        assert_eq!((a.classes(), a.hidden()), (4, 0));
    }
}
