//! The embedding queue: photos added to classes wait here; the session's worker decodes
//! each (off this thread), and one loop here embeds and saves them a photo per task. If the GPU is lost midway, the page moves to the CPU
//! path and the photo in hand is embedded there: nothing added is dropped.

use super::engine::{Engine, EngineSlot, gpu_gone, move_to_cpu};
use super::jobs::{Jobs, Pending, send};
use crate::data::stored::stored_copy;
use crate::data::{DecodeError, backbone_input};
use crate::project::{ClassRef, Sample, sample_hash};
use crate::session::Prepared;
use crate::state::State;
use crate::state::teach::{Queue, TeachAction};
use crate::web::fetch::now_ms;
use crate::web::files::thumb;
use crate::web::worker::Ticket;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// A photo's preparation: in the worker, or already done (or refused).
enum Started {
    Asked(Ticket),
    Done(Result<Prepared, String>),
}

impl Jobs {
    /// Queue photos for the backbone; one worker drains the queue, a photo at a time, with
    /// the engine `slot` holds at that moment.
    pub fn enqueue(
        self: &Rc<Self>,
        items: Vec<Pending>,
        slot: EngineSlot,
        dispatch: UseReducerDispatcher<State>,
    ) {
        self.queue.borrow_mut().extend(items);
        if self.running.replace(true) {
            return;
        }
        let me = self.clone();
        yew::platform::spawn_local(async move {
            let started = now_ms();
            let mut done = 0;
            // One photo in the worker while the one before it is embedded here.
            let mut next = None;
            loop {
                let in_hand = match next.take() {
                    Some(started) => started,
                    None => {
                        let item = me.queue.borrow_mut().pop_front();
                        match item {
                            Some(item) => me.start(item).await,
                            None => break,
                        }
                    }
                };
                let following = me.queue.borrow_mut().pop_front();
                if let Some(item) = following {
                    next = Some(me.start(item).await);
                }
                let total = done + 1 + usize::from(next.is_some()) + me.queue.borrow().len();
                let (class, name, preparing) = in_hand;
                let prepared = match preparing {
                    Started::Asked(ticket) => ticket.prepared().await,
                    Started::Done(prepared) => prepared,
                };
                let result = match prepared {
                    Ok(p) => me.embed(&slot, name.clone(), p, &dispatch).await,
                    Err(e) => Err(e),
                };
                done += 1;
                match result {
                    Ok(sample) => send(&dispatch, TeachAction::SampleReady(class, sample)),
                    Err(e) => send(&dispatch, TeachAction::Notice(format!("{name}: {e}"))),
                }
                send(
                    &dispatch,
                    TeachAction::Queue(Some(Queue {
                        done,
                        total,
                        started_ms: started,
                        now_ms: now_ms(),
                    })),
                );
                TimeoutFuture::new(0).await;
            }
            me.running.set(false);
            send(&dispatch, TeachAction::Queue(None));
        });
    }

    /// The item's class and name, and its preparation begun: a file sent to the session's
    /// worker (off this thread), a webcam frame (small) prepared here.
    async fn start(&self, item: Pending) -> (ClassRef, String, Started) {
        match item {
            Pending::File(class, file) => {
                let name = file.name();
                let started = match crate::web::files::read(&file).await {
                    Ok(bytes) if bytes.is_empty() => Err(DecodeError::Empty.to_string()),
                    Ok(bytes) => self.worker.prepare(bytes).await,
                    Err(e) => Err(e),
                };
                let started = match started {
                    Ok(ticket) => Started::Asked(ticket),
                    Err(e) => Started::Done(Err(e)),
                };
                (class, name, started)
            }
            Pending::Frame(class, name, img) => {
                let prepared = stored_copy(&img).map(|copy| Prepared {
                    // The hash of the pixels: only an identical frame is a duplicate.
                    hash: sample_hash(img.as_raw()),
                    input: backbone_input(&img),
                    copy,
                });
                (class, name, Started::Done(prepared))
            }
        }
    }

    /// Embed on the page's engine (moving to the CPU path if its GPU is gone), then keep.
    async fn embed(
        &self,
        slot: &EngineSlot,
        name: String,
        prepared: Prepared,
        dispatch: &UseReducerDispatcher<State>,
    ) -> Result<Sample, String> {
        let engine: Rc<Engine> = slot.borrow().clone().ok_or("the model is not loaded")?;
        let Prepared {
            hash, input, copy, ..
        } = prepared;
        let features = match engine.backbone.features(&[&input]).await {
            Ok(features) => features,
            Err(e) if gpu_gone(&engine).await => {
                log::warn!("the GPU was lost while embedding: {e}");
                let cpu = move_to_cpu(&engine, slot, dispatch)
                    .await
                    .map_err(|e| format!("the GPU stopped responding, and {e}"))?;
                send(
                    dispatch,
                    TeachAction::Notice(
                        "The GPU stopped responding; the page went on on the CPU.".into(),
                    ),
                );
                let features = cpu.backbone.features(&[&input]).await;
                features.map_err(|e| e.to_string())?
            }
            Err(e) => return Err(e.to_string()),
        };
        self.keep(name, hash, &copy, features).await
    }

    /// A new sample with its stored copy, saved in the database when there is one.
    async fn keep(
        &self,
        name: String,
        hash: String,
        jpeg: &[u8],
        features: Vec<f32>,
    ) -> Result<Sample, String> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let sample = Sample {
            id,
            name,
            hash,
            embedding: Rc::new(features),
            thumb: thumb(jpeg, "image/jpeg")?,
        };
        let Some(db) = self.db() else {
            return Ok(sample);
        };
        match db.put_sample(&sample, jpeg).await {
            Ok(()) => Ok(sample),
            // Dropping the sample frees its thumbnail.
            Err(e) => Err(format!("not added, because it could not be saved: {e}")),
        }
    }
}
