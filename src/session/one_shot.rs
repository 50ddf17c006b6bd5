//! `Request::Prototypes`: before any model is trained, prototypes of the project's photos
//! (train/prototypes.rs) answer the preview, from one photo a class (issue 17).

use super::core::{InUse, Session};
use super::preview::{set_model, summary};
use super::protocol::{Event, ModelFrom};
use crate::classifier::Classifier;
use crate::model::FEATURE_DIM;
use crate::train::TrainConfig;
use crate::train::prototypes::fit;
use crate::train::provenance::{Provenance, Solved, per_class};
use crate::web::fetch::now_ms;

/// Fit prototypes to `features` (`labels.len()` rows of 1 280) and use them; the page is
/// told what now answers, or why not.
pub async fn use_prototypes(
    session: &Session,
    classes: Vec<String>,
    labels: Vec<usize>,
    features: Vec<f32>,
) {
    let failed = |message: String| {
        let result = Err(message);
        session.send(
            Event::Model {
                from: ModelFrom::Prototypes,
                result,
            },
            Vec::new(),
        );
    };
    if features.len() != labels.len() * FEATURE_DIM || labels.iter().any(|&l| l >= classes.len()) {
        return failed("the photos' embeddings came malformed".into());
    }
    let engine = match session.ready_engine().await {
        Ok(engine) => engine,
        Err(e) => return failed(e.to_string()),
    };
    let started = now_ms();
    let fitted = fit(&features, &labels, classes.len());
    let config = TrainConfig::default();
    let training = Provenance {
        by: "graft page",
        solved: Solved::Prototypes {
            temperature: fitted.temperature,
        },
        samples: labels.len(),
        rows: labels.len(),
        validation_samples: fitted.left_out.as_ref().map_or(0, |e| e.labels.len()),
        cross_validated_folds: 0,
        accuracy: fitted.left_out.as_ref().and_then(|e| e.accuracy()),
        images_per_class: per_class(&labels, classes.len()),
        confusion: fitted.left_out.as_ref().map(|e| e.confusion.clone()),
        config: &config,
        seconds: (now_ms() - started) / 1e3,
    }
    .json();
    let model = Classifier::new(classes, fitted.head, engine.backbone.weights_id(), training);
    let file = match model.to_bytes() {
        Ok(file) => file,
        Err(e) => return failed(e.to_string()),
    };
    let shown = summary(&model, &file);
    let key = shown.key.clone();
    // A model trained or loaded since the page asked is newer: it stays.
    if session
        .model
        .borrow()
        .as_ref()
        .is_some_and(|m| !m.prototypes)
    {
        return;
    }
    let result = Ok(Some(shown));
    session.send(
        Event::Model {
            from: ModelFrom::Prototypes,
            result,
        },
        Vec::new(),
    );
    set_model(
        session,
        Some(InUse {
            model,
            key,
            prototypes: true,
        }),
    )
    .await;
}
