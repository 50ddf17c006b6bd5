//! The preview's downloads: the model file, the model as ONNX and its model card; the last
//! two are made by the session (session/export.rs) and arrive as `Event::Exported`.

use super::jobs::Jobs;
use crate::session::Request;
use crate::state::teach::{Teach, TeachAction};
use crate::web::files;
use std::rc::Rc;
use yew::Callback;

/// What the preview's download buttons ask for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Download {
    /// The model file, as the page has it.
    Model,
    /// The whole network as one ONNX file (docs/export.md).
    Onnx,
    /// The model card (Markdown).
    Card,
}

const MODEL_FILE: &str = "graft-model.graft";
const ONNX_FILE: &str = "graft-model.onnx";
const CARD_FILE: &str = "graft-model-card.md";

/// The download buttons' callback for the model in use; what goes wrong is shown.
pub fn on_download(
    t: &Teach,
    jobs: &Rc<Jobs>,
    act: &Rc<dyn Fn(TeachAction)>,
) -> Callback<Download> {
    let (jobs, act) = (jobs.clone(), act.clone());
    let key = t.model.as_ref().map(|m| m.key.clone());
    Callback::from(move |what: Download| {
        let Some(key) = &key else {
            return;
        };
        let result = (jobs.saved.model_file(key))
            .ok_or_else(|| "its file is not at hand".to_string())
            .and_then(|file| match what {
                Download::Model => files::download(&file, MODEL_FILE),
                Download::Onnx | Download::Card => {
                    act(TeachAction::Notice(match what {
                        Download::Onnx => "Writing the model as ONNX…".into(),
                        _ => "Writing the model card…".into(),
                    }));
                    let onnx = what == Download::Onnx;
                    jobs.post(
                        &Request::Export {
                            onnx,
                            date: today(),
                        },
                        vec![file.to_vec()],
                    )
                }
            });
        if let Err(e) = result {
            act(TeachAction::PreviewFailed(format!(
                "Could not download the model: {e}"
            )));
        }
    })
}

/// The session's answer to `Request::Export`: the file offered as a download, or why not.
pub fn exported(jobs: &Jobs, onnx: bool, result: Result<String, String>, buffers: Vec<Vec<u8>>) {
    let done = result.and_then(|card| match (onnx, buffers.first()) {
        (false, _) => files::download(card.as_bytes(), CARD_FILE).map(|()| CARD_FILE.to_string()),
        (true, Some(graph)) => files::download(graph, ONNX_FILE).map(|()| {
            format!(
                "{ONNX_FILE} ({:.1} MB, ONNX opset {}): docs/export.md says how to run it",
                graph.len() as f64 / 1e6,
                crate::export::OPSET
            )
        }),
        (true, None) => Err("the ONNX file did not come back from the worker".into()),
    });
    jobs.act(TeachAction::Notice(match done {
        Ok(what) => format!("Downloaded {what}."),
        Err(e) => format!("Could not export the model: {e}"),
    }));
}

/// Today's date (the reader's clock, UTC) as YYYY-MM-DD, for the card.
fn today() -> String {
    let iso = js_sys::Date::new_0().to_iso_string();
    String::from(iso).chars().take(10).collect()
}
