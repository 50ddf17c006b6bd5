//! The session's Web Worker, both ends of the wire: `serve` runs in the worker (graft-worker's
//! entry), `SessionWorker` is the page's handle on it. A message is `{header, buffers}`: the
//! header a `session::protocol` enum as JSON, the buffers `ArrayBuffer`s, transferred;
//! picked files to embed (`EmbedFiles`) come as one `Blob` of them, `file`, instead.

use crate::backend::DeviceChoice;
use crate::session::protocol::ModelFrom;
use crate::session::{Event, Request, Session};
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    DedicatedWorkerGlobalScope, ErrorEvent, MessageEvent, Worker, WorkerOptions, WorkerType,
};

/// The worker's boot script (static/worker.js): loads graft-worker's wasm, which calls `serve`.
const SCRIPT: &str = "worker.js";

/// Pictures sent to embed: a picture's bytes (`Request::Embed`), or picked files, a `Blob`
/// of them (`Request::EmbedFiles`), which the worker reads itself when their turn comes, so
/// that their bytes never pass the page's thread (read, copied into wasm memory and out
/// again, the page's work a photo was a third file reading).
pub enum Picked {
    Bytes(Vec<u8>),
    File(web_sys::Blob),
}

/// Bytes in wasm memory as JS buffers (a copy each).
fn js_buffers(buffers: Vec<Vec<u8>>) -> Vec<ArrayBuffer> {
    (buffers.iter())
        .map(|b| Uint8Array::from(b.as_slice()).buffer())
        .collect()
}

/// A header and its buffers as a message, and the list of buffers to transfer.
fn pack<T: Serialize>(header: &T, buffers: Vec<ArrayBuffer>) -> Result<(JsValue, Array), String> {
    let json = serde_json::to_string(header).map_err(|e| e.to_string())?;
    let list = Array::new();
    for b in &buffers {
        list.push(b);
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

/// The worker's side: a `Session` answering the page's requests, after saying `Ready`.
/// The worker's entry (graft-worker's main).
pub fn serve() {
    super::run_constructors();
    console_error_panic_hook::set_once();
    // `?trace` on the page (passed on to the worker's address): each job's timings too.
    let trace = js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .location()
        .search()
        .contains("trace");
    let level = if trace {
        log::Level::Debug
    } else {
        log::Level::Info
    };
    let _ = console_log::init_with_level(level);
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let post = move |event: Event, buffers: Vec<Vec<u8>>| {
        let sent = pack(&event, js_buffers(buffers)).and_then(|(message, transfer)| {
            (reply.post_message_with_transfer(&message, &transfer)).map_err(|e| format!("{e:?}"))
        });
        if let Err(e) = sent {
            log::warn!("graft-worker could not answer: {e}");
        }
    };
    let post: crate::session::Outbox = Rc::new(post);
    let session = Session::new(post.clone());
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let file = (Reflect::get(&e.data(), &"file".into()).ok())
            .and_then(|f| f.dyn_into::<web_sys::Blob>().ok())
            .map(super::files::SentFile::new);
        match unpack::<Request>(&e.data()) {
            Ok((request, buffers)) => crate::session::handle(&session, request, buffers, file),
            // A page of another build: it hears nothing back.
            Err(e) => log::warn!("graft-worker: {e}"),
        }
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(Event::Ready, Vec::new());
}

/// What the page hears from the session: an event, or that the worker stopped (and why).
pub type Heard = Result<(Event, Vec<Vec<u8>>), String>;

/// The page's handle on the session's worker. If the worker stops (a crash, out of
/// memory), the page hears why, and a new worker is started at once, told the device
/// and the model again; what it was doing is lost, what is saved is not.
#[derive(Clone)]
pub struct SessionWorker(Rc<Inner>);

struct Inner {
    running: RefCell<Option<Running>>,
    on_event: Box<dyn Fn(Heard)>,
    /// Sent first to every worker started: the device asked for, and the preview's model.
    start: RefCell<Option<Request>>,
    model: RefCell<Option<Rc<Vec<u8>>>>,
}

/// A message and the buffers it transfers.
type Packed = (JsValue, Array);

/// A started worker, and the requests waiting for it to say `Ready`.
struct Running {
    worker: Worker,
    waiting: Rc<RefCell<Option<Vec<Packed>>>>,
    /// Kept alive while the worker may call them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl SessionWorker {
    /// A handle that hands every event to `on_event`; the worker starts with `start`.
    pub fn new(on_event: impl Fn(Heard) + 'static) -> Self {
        Self(Rc::new(Inner {
            running: RefCell::new(None),
            on_event: Box::new(on_event),
            start: RefCell::new(None),
            model: RefCell::new(None),
        }))
    }

    /// Open the device and load the backbone (`Request::Start`).
    pub fn start(&self, device: DeviceChoice) -> Result<(), String> {
        let store = super::store::project_store();
        let request = Request::Start { device, store };
        *self.0.start.borrow_mut() = Some(request.clone());
        match self.launched()? {
            true => Ok(()), // a new worker is told first
            false => self.post(&request, Vec::new()),
        }
    }

    /// The model file the page uses now (the session has it already): a restarted worker is
    /// told it first.
    pub fn remember_model(&self, file: Option<Rc<Vec<u8>>>) {
        *self.0.model.borrow_mut() = file;
    }

    /// Start the worker if there is none; whether it was started now.
    fn launched(&self) -> Result<bool, String> {
        if self.0.running.borrow().is_some() {
            return Ok(false);
        }
        let running = self.launch()?;
        *self.0.running.borrow_mut() = Some(running);
        Ok(true)
    }

    /// Send a request with its buffers (transferred, not copied).
    pub fn post(&self, request: &Request, buffers: Vec<Vec<u8>>) -> Result<(), String> {
        self.post_js(request, js_buffers(buffers))
    }

    /// `post` with buffers already in JS (one made a part a task: `Jobs::train`).
    pub fn post_js(&self, request: &Request, buffers: Vec<ArrayBuffer>) -> Result<(), String> {
        self.send(pack(request, buffers)?)
    }

    /// Send a picture to embed with `request`.
    pub fn post_picture(&self, request: &Request, picture: Picked) -> Result<(), String> {
        match picture {
            Picked::Bytes(bytes) => self.post(request, vec![bytes]),
            Picked::File(file) => {
                let (message, transfer) = pack(request, Vec::new())?;
                Reflect::set(&message, &"file".into(), &file).map_err(|e| format!("{e:?}"))?;
                self.send((message, transfer))
            }
        }
    }

    /// Post a packed message, or hold it until the worker is ready.
    fn send(&self, message: (JsValue, Array)) -> Result<(), String> {
        self.launched()?;
        let running = self.0.running.borrow();
        let running = running.as_ref().ok_or("the worker is not running")?;
        if let Some(waiting) = running.waiting.borrow_mut().as_mut() {
            waiting.push(message);
            return Ok(());
        }
        let (message, transfer) = message;
        (running
            .worker
            .post_message_with_transfer(&message, &transfer))
        .map_err(|e| format!("could not reach the worker: {e:?}"))
    }

    /// A new worker, told the device and model first once it is ready.
    fn launch(&self) -> Result<Running, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let script = match super::query_param("trace") {
            Some(_) => format!("{SCRIPT}?trace"),
            None => SCRIPT.to_string(),
        };
        let worker = Worker::new_with_options(&script, &options)
            .map_err(|e| format!("could not start the worker: {e:?}"))?;
        let mut first = Vec::new();
        if let Some(start) = self.0.start.borrow().as_ref() {
            first.push(pack(start, Vec::new())?);
        }
        if let Some(model) = self.0.model.borrow().as_ref() {
            let request = Request::UseModel {
                from: ModelFrom::Page,
            };
            first.push(pack(&request, js_buffers(vec![model.to_vec()]))?);
        }
        let waiting = Rc::new(RefCell::new(Some(first)));
        let inner: Weak<Inner> = Rc::downgrade(&self.0);
        let on_message = {
            let (inner, waiting, worker) = (inner.clone(), waiting.clone(), worker.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let Some(inner) = inner.upgrade() else { return };
                match unpack::<Event>(&e.data()) {
                    Ok((Event::Ready, _)) => {
                        for (message, transfer) in waiting.take().unwrap_or_default() {
                            if let Err(e) = worker.post_message_with_transfer(&message, &transfer) {
                                log::warn!("could not reach the worker: {e:?}");
                            }
                        }
                    }
                    Ok(heard) => (inner.on_event)(Ok(heard)),
                    Err(e) => log::warn!("from the worker: {e}"),
                }
            })
        };
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
            e.prevent_default();
            let Some(inner) = inner.upgrade() else { return };
            // Forget the stopped worker (dropped, handlers and all, once this handler has
            // returned) and start the next at once.
            if let Some(old) = inner.running.borrow_mut().take() {
                old.worker.terminate();
                wasm_bindgen_futures::spawn_local(async move { drop(old) });
            }
            let again = SessionWorker(inner.clone()).launch();
            let restarted = again.is_ok();
            *inner.running.borrow_mut() = again.ok();
            let why = match restarted {
                true => format!(
                    "the session's worker stopped ({}) and was started again",
                    e.message()
                ),
                false => format!("the session's worker stopped ({})", e.message()),
            };
            log::warn!("{why}");
            (inner.on_event)(Err(why));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Running {
            worker,
            waiting,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}
