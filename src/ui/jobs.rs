//! The page's side of the session: what it sends the worker (pictures to add, a run to
//! train, previews), the queue of pictures not yet sent, and the saved project it restores
//! and saves (IndexedDB). No tensors here: the session holds them.

use super::saved::SavedProject;
use crate::backend::DeviceChoice;
use crate::classifier::Classifier;
use crate::project::{ClassRef, Project};
use crate::session::Request;
use crate::session::protocol::{Picture, TrainSet, f32_bytes};
use crate::state::teach::{Queue, TeachAction};
use crate::state::training::{Progress, TrainAction};
use crate::state::{Action, Loading, State};
use crate::thumb::Thumb;
use crate::train::TrainConfig;
use crate::web::fetch::now_ms;
use crate::web::worker::SessionWorker;
use gloo::timers::future::TimeoutFuture;
use image::RgbImage;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// Pictures sent to the worker and not yet answered, at most: enough to keep it busy, few
/// enough that a folder of 12-MP photos is not all in memory at once.
const IN_FLIGHT: usize = 2;

/// A picture waiting to be sent to the session, for a class.
pub enum Pending {
    File(ClassRef, web_sys::File),
    /// A webcam frame, named by the recorder.
    Frame(ClassRef, String, RgbImage),
}

/// The preview asked for last: its thumbnail, and the model the session used then.
struct Previewing {
    id: u64,
    name: String,
    thumb: Thumb,
    model: Option<Rc<Classifier>>,
}

pub struct Jobs {
    session: SessionWorker,
    dispatch: UseReducerDispatcher<State>,
    queue: RefCell<VecDeque<Pending>>,
    sending: Cell<bool>,
    in_flight: Cell<usize>,
    /// Pictures done and asked for since the queue was last empty, and when it started.
    progress: Cell<(usize, usize, f64)>,
    next_id: Cell<u64>,
    frames: Cell<u64>,
    /// A webcam frame is in the backbone for the live preview.
    pub live_busy: Cell<bool>,
    previewing: RefCell<Option<Previewing>>,
    next_preview: Cell<u64>,
    /// The model the session's preview uses (sent when the page's changes).
    model: RefCell<Option<Rc<Classifier>>>,
    /// What model files must have been trained on; known once the backbone is loaded.
    weights_id: RefCell<Option<String>>,
    /// The project as this browser keeps it.
    pub saved: SavedProject,
    restoring: Cell<bool>,
    /// The photo the ImageNet panel looks at: its object URL.
    sight: RefCell<String>,
}

impl Jobs {
    /// The page's jobs; events from the session go through `heard` into `dispatch`.
    pub fn new(dispatch: UseReducerDispatcher<State>) -> Rc<Self> {
        Rc::new_cyclic(|me: &std::rc::Weak<Jobs>| {
            let me = me.clone();
            let session = SessionWorker::new(move |heard| {
                if let Some(jobs) = me.upgrade() {
                    super::events::heard(&jobs, heard);
                }
            });
            Jobs {
                session,
                dispatch,
                queue: RefCell::default(),
                sending: Cell::new(false),
                in_flight: Cell::new(0),
                progress: Cell::new((0, 0, 0.0)),
                next_id: Cell::new(0),
                frames: Cell::new(0),
                live_busy: Cell::new(false),
                previewing: RefCell::new(None),
                next_preview: Cell::new(0),
                model: RefCell::new(None),
                weights_id: RefCell::new(None),
                saved: SavedProject::default(),
                restoring: Cell::new(false),
                sight: RefCell::new(String::new()),
            }
        })
    }

    pub fn dispatch(&self, action: Action) {
        self.dispatch.dispatch(action);
    }

    pub fn act(&self, action: TeachAction) {
        self.dispatch(Action::Teach(action));
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

    fn post(&self, request: &Request, buffers: Vec<Vec<u8>>) -> Result<(), String> {
        self.session.post(request, buffers)
    }

    /// The backbone is loaded: remember what model files must match.
    pub fn loaded(&self, weights_id: String) {
        *self.weights_id.borrow_mut() = Some(weights_id);
    }

    pub fn weights_id(&self) -> Option<String> {
        self.weights_id.borrow().clone()
    }

    /// Whether the saved project is being (or has been) restored; true the first time.
    pub fn begin_restore(&self) -> bool {
        !self.restoring.replace(true)
    }

    /// Queue pictures for the session; they are sent a few at a time, in order.
    pub fn enqueue(self: &Rc<Self>, items: Vec<Pending>, next_sample: u64) {
        self.next_id.set(self.next_id.get().max(next_sample));
        let (done, total, started) = self.progress.get();
        let started = if total == done { now_ms() } else { started };
        self.progress.set((done, total + items.len(), started));
        self.queue.borrow_mut().extend(items);
        self.report_queue();
        if self.sending.replace(true) {
            return;
        }
        let me = self.clone();
        yew::platform::spawn_local(async move {
            loop {
                while me.in_flight.get() >= IN_FLIGHT {
                    TimeoutFuture::new(10).await;
                }
                let item = me.queue.borrow_mut().pop_front();
                let Some(item) = item else { break };
                me.in_flight.set(me.in_flight.get() + 1);
                let id = me.next_id.get();
                me.next_id.set(id + 1);
                if let Err((name, e)) = me.send_picture(id, item).await {
                    me.answered(Some(format!("{name}: {e}")));
                }
            }
            me.sending.set(false);
        });
    }

    /// Read and send one picture as sample `id`; its name and why not.
    async fn send_picture(&self, id: u64, item: Pending) -> Result<(), (String, String)> {
        let keep = self.saved.saving();
        let (class, name, picture, bytes) = match item {
            Pending::File(class, file) => {
                let name = file.name();
                match crate::web::files::read(&file).await {
                    Ok(bytes) => (class, name, Picture::File, bytes),
                    Err(e) => return Err((name, e)),
                }
            }
            Pending::Frame(class, name, img) => {
                let (width, height) = img.dimensions();
                (
                    class,
                    name,
                    Picture::Pixels { width, height },
                    img.into_raw(),
                )
            }
        };
        let request = Request::Embed {
            id,
            class,
            name: name.clone(),
            picture,
            keep,
        };
        self.post(&request, vec![bytes]).map_err(|e| (name, e))
    }

    /// A picture sent was answered (with `notice` if it was not added).
    pub fn answered(&self, notice: Option<String>) {
        self.in_flight.set(self.in_flight.get().saturating_sub(1));
        let (done, total, started) = self.progress.get();
        self.progress.set(((done + 1).min(total), total, started));
        if let Some(n) = notice {
            self.act(TeachAction::Notice(n));
        }
        self.report_queue();
    }

    /// The worker stopped: the pictures it had are lost (counted as done).
    pub fn stopped(&self) {
        let lost = self.in_flight.replace(0);
        let (done, total, started) = self.progress.get();
        self.progress
            .set(((done + lost).min(total), total, started));
        self.report_queue();
    }

    fn report_queue(&self) {
        let (done, total, started_ms) = self.progress.get();
        let queue = (done < total).then(|| Queue {
            done,
            total,
            started_ms,
            now_ms: now_ms(),
        });
        self.act(TeachAction::Queue(queue));
    }

    /// A name for the next recorded webcam frame.
    pub fn frame_name(&self) -> String {
        let n = self.frames.get() + 1;
        self.frames.set(n);
        format!("webcam frame {n}")
    }

    /// Train on the project's images with `config`.
    pub fn train(&self, project: &Project, config: &TrainConfig) {
        let fail = |m: String| {
            self.act(TeachAction::Train(TrainAction::Progress(Progress::Failed(
                m,
            ))))
        };
        let (set, features) = match TrainSet::of(project) {
            Ok(made) => made,
            Err(e) => return fail(e.to_string()),
        };
        let config = config.clone();
        if let Err(e) = self.post(&Request::Train { set, config }, vec![f32_bytes(&features)]) {
            fail(e);
        }
    }

    pub fn stop(&self) {
        let _ = self.post(&Request::Stop, Vec::new());
    }

    /// The session's preview uses `model` from now on (sent only when it changed).
    pub fn use_model(&self, model: Option<Rc<Classifier>>) {
        let same = match (self.model.borrow().as_ref(), model.as_ref()) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        let file = model.as_ref().and_then(|m| m.to_bytes().ok());
        *self.model.borrow_mut() = model;
        if let Err(e) = self.session.use_model(file) {
            log::warn!("the preview's model was not sent: {e}");
        }
    }

    /// The session trained `model` itself (its `file`): it uses it already, and saving it
    /// needs no second serialisation.
    pub fn trained(&self, model: Rc<Classifier>, file: Vec<u8>) {
        *self.model.borrow_mut() = Some(model.clone());
        self.saved.trained(model, file);
    }

    /// Preview a picture (shown with `thumb`) with the current model.
    pub fn preview(&self, name: String, picture: Picture, bytes: Vec<u8>, thumb: Thumb) {
        let id = self.next_preview.get() + 1;
        self.next_preview.set(id);
        let model = self.model.borrow().clone().filter(|m| m.tail.is_some());
        *self.previewing.borrow_mut() = Some(Previewing {
            id,
            name: name.clone(),
            thumb,
            model,
        });
        if let Err(e) = self.post(&Request::Preview { id, picture }, vec![bytes]) {
            self.act(TeachAction::PreviewFailed(format!("{name}: {e}")));
        }
    }

    /// The preview `id` asked for, if it is the newest: its name, thumbnail and the
    /// fine-tuned model its features went through.
    pub fn previewed(&self, id: u64) -> Option<(String, Thumb, Option<Rc<Classifier>>)> {
        let newest = self.previewing.borrow();
        let p = newest.as_ref().filter(|p| p.id == id)?;
        Some((p.name.clone(), p.thumb.clone(), p.model.clone()))
    }

    /// ImageNet's top 5 for a photo shown by `url`.
    pub fn look(&self, name: String, bytes: Vec<u8>, url: String) {
        *self.sight.borrow_mut() = url;
        if let Err(e) = self.post(&Request::Look { name: name.clone() }, vec![bytes]) {
            self.dispatch(Action::SightFailed(format!("{name}: {e}")));
        }
    }

    pub fn sight_url(&self) -> String {
        self.sight.borrow().clone()
    }

    pub fn bench(&self, bench: crate::session::protocol::Bench) {
        if let Err(e) = self.post(&Request::Bench { bench }, Vec::new()) {
            self.dispatch(Action::BenchDone(Err(e)));
        }
    }

    /// Open the database and restore the saved project (or start a fresh one): the
    /// settings first, then the project, which turns saving on.
    pub async fn restore(&self, weights_id: &str) {
        let restored = self.saved.restore(weights_id).await;
        if let TeachAction::Restored { project, .. } = &restored.project {
            self.next_id
                .set(self.next_id.get().max(project.next_sample));
        }
        if let Some(config) = restored.settings {
            self.act(TeachAction::Train(TrainAction::SettingsRestored(config)));
        }
        self.act(restored.project);
    }
}
