//! The embedding queue: pictures added to classes wait here, and one loop decodes, embeds
//! and saves each in turn, answering each. The pictures of one request (a few picked
//! files sent together) are saved in one write and answered once it is committed. If the
//! GPU is lost midway, the session moves to the CPU path and the picture in hand is
//! embedded there: nothing added is dropped.

use super::core::{Carried, Item, Session};
use super::pixels::decode_file;
use super::prepare::{Prepared, prepare_image, prepare_pixels};
use super::protocol::{Event, Picture, f32_bytes};
use crate::data::DecodeError;
use crate::project::{ClassRef, Sample, sample_hash};
use crate::web::fetch::now_ms;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;

/// Decode and prepare `item` (hash, backbone input, kept copy); why not, in words.
async fn prepare(item: &Item) -> Result<Prepared, String> {
    let read;
    let bytes = match &item.bytes {
        Carried::Bytes(bytes) => bytes,
        Carried::Part { files, offset, len } => {
            read = files.part(*offset, *len).await?;
            &read
        }
    };
    match item.picture {
        _ if bytes.is_empty() => Err(DecodeError::Empty.to_string()),
        Picture::File => {
            let img = decode_file(bytes).await.map_err(|e| e.to_string())?;
            prepare_image(sample_hash(bytes), &img)
        }
        Picture::Pixels { width, height } => prepare_pixels(width, height, bytes),
    }
}

/// Queue `items`, the pictures of one request (the last has `last` set); the loop starts
/// if it is not running.
pub fn enqueue(session: &Rc<Session>, items: Vec<Item>) {
    session.queue.borrow_mut().extend(items);
    if session.embedding.replace(true) {
        return;
    }
    let me = session.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let mut held = Vec::new();
        loop {
            let item = me.queue.borrow_mut().pop_front();
            let Some(item) = item else { break };
            let (id, name, last) = (item.id, item.name.clone(), item.last);
            held.push(embed(&me, item).await.map_err(|reason| (id, name, reason)));
            if last {
                answer(&me, std::mem::take(&mut held)).await;
            }
            // Let requests in (a preview, Stop) between pictures.
            TimeoutFuture::new(0).await;
        }
        answer(&me, held).await;
        me.embedding.set(false);
    });
}

/// A picture embedded, to be saved and answered.
struct Embedded {
    sample: Sample,
    class: ClassRef,
    copy: Vec<u8>,
    keep: bool,
    /// Decoding and preparing, and the backbone, in ms (`graft-timing`).
    timing: (f64, f64),
}

/// Prepare and embed one picture.
async fn embed(session: &Session, item: Item) -> Result<Embedded, String> {
    let started = now_ms();
    let Prepared { hash, input, copy } = prepare(&item).await?;
    let prepared = now_ms();
    let features = session
        .on_engine("embedding", async |engine| {
            Ok(engine.backbone.features(&[&input]).await?)
        })
        .await
        .map_err(|e| e.to_string())?;
    let sample = Sample {
        id: item.id,
        name: item.name,
        hash,
        embedding: Rc::new(features),
        thumb: Default::default(),
    };
    let timing = (prepared - started, now_ms() - prepared);
    let (class, keep) = (item.class, item.keep);
    Ok(Embedded {
        sample,
        class,
        copy,
        keep,
        timing,
    })
}

/// Save the pictures `held` embedded (those to keep, in one write) and answer each, in
/// order: `Embedded` with its embedding and kept copy, or `NotEmbedded` and why.
async fn answer(session: &Session, held: Vec<Result<Embedded, (u64, String, String)>>) {
    let kept: Vec<_> = (held.iter().flatten())
        .filter(|e| e.keep)
        .map(|e| (&e.sample, &e.class, e.copy.as_slice()))
        .collect();
    let started = now_ms();
    let saved = match kept.is_empty() {
        true => Ok(()),
        false => match session.store().await {
            Ok(store) => store.put_samples(&kept).await,
            Err(e) => Err(e),
        },
    };
    let store_ms = (now_ms() - started) / kept.len().max(1) as f64;
    for done in held {
        let (event, buffers) = match done {
            // Not kept is not added: the project would lose it on reload.
            Ok(e) if e.keep && saved.is_err() => {
                let why = saved.as_ref().err().map_or("", |e| e.as_str());
                let reason = format!("not added, because it could not be saved: {why}");
                let (id, name) = (e.sample.id, e.sample.name);
                (Event::NotEmbedded { id, name, reason }, Vec::new())
            }
            Ok(Embedded {
                sample,
                class,
                copy,
                timing: (decode_ms, backbone_ms),
                ..
            }) => {
                // `tests/browser/bench-add.mjs` reads these (the page's `?trace` turns them on).
                log::debug!(
                    "graft-timing {{\"decode_ms\":{decode_ms:.1},\"backbone_ms\":{backbone_ms:.1},\"store_ms\":{store_ms:.1}}}"
                );
                let event = Event::Embedded {
                    id: sample.id,
                    class,
                    name: sample.name,
                    hash: sample.hash,
                };
                (event, vec![f32_bytes(&sample.embedding), copy])
            }
            Err((id, name, reason)) => (Event::NotEmbedded { id, name, reason }, Vec::new()),
        };
        session.send(event, buffers);
    }
}
