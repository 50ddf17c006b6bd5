//! The ImageNet panel's job: one photo through the backbone, and its five likeliest labels.

use super::core::Session;
use super::pixels::decode_file;
use super::protocol::Event;
use crate::data::backbone_input;
use crate::inference::top_k;
use crate::web::fetch::now_ms;

/// Run one photo through the backbone and report its ImageNet top-5.
pub async fn look(session: &Session, name: String, bytes: Vec<u8>) {
    let started = now_ms();
    let img = match decode_file(&bytes).await {
        Ok(img) => img,
        Err(e) => {
            let message = format!("{name}: {e}");
            return session.send(Event::SightFailed { message }, Vec::new());
        }
    };
    let input = backbone_input(&img);
    let out = session
        .on_engine("looking at a photo", async |engine| {
            let out = engine.backbone.run(&[&input]).await?;
            Ok(top_k(&out.probs, &engine.labels, 5))
        })
        .await;
    let event = match out {
        Ok(top) => Event::Seen {
            name,
            top,
            ms: now_ms() - started,
        },
        Err(e) => Event::SightFailed {
            message: format!("{name}: {e}"),
        },
    };
    session.send(event, Vec::new());
}
