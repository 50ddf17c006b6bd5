//! A project sample as an IndexedDB record (a plain JS object), and back.

use crate::project::Sample;
use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// `{name, hash, jpeg: Uint8Array, embedding: Float32Array}`; the key is the sample id.
pub fn sample_record(sample: &Sample, jpeg: &[u8]) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&o, &k.into(), v);
    };
    set("name", &sample.name.as_str().into());
    set("hash", &sample.hash.as_str().into());
    set("jpeg", &Uint8Array::from(jpeg).into());
    set(
        "embedding",
        &Float32Array::from(sample.embedding.as_slice()).into(),
    );
    o.into()
}

/// A stored record back into a sample (without its thumbnail URL) and its JPEG bytes; `None`
/// for a record this version cannot read, which the caller drops.
pub fn sample_from_record(key: &JsValue, record: &JsValue) -> Option<(Sample, Vec<u8>)> {
    let get = |k: &str| Reflect::get(record, &k.into()).ok();
    let id = key.as_f64().filter(|v| *v >= 0.0 && v.fract() == 0.0)? as u64;
    let embedding = get("embedding")?.dyn_into::<Float32Array>().ok()?.to_vec();
    if embedding.len() != crate::model::FEATURE_DIM {
        return None;
    }
    let jpeg = get("jpeg")?.dyn_into::<Uint8Array>().ok()?.to_vec();
    Some((
        Sample {
            id,
            name: get("name")?.as_string()?,
            hash: get("hash")?.as_string()?,
            embedding: Rc::new(embedding),
            thumb: crate::thumb::Thumb::default(),
        },
        jpeg,
    ))
}
