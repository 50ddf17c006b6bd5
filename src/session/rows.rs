//! The rows a training run needs beyond the kept embeddings: activations at the cut when
//! fine-tuning, and augmented views, made from each sample's stored copy and cached.

use super::core::Session;
use super::protocol::TrainSet;
use super::train::report;
use crate::data::augment::{augmented_input, views_rng};
use crate::data::{backbone_input, decode};
use crate::model::tail::TailConfig;
use crate::state::training::Progress;
use crate::train::split::Split;
use crate::train::{TrainConfig, TrainError, Views};
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;

/// What a cached row depends on: the cut (0: pooled features), and for views their number,
/// strength and seed. Rows made under one key are reused by every run with the same key.
fn rows_key(c: &TrainConfig, views: bool) -> u64 {
    let mut key = c.tuned_blocks as u64;
    if views {
        key ^= (c.augment_views as u64) << 8
            ^ c.augment_strength.to_bits().rotate_left(16)
            ^ c.seed.rotate_left(40);
    }
    key
}

/// The rows a run needs beyond the kept embeddings: with `cut`, every image's activations
/// there (`Some`, in sample order; `None` means the embeddings serve), and the augmented
/// views of the training images. Made from each sample's stored copy the first time these
/// settings ask (one backbone pass each), then cached.
pub(super) async fn rows(
    session: &Session,
    set: &TrainSet,
    split: &Split,
    config: &TrainConfig,
    cut: Option<TailConfig>,
) -> Result<(Option<Vec<f32>>, Views), TrainError> {
    let n = config.augment_views;
    let (plain_key, views_key) = (rows_key(config, false), rows_key(config, true));
    let cache = &session.rows;
    cache
        .borrow_mut()
        .retain(|(_, key), _| *key == plain_key || *key == views_key);
    let mut values = cut.map(|c| Vec::with_capacity(set.ids.len() * c.cut_len()));
    let mut views = Views::default();
    let mut training = vec![false; set.ids.len()];
    split.train.iter().for_each(|&i| training[i] = true);
    let run = async |input: &[f32]| {
        session
            .on_engine("preparing", async |engine| {
                Ok(match cut {
                    Some(c) => {
                        engine
                            .backbone
                            .activations(&[input], c.first_block())
                            .await?
                    }
                    None => engine.backbone.features(&[input]).await?,
                })
            })
            .await
    };
    let total = set.ids.len();
    for (i, &id) in set.ids.iter().enumerate() {
        if session.stop.get() {
            return Err(TrainError::Read("stopped before the first epoch".into()));
        }
        let need_cut = values.is_some() && !cache.borrow().contains_key(&(id, plain_key));
        let need_views = n > 0 && training[i] && !cache.borrow().contains_key(&(id, views_key));
        if need_cut || need_views {
            let name = set.name(i);
            let bytes = stored_copy(session, name, id)
                .await
                .map_err(TrainError::Read)?;
            let img = decode(&bytes).map_err(|e| TrainError::Read(format!("{name}: {e}")))?;
            if need_cut {
                let row = run(&backbone_input(&img)).await?;
                cache.borrow_mut().insert((id, plain_key), Rc::new(row));
                TimeoutFuture::new(0).await;
            }
            if need_views {
                // By the photo's content, as `graft train` seeds the same photo's.
                let hash = set.hashes.get(i).map_or("", String::as_str);
                let mut rng = views_rng(config.seed, hash);
                let mut made = Vec::new();
                for _ in 0..n {
                    let strength = config.augment_strength as f32;
                    made.extend(run(&augmented_input(&img, strength, &mut rng)).await?);
                    TimeoutFuture::new(0).await;
                }
                cache.borrow_mut().insert((id, views_key), Rc::new(made));
            }
            report(session, Progress::Preparing(i + 1, total));
        }
        let cached = cache.borrow();
        if let (Some(values), Some(row)) = (values.as_mut(), cached.get(&(id, plain_key))) {
            values.extend_from_slice(row);
        }
        if n > 0
            && training[i]
            && let Some(made) = cached.get(&(id, views_key))
        {
            views.features.extend_from_slice(made);
            views.of.extend(std::iter::repeat_n(i, n));
        }
    }
    Ok((values, views))
}

/// A sample's stored 256-px JPEG, read from the store (no second copy is kept in memory).
async fn stored_copy(session: &Session, name: &str, id: u64) -> Result<Vec<u8>, String> {
    let no_copy = || {
        format!(
            "{name}: its saved copy could not be read, so it cannot be augmented or fine-tuned on; set Augmented views and Blocks to fine-tune to 0"
        )
    };
    let store = session.store().await.map_err(|_| no_copy())?;
    store.sample_copy(id).await?.ok_or_else(no_copy)
}
