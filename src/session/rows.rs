//! The rows a training run needs beyond the kept embeddings: activations at the cut when
//! fine-tuning, and augmented views, made from each sample's stored copy by the recipe the
//! command line uses too (`train::recipe`), and cached.

use super::core::Session;
use super::protocol::TrainSet;
use super::run::report;
use crate::data::decode;
use crate::model::tail::TailConfig;
use crate::state::training::Progress;
use crate::train::recipe::{Wanted, image_rows};
use crate::train::row_cache::{RowCache, RowKind};
use crate::train::split::Split;
use crate::train::{TrainConfig, TrainError, Views};
use gloo::timers::future::TimeoutFuture;
use std::collections::HashSet;
use std::rc::Rc;

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
    let cache = &session.rows;
    // The tray's photos' views stay too (`pool_views`).
    let tray = set.unlabelled.iter().map(|(_, hash)| hash);
    let images: HashSet<&str> = set.hashes.iter().chain(tray).map(String::as_str).collect();
    cache.borrow_mut().keep_images(&images);
    let mut values = cut.map(|c| Vec::with_capacity(set.ids.len() * c.cut_len()));
    let mut views = Views::default();
    let mut training = vec![false; set.ids.len()];
    split.train.iter().for_each(|&i| training[i] = true);
    let run = async |input: &[f32]| {
        let row = session
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
            .await;
        // Requests that came meanwhile (a picture added, a preview) go between passes.
        TimeoutFuture::new(0).await;
        row
    };
    let total = set.ids.len();
    for (i, &id) in set.ids.iter().enumerate() {
        if session.stop.get() {
            return Err(TrainError::Read("stopped before the first epoch".into()));
        }
        let hash = set.hashes.get(i).map_or("", String::as_str);
        let cut_key = RowCache::key(config, RowKind::Cut, hash);
        let views_key = RowCache::key(config, RowKind::Views, hash);
        let mut cut_row = (values.is_some())
            .then(|| cache.borrow_mut().get(&cut_key))
            .flatten();
        let mut view_rows = (n > 0 && training[i])
            .then(|| cache.borrow_mut().get(&views_key))
            .flatten();
        let need_cut = values.is_some() && cut_row.is_none();
        let need_views = n > 0 && training[i] && view_rows.is_none();
        if need_cut || need_views {
            let name = set.name(i);
            let bytes = stored_copy(session, name, id)
                .await
                .map_err(TrainError::Read)?;
            let img = decode(&bytes).map_err(|e| TrainError::Read(format!("{name}: {e}")))?;
            let wanted = Wanted {
                cut: need_cut,
                views: need_views,
            };
            let made = image_rows(&img, hash, config, wanted, &run).await?;
            if let Some(row) = made.cut.map(Rc::new) {
                cache.borrow_mut().insert(cut_key, hash, row.clone());
                cut_row = Some(row);
            }
            if let Some(rows) = made.views.map(Rc::new) {
                cache.borrow_mut().insert(views_key, hash, rows.clone());
                view_rows = Some(rows);
            }
            report(session, Progress::Preparing(i + 1, total));
        }
        if let (Some(values), Some(row)) = (values.as_mut(), cut_row) {
            values.extend_from_slice(&row);
        }
        if let Some(made) = view_rows {
            views.features.extend_from_slice(&made);
            views.of.extend(std::iter::repeat_n(i, n));
        }
    }
    Ok((values, views))
}

/// `views` augmented views of each of the tray's photos `(id, hash)` (for the consistency
/// rule, train/consistency.rs), by the same recipe and cache as the training images'; a
/// photo whose kept copy cannot be read gets none (so is not labelled), and is named in
/// the second list.
pub(super) async fn pool_views(
    session: &Session,
    pool: &[(u64, String)],
    config: &TrainConfig,
    views: usize,
) -> Result<(Views, Vec<String>), TrainError> {
    let mut config = config.clone();
    config.augment_views = views;
    let run = async |input: &[f32]| {
        let row = session
            .on_engine("preparing", async |engine| {
                Ok(engine.backbone.features(&[input]).await?)
            })
            .await;
        TimeoutFuture::new(0).await;
        row
    };
    let (mut made, mut unread) = (Views::default(), Vec::new());
    for (i, (id, hash)) in pool.iter().enumerate() {
        if session.stop.get() {
            return Err(TrainError::Read("stopped before the first epoch".into()));
        }
        let key = RowCache::key(&config, RowKind::Views, hash);
        let cached = session.rows.borrow_mut().get(&key);
        let rows = match cached {
            Some(rows) => rows,
            None => {
                let name = format!("unlabelled photo {}", i + 1);
                let img = match stored_copy(session, &name, *id).await {
                    Ok(bytes) => decode(&bytes).map_err(|e| format!("{name}: {e}")),
                    Err(e) => Err(e),
                };
                let Ok(img) = img else {
                    unread.push(name);
                    continue;
                };
                let wanted = Wanted {
                    cut: false,
                    views: true,
                };
                let rows = image_rows(&img, hash, &config, wanted, &run).await?.views;
                let rows = Rc::new(rows.unwrap_or_default());
                session.rows.borrow_mut().insert(key, hash, rows.clone());
                report(session, Progress::Preparing(i + 1, pool.len()));
                rows
            }
        };
        made.features.extend_from_slice(&rows);
        made.of.extend(std::iter::repeat_n(i, views));
    }
    Ok((made, unread))
}

/// A sample's stored 256-px JPEG, read from the store (no second copy is kept in memory).
pub(super) async fn stored_copy(session: &Session, name: &str, id: u64) -> Result<Vec<u8>, String> {
    let no_copy = || {
        format!(
            "{name}: its saved copy could not be read, so it cannot be augmented or fine-tuned on; set Augmented views and Blocks to fine-tune to 0"
        )
    };
    let store = session.store().await.map_err(|_| no_copy())?;
    store.sample_copy(id).await?.ok_or_else(no_copy)
}
