//! The map of the photos in the worker (issue 18): from the page's embeddings, or, once the
//! model in use fine-tuned blocks, from the features through those blocks (the features
//! the model classifies by changed): each photo's activations at the cut (cached, or made
//! from its stored copy as a training run makes them), then the tuned tail.

use super::core::Session;
use super::protocol::Event;
use super::rows::{Photo, photo_rows};
use crate::model::tail::TailWeights;
use crate::state::explore::explore;
use crate::train::lp_ft::tail_features;
use crate::train::recipe::Wanted;
use crate::train::{Inputs, TrainConfig, TrainError};

/// The photos asked about: ids, class ids, and (for a tuned model) their hashes and names.
pub struct Asked {
    pub classes: Vec<u32>,
    pub ids: Vec<u64>,
    pub hashes: Vec<String>,
    pub names: Vec<String>,
}

/// Answer `Request::Explore` with the map and the suspects.
pub(super) async fn answer(session: &Session, asked: Asked, embeddings: Vec<f32>) {
    let in_use = session.model.borrow().clone();
    let tuned = (in_use.filter(|m| m.model.adaptation.is_none()))
        .and_then(|m| Some((m.model.tail.clone()?, m.key.clone())));
    let result = match tuned {
        Some((tail, key)) => match through_tail(session, &tail, &asked).await {
            Ok(features) => explore(&features, asked.classes, asked.ids).map(|mut e| {
                e.model = Some(key);
                e
            }),
            Err(e) => Err(format!("the tuned blocks' features: {e}")),
        },
        None => explore(&embeddings, asked.classes, asked.ids),
    };
    session.send(Event::Explored { result }, Vec::new());
}

/// Every photo's features through `tail`: its cut activations from the cache, or made
/// from its stored copy (one backbone pass, then cached), through the tail on the device.
async fn through_tail(
    session: &Session,
    tail: &TailWeights,
    asked: &Asked,
) -> Result<Vec<f32>, TrainError> {
    if asked.hashes.len() != asked.ids.len() || asked.names.len() != asked.ids.len() {
        return Err(TrainError::Settings(
            "the photos came without their hashes".into(),
        ));
    }
    let cut = tail.config;
    // Cut rows depend on the cut alone (`RowCache::key`).
    let config = TrainConfig {
        tuned_blocks: cut.blocks,
        ..TrainConfig::default()
    };
    let mut rows = Vec::with_capacity(asked.ids.len() * cut.cut_len());
    for (i, &id) in asked.ids.iter().enumerate() {
        let photo = Photo {
            id,
            hash: &asked.hashes[i],
            name: &asked.names[i],
        };
        let wanted = Wanted {
            cut: true,
            views: false,
        };
        let got =
            (photo_rows(session, &photo, &config, wanted, Some(cut), "mapping").await?).needed()?;
        rows.extend_from_slice(&got.cut.unwrap_or_default());
    }
    let all: Vec<usize> = (0..asked.ids.len()).collect();
    let inputs = Inputs {
        values: &rows,
        shape: cut.cut_shape(),
        labels: &[],
    };
    let engine = session
        .engine()
        .map_err(|e| TrainError::Settings(e.to_string()))?;
    tail_features(tail, inputs, &all, &engine.device).await
}
