//! Auto's AdaBN candidate in the page (issue 17): the backbone's BatchNorm statistics
//! measured again on up to `adapt::MAX_PHOTOS` of the training and Unlabelled photos
//! (their kept copies),
//! every photo embedded again on the adapted backbone, and the default head fitted on those
//! features; the model carries the adaptation, which the preview applies
//! (`preview::adapted_of`), as for a model from `graft train --adapt-bn`.

use super::core::Session;
use super::fit::linear_candidate;
use super::rows::stored_copy;
use super::run::{Job, report};
use crate::adapt::{AdaptError, measure, sample};
use crate::classifier::Classifier;
use crate::data::{backbone_input, decode};
use crate::inference::Backbone;
use crate::model::batchnorm::BatchNorms;
use crate::model::{FEATURE_DIM, WeightFile};
use crate::state::training::{Outcome, Progress};
use crate::train::{Inputs, TrainConfig, TrainError, Views};
use gloo::timers::future::TimeoutFuture;

/// The head on the adapted backbone's features; `Ok(None)` when its fit failed or was
/// stopped (and said so).
pub(super) async fn adabn_candidate(
    session: &Session,
    job: &Job<'_>,
    config: &TrainConfig,
) -> Result<Option<(Classifier, Outcome)>, TrainError> {
    let failed = |e: String| TrainError::Settings(format!("adapting to your photos: {e}"));
    let norms = (crate::assets::load_batchnorms().await).map_err(|e| failed(e.to_string()))?;
    let (weights, _) =
        (crate::assets::load_weights(|_, _| {}).await).map_err(|e| failed(e.to_string()))?;
    let file = WeightFile::parse(&weights).map_err(|e| failed(e.to_string()))?;
    drop(weights);
    let norms = BatchNorms::parse(&norms, file.id()).map_err(|e| failed(e.to_string()))?;
    // The statistics come from the photos trained on and the Unlabelled tray's (as
    // `graft train --adapt-bn --unlabeled`), never the validation ones.
    let set = job.set;
    let trained = job.plan.trained(set.ids.len());
    let tray = set.unlabelled.iter().map(|(id, _)| *id);
    let ids: Vec<u64> = trained.iter().map(|&i| set.ids[i]).chain(tray).collect();
    // Named in a read error: the file's name; the tray keeps none in a run's set.
    let name = |k: usize| match trained.get(k) {
        Some(&i) => set.name(i).to_string(),
        None => "a photo of the Unlabelled tray".to_string(),
    };
    let mut photos = Vec::new();
    for k in sample(ids.len()) {
        match input_of(session, &name(k), ids[k]).await {
            Ok(input) => photos.push(input),
            // A tray photo whose copy cannot be read is only one fewer to measure on.
            Err(_) if k >= trained.len() => {}
            Err(e) => return Err(e),
        }
    }
    let adaptation = session
        .on_engine("adapting to your photos", async |engine| {
            let model = file.clone().into_model(&engine.device);
            let model = model.map_err(|e| failed(e.to_string()))?;
            let refs: Vec<&[f32]> = photos.iter().map(Vec::as_slice).collect();
            (measure(&model, &norms, &refs, &engine.device).await).map_err(|e| match e {
                AdaptError::Read(e) => e.into(),
                e => failed(e.to_string()),
            })
        })
        .await?;
    drop(photos);
    let mut adapted = file;
    adapted
        .adapt(&adaptation)
        .map_err(|e| failed(e.to_string()))?;
    let total = set.ids.len();
    let values = session
        .on_engine("embedding on the adapted backbone", async |engine| {
            let backbone = match engine.info.is_gpu() {
                true => Backbone::load_file(adapted.clone(), &engine.device),
                false => Backbone::load_cpu_file(adapted.clone()),
            };
            let backbone = backbone.map_err(|e| failed(e.to_string()))?;
            let mut values = Vec::with_capacity(total * FEATURE_DIM);
            for i in 0..total {
                let input = input_of(session, set.name(i), set.ids[i]).await?;
                values.extend(backbone.features(&[&input]).await?);
                report(session, Progress::Preparing(i + 1, total));
                // Requests that came meanwhile (a preview) go between photos.
                TimeoutFuture::new(0).await;
            }
            Ok(values)
        })
        .await?;
    let inputs = Inputs {
        values: &values,
        shape: [FEATURE_DIM, 1, 1],
        labels: job.inputs.labels,
    };
    let none = Views::default();
    let fitted = linear_candidate(session, job.with(inputs, config, &none, None)).await;
    Ok(fitted.map(|(model, outcome)| (model.with_adaptation(Some(adaptation)), outcome)))
}

/// Photo `id`'s backbone input, from its kept copy.
async fn input_of(session: &Session, name: &str, id: u64) -> Result<Vec<f32>, TrainError> {
    let bytes = stored_copy(session, name, id)
        .await
        .map_err(TrainError::Read)?;
    let img = decode(&bytes).map_err(|e| TrainError::Read(format!("{name}: {e}")))?;
    Ok(backbone_input(&img))
}
