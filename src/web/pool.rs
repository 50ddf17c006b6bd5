//! The session's workers as one: the main worker does everything; helpers (the same
//! graft-worker, started once a folder's worth of pictures waits) only embed, so that a
//! folder is embedded on every core. No shared memory, so no COOP/COEP headers: each worker
//! loads its own backbone (from the Cache API after the first) and saves what it embeds.

use super::worker::{Heard, Picked, SessionWorker};
use crate::backend::DeviceChoice;
use crate::session::{Event, Request};
use crate::state::Loading;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

/// Workers at most, whatever the cores: each holds a backbone and a 12-MP photo or two.
const MAX_WORKERS: usize = 4;

/// Pictures waiting on the page before helpers are started: a few photos dropped one by one
/// are embedded by the main worker alone, a folder by all.
const GROW_AT: usize = 4;

/// The workers wanted: `?workers=N` (1 to 4; `bench-add.mjs` compares 1 with the pool), else
/// one a core (`navigator.hardwareConcurrency`), at most `MAX_WORKERS`.
pub fn workers_wanted() -> usize {
    let asked = super::query_param("workers").and_then(|n| n.parse::<usize>().ok());
    let cores = gloo::utils::window().navigator().hardware_concurrency() as usize;
    asked.unwrap_or(cores).clamp(1, MAX_WORKERS)
}

#[derive(Clone)]
pub struct SessionPool(Rc<Inner>);

struct Inner {
    /// The main worker first, then the helpers started so far.
    members: RefCell<Vec<Rc<Member>>>,
    size: usize,
    on_event: Box<dyn Fn(Heard)>,
    /// Told how many workers embed, whenever that changes.
    on_workers: Box<dyn Fn(usize)>,
    device: Cell<Option<DeviceChoice>>,
}

struct Member {
    worker: SessionWorker,
    /// A helper is given pictures once its backbone is loaded (the main worker always is:
    /// it queues them until then).
    ready: Cell<bool>,
    /// Pictures sent and not answered: `(id, name)`, named if the worker stops.
    sent: RefCell<Vec<(u64, String)>>,
}

impl SessionPool {
    /// A pool of up to `size` workers (the main one started by `start`); events go to
    /// `on_event`, the number of workers embedding to `on_workers`.
    pub fn new(
        size: usize,
        on_event: impl Fn(Heard) + 'static,
        on_workers: impl Fn(usize) + 'static,
    ) -> Self {
        let pool = Self(Rc::new(Inner {
            members: RefCell::default(),
            size: size.max(1),
            on_event: Box::new(on_event),
            on_workers: Box::new(on_workers),
            device: Cell::new(None),
        }));
        pool.add_member(true);
        pool
    }

    /// A new worker's handle, its events passed through `heard`.
    fn add_member(&self, main: bool) -> Rc<Member> {
        let index = self.0.members.borrow().len();
        let me: Weak<Inner> = Rc::downgrade(&self.0);
        let worker = SessionWorker::new(move |event| {
            if let Some(inner) = me.upgrade() {
                SessionPool(inner).heard(index, event);
            }
        });
        let member = Rc::new(Member {
            worker,
            ready: Cell::new(main),
            sent: RefCell::default(),
        });
        self.0.members.borrow_mut().push(member.clone());
        member
    }

    fn member(&self, index: usize) -> Option<Rc<Member>> {
        self.0.members.borrow().get(index).cloned()
    }

    /// The main worker: every request but pictures to embed goes to it.
    fn main(&self) -> Rc<Member> {
        self.0.members.borrow()[0].clone()
    }

    /// Open the device and load the backbone in the main worker; helpers started later
    /// open the same.
    pub fn start(&self, device: DeviceChoice) -> Result<(), String> {
        self.0.device.set(Some(device));
        self.main().worker.start(device)
    }

    pub fn remember_model(&self, file: Option<Rc<Vec<u8>>>) {
        self.main().worker.remember_model(file);
    }

    pub fn post(&self, request: &Request, buffers: Vec<Vec<u8>>) -> Result<(), String> {
        self.main().worker.post(request, buffers)
    }

    pub fn post_js(
        &self,
        request: &Request,
        buffers: Vec<js_sys::ArrayBuffer>,
    ) -> Result<(), String> {
        self.main().worker.post_js(request, buffers)
    }

    /// Workers embedding now (the main one and the helpers whose backbone is loaded).
    pub fn working(&self) -> usize {
        self.0
            .members
            .borrow()
            .iter()
            .filter(|m| m.ready.get())
            .count()
    }

    /// `waiting` pictures wait on the page: start the helpers if that is a folder's worth.
    pub fn grow(&self, waiting: usize) {
        let Some(device) = self.0.device.get() else {
            return;
        };
        while waiting >= GROW_AT && self.0.members.borrow().len() < self.0.size {
            let helper = self.add_member(false);
            if let Err(e) = helper.worker.start(device) {
                log::warn!("a helper worker could not start: {e}");
            }
        }
    }

    /// Send pictures to embed (`Request::Embed`, `Request::EmbedFiles`) to the worker with
    /// the fewest in hand.
    pub fn embed(&self, request: &Request, picture: Picked) -> Result<(), String> {
        let member = {
            let members = self.0.members.borrow();
            // On a tie a helper goes first: the main worker also trains and previews.
            let chosen = members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.ready.get())
                .min_by_key(|(i, m)| (m.sent.borrow().len(), *i == 0));
            chosen.map_or_else(|| members[0].clone(), |(_, m)| m.clone())
        };
        member.worker.post_picture(request, picture)?;
        let mut sent = member.sent.borrow_mut();
        match request {
            Request::Embed { id, name, .. } => sent.push((*id, name.clone())),
            Request::EmbedFiles { files } => {
                sent.extend(files.iter().map(|f| (f.id, f.name.clone())));
            }
            _ => {}
        }
        Ok(())
    }

    /// What worker `index` said: pictures answered are crossed off; a helper's start-up is
    /// followed here, not shown; a stopped worker's pictures are each answered as lost.
    fn heard(&self, index: usize, heard: Heard) {
        let Some(member) = self.member(index) else {
            return;
        };
        let helper = index > 0;
        match heard {
            Ok((event, buffers)) => {
                if let Event::Embedded { id, .. } | Event::NotEmbedded { id, .. } = &event {
                    member.sent.borrow_mut().retain(|(sent, _)| sent != id);
                }
                match &event {
                    Event::Loading { loading } if helper => {
                        let ready = match loading {
                            Loading::ModelReady { .. } => true,
                            Loading::StartupFailed { message, .. }
                            | Loading::ModelFailed { message } => {
                                log::warn!("helper worker {index} did not start: {message}");
                                false
                            }
                            _ => return,
                        };
                        self.set_ready(&member, ready);
                    }
                    Event::Embedded { .. } | Event::NotEmbedded { .. } | Event::Notice { .. } => {
                        (self.0.on_event)(Ok((event, buffers)))
                    }
                    // A helper is asked nothing else.
                    _ if helper => {}
                    _ => (self.0.on_event)(Ok((event, buffers))),
                }
            }
            Err(why) => {
                // It is started again at once (SessionWorker), a helper embedding again
                // once its backbone is loaded.
                if helper {
                    self.set_ready(&member, false);
                }
                let lost = std::mem::take(&mut *member.sent.borrow_mut());
                for (id, name) in lost {
                    let reason = format!("not added: {why}; add it again");
                    (self.0.on_event)(Ok((Event::NotEmbedded { id, name, reason }, Vec::new())));
                }
                if !helper {
                    (self.0.on_event)(Err(why));
                }
            }
        }
    }

    fn set_ready(&self, member: &Member, ready: bool) {
        if member.ready.replace(ready) != ready {
            (self.0.on_workers)(self.working());
        }
    }
}
