//! Running the frozen backbone on preprocessed photos: features, ImageNet logits, top-K.

use crate::backend::ComputeDevice;
use crate::backend::readback::{ReadError, read_f32};
use crate::model::cpu::CpuBackbone;
use crate::model::tail::{Tail, TailConfig, TailWeights};
use crate::model::{
    EfficientNetLite0, FEATURE_DIM, IMAGENET_CLASSES, INPUT_SIZE, WeightFile, WeightsError,
};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// The backbone on one device. Inputs are `[3, 224, 224]` from `data::backbone_input`.
pub struct Backbone {
    implementation: Implementation,
    /// The pre-trained weights of every block fine-tuning may reach (`MAX_TUNED_BLOCKS`)
    /// and the head conv: where a fine-tuning run starts.
    tail: TailWeights,
    /// `WeightFile::id` of the weights: what a model file must have been trained on.
    weights_id: String,
}

/// Which implementation of the backbone runs it.
enum Implementation {
    /// Burn's model: WebGPU, wgpu, or Flex when asked for explicitly.
    Burn {
        model: Box<EfficientNetLite0>,
        device: Device,
    },
    /// The hand-fused CPU path (see `model::cpu`), used whenever the device is the CPU.
    Cpu(CpuBackbone),
}

/// Features and ImageNet probabilities for a batch, row-major.
pub struct BackboneOutput {
    /// `[B * 1280]`
    pub features: Vec<f32>,
    /// `[B * 1000]`, raw logits
    pub logits: Vec<f32>,
    /// `[B * 1000]`, softmax of the logits
    pub probs: Vec<f32>,
}

/// One ImageNet guess.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Guess {
    pub id: usize,
    pub label: String,
    pub p: f32,
}

impl Backbone {
    /// Build Burn's model on `device` from a weight file's bytes (checked; see `WeightFile::parse`).
    pub fn load(weights: &[u8], device: &Device) -> Result<Self, WeightsError> {
        Self::load_file(WeightFile::parse(weights)?, device)
    }

    /// Build the hand-fused CPU path from a weight file's bytes.
    pub fn load_cpu(weights: &[u8]) -> Result<Self, WeightsError> {
        Self::load_cpu_file(WeightFile::parse(weights)?)
    }

    /// The fastest path for `compute`: Burn on a GPU, the hand-fused path on the CPU.
    pub fn for_device(weights: &[u8], compute: &ComputeDevice) -> Result<Self, WeightsError> {
        Self::from_file(WeightFile::parse(weights)?, compute)
    }

    /// As `for_device`, from parsed (perhaps adapted: `WeightFile::adapt`) weights.
    pub fn from_file(file: WeightFile, compute: &ComputeDevice) -> Result<Self, WeightsError> {
        if compute.info.is_gpu() {
            Self::load_file(file, &compute.device)
        } else {
            Self::load_cpu_file(file)
        }
    }

    /// Burn's model on `device` from parsed (perhaps adapted) weights.
    pub fn load_file(file: WeightFile, device: &Device) -> Result<Self, WeightsError> {
        let weights_id = file.id().to_string();
        let tail = file.tail_weights(TailConfig::deepest())?;
        let model = file.into_model(device)?;
        let device = device.clone();
        Ok(Self {
            weights_id,
            tail,
            implementation: Implementation::Burn {
                model: Box::new(model),
                device,
            },
        })
    }

    /// The hand-fused CPU path from parsed (perhaps adapted) weights.
    pub fn load_cpu_file(file: WeightFile) -> Result<Self, WeightsError> {
        let weights_id = file.id().to_string();
        let tail = file.tail_weights(TailConfig::deepest())?;
        let cpu = CpuBackbone::from_weights(file)?;
        Ok(Self {
            weights_id,
            tail,
            implementation: Implementation::Cpu(cpu),
        })
    }

    /// The weights' identity (sha256 of their tensor data), recorded in model files.
    pub fn weights_id(&self) -> &str {
        &self.weights_id
    }

    /// The pre-trained last `config.blocks` blocks and head conv, to fine-tune.
    pub fn pretrained_tail(&self, config: TailConfig) -> Option<TailWeights> {
        self.tail.last(config)
    }

    /// Which implementation runs: "burn" (Burn's model on its device) or "fused-cpu".
    pub fn engine_name(&self) -> &'static str {
        match self.implementation {
            Implementation::Burn { .. } => "burn",
            Implementation::Cpu(_) => "fused-cpu",
        }
    }

    /// Features only: what the head trains on. Awaits one read on Burn's path.
    pub async fn features(&self, inputs: &[&[f32]]) -> Result<Vec<f32>, ReadError> {
        match &self.implementation {
            Implementation::Cpu(cpu) => Ok(cpu.features(inputs)),
            Implementation::Burn { model, device } => {
                let features = model.features(stack(inputs, device)); // [B, 1280]
                Ok(read_f32(features).await?.0)
            }
        }
    }

    /// The input of block `cut` for each image, `[B * C * H * W]` channel-major: what
    /// fine-tuning caches (`model::tail`). Awaits one read on Burn's path.
    pub async fn activations(&self, inputs: &[&[f32]], cut: usize) -> Result<Vec<f32>, ReadError> {
        match &self.implementation {
            Implementation::Cpu(cpu) => Ok(cpu.activations(inputs, cut)),
            Implementation::Burn { model, device } => {
                Ok(read_f32(model.activations(stack(inputs, device), cut))
                    .await?
                    .0)
            }
        }
    }

    /// Features for a classifier: the backbone's own, or for a fine-tuned model, those of its
    /// tuned `tail` (on `device`) from the activations at the tail's cut.
    pub async fn features_through(
        &self,
        inputs: &[&[f32]],
        tail: Option<(&TailConfig, &Tail)>,
        device: &Device,
    ) -> Result<Vec<f32>, ReadError> {
        let Some((config, tail)) = tail else {
            return self.features(inputs).await;
        };
        let cut = self.activations(inputs, config.first_block()).await?;
        let [c, h, w] = config.cut_shape();
        let x = Tensor::from_data(TensorData::new(cut, [inputs.len(), c, h, w]), device);
        Ok(read_f32(tail.forward(x)).await?.0)
    }

    /// The map the features pool, position-major `[B * H * W * 1280]`, and its side (7):
    /// the backbone's own, or a fine-tuned model's tail's. Awaits one read on Burn's path.
    pub async fn feature_map_through(
        &self,
        inputs: &[&[f32]],
        tail: Option<(&TailConfig, &Tail)>,
        device: &Device,
    ) -> Result<(Vec<f32>, usize), ReadError> {
        let map = match (tail, &self.implementation) {
            (None, Implementation::Cpu(cpu)) => return Ok(cpu.feature_map(inputs)),
            (None, Implementation::Burn { model, device }) => {
                model.feature_map(stack(inputs, device))
            }
            (Some((config, tail)), _) => {
                let cut = self.activations(inputs, config.first_block()).await?;
                let [c, h, w] = config.cut_shape();
                tail.feature_map(Tensor::from_data(
                    TensorData::new(cut, [inputs.len(), c, h, w]),
                    device,
                ))
            }
        }; // [B, 1280, H, W]
        let [batch, channels, side, _] = map.dims();
        let map = map.reshape([batch, channels, side * side]).swap_dims(1, 2); // [B, HW, 1280]
        Ok((read_f32(map).await?.0, side))
    }

    /// Features, logits and probabilities in one pass. Awaits one read on Burn's path.
    pub async fn run(&self, inputs: &[&[f32]]) -> Result<BackboneOutput, ReadError> {
        let (model, device) = match &self.implementation {
            Implementation::Burn { model, device } => (model, device),
            Implementation::Cpu(cpu) => {
                let features = cpu.features(inputs);
                let logits = cpu.logits(&features);
                let probs = logits
                    .chunks_exact(IMAGENET_CLASSES)
                    .flat_map(softmax_row)
                    .collect();
                return Ok(BackboneOutput {
                    features,
                    logits,
                    probs,
                });
            }
        };
        let batch = inputs.len();
        let (features, logits) = model.features_and_logits(stack(inputs, device));
        let probs = softmax(logits.clone(), 1); // [B, 1000]
        // One read of all three, concatenated on the device: [B, 1280 + 1000 + 1000].
        let all = Tensor::cat(vec![features, logits, probs], 1);
        let (values, _) = read_f32(all).await?;
        let row = FEATURE_DIM + 2 * IMAGENET_CLASSES;
        let mut out = BackboneOutput {
            features: Vec::with_capacity(batch * FEATURE_DIM),
            logits: Vec::with_capacity(batch * IMAGENET_CLASSES),
            probs: Vec::with_capacity(batch * IMAGENET_CLASSES),
        };
        for r in values.chunks_exact(row) {
            out.features.extend_from_slice(&r[..FEATURE_DIM]);
            out.logits
                .extend_from_slice(&r[FEATURE_DIM..FEATURE_DIM + IMAGENET_CLASSES]);
            out.probs
                .extend_from_slice(&r[FEATURE_DIM + IMAGENET_CLASSES..]);
        }
        Ok(out)
    }
}

/// Stack `[3, 224, 224]` inputs into one `[B, 3, 224, 224]` tensor on `device`.
pub(crate) fn stack(inputs: &[&[f32]], device: &Device) -> Tensor<4> {
    let mut flat = Vec::with_capacity(inputs.len() * 3 * INPUT_SIZE * INPUT_SIZE);
    for input in inputs {
        flat.extend_from_slice(input);
    }
    Tensor::from_data(
        TensorData::new(flat, [inputs.len(), 3, INPUT_SIZE, INPUT_SIZE]),
        device,
    )
}

/// Softmax of one row of logits, in f64 for the sums.
pub fn softmax_row(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = logits.iter().map(|&v| ((v - max) as f64).exp()).collect();
    let total: f64 = exps.iter().sum();
    exps.iter().map(|e| (e / total) as f32).collect()
}

/// The `k` most probable classes of one probability row, best first.
pub fn top_k(probs: &[f32], labels: &[String], k: usize) -> Vec<Guess> {
    let mut ids: Vec<usize> = (0..probs.len()).collect();
    ids.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    ids.into_iter()
        .take(k)
        .map(|id| Guess {
            id,
            label: labels
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("class {id}")),
            p: probs[id],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_by_probability() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let top = top_k(&[0.2, 0.5, 0.3], &labels, 2);
        assert_eq!(top.iter().map(|g| g.id).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(top[0].label, "b");
    }
}
