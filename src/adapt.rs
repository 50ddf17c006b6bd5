//! AdaBN (Li et al. 2016, "Revisiting Batch Normalization for Practical Domain Adaptation"):
//! the backbone's BatchNorm statistics measured again on the user's own photos, layer by
//! layer, each layer's statistics taken with the layers before it already adapted, so the
//! adapted network's every BatchNorm normalises exactly those photos. The algebra of the
//! re-folding is in `model::batchnorm`.

use crate::backend::readback::{ReadError, read_f32};
use crate::inference::stack;
use crate::model::batchnorm::{Adaptation, AdaptedConv, BatchNorms, Moments, MomentsSum};
use crate::model::conv::FoldedConv;
use crate::model::efficientnet::relu6;
use crate::model::keys::{self, BlockConvs};
use crate::model::{EfficientNetLite0, EfficientNetLite0Config, WeightsError};
use burn::tensor::{Device, Tensor, TensorData};

/// The most photos the statistics are measured on. Schneider et al. 2020 ("Improving
/// robustness against common corruptions by covariate shift adaptation") found the gain of
/// re-estimated statistics mostly there from a few dozen samples; 64 keeps the stored layer
/// outputs (block 1's expansion: 96 x 112 x 112 floats, 4.8 MB a photo) near 300 MB.
pub const MAX_PHOTOS: usize = 64;
/// Photos per pass.
const CHUNK: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum AdaptError {
    #[error("adapting to your photos needs at least 2 photos")]
    TooFew,
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// At most `MAX_PHOTOS` of `count` items, evenly spread: the indices to measure on.
pub fn sample(count: usize) -> Vec<usize> {
    if count <= MAX_PHOTOS {
        return (0..count).collect();
    }
    (0..MAX_PHOTOS).map(|i| i * count / MAX_PHOTOS).collect()
}

/// Measure `model`'s statistics on `inputs` (`[3, 224, 224]` each, `data::backbone_input`)
/// and return the scale and shift of every convolution, in network order.
pub async fn measure(
    model: &EfficientNetLite0,
    norms: &BatchNorms,
    inputs: &[&[f32]],
    device: &Device,
) -> Result<Adaptation, AdaptError> {
    if inputs.len() < 2 {
        return Err(AdaptError::TooFew);
    }
    let cfg = EfficientNetLite0Config::default();
    let mut convs = Vec::new();
    let mut xs: Vec<Tensor<4>> = inputs.chunks(CHUNK).map(|c| stack(c, device)).collect();
    let stem = keys::stem(&cfg).name;
    xs = map(
        adapt(&model.stem, &stem, &xs, norms, &mut convs).await?,
        relu6,
    );
    for (i, (block, block_cfg)) in model.blocks.iter().zip(cfg.blocks()).enumerate() {
        let names = BlockConvs::of(i, &block_cfg);
        let mut h = xs.clone();
        if let (Some(conv), Some(name)) = (&block.expand, &names.expand) {
            h = map(adapt(conv, &name.name, &h, norms, &mut convs).await?, relu6);
        }
        let depthwise = &names.depthwise.name;
        h = map(
            adapt(&block.depthwise, depthwise, &h, norms, &mut convs).await?,
            relu6,
        );
        let project = &names.project.name;
        h = adapt(&block.project, project, &h, norms, &mut convs).await?;
        xs = match block.residual {
            true => h.into_iter().zip(xs).map(|(h, x)| h + x).collect(),
            false => h,
        };
    }
    adapt(&model.head, &keys::head(&cfg).name, &xs, norms, &mut convs).await?;
    Ok(Adaptation { convs })
}

/// Run `conv` on every chunk, measure its output's moments, record its adaptation in
/// `convs` and return the adapted outputs (before the activation).
async fn adapt(
    conv: &FoldedConv,
    name: &str,
    xs: &[Tensor<4>],
    norms: &BatchNorms,
    convs: &mut Vec<AdaptedConv>,
) -> Result<Vec<Tensor<4>>, AdaptError> {
    let outputs: Vec<Tensor<4>> = xs.iter().map(|x| conv.forward(x.clone())).collect();
    let channels = outputs.first().map_or(0, |t| t.dims()[1]);
    // Each chunk's per-channel mean and squared deviations, made on the device and read in
    // one go for the layer: [C, 2 * chunks].
    let mut counts = Vec::with_capacity(outputs.len());
    let mut parts = Vec::with_capacity(outputs.len());
    for t in &outputs {
        let [b, c, h, w] = t.dims();
        let flat = t.clone().swap_dims(0, 1).reshape([c, b * h * w]); // [C, B·H·W]
        let mean = flat.clone().mean_dim(1); // [C, 1]
        let m2 = (flat - mean.clone()).powi_scalar(2).sum_dim(1); // [C, 1]
        parts.push(Tensor::cat(vec![mean, m2], 1)); // [C, 2]
        counts.push((b * h * w) as f64);
    }
    let mut sum = MomentsSum::new(channels);
    if !parts.is_empty() {
        let (all, _) = read_f32(Tensor::cat(parts, 1)).await?;
        let width = 2 * counts.len();
        for (k, n) in counts.iter().enumerate() {
            let column = |j: usize| -> Vec<f64> {
                (all.chunks_exact(width))
                    .map(|row| row[2 * k + j] as f64)
                    .collect()
            };
            sum.merge(*n, &column(0), &column(1));
        }
    }
    let moments: Moments = sum.finish();
    let adapted = norms.adapt(name, &moments)?;
    let device = outputs.first().map(|t| t.device());
    let out = match device {
        Some(device) => {
            let per_channel = |v: &[f32]| {
                Tensor::<1>::from_data(TensorData::new(v.to_vec(), [channels]), &device)
                    .reshape([1, channels, 1, 1])
            };
            let (scale, shift) = (per_channel(&adapted.scale), per_channel(&adapted.shift));
            (outputs.into_iter())
                .map(|t| t * scale.clone() + shift.clone())
                .collect()
        }
        None => outputs,
    };
    convs.push(adapted);
    Ok(out)
}

fn map(xs: Vec<Tensor<4>>, f: fn(Tensor<4>) -> Tensor<4>) -> Vec<Tensor<4>> {
    xs.into_iter().map(f).collect()
}
