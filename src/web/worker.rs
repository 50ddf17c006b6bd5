//! The session's Web Worker, both ends of the wire: `serve` runs in the worker (graft-worker's
//! entry), `SessionWorker` is the page's handle on it. A message is `{header, buffers}`: the
//! header a `session::protocol` enum as JSON, the buffers `ArrayBuffer`s, transferred.

use crate::session::protocol::prepared;
use crate::session::{Event, Prepared, Request, handle};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DedicatedWorkerGlobalScope, ErrorEvent, MessageEvent, Worker, WorkerOptions, WorkerType,
};

/// The worker's boot script (static/worker.js): loads graft-worker's wasm, which calls `serve`.
const SCRIPT: &str = "worker.js";

/// A header and its buffers as a message, and the list of buffers to transfer.
fn pack<T: Serialize>(header: &T, buffers: Vec<Vec<u8>>) -> Result<(JsValue, Array), String> {
    let json = serde_json::to_string(header).map_err(|e| e.to_string())?;
    let list = Array::new();
    for b in &buffers {
        list.push(&Uint8Array::from(b.as_slice()).buffer());
    }
    let message = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&message, &k.into(), v).map(|_| ());
    set("header", &json.into())
        .and_then(|()| set("buffers", &list))
        .map_err(|e| format!("{e:?}"))?;
    Ok((message.into(), list))
}

/// A message's header and buffers; why not, for one that is not this protocol's.
fn unpack<T: DeserializeOwned>(data: &JsValue) -> Result<(T, Vec<Vec<u8>>), String> {
    let field = |k: &str| Reflect::get(data, &k.into()).ok();
    let header = field("header")
        .and_then(|h| h.as_string())
        .ok_or("a message without a header")?;
    let header =
        serde_json::from_str(&header).map_err(|e| format!("an unreadable message: {e}"))?;
    let buffers = match field("buffers") {
        Some(list) if Array::is_array(&list) => Array::from(&list)
            .iter()
            .map(|b| Uint8Array::new(&b).to_vec())
            .collect(),
        _ => Vec::new(),
    };
    Ok((header, buffers))
}

/// The worker's side: answer every request in order, after saying `Ready`.
pub fn serve() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post = |scope: &DedicatedWorkerGlobalScope, event: &Event, buffers| {
        let sent = pack(event, buffers).and_then(|(message, transfer)| {
            (scope.post_message_with_transfer(&message, &transfer)).map_err(|e| format!("{e:?}"))
        });
        if let Err(e) = sent {
            log::warn!("graft-worker could not answer: {e}");
        }
    };
    let reply = scope.clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        match unpack::<Request>(&e.data()) {
            Ok((request, buffers)) => {
                let (event, out) = handle(request, buffers);
                post(&reply, &event, out);
            }
            // No id to answer to: a page of another build. It hears nothing back.
            Err(e) => log::warn!("graft-worker: {e}"),
        }
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&scope, &Event::Ready, Vec::new());
}

/// What a request's promise resolves to when the worker stopped instead of answering.
const STOPPED: &str = "stopped";

/// A started worker and the requests it owes an answer.
struct Running {
    worker: Worker,
    /// Resolves when the worker says `Ready` (or stops first).
    ready: Promise,
    /// Each request's `resolve`, by id; `u64::MAX` is the `Ready` promise's.
    waiting: Rc<RefCell<HashMap<u64, Function>>>,
    /// Why it stopped, once it has.
    stopped: Rc<RefCell<Option<String>>>,
    /// Kept alive while the worker may call them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

/// The page's handle on the session's worker: started on first use, and started afresh
/// after it stops (a crash, out of memory): the requests in flight then end with a
/// message each, and the next request gets a new worker. The worker keeps nothing.
#[derive(Clone, Default)]
pub struct SessionWorker(Rc<Inner>);

#[derive(Default)]
struct Inner {
    running: RefCell<Option<Rc<Running>>>,
    next_id: Cell<u64>,
}

/// A request posted to the worker and not yet answered: the worker works on it while the
/// page does something else (the embedding queue embeds the photo before).
pub struct Ticket {
    answer: Promise,
    running: Rc<Running>,
}

impl Ticket {
    /// The prepared photo (for a `Request::Prepare`), or why there is none.
    pub async fn prepared(self) -> Result<Prepared, String> {
        match self.answer().await? {
            (Event::Prepared { hash, .. }, buffers) => prepared(hash, buffers)
                .ok_or_else(|| "the photo came back from the worker malformed".to_string()),
            (Event::Refused { reason, .. }, _) => Err(reason),
            (Event::Ready, _) => Err("the worker answered out of turn".into()),
        }
    }

    async fn answer(self) -> Result<(Event, Vec<Vec<u8>>), String> {
        let answer = JsFuture::from(self.answer)
            .await
            .map_err(|e| format!("{e:?}"))?;
        if answer.as_string().as_deref() == Some(STOPPED) {
            let why = self.running.stopped.borrow().clone();
            return Err(why.unwrap_or_else(|| "the worker stopped".into()));
        }
        unpack(&answer)
    }
}

impl SessionWorker {
    /// Send one photo's file bytes to be prepared; the answer comes with the ticket.
    pub async fn prepare(&self, bytes: Vec<u8>) -> Result<Ticket, String> {
        let id = self.0.next_id.get();
        self.0.next_id.set(id + 1);
        self.post(&Request::Prepare { id }, vec![bytes]).await
    }

    /// Post a request once the worker is ready.
    async fn post(&self, request: &Request, buffers: Vec<Vec<u8>>) -> Result<Ticket, String> {
        let running = self.running()?;
        let ready = JsFuture::from(running.ready.clone()).await;
        if let Some(why) = running.stopped.borrow().clone() {
            return Err(why);
        }
        ready.map_err(|e| format!("{e:?}"))?;
        let id = request.id();
        let waiting = running.waiting.clone();
        let answer = Promise::new(&mut |resolve, _| {
            waiting.borrow_mut().insert(id, resolve);
        });
        let (message, transfer) = pack(request, buffers)?;
        if let Err(e) = running
            .worker
            .post_message_with_transfer(&message, &transfer)
        {
            running.waiting.borrow_mut().remove(&id);
            return Err(format!("could not reach the worker: {e:?}"));
        }
        Ok(Ticket { answer, running })
    }

    /// The worker, started if there is none.
    fn running(&self) -> Result<Rc<Running>, String> {
        if let Some(r) = self.0.running.borrow().as_ref() {
            return Ok(r.clone());
        }
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(SCRIPT, &options)
            .map_err(|e| format!("could not start the worker: {e:?}"))?;
        let waiting: Rc<RefCell<HashMap<u64, Function>>> = Rc::default();
        let stopped: Rc<RefCell<Option<String>>> = Rc::default();
        let for_ready = waiting.clone();
        let ready = Promise::new(&mut |resolve, _| {
            for_ready.borrow_mut().insert(u64::MAX, resolve);
        });
        let on_message = {
            let waiting = waiting.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let data = e.data();
                let id = match unpack::<Event>(&data) {
                    Ok((Event::Ready, _)) => u64::MAX,
                    Ok((Event::Prepared { id, .. } | Event::Refused { id, .. }, _)) => id,
                    Err(e) => return log::warn!("from the worker: {e}"),
                };
                if let Some(resolve) = waiting.borrow_mut().remove(&id) {
                    let _ = resolve.call1(&JsValue::NULL, &data);
                }
            })
        };
        let on_error = {
            let (waiting, stopped) = (waiting.clone(), stopped.clone());
            let inner: Weak<Inner> = Rc::downgrade(&self.0);
            Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
                e.prevent_default();
                let why = format!(
                    "the photo worker stopped ({}); it starts afresh for the next photo",
                    e.message()
                );
                log::warn!("{why}");
                *stopped.borrow_mut() = Some(why);
                for (_, resolve) in waiting.borrow_mut().drain() {
                    let _ = resolve.call1(&JsValue::NULL, &STOPPED.into());
                }
                // Forget the stopped worker; it is dropped (handlers and all) once this
                // handler has returned.
                if let Some(old) = inner.upgrade().and_then(|i| i.running.borrow_mut().take()) {
                    old.worker.terminate();
                    wasm_bindgen_futures::spawn_local(async move { drop(old) });
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let running = Rc::new(Running {
            worker,
            ready,
            waiting,
            stopped,
            _on_message: on_message,
            _on_error: on_error,
        });
        *self.0.running.borrow_mut() = Some(running.clone());
        Ok(running)
    }
}
