//! How the session answers each request: most answers come later, from the job it starts
//! (one file each: `embed`, `train`, `preview`, `look`, `export`, the engine's benchmarks).

use super::core::{Carried, Item, Session};
use super::engine;
use super::protocol::{Event, FileToEmbed, Picture, Request, f32s};
use super::{embed, explore, export, look, one_shot, preview, suggest, train};
use crate::web::files::SentFile;
use std::rc::Rc;

/// Answer one request (most answers come later, from a job it starts); `file`, the picked
/// files sent with `EmbedFiles` in place of their bytes.
pub fn handle(
    session: &Rc<Session>,
    request: Request,
    mut buffers: Vec<Vec<u8>>,
    file: Option<SentFile>,
) {
    let me = session.clone();
    let first = (!buffers.is_empty()).then(|| buffers.swap_remove(0));
    match request {
        Request::Start { device, store } => {
            session.starting.set(true);
            *session.store_name.borrow_mut() = store;
            spawn(async move {
                let send = |loading| me.send(Event::Loading { loading }, Vec::new());
                let engine = engine::start(send, device).await;
                *me.engine.borrow_mut() = engine;
                me.starting.set(false);
            });
        }
        Request::Embed {
            id,
            class,
            name,
            picture,
            keep,
        } => {
            let bytes = Carried::Bytes(first.unwrap_or_default());
            let item = Item {
                id,
                class,
                name,
                picture,
                bytes,
                keep,
                last: true,
            };
            embed::enqueue(session, vec![item]);
        }
        Request::EmbedFiles { files: sent } => {
            let Some(together) = file.map(Rc::new) else {
                for FileToEmbed { id, name, .. } in sent {
                    let reason = "its file did not come with the message".into();
                    session.send(Event::NotEmbedded { id, name, reason }, Vec::new());
                }
                return;
            };
            let (mut offset, count) = (0, sent.len());
            let items = (sent.into_iter().enumerate())
                .map(|(i, sent)| {
                    let bytes = Carried::Part {
                        files: together.clone(),
                        offset,
                        len: sent.size,
                    };
                    offset += sent.size;
                    Item {
                        id: sent.id,
                        class: sent.class,
                        name: sent.name,
                        picture: Picture::File,
                        bytes,
                        keep: sent.keep,
                        last: i + 1 == count,
                    }
                })
                .collect();
            embed::enqueue(session, items);
        }
        Request::Train { set, config } => {
            let features = first.as_deref().and_then(f32s).unwrap_or_default();
            if session.training.replace(true) {
                return session.send(
                    Event::Notice {
                        message: "A training run is already going on.".into(),
                    },
                    Vec::new(),
                );
            }
            spawn(async move {
                train::train(&me, *set, features, config).await;
                me.training.set(false);
            });
        }
        Request::Stop => session.stop.set(true),
        Request::UseModel { from } => {
            spawn(async move { preview::use_model(&me, from, first).await })
        }
        Request::Preview { id, picture } => {
            spawn(async move { preview::preview(&me, id, picture, first).await })
        }
        Request::Look { name } => spawn(async move {
            look::look(&me, name, first.unwrap_or_default()).await;
        }),
        Request::Bench { bench } => spawn(async move {
            let result = match me.engine() {
                Ok(engine) => engine::bench(&engine, bench).await,
                Err(e) => Err(e.to_string()),
            };
            me.send(Event::BenchDone { result }, Vec::new());
        }),
        Request::Prototypes { classes, labels } => {
            let features = first.as_deref().and_then(f32s).unwrap_or_default();
            spawn(async move { one_shot::use_prototypes(&me, classes, labels, features).await })
        }
        Request::Suggest {
            classes,
            labels,
            ids,
        } => {
            let features = first.as_deref().and_then(f32s).unwrap_or_default();
            suggest::suggest(session, classes, labels, ids, features);
        }
        Request::Explore {
            classes,
            ids,
            hashes,
            names,
        } => {
            let features = first.as_deref().and_then(f32s).unwrap_or_default();
            let asked = explore::Asked {
                classes,
                ids,
                hashes,
                names,
            };
            spawn(async move { explore::answer(&me, asked, features).await });
        }
        Request::Export { onnx, date } => spawn(async move {
            export::export(&me, onnx, date, first.unwrap_or_default()).await;
        }),
    }
}

fn spawn(job: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(job);
}
