//! How much this origin keeps, and whether the browser promises to keep it: the Storage
//! API (`navigator.storage`), read by name, so a browser without it only shows no figures.

use super::scope::scope;
use crate::state::storage::StorageUse;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Call `navigator.storage[method]()` and await its promise.
async fn call(method: &str) -> Option<JsValue> {
    let storage = Reflect::get(&scope().navigator(), &"storage".into()).ok()?;
    let f: Function = Reflect::get(&storage, &method.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = f.call0(&storage).ok()?.dyn_into().ok()?;
    JsFuture::from(promise).await.ok()
}

/// Bytes used and allowed (`estimate()`), and whether storage is persistent (`persisted()`).
pub async fn estimate() -> Option<StorageUse> {
    let figures = call("estimate").await?;
    let number = |key: &str| Reflect::get(&figures, &key.into()).ok()?.as_f64();
    Some(StorageUse {
        used: number("usage")?,
        quota: number("quota")?,
        persisted: call("persisted").await.and_then(|v| v.as_bool()),
    })
}

/// Ask the browser to keep this origin's data when space runs low (`persist()`): granted?
pub async fn persist() -> Option<bool> {
    call("persist").await?.as_bool()
}
