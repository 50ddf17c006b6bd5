//! The session itself, in the worker: what it holds (the engine, the store, the embedding
//! queue, the row cache, the preview's model) and the one CPU fallback. How each request is
//! answered is `requests.rs`; the jobs live in their own files as functions of `&Session`.

use super::engine::{Engine, gpu_lost};
use super::protocol::{Event, Picture};
use crate::backend::open_cpu;
use crate::classifier::Classifier;
use crate::inference::Backbone;
use crate::model::tail::Tail;
use crate::project::ClassRef;
use crate::state::Loading;
use crate::train::TrainError;
use crate::train::row_cache::{ROW_CACHE_BYTES, RowCache};
use crate::web::store::Store;
use gloo::timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

/// Where events go: the worker posts them to the page.
pub type Outbox = Rc<dyn Fn(Event, Vec<Vec<u8>>)>;

/// A picture's bytes as the page sent them: in the message, or one of the picked files
/// sent together, read when its turn comes (a queue of a folder's files holds no bytes).
pub enum Carried {
    Bytes(Vec<u8>),
    Part {
        files: Rc<crate::web::files::SentFile>,
        offset: u64,
        len: u64,
    },
}

/// A picture waiting for the backbone, to become sample `id` of `class`.
pub struct Item {
    pub id: u64,
    pub class: ClassRef,
    pub name: String,
    pub picture: Picture,
    pub bytes: Carried,
    /// Saved in the store; not when the page has no saved project to add to.
    pub keep: bool,
    /// The last of the pictures of one request: those before it are saved with it, in one
    /// write, and answered then.
    pub last: bool,
}

/// The model the preview uses, and its key (its file's sha256).
pub struct InUse {
    pub model: Classifier,
    pub key: String,
    /// Prototypes of the project's photos (`Request::Prototypes`), not a trained or loaded
    /// model: the next prototypes replace them, and nothing else does.
    pub prototypes: bool,
}

impl InUse {
    /// A model trained here or loaded from a file.
    pub fn model(model: Classifier, key: String) -> Self {
        Self {
            model,
            key,
            prototypes: false,
        }
    }
}

/// The newest previewed picture: its backbone input, and its features once computed,
/// through the tuned blocks or adapted backbone of the model keyed `through` (`None`: the
/// backbone's own).
#[derive(Clone)]
pub struct Looked {
    pub id: u64,
    pub input: Rc<Vec<f32>>,
    pub features: Option<(Option<String>, Rc<FeatureMap>)>,
}

/// A picture's feature map (`model::cam`), position-major, and the map's side.
pub type FeatureMap = (Vec<f32>, usize);

pub struct Session {
    out: Outbox,
    /// The device and backbone; replaced by a CPU one if the GPU is lost.
    pub(super) engine: RefCell<Option<Rc<Engine>>>,
    /// Opening the device and loading the backbone (`Request::Start`) is under way.
    pub(super) starting: Cell<bool>,
    /// The database samples are kept in (`Request::Start`), opened on first use; `Err`
    /// says why samples cannot be kept.
    pub(super) store_name: RefCell<Option<String>>,
    store: RefCell<Option<Result<Rc<Store>, String>>>,
    pub(super) queue: RefCell<VecDeque<Item>>,
    pub(super) embedding: Cell<bool>,
    /// Set by `Request::Stop`, cleared when a run starts.
    pub(super) stop: Cell<bool>,
    pub(super) training: Cell<bool>,
    /// Made once, reused by every run with the same settings.
    pub(super) rows: RefCell<RowCache>,
    /// The model the preview uses, and its tuned blocks built on the device (and whether on
    /// the GPU), built on first use.
    pub(super) model: RefCell<Option<Rc<InUse>>>,
    pub(super) tail: RefCell<Option<(bool, Rc<Tail>)>>,
    /// The backbone adapted to the model in use's photos (a model from `graft train
    /// --adapt-bn`), built on first use per device kind (on the GPU or not), like `tail`.
    pub(super) adapted: RefCell<Option<(bool, Rc<Backbone>)>>,
    /// The newest preview asked for (its id): only its answer is sent.
    pub(super) newest: Cell<u64>,
    /// The newest previewed picture, classified again when the model changes.
    pub(super) looked: RefCell<Option<Looked>>,
    /// The run in progress's further tasks, trained when its model is made (`tasks.rs`).
    pub(super) tasks: RefCell<Option<super::tasks::PendingTasks>>,
}

impl Session {
    pub fn new(out: Outbox) -> Rc<Self> {
        Rc::new(Self {
            out,
            engine: RefCell::new(None),
            starting: Cell::new(false),
            store_name: RefCell::new(None),
            store: RefCell::new(None),
            queue: RefCell::default(),
            embedding: Cell::new(false),
            stop: Cell::new(false),
            training: Cell::new(false),
            rows: RefCell::new(RowCache::new(ROW_CACHE_BYTES)),
            model: RefCell::new(None),
            tail: RefCell::new(None),
            adapted: RefCell::new(None),
            newest: Cell::new(0),
            looked: RefCell::new(None),
            tasks: RefCell::new(None),
        })
    }

    pub(super) fn send(&self, event: Event, buffers: Vec<Vec<u8>>) {
        (self.out)(event, buffers);
    }

    pub(super) fn notice(&self, message: String) {
        self.send(Event::Notice { message }, Vec::new());
    }

    /// The engine now (the CPU one once the GPU was lost).
    pub(super) fn engine(&self) -> Result<Rc<Engine>, TrainError> {
        (self.engine.borrow().clone())
            .ok_or_else(|| TrainError::Read("the model is not loaded".into()))
    }

    /// The engine, once start-up has loaded it: requests that come while it starts (a
    /// restarted worker's) wait for it.
    pub(super) async fn ready_engine(&self) -> Result<Rc<Engine>, TrainError> {
        while self.engine.borrow().is_none() && self.starting.get() {
            TimeoutFuture::new(20).await;
        }
        self.engine()
    }

    /// The store of the project's samples, opened on first use.
    pub(super) async fn store(&self) -> Result<Rc<Store>, String> {
        if let Some(opened) = self.store.borrow().clone() {
            return opened;
        }
        let name = self.store_name.borrow().clone();
        let opened = match name {
            Some(name) => Store::open(&name).await.map(Rc::new),
            None => Err("this page keeps nothing (store=none)".into()),
        };
        *self.store.borrow_mut() = Some(opened.clone());
        opened
    }

    /// Do `work` on the engine; if it fails because the GPU is gone, move to the CPU path
    /// (saying so, with `while_doing`) and do it again there: the one place the session
    /// falls back. Adam's runs resume from a checkpoint instead (`adam.rs`), through
    /// `move_to_cpu` too.
    pub(super) async fn on_engine<T>(
        &self,
        while_doing: &str,
        work: impl AsyncFn(&Engine) -> Result<T, TrainError>,
    ) -> Result<T, TrainError> {
        let engine = self.ready_engine().await?;
        match work(&engine).await {
            Err(e) if gpu_lost(&engine, &e).await => {
                log::warn!("the GPU was lost while {while_doing}: {e}");
                let cpu = self.move_to_cpu(&engine).await?;
                self.notice(format!(
                    "The GPU stopped responding while {while_doing}; the page went on on the CPU."
                ));
                work(&cpu).await
            }
            done => done,
        }
    }

    /// The engine again on the CPU path, after its GPU was lost: the weights come from the
    /// cache, the device panel is told, and every later job uses it.
    pub(super) async fn move_to_cpu(&self, lost: &Engine) -> Result<Rc<Engine>, TrainError> {
        let failed = |e: String| TrainError::Read(format!("the GPU stopped responding, and {e}"));
        let current = self.engine()?;
        if !current.info.is_gpu() {
            return Ok(current); // another job moved first
        }
        let reason = "the GPU stopped responding, so the page went on on the CPU".to_string();
        let (compute, report) = open_cpu(reason).await.map_err(|e| failed(e.to_string()))?;
        let (weights, _) =
            (crate::assets::load_weights(|_, _| {}).await).map_err(|e| failed(e.to_string()))?;
        let engine = Rc::new(Engine::new(&weights, compute, lost.labels.clone()).map_err(failed)?);
        *self.engine.borrow_mut() = Some(engine.clone());
        *self.tail.borrow_mut() = None;
        let loading = Loading::DeviceReady {
            info: engine.info.clone(),
            report,
        };
        self.send(Event::Loading { loading }, Vec::new());
        Ok(engine)
    }
}
