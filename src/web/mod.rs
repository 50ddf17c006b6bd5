//! The web boundary: the only file that touches `wasm_bindgen` and raw JavaScript objects.

use crate::backend::AdapterProbe;
use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub mod camera;
pub mod decode;
pub mod fetch;
pub mod files;
pub mod folders;
pub mod host;
pub mod host_fetch;
pub mod idb;
pub mod pool;
pub mod rows;
pub mod scope;
pub mod signal;
pub mod storage;
pub mod store;
pub mod visible;
pub mod worker;

unsafe extern "C" {
    /// The static constructors wasm-ld collects (the `inventory` registrations of burn's
    /// dependencies). Referencing it tells wasm-ld that we run them ourselves; otherwise, in
    /// a binary ("command") it wraps every export to run them again on each call into wasm,
    /// which cost 200-600 ms per event handler here (a profile showed `__wasm_call_ctors`
    /// and `inventory::ErasedNode::submit` on top).
    fn __wasm_call_ctors();
}

/// Run the static constructors, once, before anything reads what they register: the first
/// thing each wasm binary's entry (`start`, `worker::serve`) does.
pub(crate) fn run_constructors() {
    static DONE: std::sync::Once = std::sync::Once::new();
    // SAFETY: run once (the `Once`), before any code that reads what they register.
    DONE.call_once(|| unsafe { __wasm_call_ctors() });
}

/// Install the panic hook and the console logger, then mount the app. The page's entry
/// (graft-web's main).
pub fn start() {
    run_constructors();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal(&info.to_string());
    }));
    // Ignore the error: it only says a logger is already installed.
    let _ = console_log::init_with_level(log::Level::Info);
    register_service_worker();
    crate::ui::mount();
}

/// Register `sw.js`, which keeps the app shell for offline visits. Failure only costs that.
fn register_service_worker() {
    let container = gloo::utils::window().navigator().service_worker();
    let promise = container.register("sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(promise).await {
            log::warn!("offline support unavailable: {}", js_error(e));
        }
    });
}

/// Show a fatal error in the page itself (the `#fatal` banner in index.html), with what to do.
pub fn show_fatal(message: &str) {
    let Some(el) = gloo::utils::document().get_element_by_id("fatal") else {
        return;
    };
    el.set_text_content(Some(&format!(
        "graft stopped: {message}. Reload the page to start again; if this keeps happening, \
         open it with ?device=cpu. Details are in the browser console."
    )));
    let _ = el.remove_attribute("hidden");
}

/// The value of a URL query parameter of the page, e.g. `device` in `?device=cpu`.
pub fn query_param(name: &str) -> Option<String> {
    let search = gloo::utils::window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Reload the page with query parameter `name` set to `value` (or removed when `None`).
pub fn reload_with_param(name: &str, value: Option<&str>) {
    let location = gloo::utils::window().location();
    let search = location.search().unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    match value {
        Some(v) => params.set(name, v),
        None => params.delete(name),
    }
    let query = String::from(params.to_string());
    let _ = location.set_search(&query);
}

/// Ask the browser for a WebGPU adapter and describe it. `Err` says why there is none.
pub async fn probe_webgpu() -> Result<AdapterProbe, String> {
    let navigator = scope::scope().navigator();
    let gpu = Reflect::get(&navigator, &"gpu".into()).map_err(js_error)?;
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser has no navigator.gpu (WebGPU is off or unsupported)".into());
    }
    let request: js_sys::Function = Reflect::get(&gpu, &"requestAdapter".into())
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "navigator.gpu.requestAdapter is not a function".to_string())?;
    let promise: Promise = request
        .call0(&gpu)
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "requestAdapter did not return a promise".to_string())?;
    let adapter = JsFuture::from(promise).await.map_err(js_error)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("no WebGPU adapter found".into());
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |obj: &JsValue, name: &str| -> Option<String> {
        Reflect::get(obj, &name.into())
            .ok()?
            .as_string()
            .filter(|s| !s.is_empty())
    };
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|name| field(&info, name))
        .collect();
    // `info.isFallbackAdapter` is the current spelling; older Chromium had it on the adapter.
    let is_fallback = [&info, &adapter].iter().any(|obj| {
        Reflect::get(obj, &"isFallbackAdapter".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }) || parts
        .iter()
        .any(|p| p.to_ascii_lowercase().contains("swiftshader"));
    Ok(AdapterProbe {
        description: if parts.is_empty() {
            "unnamed adapter".into()
        } else {
            parts.join(" ")
        },
        is_fallback,
    })
}

pub(crate) fn js_error(value: JsValue) -> String {
    value
        .as_string()
        .or_else(|| {
            value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Run `a` and `b` side by side (both awaiting the browser at once: two IndexedDB reads,
/// say); their outputs once both are done.
pub async fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut done_a, mut done_b) = (None, None);
    std::future::poll_fn(move |cx| {
        use std::task::Poll;
        // A future is not polled again once it has given its output.
        if done_a.is_none()
            && let Poll::Ready(x) = a.as_mut().poll(cx)
        {
            done_a = Some(x);
        }
        if done_b.is_none()
            && let Poll::Ready(y) = b.as_mut().poll(cx)
        {
            done_b = Some(y);
        }
        match (done_a.take(), done_b.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (done_a, done_b) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}
