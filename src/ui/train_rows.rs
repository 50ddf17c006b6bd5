//! The rows a training run needs beyond the kept embeddings: activations at the cut when
//! fine-tuning, and augmented views, made from each sample's stored copy and cached.

use super::engine::Engine;
use super::jobs::{Jobs, send};
use crate::data::augment::{augmented_input, views_rng};
use crate::data::{backbone_input, decode};
use crate::model::tail::TailConfig;
use crate::project::Project;
use crate::state::State;
use crate::state::teach::TeachAction;
use crate::state::training::TrainAction;
use crate::train::split::Split;
use crate::train::{TrainConfig, TrainError, Views};
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// What a cached row depends on: the cut (0: pooled features), and for views their number,
/// strength and seed. Rows made under one key are reused by every run with the same key.
pub(super) fn rows_key(c: &TrainConfig, views: bool) -> u64 {
    let mut key = c.tuned_blocks as u64;
    if views {
        key ^= (c.augment_views as u64) << 8
            ^ c.augment_strength.to_bits().rotate_left(16)
            ^ c.seed.rotate_left(40);
    }
    key
}

impl Jobs {
    /// The rows a run needs beyond the kept embeddings: with `cut`, every image's activations
    /// there (`Some`, in sample order; `None` means the embeddings serve), and the augmented
    /// views of the training images. Made from each sample's stored copy the first time
    /// these settings ask (one backbone pass per task), then cached.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn rows(
        &self,
        engine: &Engine,
        project: &Project,
        ids: &[u64],
        split: &Split,
        config: &TrainConfig,
        cut: Option<TailConfig>,
        dispatch: &UseReducerDispatcher<State>,
    ) -> Result<(Option<Vec<f32>>, Views), TrainError> {
        let n = config.augment_views;
        let (plain_key, views_key) = (rows_key(config, false), rows_key(config, true));
        self.rows
            .borrow_mut()
            .retain(|(_, key), _| *key == plain_key || *key == views_key);
        let mut values = cut.map(|c| Vec::with_capacity(ids.len() * c.cut_len()));
        let mut views = Views::default();
        let hashes: Vec<&str> = (project.classes.iter())
            .flat_map(|c| c.samples.iter().map(|s| s.hash.as_str()))
            .collect();
        let mut training = vec![false; ids.len()];
        split.train.iter().for_each(|&i| training[i] = true);
        let run = |input: Vec<f32>| async move {
            match cut {
                Some(c) => {
                    engine
                        .backbone
                        .activations(&[&input], c.first_block())
                        .await
                }
                None => engine.backbone.features(&[&input]).await,
            }
            .map_err(TrainError::from)
        };
        let total = ids.len();
        for (i, &id) in ids.iter().enumerate() {
            if self.stop.get() {
                return Err(TrainError::Read("stopped before the first epoch".into()));
            }
            let need_cut = values.is_some() && !self.rows.borrow().contains_key(&(id, plain_key));
            let need_views =
                n > 0 && training[i] && !self.rows.borrow().contains_key(&(id, views_key));
            if need_cut || need_views {
                let (name, bytes) = self
                    .stored_copy(project, id)
                    .await
                    .map_err(TrainError::Read)?;
                let img = decode(&bytes).map_err(|e| TrainError::Read(format!("{name}: {e}")))?;
                if need_cut {
                    let row = run(backbone_input(&img)).await?;
                    self.rows.borrow_mut().insert((id, plain_key), Rc::new(row));
                    TimeoutFuture::new(0).await;
                }
                if need_views {
                    // By the photo's content, as `graft train` seeds the same photo's.
                    let mut rng =
                        views_rng(config.seed, hashes.get(i).copied().unwrap_or_default());
                    let mut made = Vec::new();
                    for _ in 0..n {
                        made.extend(
                            run(augmented_input(
                                &img,
                                config.augment_strength as f32,
                                &mut rng,
                            ))
                            .await?,
                        );
                        TimeoutFuture::new(0).await;
                    }
                    self.rows
                        .borrow_mut()
                        .insert((id, views_key), Rc::new(made));
                }
                send(
                    dispatch,
                    TeachAction::Train(TrainAction::Preparing(i + 1, total)),
                );
            }
            let cache = self.rows.borrow();
            if let (Some(values), Some(row)) = (values.as_mut(), cache.get(&(id, plain_key))) {
                values.extend_from_slice(row);
            }
            if n > 0
                && training[i]
                && let Some(made) = cache.get(&(id, views_key))
            {
                views.features.extend_from_slice(made);
                views.of.extend(std::iter::repeat_n(i, n));
            }
        }
        Ok((values, views))
    }

    /// A sample's name and its stored 256-px JPEG, read from the database (the page keeps
    /// no second copy in memory).
    async fn stored_copy(&self, project: &Project, id: u64) -> Result<(String, Vec<u8>), String> {
        let name = project
            .classes
            .iter()
            .flat_map(|c| &c.samples)
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .ok_or("an image went missing while training")?;
        let no_copy = || {
            format!(
                "{name}: its saved copy could not be read, so it cannot be augmented or fine-tuned on; set Augmented views and Blocks to fine-tune to 0"
            )
        };
        let db = self.db().ok_or_else(no_copy)?;
        let jpeg = db.sample_copy(id).await?.ok_or_else(no_copy)?;
        Ok((name, jpeg))
    }
}
