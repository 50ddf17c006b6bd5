//! `graft train --adapt-bn`: the backbone's BatchNorm statistics measured again on the
//! photos to be trained on (and the unlabelled pool) before anything is embedded (AdaBN,
//! `crate::adapt`); the model file carries the adaptation, and `graft predict` and
//! `graft export` run the adapted backbone it names.

use super::classify::inputs_of;
use super::{ModelFiles, open};
use crate::adapt::{measure, sample};
use crate::backend::DeviceChoice;
use crate::inference::Backbone;
use crate::model::WeightFile;
use crate::model::batchnorm::{Adaptation, BatchNorms};
use std::path::{Path, PathBuf};
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

impl ModelFiles {
    /// The BatchNorm file the converter writes beside the weights.
    pub fn batchnorm(&self) -> PathBuf {
        self.weights.with_extension("batchnorm.safetensors")
    }

    /// The weight file, parsed and checked.
    pub(super) fn weight_file(&self) -> Result<WeightFile, Error> {
        let bytes = std::fs::read(&self.weights).map_err(|e| {
            format!(
                "cannot read the weight file {}: {e} (run the README's set-up command)",
                self.weights.display()
            )
        })?;
        Ok(WeightFile::parse(&bytes)?)
    }
}

/// The backbone adapted to `photos` (at most `adapt::MAX_PHOTOS` of them, evenly spread;
/// those that do not decode are skipped here, and named when they are embedded).
pub(super) fn adapted(
    files: &ModelFiles,
    choice: DeviceChoice,
    photos: &[&Path],
) -> Result<(Backbone, Adaptation), Error> {
    let started = Instant::now();
    let weights = files.weight_file()?;
    let path = files.batchnorm();
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "cannot read the BatchNorm file {}: {e} (run the README's set-up command)",
            path.display()
        )
    })?;
    let norms = BatchNorms::parse(&bytes, weights.id())?;
    let chosen: Vec<PathBuf> = (sample(photos.len()).into_iter())
        .map(|i| photos[i].to_path_buf())
        .collect();
    let inputs: Vec<Vec<f32>> = inputs_of(&chosen, false).into_iter().flatten().collect();
    let compute = open(choice)?;
    // The model measured on takes its copy of the weights; the file is read and parsed once.
    let model = weights.clone().into_model(&compute.device)?;
    let refs: Vec<&[f32]> = inputs.iter().map(Vec::as_slice).collect();
    let adaptation = pollster::block_on(measure(&model, &norms, &refs, &compute.device))?;
    drop(model);
    let mut adapted = weights;
    adapted.adapt(&adaptation)?;
    eprintln!(
        "graft: the backbone's BatchNorm statistics adapted to {} of {} photos in {:.1} s",
        inputs.len(),
        photos.len(),
        started.elapsed().as_secs_f64()
    );
    Ok((Backbone::from_file(adapted, &compute)?, adaptation))
}

/// The backbone a model was trained on: adapted as it says, or as it is.
pub(super) fn backbone_for(
    choice: DeviceChoice,
    mut weights: WeightFile,
    adaptation: Option<&Adaptation>,
) -> Result<Backbone, Error> {
    if let Some(a) = adaptation {
        weights.adapt(a)?;
    }
    Ok(Backbone::from_file(weights, &open(choice)?)?)
}
