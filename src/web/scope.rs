//! The global scope the page and the session's worker share: fetch, the Cache API,
//! IndexedDB, the clock and the navigator, from a `Window` or a `WorkerGlobalScope`.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CacheStorage, IdbFactory, RequestInit, Window, WorkerGlobalScope};

/// Where this code runs.
pub enum Scope {
    Window(Window),
    Worker(WorkerGlobalScope),
}

/// The scope of the calling thread.
pub fn scope() -> Scope {
    match js_sys::global().dyn_into::<Window>() {
        Ok(window) => Scope::Window(window),
        Err(global) => Scope::Worker(global.unchecked_into()),
    }
}

impl Scope {
    pub fn fetch(&self, url: &str, init: &RequestInit) -> Promise {
        match self {
            Scope::Window(w) => w.fetch_with_str_and_init(url, init),
            Scope::Worker(w) => w.fetch_with_str_and_init(url, init),
        }
    }

    pub fn caches(&self) -> Result<CacheStorage, JsValue> {
        match self {
            Scope::Window(w) => w.caches(),
            Scope::Worker(w) => w.caches(),
        }
    }

    pub fn indexed_db(&self) -> Result<Option<IdbFactory>, JsValue> {
        match self {
            Scope::Window(w) => w.indexed_db(),
            Scope::Worker(w) => w.indexed_db(),
        }
    }

    /// Milliseconds since this page or worker started.
    pub fn now_ms(&self) -> f64 {
        let performance = match self {
            Scope::Window(w) => w.performance(),
            Scope::Worker(w) => w.performance(),
        };
        performance.map(|p| p.now()).unwrap_or(0.0)
    }

    /// `navigator`, as a plain object (its `gpu` is read by name).
    pub fn navigator(&self) -> JsValue {
        match self {
            Scope::Window(w) => w.navigator().into(),
            Scope::Worker(w) => w.navigator().into(),
        }
    }
}
