//! The page's side of the session: what it sends the worker (pictures to add, a run to
//! train, previews), the queue of pictures not yet sent, and the saved project it restores
//! and saves (IndexedDB). No tensors here: the session holds them.

use super::batch::Batch;
use super::pending::{Marks, Outgoing, Pending, outgoing};
use super::previews::Previews;
use super::saved::{ModelFile, SavedProject};
use crate::backend::DeviceChoice;
use crate::project::Project;
use crate::session::Request;
use crate::session::protocol::{ModelFrom, Picture, TrainSet};
use crate::state::teach::TeachAction;
use crate::state::training::{Progress, TrainAction};
use crate::state::uploads::Uploads;
use crate::state::{Action, Loading, State};
use crate::thumb::Thumb;
use crate::train::TrainConfig;
use crate::web::fetch::now_ms;
use crate::web::pool::{SessionPool, workers_wanted};
use crate::web::signal::Signal;
use crate::web::worker::Heard;
use gloo::timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// Thumbnails read from the store and drawn at once: each few is one short task.
const THUMBS_AT_ONCE: usize = 16;

pub struct Jobs {
    session: SessionPool,
    batch: Batch,
    uploads: Uploads<Pending>,
    /// Said when a picture in flight is answered or more workers embed: the sending loop
    /// waits on it while as many as may be are in flight.
    room: Signal,
    frames: Cell<u64>,
    /// A webcam frame is in the backbone for the live preview.
    pub live_busy: Cell<bool>,
    previews: Previews,
    /// The project as this browser keeps it, and the model file in use.
    pub saved: SavedProject,
    /// Samples whose thumbnails are being read from the store.
    thumbs_asked: RefCell<std::collections::HashSet<u64>>,
    /// Samples to set aside for validation once added (from an opened project file).
    marks: RefCell<std::collections::HashMap<u64, Marks>>,
    /// A run's request is being made; Stop was pressed meanwhile.
    building_run: Cell<bool>,
    stop_asked: Cell<bool>,
}

impl Jobs {
    /// The page's jobs; each event from the session goes to `heard` (`events::heard`, which
    /// turns it into actions for `dispatch`).
    pub fn new(dispatch: UseReducerDispatcher<State>, heard: fn(&Rc<Jobs>, Heard)) -> Rc<Self> {
        Rc::new_cyclic(|me: &std::rc::Weak<Jobs>| {
            let (me, also) = (me.clone(), me.clone());
            let on_event = move |event| {
                if let Some(jobs) = me.upgrade() {
                    heard(&jobs, event);
                }
            };
            let on_workers = move |n| {
                if let Some(jobs) = also.upgrade() {
                    jobs.act(TeachAction::Queue(jobs.uploads.set_workers(n, now_ms())));
                    jobs.room.notify();
                }
            };
            let session = SessionPool::new(workers_wanted(), on_event, on_workers);
            Jobs {
                session,
                batch: Batch::new(dispatch),
                uploads: Uploads::default(),
                room: Signal::default(),
                frames: Cell::new(0),
                live_busy: Cell::new(false),
                previews: Previews::default(),
                saved: SavedProject::default(),
                thumbs_asked: RefCell::default(),
                marks: RefCell::default(),
                building_run: Cell::new(false),
                stop_asked: Cell::new(false),
            }
        })
    }

    pub fn dispatch(&self, action: Action) {
        self.batch.now(action);
    }

    pub fn act(&self, action: TeachAction) {
        self.dispatch(Action::Teach(action));
    }

    /// `act`, held a moment to be drawn with the next few (`Batch`): for the workers'
    /// answers to added pictures.
    pub fn act_soon(&self, action: TeachAction) {
        self.batch.soon(Action::Teach(action));
    }

    /// Open the device and load the backbone in the worker.
    pub fn start(&self, device: DeviceChoice) {
        if let Err(e) = self.session.start(device) {
            let hint = "This browser could not start graft's worker; try a recent Chrome, Edge \
                        or Firefox."
                .into();
            self.dispatch(Action::Loading(Loading::StartupFailed { message: e, hint }));
        }
    }

    pub fn post(&self, request: &Request, buffers: Vec<Vec<u8>>) -> Result<(), String> {
        self.session.post(request, buffers)
    }

    /// `post` with buffers made in JS already (`web::rows`).
    pub fn post_js(
        &self,
        request: &Request,
        buffers: Vec<js_sys::ArrayBuffer>,
    ) -> Result<(), String> {
        self.session.post_js(request, buffers)
    }

    /// Queue pictures for the session; they are sent a few at a time a worker, in order (a
    /// folder's worth starts the pool's helpers).
    pub fn enqueue(self: &Rc<Self>, items: Vec<Pending>, next_sample: u64) {
        self.act(TeachAction::Queue(self.uploads.add(
            items,
            next_sample,
            now_ms(),
        )));
        if self.uploads.sending.replace(true) {
            return;
        }
        let me = self.clone();
        yew::platform::spawn_local(async move {
            loop {
                me.session.grow(me.uploads.waiting());
                while me.uploads.full() {
                    me.room.wait().await;
                }
                // Each message in a task of its own, not in the one that picked the files
                // (or heard an answer): a picked file's first `size` is a synchronous call
                // to the browser (~1 ms in Chromium) and posting copies the message; twenty
                // 12-MP photos read and sent in the `change` task held the page's thread
                // 50-65 ms (photos.test.mjs, traced 2026-12-08).
                TimeoutFuture::new(0).await;
                let pictures = me.uploads.next_together(Pending::file_size);
                if pictures.is_empty() {
                    break;
                }
                if let Err((names, why)) = me.send_pictures(pictures) {
                    for name in names {
                        me.answered(Some((name, why.clone())));
                    }
                }
            }
            me.uploads.sending.set(false);
        });
    }

    /// Send pictures to be added (`Uploads::next_together`'s); their names and why not.
    fn send_pictures(&self, pictures: Vec<(u64, Pending)>) -> Result<(), (Vec<String>, String)> {
        let keep = self.saved.saving();
        let out = outgoing(pictures, keep, &mut self.marks.borrow_mut())?;
        let Outgoing {
            request,
            picked,
            names,
        } = out;
        (self.session.embed(&request, picked)).map_err(|e| (names, e))
    }

    /// Sample ids from `first` on are free (a restored project used those below).
    pub fn ids_from(&self, first: u64) {
        self.uploads.ids_from(first);
    }

    /// The marks of sample `id`, just added, if its project file gave it some.
    pub fn marks_of(&self, id: u64) -> Option<Marks> {
        self.marks.borrow_mut().remove(&id)
    }

    /// A picture sent was answered (with its name and why, if it was not added).
    pub fn answered(&self, not_added: Option<(String, String)>) {
        if let Some((name, reason)) = not_added {
            self.act_soon(TeachAction::NotAdded { name, reason });
        }
        match self.uploads.answered(now_ms()) {
            queue @ Some(_) => self.act_soon(TeachAction::Queue(queue)),
            // The last: drawn now with those held, not up to `HOLD_MS` later.
            None => self.act(TeachAction::Queue(None)),
        }
        self.room.notify();
    }

    /// Read the thumbnails of restored samples `wanted` (those shown without one), a few at
    /// a time, each few drawn as it comes.
    pub fn fill_thumbs(self: &Rc<Self>, wanted: Vec<u64>) {
        let fresh: Vec<u64> = {
            let mut asked = self.thumbs_asked.borrow_mut();
            wanted.into_iter().filter(|id| asked.insert(*id)).collect()
        };
        if fresh.is_empty() {
            return;
        }
        let me = self.clone();
        yew::platform::spawn_local(async move {
            for ids in fresh.chunks(THUMBS_AT_ONCE) {
                let made = me.saved.thumbs(ids).await;
                me.act(TeachAction::Thumbs(made));
                let mut asked = me.thumbs_asked.borrow_mut();
                ids.iter().for_each(|id| {
                    asked.remove(id);
                });
            }
        });
    }

    /// A name for the next recorded webcam frame.
    pub fn frame_name(&self) -> String {
        let n = self.frames.get() + 1;
        self.frames.set(n);
        format!("webcam frame {n}")
    }

    /// Train on the project's images with `config`. The embeddings become the request's
    /// buffer `ROWS_AT_ONCE` images a task: 10 000 photos' are 51 MB.
    pub fn train(self: &Rc<Self>, project: &Project, config: &TrainConfig) {
        let fail = |me: &Jobs, m: String| {
            me.act(TeachAction::Train(TrainAction::Progress(Progress::Failed(
                m,
            ))))
        };
        let (set, embeddings) = match TrainSet::of(project) {
            Ok(made) => made,
            Err(e) => return fail(self, e.to_string()),
        };
        let (me, config) = (self.clone(), config.clone());
        self.building_run.set(true);
        yew::platform::spawn_local(async move {
            let features = crate::web::rows::rows_buffer(&embeddings).await;
            me.building_run.set(false);
            let request = Request::Train {
                set: Box::new(set),
                config,
            };
            if let Err(e) = me.post_js(&request, vec![features]) {
                fail(&me, e);
            }
            if me.stop_asked.take() {
                me.stop();
            }
        });
    }

    /// Stop the run (once its request is sent, if it is being made).
    pub fn stop(&self) {
        if self.building_run.get() {
            self.stop_asked.set(true);
            return;
        }
        let _ = self.post(&Request::Stop, Vec::new());
    }

    /// Ask the session to use a model file (`from` the saved project, or a file the person
    /// loaded; `None`: no model, after a new project): `Event::Model` answers.
    pub fn use_model(&self, from: ModelFrom, file: Option<Vec<u8>>) {
        if file.is_none() {
            self.model_in_use(None);
        }
        let request = Request::UseModel { from };
        if let Err(e) = self.post(&request, file.into_iter().collect()) {
            self.act(TeachAction::PreviewFailed(format!(
                "The model could not be used: {e}"
            )));
        }
    }

    /// The session uses this model file now (trained, or checked after `use_model`): a saved
    /// model checked after it is not used.
    pub fn model_in_use(&self, file: Option<ModelFile>) {
        self.session
            .remember_model(file.as_ref().map(|(_, bytes)| bytes.clone()));
        self.saved.in_use(file);
    }

    /// Preview a picture (shown with `thumb`) with the current model.
    pub fn preview(&self, name: String, picture: Picture, bytes: Vec<u8>, thumb: Thumb) {
        let id = self.previews.ask(name.clone(), thumb);
        if let Err(e) = self.post(&Request::Preview { id, picture }, vec![bytes]) {
            self.act(TeachAction::PreviewFailed(format!("{name}: {e}")));
        }
    }

    /// The preview `id` asked for, if it is the newest: its name and thumbnail.
    pub fn previewed(&self, id: u64) -> Option<(String, Thumb)> {
        self.previews.answered(id)
    }

    /// ImageNet's top 5 for a photo shown by `url`.
    pub fn look(&self, name: String, bytes: Vec<u8>, url: String) {
        self.previews.look_at(url);
        if let Err(e) = self.post(&Request::Look { name: name.clone() }, vec![bytes]) {
            self.dispatch(Action::SightFailed(format!("{name}: {e}")));
        }
    }

    pub fn sight_url(&self) -> String {
        self.previews.sight_url()
    }

    pub fn bench(&self, bench: crate::session::protocol::Bench) {
        if let Err(e) = self.post(&Request::Bench { bench }, Vec::new()) {
            self.dispatch(Action::BenchDone(Err(e)));
        }
    }
}
