//! The embedding queue: pictures added to classes wait here, and one loop decodes, embeds
//! and saves each in turn, answering each. If the GPU is lost midway,
//! the session moves to the CPU path and the picture in hand is embedded there: nothing
//! added is dropped.

use super::core::{Carried, Item, Session};
use super::pixels::decode_file;
use super::prepare::{Prepared, prepare_image, prepare_pixels};
use super::protocol::{Event, Picture, f32_bytes};
use crate::data::DecodeError;
use crate::project::{Sample, sample_hash};
use crate::web::fetch::now_ms;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;

/// Decode and prepare `item` (hash, backbone input, kept copy); why not, in words.
async fn prepare(item: &Item) -> Result<Prepared, String> {
    let read;
    let bytes = match &item.bytes {
        Carried::Bytes(bytes) => bytes,
        Carried::File(file) => {
            read = file.read().await?;
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

/// Queue `item`; the loop starts if it is not running.
pub fn enqueue(session: &Rc<Session>, item: Item) {
    session.queue.borrow_mut().push_back(item);
    if session.embedding.replace(true) {
        return;
    }
    let me = session.clone();
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let item = me.queue.borrow_mut().pop_front();
            let Some(item) = item else { break };
            let (id, name) = (item.id, item.name.clone());
            match embed(&me, item).await {
                Ok((event, buffers)) => me.send(event, buffers),
                Err(reason) => me.send(Event::NotEmbedded { id, name, reason }, Vec::new()),
            }
            // Let requests in (a preview, Stop) between pictures.
            TimeoutFuture::new(0).await;
        }
        me.embedding.set(false);
    });
}

/// Prepare, embed and save one picture: the `Embedded` event and its buffers.
async fn embed(session: &Session, item: Item) -> Result<(Event, Vec<Vec<u8>>), String> {
    let started = now_ms();
    let Prepared { hash, input, copy } = prepare(&item).await?;
    let prepared = now_ms();
    let features = session
        .on_engine("embedding", async |engine| {
            Ok(engine.backbone.features(&[&input]).await?)
        })
        .await
        .map_err(|e| e.to_string())?;
    let embedded = now_ms();
    let sample = Sample {
        id: item.id,
        name: item.name.clone(),
        hash: hash.clone(),
        embedding: Rc::new(features),
        thumb: Default::default(),
    };
    if item.keep {
        let saved = match session.store().await {
            Ok(store) => store.put_sample(&sample, &item.class, &copy).await,
            Err(e) => Err(e),
        };
        // Not kept is not added: the project would lose it on reload.
        saved.map_err(|e| format!("not added, because it could not be saved: {e}"))?;
    }
    // `tests/browser/bench-add.mjs` reads these (the page's `?trace` turns them on).
    log::debug!(
        "graft-timing {{\"decode_ms\":{:.1},\"backbone_ms\":{:.1},\"store_ms\":{:.1}}}",
        prepared - started,
        embedded - prepared,
        now_ms() - embedded
    );
    let event = Event::Embedded {
        id: item.id,
        class: item.class,
        name: item.name,
        hash,
    };
    Ok((event, vec![f32_bytes(&sample.embedding), copy]))
}
