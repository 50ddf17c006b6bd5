//! Reading a file on the embedding page's origin (a tutorial's preset beside it) through
//! embed.js: this page may connect only to its own origin (index.html's Content-Security-
//! Policy), so it asks the host page, which reads its own file and hands the bytes over.
//! docs/embedding.md.

use super::host::{HostEvent, by_script, host, post};
use js_sys::{ArrayBuffer, Function, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::MessageEvent;

/// How long the host page may take to hand one file over. It reads a tutorial's photo from
/// its own server, so a minute is generous; a host page without embed.js never answers.
const WAIT_MS: u32 = 60_000;

thread_local! {
    static NEXT: Cell<u32> = const { Cell::new(0) };
    /// Requests waiting for their answer: id -> (resolve, reject) of the awaited promise.
    static WAITING: RefCell<HashMap<u32, (Function, Function)>> = RefCell::new(HashMap::new());
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

/// The embedding page's origin, and whether it hands files over (embed.js made this
/// widget); `None` when not embedded.
pub fn host_origin() -> Option<(String, bool)> {
    host().map(|(_, origin)| (origin, by_script()))
}

/// `url`, on the embedding page's origin, read by the embedding page.
pub async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    listen();
    let id = NEXT.with(|n| n.replace(n.get().wrapping_add(1)));
    let promise = Promise::new(&mut |resolve, reject| {
        WAITING.with(|w| w.borrow_mut().insert(id, (resolve, reject)));
    });
    gloo::timers::callback::Timeout::new(WAIT_MS, move || {
        if let Some((_, reject)) = WAITING.with(|w| w.borrow_mut().remove(&id)) {
            let _ = reject.call1(&JsValue::NULL, &"it did not answer in a minute".into());
        }
    })
    .forget();
    post(&HostEvent::Fetch {
        id,
        url: url.to_string(),
    });
    match JsFuture::from(promise).await {
        Ok(bytes) => Ok(Uint8Array::new(&bytes).to_vec()),
        Err(why) => Err(format!(
            "the embedding page could not hand over {url}: {}",
            why.as_string().unwrap_or_default()
        )),
    }
}

/// Take the host page's answers (`{graft: 1, type: "fetched", id, bytes | error}`), from
/// the embedding window and its origin only, once.
fn listen() {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    let Some((parent, origin)) = host() else {
        return;
    };
    let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let from_host =
            e.origin() == origin && e.source().is_some_and(|s| js_sys::Object::is(&s, &parent));
        if from_host {
            answer(&e.data());
        }
    });
    let _ = gloo::utils::window()
        .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();
}

/// Settle the request an answer names; anything else is ignored.
fn answer(data: &JsValue) {
    let field = |k: &str| Reflect::get(data, &k.into()).ok();
    let fetched = field("graft").and_then(|g| g.as_f64()) == Some(1.0)
        && field("type").and_then(|t| t.as_string()).as_deref() == Some("fetched");
    let id = field("id").and_then(|i| i.as_f64());
    let (true, Some(id)) = (fetched, id) else {
        return;
    };
    if id.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&id) {
        return;
    }
    let Some((resolve, reject)) = WAITING.with(|w| w.borrow_mut().remove(&(id as u32))) else {
        return;
    };
    match field("bytes") {
        Some(bytes) if bytes.is_instance_of::<ArrayBuffer>() => {
            let _ = resolve.call1(&JsValue::NULL, &bytes);
        }
        _ => {
            let why = field("error")
                .and_then(|e| e.as_string())
                .unwrap_or_else(|| "its answer held no file".into());
            let _ = reject.call1(&JsValue::NULL, &why.into());
        }
    }
}
