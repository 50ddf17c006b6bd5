//! The project's saved parts, typed: what the page saves and reads back, with the IndexedDB
//! records (plain JS objects) and keys kept in here.

use super::idb::{COPIES, Db, META, SAMPLES};
use crate::project::{ClassRef, Sample, sample_hash};
use crate::project_meta::SavedSample;
use gloo::timers::future::TimeoutFuture;
use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// What the meta store keeps besides samples, by key.
#[derive(Clone, Copy, Debug)]
pub enum Saved {
    /// The project's JSON (`ProjectMeta`).
    Project,
    /// The training settings' JSON.
    Settings,
    /// The trained model file's bytes.
    Model,
}

impl Saved {
    fn key(self) -> JsValue {
        match self {
            Saved::Project => "project",
            Saved::Settings => "settings",
            Saved::Model => "model",
        }
        .into()
    }
}

fn sample_key(id: u64) -> JsValue {
    JsValue::from(id as f64)
}

/// Samples read at once when a project is opened: a record is about 5 KB (its embedding),
/// so a page is about 2 MB (version 1's records, copy inside, are tens of KB), and a task
/// of 20-50 ms on the 2-core machine (a traced reopen; `bench-idb-read.mjs`: 200 to 1 000
/// a page read about as fast).
const SAMPLES_A_PAGE: u32 = 400;

/// The database the page's project lives in, from the page's address: `store=NAME` names
/// one, `store=none` none (nothing is kept), a `preset=URL` gets its own, else graft's one
/// project. So two widgets on a page, or a tutorial and the full app, never see each
/// other's photos.
pub fn project_store() -> Option<String> {
    match super::query_param("store").as_deref() {
        Some("none") => None,
        Some(name) => {
            let safe: String = (name.chars())
                .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .take(64)
                .collect();
            Some(format!("graft-store-{safe}"))
        }
        None => Some(match super::query_param("preset") {
            Some(url) => format!("graft-preset-{}", &sample_hash(url.as_bytes())[..16]),
            None => super::idb::NAME.into(),
        }),
    }
}

/// The keys of saved records this version cannot read (`Store::samples`).
#[derive(Default)]
pub struct Unreadable(Vec<JsValue>);

/// The page's saved project: samples, their kept copies, and the `Saved` parts.
pub struct Store(Db);

impl Store {
    /// Open the database `name` (`project_store` says which).
    pub async fn open(name: &str) -> Result<Self, String> {
        Db::open(name).await.map(Store)
    }

    /// A saved text (`Project`, `Settings`); `None` if there is none.
    pub async fn text(&self, what: Saved) -> Result<Option<String>, String> {
        Ok(self.0.get(META, &what.key()).await?.as_string())
    }

    pub async fn put_text(&self, what: Saved, text: &str) -> Result<(), String> {
        self.0.put(META, &what.key(), &text.into()).await
    }

    /// Saved bytes (`Model`); `None` if there are none.
    pub async fn bytes(&self, what: Saved) -> Result<Option<Vec<u8>>, String> {
        let value = self.0.get(META, &what.key()).await?;
        Ok(value.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec))
    }

    pub async fn put_bytes(&self, what: Saved, bytes: &[u8]) -> Result<(), String> {
        self.0
            .put(META, &what.key(), &Uint8Array::from(bytes).into())
            .await
    }

    pub async fn forget(&self, what: Saved) -> Result<(), String> {
        self.0.delete(&[META], &[what.key()]).await
    }

    /// Save samples, each added to its class, with their kept copies, all or none, in one
    /// write (resolves once committed: a full disk says so). A few photos a write cost
    /// Chromium less than one a write (`bench-idb.mjs`).
    pub async fn put_samples(&self, samples: &[(&Sample, &ClassRef, &[u8])]) -> Result<(), String> {
        let records: Vec<(JsValue, JsValue, JsValue)> = (samples.iter())
            .map(|(sample, class, jpeg)| {
                let copy = Uint8Array::from(*jpeg).into();
                (sample_key(sample.id), sample_record(sample, class), copy)
            })
            .collect();
        let puts: Vec<(&str, &JsValue, &JsValue)> = (records.iter())
            .flat_map(|(key, record, copy)| [(SAMPLES, key, record), (COPIES, key, copy)])
            .collect();
        self.0.put_all(&puts).await
    }

    /// Sample `id`'s kept copy; `None` if it is missing or unreadable.
    pub async fn sample_copy(&self, id: u64) -> Result<Option<Vec<u8>>, String> {
        let key = sample_key(id);
        let mut copy = self.0.get(COPIES, &key).await?;
        if copy.is_undefined() {
            // Saved by version 1, inside the sample's record.
            let record = self.0.get(SAMPLES, &key).await?;
            copy = Reflect::get(&record, &"jpeg".into()).unwrap_or(JsValue::UNDEFINED);
        }
        Ok(copy.dyn_into::<Uint8Array>().ok().map(|j| j.to_vec()))
    }

    /// Every saved sample this version can read (without its copy, which is read when its
    /// thumbnail is shown), and the keys of those it cannot (for `delete_records`, with
    /// the rest the caller finds gone: one write). Read in two spans side by side, the
    /// keys below `split` and the rest: a reader waits on the browser's IndexedDB work for
    /// most of each page, which two readers overlap (`bench-idb-read.mjs`: 10 000 records
    /// in 0.57-0.60 s against 0.99-1.04 s one page after another).
    pub async fn samples(
        &self,
        split: Option<u64>,
    ) -> Result<(Vec<SavedSample>, Unreadable), String> {
        let split = split.map(sample_key);
        let below = self.span(None, split.as_ref());
        let above = async {
            match &split {
                Some(key) => self.span(Some(key), None).await,
                None => Ok(Default::default()),
            }
        };
        let (below, above) = super::both(below, above).await;
        let ((mut read, mut unreadable), (more, more_unreadable)) = (below?, above?);
        read.extend(more);
        unreadable.extend(more_unreadable);
        Ok((read, Unreadable(unreadable)))
    }

    /// The samples keyed from `from` (inclusive; the first when `None`) to before `before`
    /// (the last when `None`), and the keys of records this version cannot read.
    async fn span(
        &self,
        from: Option<&JsValue>,
        before: Option<&JsValue>,
    ) -> Result<(Vec<SavedSample>, Vec<JsValue>), String> {
        let (mut read, mut unreadable) = (Vec::new(), Vec::new());
        let mut low = from.map(|key| (key.clone(), false));
        loop {
            let after = low.as_ref().map(|(key, open)| (key, *open));
            let page = (self.0.page(SAMPLES, after, before, SAMPLES_A_PAGE)).await?;
            let last = page.len() < SAMPLES_A_PAGE as usize;
            for (key, value) in page {
                match sample_from_record(&key, &value) {
                    Some(sample) => read.push(sample),
                    None => unreadable.push(key.clone()),
                }
                low = Some((key, true));
            }
            if last {
                return Ok((read, unreadable));
            }
            // Each page is a short task: the page stays responsive while a library opens.
            TimeoutFuture::new(0).await;
        }
    }

    /// Delete samples `ids` (those no class holds any more).
    pub async fn delete_samples(&self, ids: &[u64]) -> Result<(), String> {
        self.delete_records(ids, Unreadable::default()).await
    }

    /// Delete samples `ids` and the records `unreadable` (a listed one is in both), in one
    /// write.
    pub async fn delete_records(&self, ids: &[u64], unreadable: Unreadable) -> Result<(), String> {
        // A listed record that is unreadable is already among `keys`: one delete each.
        let listed: std::collections::HashSet<u64> = (unreadable.0.iter())
            .filter_map(|k| k.as_f64())
            .map(|k| k as u64)
            .collect();
        let mut keys = unreadable.0;
        keys.extend(
            (ids.iter())
                .filter(|id| !listed.contains(id))
                .map(|&id| sample_key(id)),
        );
        match keys.is_empty() {
            true => Ok(()),
            false => self.0.delete(&[SAMPLES, COPIES], &keys).await,
        }
    }

    pub async fn clear_samples(&self) -> Result<(), String> {
        self.0.clear(&[SAMPLES, COPIES]).await
    }
}

/// `{name, hash, embedding: Float32Array, class}`; the key is the sample id. `class` is
/// where it was added (`place`).
fn sample_record(sample: &Sample, class: &ClassRef) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&o, &k.into(), v);
    };
    set("name", &sample.name.as_str().into());
    set("hash", &sample.hash.as_str().into());
    set(
        "embedding",
        &Float32Array::from(sample.embedding.as_slice()).into(),
    );
    set("class", &place_value(class));
    o.into()
}

/// A class as a record names it: its id, its name (a folder's photos name their class so),
/// or null for the tray; `place` reads it back.
fn place_value(class: &ClassRef) -> JsValue {
    match class {
        ClassRef::Id(id) => JsValue::from(*id),
        ClassRef::Name(name) => name.as_str().into(),
        ClassRef::Unlabelled => JsValue::NULL,
    }
}

/// `place_value` read back; `None` for a record without one (saved before records said).
fn place(value: &JsValue) -> Option<ClassRef> {
    if value.is_null() {
        return Some(ClassRef::Unlabelled);
    }
    match value.as_f64() {
        Some(id) if id >= 0.0 && id <= u32::MAX as f64 && id.fract() == 0.0 => {
            Some(ClassRef::Id(id as u32))
        }
        Some(_) => None,
        None => value.as_string().map(ClassRef::Name),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A saved sample's record, read by its properties: a `Reflect::get` makes its key a JS
    /// string each time, which cost ~0.2 s of the page's thread at 10 000 records (a
    /// profile of `probe-reload.mjs`).
    type SampleRecord;
    #[wasm_bindgen(method, getter)]
    fn name(this: &SampleRecord) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn hash(this: &SampleRecord) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn embedding(this: &SampleRecord) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn class(this: &SampleRecord) -> JsValue;
}

/// A stored record back into a sample (without its thumbnail) and where it was added;
/// `None` for a record this version cannot read, which the caller drops.
fn sample_from_record(key: &JsValue, record: &JsValue) -> Option<SavedSample> {
    let id = key.as_f64().filter(|v| *v >= 0.0 && v.fract() == 0.0)? as u64;
    // Reading a property of null or undefined would throw; of another value it is undefined.
    let record: &SampleRecord = record.is_object().then(|| record.unchecked_ref())?;
    let embedding = record.embedding().dyn_into::<Float32Array>().ok()?;
    if embedding.length() as usize != crate::model::FEATURE_DIM {
        return None;
    }
    let sample = Sample {
        id,
        name: record.name().as_string()?,
        hash: record.hash().as_string()?,
        embedding: Rc::new(embedding.to_vec()),
        thumb: crate::thumb::Thumb::default(),
    };
    Some((sample, place(&record.class())))
}
