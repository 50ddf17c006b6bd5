//! The page embedding this one (`?embed`, in an iframe; dist/embed.js makes one): the
//! events posted to it, and the requests it may send, checked: only from the embedding
//! window and its origin, only the known shapes. docs/embedding.md.

use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

/// What the host page hears, as `{source: "graft", type, ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum HostEvent {
    /// The backbone is loaded and the project shown: requests are taken.
    Ready,
    /// The page's height in CSS pixels, for the iframe's.
    Height {
        height: f64,
    },
    /// Photos being embedded: done of total.
    Progress {
        done: usize,
        total: usize,
    },
    Trained {
        epochs: usize,
        /// On the held-out or cross-validated images, 0 to 1.
        validation_accuracy: Option<f32>,
        classes: Vec<String>,
    },
    Prediction {
        label: String,
        probabilities: BTreeMap<String, f32>,
        /// A model of several tasks: each further task's `label` and `probabilities`.
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        tasks: BTreeMap<String, TaskAnswer>,
    },
    Error {
        message: String,
    },
    /// Ask embed.js to read `url`, on the host page's own origin, for this page: a preset
    /// beside the tutorial (host_fetch.rs). Answered by a `fetched` message of the same `id`.
    Fetch {
        id: u32,
        url: String,
    },
}

/// What the host page may ask.
pub enum HostRequest {
    /// Classify an image (a Blob's bytes; embed.js turns an ImageBitmap into one).
    Predict(Vec<u8>),
    Train,
    /// Empty the project (the widget's own: see presets.md).
    Reset,
}

/// Whether the page runs as an embedded widget (`?embed`).
pub fn embedded() -> bool {
    super::query_param("embed").is_some()
}

/// Whether embed.js made this widget (`?embed=js`): its host page then answers `fetch`
/// events; a plain `<iframe src="...?embed">` has no one to answer them.
pub fn by_script() -> bool {
    super::query_param("embed").as_deref() == Some("js")
}

/// The embedding window and its origin: the browser's word for it (`ancestorOrigins`),
/// else the referrer's. `None` when not embedded.
pub(super) fn host() -> Option<(web_sys::Window, String)> {
    let window = gloo::utils::window();
    let parent = window.parent().ok().flatten()?;
    if !embedded() || js_sys::Object::is(&parent, &window) {
        return None;
    }
    let location = window.location();
    let ancestor = js_sys::Reflect::get(&location, &"ancestorOrigins".into())
        .and_then(|list| js_sys::Reflect::get(&list, &0.into()))
        .ok()
        .and_then(|o| o.as_string());
    let origin = ancestor.or_else(|| {
        let referrer = gloo::utils::document().referrer();
        web_sys::Url::new(&referrer).ok().map(|u| u.origin())
    })?;
    Some((parent, origin))
}

/// Tell the host page `event` (nothing when not embedded).
pub fn post(event: &HostEvent) {
    let Some((parent, origin)) = host() else {
        return;
    };
    let Ok(json) = serde_json::to_string(event) else {
        return;
    };
    if let Ok(message) = js_sys::JSON::parse(&json) {
        let _ = js_sys::Reflect::set(&message, &"source".into(), &"graft".into());
        let _ = parent.post_message(&message, &origin);
    }
}

/// A message's request, if it is one: `{graft: 1, type: "predict", image: Blob}`,
/// `{graft: 1, type: "train"}` or `{graft: 1, type: "reset"}`.
async fn request_of(data: &JsValue) -> Option<HostRequest> {
    let field = |k: &str| js_sys::Reflect::get(data, &k.into()).ok();
    if field("graft")?.as_f64() != Some(1.0) {
        return None;
    }
    match field("type")?.as_string()?.as_str() {
        "train" => Some(HostRequest::Train),
        "reset" => Some(HostRequest::Reset),
        "predict" => {
            let blob: web_sys::Blob = field("image")?.dyn_into().ok()?;
            let bytes = gloo::file::futures::read_as_bytes(&gloo::file::Blob::from(blob));
            bytes.await.ok().map(HostRequest::Predict)
        }
        _ => None,
    }
}

/// Hand each request from the host page to `on_request`; every other message (another
/// window's, another origin's, an unknown shape) is ignored. Nothing when not embedded.
pub fn listen(on_request: impl Fn(HostRequest) + 'static) {
    let Some((parent, origin)) = host() else {
        return;
    };
    let on_request = std::rc::Rc::new(on_request);
    let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let from_host =
            e.origin() == origin && e.source().is_some_and(|s| js_sys::Object::is(&s, &parent));
        if !from_host {
            return;
        }
        let on_request = on_request.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(request) = request_of(&e.data()).await {
                on_request(request);
            }
        });
    });
    let _ = gloo::utils::window()
        .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();
}

/// A further task's answer to an embedding page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskAnswer {
    pub label: String,
    pub probabilities: BTreeMap<String, f32>,
}
