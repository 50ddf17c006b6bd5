//! `Request::Export`: the model file the page sends, as one ONNX file and its model card
//! (export/), made here so the page's thread never holds the backbone's 13 MB of floats.

use super::core::Session;
use super::protocol::Event;
use crate::classifier::Classifier;
use crate::export::{card, to_onnx};
use crate::model::WeightFile;

/// Answer with the card, and the ONNX file in buffer 0 when `onnx`; or why not.
pub async fn export(session: &Session, onnx: bool, date: String, file: Vec<u8>) {
    let made = async {
        // The weights the model was trained on: the backbone's, from the Cache API
        // (checked by their sha256 there), so a model from other weights is refused below.
        let (weights, _) = crate::assets::load_weights(|_, _| {})
            .await
            .map_err(|e| e.to_string())?;
        let mut backbone = WeightFile::parse(&weights).map_err(|e| e.to_string())?;
        drop(weights);
        let model = Classifier::from_bytes(&file, backbone.id()).map_err(|e| e.to_string())?;
        if let Some(adaptation) = &model.adaptation {
            backbone.adapt(adaptation).map_err(|e| e.to_string())?;
        }
        let graph = if onnx {
            vec![to_onnx(&backbone, &model).map_err(|e| e.to_string())?]
        } else {
            Vec::new()
        };
        Ok::<_, String>((card::markdown(&model, &date), graph))
    };
    match made.await {
        Ok((card, graph)) => session.send(
            Event::Exported {
                onnx,
                result: Ok(card),
            },
            graph,
        ),
        Err(e) => session.send(
            Event::Exported {
                onnx,
                result: Err(e),
            },
            Vec::new(),
        ),
    }
}
