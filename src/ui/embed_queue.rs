//! The embedding queue: photos added to classes wait here, and one worker decodes, embeds
//! and saves them a photo per task. If the GPU is lost midway, the page moves to the CPU
//! path and the photo in hand is embedded there: nothing added is dropped.

use super::engine::{Engine, EngineSlot, gpu_gone, move_to_cpu};
use super::state::State;
use super::teach::{Pending, Teacher, send};
use super::teach_state::{Queue, TeachAction};
use crate::data::stored::stored_copy;
use crate::data::{backbone_input, decode};
use crate::project::{ClassRef, Sample, sample_hash};
use crate::web::fetch::now_ms;
use crate::web::files::object_url;
use crate::web::idb::SAMPLES;
use crate::web::records::sample_record;
use gloo::timers::future::TimeoutFuture;
use image::RgbImage;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use yew::UseReducerDispatcher;

impl Teacher {
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
            loop {
                let Some(item) = me.queue.borrow_mut().pop_front() else {
                    break;
                };
                let total = done + 1 + me.queue.borrow().len();
                let (class, name, decoded) = me.decode(item).await;
                let result = match decoded {
                    Ok((hash, img)) => me.embed(&slot, name.clone(), hash, &img, &dispatch).await,
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

    /// The item's class, name, and its pixels with their hash (or why it has none).
    async fn decode(
        &self,
        item: Pending,
    ) -> (ClassRef, String, Result<(String, RgbImage), String>) {
        match item {
            Pending::File(class, file) => {
                let name = file.name();
                let decoded = match crate::web::files::read(&file).await {
                    Ok(bytes) if bytes.is_empty() => Err("the file is empty (0 bytes)".to_string()),
                    Ok(bytes) => decode(&bytes)
                        .map(|img| (sample_hash(&bytes), img))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                (class, name, decoded)
            }
            // The hash of the pixels: only an identical frame is a duplicate.
            Pending::Frame(class, name, img) => (class, name, Ok((sample_hash(img.as_raw()), img))),
        }
    }

    /// Embed on the page's engine (moving to the CPU path if its GPU is gone), then keep.
    async fn embed(
        &self,
        slot: &EngineSlot,
        name: String,
        hash: String,
        img: &RgbImage,
        dispatch: &UseReducerDispatcher<State>,
    ) -> Result<Sample, String> {
        let engine: Rc<Engine> = slot.borrow().clone().ok_or("the model is not loaded")?;
        let input = backbone_input(img);
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
        self.keep(name, hash, img, features).await
    }

    /// A new sample with its stored copy, saved in the database when there is one.
    async fn keep(
        &self,
        name: String,
        hash: String,
        img: &RgbImage,
        features: Vec<f32>,
    ) -> Result<Sample, String> {
        let jpeg = stored_copy(img)?;
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let sample = Sample {
            id,
            name,
            hash,
            embedding: Rc::new(features),
            thumb: object_url(&jpeg, "image/jpeg")?,
        };
        let Some(db) = self.db() else {
            return Ok(sample);
        };
        let record = sample_record(&sample, &jpeg);
        match db.put(SAMPLES, &JsValue::from(id as f64), &record).await {
            Ok(()) => Ok(sample),
            Err(e) => {
                crate::web::files::revoke(&sample.thumb);
                Err(format!("not added, because it could not be saved: {e}"))
            }
        }
    }
}
