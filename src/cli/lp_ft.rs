//! `graft train --tuned-blocks K --lp-ft`: LP-FT (Kumar et al. 2022): the default linear
//! head fitted to convergence on the features of the frozen, pre-trained blocks first, and
//! fine-tuning started from it (`Trainer::from_head`), not from a random head.

use crate::backend::readback::read_f32;
use crate::model::head::HeadWeights;
use crate::model::tail::TailWeights;
use crate::train::linear::fit_on_all;
use crate::train::{Inputs, Solver, TrainConfig};
use burn::tensor::{Device, Tensor, TensorData};

/// Rows through the pre-trained tail per pass.
const BATCH: usize = 16;

/// The probed head: L-BFGS (the page's default head, at `config`'s penalty) on the features
/// the pre-trained `tail` makes from the cut activations of images `train`.
pub(super) fn probe(
    tail: &TailWeights,
    inputs: Inputs,
    train: &[usize],
    names: &[String],
    (config, device): (&TrainConfig, &Device),
) -> Result<HeadWeights, Box<dyn std::error::Error>> {
    let module = tail
        .to_module(device)
        .ok_or("the backbone blocks to fine-tune are incomplete")?;
    let [c, h, w] = inputs.shape;
    let row = c * h * w;
    // Every batch's features on the device, read once.
    let mut parts = Vec::new();
    for chunk in train.chunks(BATCH) {
        let flat: Vec<f32> = (chunk.iter())
            .flat_map(|&i| &inputs.values[i * row..(i + 1) * row])
            .copied()
            .collect();
        let x = Tensor::from_data(TensorData::new(flat, [chunk.len(), c, h, w]), device);
        parts.push(module.forward(x));
    }
    let features = match parts.is_empty() {
        true => Vec::new(),
        false => pollster::block_on(read_f32(Tensor::cat(parts, 0)))?.0,
    };
    let labels: Vec<usize> = train.iter().map(|&i| inputs.labels[i]).collect();
    let mut linear = TrainConfig {
        penalty_c: config.penalty_c,
        seed: config.seed,
        ..TrainConfig::default()
    };
    linear.set_solver(Solver::Lbfgs)?;
    Ok(fit_on_all(&features, &labels, names, &linear)?)
}
