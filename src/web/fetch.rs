//! Downloads from the page's own origin with progress, and the browser's Cache API.

use super::js_error;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, ReadableStreamDefaultReader, RequestCache, RequestInit, Response};

/// The Cache API bucket holding the backbone weights and labels.
const CACHE_NAME: &str = "graft-assets-v1";

/// GET `url` (relative to the page), bypassing the HTTP cache, calling
/// `on_progress(loaded, total)` as chunks arrive. `total` is the Content-Length, if sent.
pub async fn fetch_bytes(
    url: &str,
    mut on_progress: impl FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, String> {
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    let promise = super::scope::scope().fetch(url, &init);
    let response: Response = JsFuture::from(promise)
        .await
        .map_err(|e| format!("could not download {url}: {}", js_error(e)))?
        .dyn_into()
        .map_err(|_| "fetch did not return a Response".to_string())?;
    if !response.ok() {
        return Err(format!(
            "could not download {url}: HTTP {}",
            response.status()
        ));
    }
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let Some(body) = response.body() else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| "the download has no readable body".to_string())?;
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| format!("download of {url} failed: {}", js_error(e)))?;
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(js_error)?;
        bytes.extend_from_slice(&Uint8Array::new(&value).to_vec());
        on_progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}

async fn open_cache() -> Result<Cache, String> {
    let storage = super::scope::scope().caches().map_err(js_error)?;
    JsFuture::from(storage.open(CACHE_NAME))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "caches.open did not return a Cache".to_string())
}

/// The cached body for `url`, if any. Errors (no Cache API, private mode) read as a miss.
pub async fn cache_get(url: &str) -> Option<Vec<u8>> {
    let cache = open_cache().await.ok()?;
    let hit = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    let response: Response = hit.dyn_into().ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

/// Store `bytes` as the cached body for `url`. A full quota is reported, not fatal.
pub async fn cache_put(url: &str, bytes: &[u8]) -> Result<(), String> {
    let cache = open_cache().await?;
    let array = Uint8Array::from(bytes);
    let response = Response::new_with_opt_buffer_source(Some(&array)).map_err(js_error)?;
    JsFuture::from(cache.put_with_str(url, &response))
        .await
        .map_err(js_error)?;
    Ok(())
}

/// Drop the cached copy of `url` (e.g. after a checksum mismatch).
pub async fn cache_delete(url: &str) {
    if let Ok(cache) = open_cache().await {
        let _ = JsFuture::from(cache.delete_with_str(url)).await;
    }
}

/// Milliseconds since the page (or worker) started, for timings shown to the user.
pub fn now_ms() -> f64 {
    super::scope::scope().now_ms()
}
