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
    let total = set.ids.len();
    for (i, &id) in set.ids.iter().enumerate() {
        if session.stop.get() {
            return Err(TrainError::Read("stopped before the first epoch".into()));
        }
        let photo = Photo {
            id,
            hash: set.hashes.get(i).map_or("", String::as_str),
            name: set.name(i),
        };
        let wanted = Wanted {
            cut: values.is_some(),
            views: n > 0 && training[i],
        };
        let got =
            (photo_rows(session, &photo, config, wanted, cut, "preparing").await?).needed()?;
        if got.made {
            report(session, Progress::Preparing(i + 1, total));
        }
        if let (Some(values), Some(row)) = (values.as_mut(), got.cut) {
            values.extend_from_slice(&row);
        }
        if let Some(made) = got.views {
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
    let (mut made, mut unread) = (Views::default(), Vec::new());
    for (i, (id, hash)) in pool.iter().enumerate() {
        if session.stop.get() {
            return Err(TrainError::Read("stopped before the first epoch".into()));
        }
        let name = format!("unlabelled photo {}", i + 1);
        let photo = Photo {
            id: *id,
            hash,
            name: &name,
        };
        let wanted = Wanted {
            cut: false,
            views: true,
        };
        let got = match photo_rows(session, &photo, &config, wanted, None, "preparing").await? {
            PhotoRows::Got(got) => got,
            PhotoRows::Unreadable(_) => {
                unread.push(name);
                continue;
            }
        };
        if got.made {
            report(session, Progress::Preparing(i + 1, pool.len()));
        }
        made.features
            .extend_from_slice(&got.views.unwrap_or_default());
        made.of.extend(std::iter::repeat_n(i, views));
    }
    Ok((made, unread))
}

/// A photo whose rows are asked for: its id in the store, its content hash (the cache's
/// key and the views' seed) and its name for messages.
pub(super) struct Photo<'a> {
    pub id: u64,
    pub hash: &'a str,
    pub name: &'a str,
}

/// A photo's rows: at the cut and its views (each when wanted), and whether any had to be
/// made (a backbone pass: worth a progress report).
#[derive(Default)]
pub(super) struct Got {
    pub cut: Option<Rc<Vec<f32>>>,
    pub views: Option<Rc<Vec<f32>>>,
    pub made: bool,
}

/// A photo's rows, or why its kept copy could not be read (the caller decides whether that
/// ends the run: a run stops, the tray's views skip the photo).
pub(super) enum PhotoRows {
    Got(Got),
    Unreadable(String),
}

impl PhotoRows {
    /// The rows, or the unreadable copy as the run's error.
    pub fn needed(self) -> Result<Got, TrainError> {
        match self {
            PhotoRows::Got(got) => Ok(got),
            PhotoRows::Unreadable(why) => Err(TrainError::Read(why)),
        }
    }
}

/// `photo`'s `wanted` rows under `config`, from the cache, or made from its stored copy by
/// the recipe (one backbone pass each, through to `at`'s cut, or to the features without
/// it) and cached; an error only if the backbone failed.
pub(super) async fn photo_rows(
    session: &Session,
    photo: &Photo<'_>,
    config: &TrainConfig,
    wanted: Wanted,
    at: Option<TailConfig>,
    while_doing: &str,
) -> Result<PhotoRows, TrainError> {
    let cache = &session.rows;
    // Each key is a sha256: made only for the rows wanted.
    let key = |wanted: bool, kind| wanted.then(|| RowCache::key(config, kind, photo.hash));
    let (cut_key, views_key) = (
        key(wanted.cut, RowKind::Cut),
        key(wanted.views, RowKind::Views),
    );
    let cached = |key: &Option<String>| key.as_ref().and_then(|k| cache.borrow_mut().get(k));
    let mut got = Got {
        cut: cached(&cut_key),
        views: cached(&views_key),
        made: false,
    };
    let missing = Wanted {
        cut: wanted.cut && got.cut.is_none(),
        views: wanted.views && got.views.is_none(),
    };
    if !missing.cut && !missing.views {
        return Ok(PhotoRows::Got(got));
    }
    let name = photo.name;
    let img = match stored_copy(session, name, photo.id).await {
        Ok(bytes) => decode(&bytes).map_err(|e| format!("{name}: {e}")),
        Err(e) => Err(e),
    };
    let img = match img {
        Ok(img) => img,
        Err(e) => return Ok(PhotoRows::Unreadable(e)),
    };
    let run = async |input: &[f32]| {
        let row = session
            .on_engine(while_doing, async |engine| {
                Ok(match at {
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
    let made = image_rows(&img, photo.hash, config, missing, &run).await?;
    if let (Some(row), Some(key)) = (made.cut.map(Rc::new), cut_key) {
        cache.borrow_mut().insert(key, photo.hash, row.clone());
        got.cut = Some(row);
    }
    if let (Some(rows), Some(key)) = (made.views.map(Rc::new), views_key) {
        cache.borrow_mut().insert(key, photo.hash, rows.clone());
        got.views = Some(rows);
    }
    got.made = true;
    Ok(PhotoRows::Got(got))
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
