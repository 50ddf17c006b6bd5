//! IndexedDB, awaited: the project's store. Writes resolve when their transaction commits,
//! so a quota error reaches the caller (and the page) instead of being lost.

use super::js_error;
use js_sys::{Array, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbRequest, IdbTransaction, IdbTransactionMode};

/// The database of the page's own project (presets and `store=` name others).
pub const NAME: &str = "graft";
/// 2 keeps the samples' copies in a store of their own.
const VERSION: u32 = 2;
/// One record per sample (`{name, hash, embedding}`, keyed by sample id; version 1 wrote
/// the kept copy in it too, as `jpeg`, and such records are still read).
pub const SAMPLES: &str = "samples";
/// Each sample's kept copy (JPEG bytes), keyed by sample id: apart from the samples so that
/// opening a project of 10 000 reads a few KB a sample, not its copy's tens.
pub const COPIES: &str = "copies";
/// The project's JSON (`"project"`) and the trained model file's bytes (`"model"`).
pub const META: &str = "meta";

pub struct Db(IdbDatabase);

/// Resolve with the request's result on success; reject with its error. The handlers are set
/// now, not when the future is first polled: a second request made before the first is
/// awaited (`page`) must not fire its event with no one listening.
fn request(req: &IdbRequest) -> impl Future<Output = Result<JsValue, String>> + use<> {
    let promise = Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let r = req.clone();
        let fail = Closure::once_into_js(move || {
            let e = r
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(fail.unchecked_ref()));
    });
    async move { JsFuture::from(promise).await.map_err(describe) }
}

/// Resolve when the transaction commits; reject with its error when it aborts.
async fn committed(tx: &IdbTransaction) -> Result<(), String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let fail = Closure::once_into_js(move || {
            let e = t.error().map(JsValue::from).unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onabort(Some(fail.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(describe)
}

/// A DOMException's name and message; a full disk reads "QuotaExceededError: ...".
fn describe(e: JsValue) -> String {
    if let Some(ex) = e.dyn_ref::<web_sys::DomException>() {
        if ex.name() == "QuotaExceededError" {
            return "the browser's storage for this site is full (QuotaExceededError); free space \
                    or remove samples — nothing already saved was lost"
                .into();
        }
        return format!("{}: {}", ex.name(), ex.message());
    }
    if e.is_null() {
        return "the storage transaction was aborted".into();
    }
    js_error(e)
}

impl Db {
    pub async fn open(name: &str) -> Result<Self, String> {
        let factory = super::scope::scope()
            .indexed_db()
            .map_err(js_error)?
            .ok_or("this browser offers no IndexedDB (private mode?)")?;
        let open = factory.open_with_u32(name, VERSION).map_err(js_error)?;
        let upgrade = Closure::once_into_js({
            let open = open.clone();
            move || {
                if let Ok(db) = open.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                    // From nothing, or from version 1 (which had no copies store); records
                    // stay as they are.
                    let names = db.object_store_names();
                    for store in [SAMPLES, META, COPIES] {
                        if !names.contains(store) {
                            let _ = db.create_object_store(store);
                        }
                    }
                }
            }
        });
        open.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let db: IdbDatabase = request(&open)
            .await?
            .dyn_into()
            .map_err(|_| "IndexedDB did not open a database")?;
        // A later version opened in another tab waits for this one to let go; its writes
        // then fail with a message instead of blocking that tab's upgrade.
        let me = db.clone();
        let close = Closure::<dyn Fn()>::new(move || me.close());
        db.set_onversionchange(Some(close.as_ref().unchecked_ref()));
        close.forget();
        Ok(Self(db))
    }

    fn tx(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, String> {
        let names: Array = stores.iter().map(|s| JsValue::from(*s)).collect();
        self.0
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(describe)
    }

    pub async fn put(&self, store: &str, key: &JsValue, value: &JsValue) -> Result<(), String> {
        self.put_all(&[(store, key, value)]).await
    }

    /// Put each `(store, key, value)` in one transaction: all are saved, or none.
    pub async fn put_all(&self, puts: &[(&str, &JsValue, &JsValue)]) -> Result<(), String> {
        let mut stores: Vec<&str> = puts.iter().map(|(s, _, _)| *s).collect();
        stores.sort_unstable();
        stores.dedup();
        let tx = self.tx(&stores, IdbTransactionMode::Readwrite)?;
        for (store, key, value) in puts {
            let put = tx
                .object_store(store)
                .and_then(|s| s.put_with_key(value, key));
            if let Err(e) = put {
                // The puts before it would otherwise commit: all, or none.
                let _ = tx.abort();
                return Err(describe(e));
            }
        }
        committed(&tx).await
    }

    /// Delete `keys` from each of `stores`, in one transaction.
    pub async fn delete(&self, stores: &[&str], keys: &[JsValue]) -> Result<(), String> {
        let tx = self.tx(stores, IdbTransactionMode::Readwrite)?;
        for store in stores {
            let s = tx.object_store(store).map_err(describe)?;
            for key in keys {
                s.delete(key).map_err(describe)?;
            }
        }
        committed(&tx).await
    }

    /// Empty each of `stores`, in one transaction.
    pub async fn clear(&self, stores: &[&str]) -> Result<(), String> {
        let tx = self.tx(stores, IdbTransactionMode::Readwrite)?;
        for store in stores {
            tx.object_store(store)
                .and_then(|s| s.clear())
                .map_err(describe)?;
        }
        committed(&tx).await
    }

    pub async fn get(&self, store: &str, key: &JsValue) -> Result<JsValue, String> {
        let tx = self.tx(&[store], IdbTransactionMode::Readonly)?;
        let req = tx
            .object_store(store)
            .and_then(|s| s.get(key))
            .map_err(describe)?;
        request(&req).await
    }

    /// The `(key, value)`s of a store in key order, `limit` at most, from key `low` (`(key,
    /// open)`: open leaves the key itself out; from the first when `None`) to before key
    /// `before` (to the last when `None`): a store of thousands is read a page at a time,
    /// the thread free between pages. Keys and values are asked for together.
    pub async fn page(
        &self,
        store: &str,
        low: Option<(&JsValue, bool)>,
        before: Option<&JsValue>,
        limit: u32,
    ) -> Result<Vec<(JsValue, JsValue)>, String> {
        let tx = self.tx(&[store], IdbTransactionMode::Readonly)?;
        let s = tx.object_store(store).map_err(describe)?;
        let range = match (low, before) {
            (Some((from, open)), Some(to)) => {
                IdbKeyRange::bound_with_lower_open_and_upper_open(from, to, open, true).map(Some)
            }
            (Some((from, open)), None) => IdbKeyRange::lower_bound_with_open(from, open).map(Some),
            (None, Some(to)) => IdbKeyRange::upper_bound_with_open(to, true).map(Some),
            (None, None) => Ok(None),
        };
        let query: JsValue = range
            .map_err(describe)?
            .map_or(JsValue::UNDEFINED, Into::into);
        let keys = request(
            &s.get_all_keys_with_key_and_limit(&query, limit)
                .map_err(describe)?,
        );
        let values = request(
            &s.get_all_with_key_and_limit(&query, limit)
                .map_err(describe)?,
        );
        let (keys, values): (Array, Array) =
            (keys.await?.unchecked_into(), values.await?.unchecked_into());
        Ok(keys.iter().zip(values.iter()).collect())
    }
}
