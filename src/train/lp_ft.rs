//! LP-FT (Kumar et al. 2022): the default linear head fitted to convergence on the features
//! of the frozen, pre-trained blocks first, and fine-tuning started from it
//! (`Trainer::from_head`), not from a random head. `graft train --tuned-blocks K --lp-ft`,
//! and Auto's fine-tuning candidates in the command line and the page.

use super::linear::fit_on_all;
use super::{Inputs, Solver, TrainConfig, TrainError};
use crate::backend::readback::read_f32;
use crate::model::head::HeadWeights;
use crate::model::tail::TailWeights;
use burn::tensor::{Device, Tensor, TensorData};

/// Rows through the pre-trained tail per pass.
const BATCH: usize = 16;

/// The probed head: L-BFGS (the page's default head, at `config`'s penalty) on the features
/// the pre-trained `tail` makes from the cut activations of images `train`.
pub async fn probe(
    tail: &TailWeights,
    inputs: Inputs<'_>,
    train: &[usize],
    names: &[String],
    (config, device): (&TrainConfig, &Device),
) -> Result<HeadWeights, TrainError> {
    let features = tail_features(tail, inputs, train, device).await?;
    let labels: Vec<usize> = train.iter().map(|&i| inputs.labels[i]).collect();
    let mut linear = TrainConfig {
        penalty_c: config.penalty_c,
        seed: config.seed,
        ..TrainConfig::default()
    };
    linear
        .set_solver(Solver::Lbfgs)
        .map_err(TrainError::Settings)?;
    fit_on_all(&features, &labels, names, &linear)
}

/// The features the pre-trained `tail` makes from the cut activations of images `rows`
/// (also what Auto times to know the pace of a step through the blocks).
pub async fn tail_features(
    tail: &TailWeights,
    inputs: Inputs<'_>,
    rows: &[usize],
    device: &Device,
) -> Result<Vec<f32>, TrainError> {
    let incomplete =
        || TrainError::Settings("the backbone blocks to fine-tune are incomplete".into());
    let module = tail.to_module(device).ok_or_else(incomplete)?;
    let [c, h, w] = inputs.shape;
    let row = c * h * w;
    // Every batch's features on the device, read once.
    let mut parts = Vec::new();
    for chunk in rows.chunks(BATCH) {
        let flat: Vec<f32> = (chunk.iter())
            .flat_map(|&i| &inputs.values[i * row..(i + 1) * row])
            .copied()
            .collect();
        let x = Tensor::from_data(TensorData::new(flat, [chunk.len(), c, h, w]), device);
        parts.push(module.forward(x));
    }
    Ok(match parts.is_empty() {
        true => Vec::new(),
        false => read_f32(Tensor::cat(parts, 0)).await?.0,
    })
}
