//! The page's training job: hold out a stratified share, make (or reuse) the augmented
//! views, train a head with the chosen settings yielding every `SLICE_MS`, then report.

use super::engine::Engine;
use super::state::State;
use super::teach::{SLICE_MS, Teacher, send};
use super::teach_state::TeachAction;
use super::training::{Outcome, Report, TrainAction};
use crate::classifier::Classifier;
use crate::data::augment::augmented_input;
use crate::data::decode;
use crate::model::FEATURE_DIM;
use crate::model::head::SplitMix64;
use crate::project::Project;
use crate::train::head::check_trainable;
use crate::train::split::{Split, stratified};
use crate::train::{Evaluation, HeadTrainer, TrainConfig, Views};
use crate::web::fetch::now_ms;
use crate::web::idb::SAMPLES;
use crate::web::records::sample_from_record;
use gloo::timers::future::TimeoutFuture;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use yew::UseReducerDispatcher;

/// What a sample's cached views depend on: their number, strength and the seed.
fn views_key(c: &TrainConfig) -> u64 {
    (c.augment_views as u64) ^ c.augment_strength.to_bits().rotate_left(8) ^ c.seed.rotate_left(32)
}

impl Teacher {
    /// Train until the epochs are done, patience runs out, or Stop; keep the best epoch.
    pub async fn train(
        &self,
        engine: Rc<Engine>,
        project: Project,
        config: TrainConfig,
        dispatch: UseReducerDispatcher<State>,
    ) {
        let fail = |m: String| send(&dispatch, TeachAction::Train(TrainAction::Failed(m)));
        let (names, features, labels) = match project.training_set() {
            Ok(set) => set,
            Err(e) => return fail(e.to_string()),
        };
        let ids = project.sample_ids();
        let split = match check_trainable(&names, &labels)
            .and_then(|()| stratified(&labels, &names, config.validation_percent, config.seed))
        {
            Ok(split) => split,
            Err(e) => return fail(e.to_string()),
        };
        self.stop.set(false);
        let started = now_ms();
        let views = match self
            .views_of(&engine, &project, &ids, &split, &config, &dispatch)
            .await
        {
            Ok(views) => views,
            Err(e) => return fail(e),
        };
        let mut trainer = match HeadTrainer::with_split(
            &engine.device,
            &features,
            &labels,
            split,
            &names,
            &config,
            &views,
        ) {
            Ok(t) => t,
            Err(e) => return fail(e.to_string()),
        };
        send(
            &dispatch,
            TeachAction::Train(TrainAction::Started(config.epochs)),
        );
        // The set-up and its render are one task, the first epochs the next.
        TimeoutFuture::new(0).await;
        let mut slice = now_ms();
        let (mut history, mut unsent) = (Vec::new(), Vec::new());
        while !trainer.finished() && !self.stop.get() {
            match trainer.epoch().await {
                Ok(stats) => {
                    history.push(stats);
                    unsent.push(stats);
                    if now_ms() - slice > SLICE_MS {
                        let batch = std::mem::take(&mut unsent);
                        send(&dispatch, TeachAction::Train(TrainAction::Epochs(batch)));
                        TimeoutFuture::new(0).await;
                        slice = now_ms();
                    }
                }
                Err(e) => return fail(e.to_string()),
            }
        }
        let head = match trainer.weights().await {
            Ok(head) if !history.is_empty() => head,
            _ => return fail("stopped before the first epoch finished".into()),
        };
        let ms = now_ms() - started;
        let validation = &trainer.split().validation;
        let report = (!validation.is_empty()).then(|| {
            let val_features: Vec<f32> = validation
                .iter()
                .flat_map(|&i| &features[i * FEATURE_DIM..(i + 1) * FEATURE_DIM])
                .copied()
                .collect();
            let val_labels: Vec<usize> = validation.iter().map(|&i| labels[i]).collect();
            Rc::new(Report {
                names: names.clone(),
                evaluation: Evaluation::of_head(&head, &val_features, &val_labels),
                samples: validation.iter().map(|&i| ids[i]).collect(),
            })
        });
        let outcome = Outcome {
            epochs: trainer.epochs_done(),
            best_epoch: trainer.best_epoch(),
            ms,
            rows: trainer.rows(),
            held_out: validation.len(),
            stopped: !trainer.finished() || trainer.stopped_early(),
            early: trainer.stopped_early(),
            report,
            history,
        };
        let info = serde_json::json!({ "by": "graft page", "samples": trainer.split().train.len(),
            "rows": outcome.rows, "validation_samples": outcome.held_out, "config": config,
            "final": outcome.kept(), "best_epoch": outcome.best_epoch, "seconds": (ms / 10.0).round() / 100.0 });
        let classifier = Rc::new(Classifier::new(
            names,
            head,
            engine.backbone.weights_id(),
            info,
        ));
        send(
            &dispatch,
            TeachAction::Train(TrainAction::Trained(classifier, outcome)),
        );
    }

    /// The augmented views of the training images, made from each sample's stored copy
    /// the first time these settings ask for them (one backbone pass per task) and cached.
    async fn views_of(
        &self,
        engine: &Engine,
        project: &Project,
        ids: &[u64],
        split: &Split,
        config: &TrainConfig,
        dispatch: &UseReducerDispatcher<State>,
    ) -> Result<Views, String> {
        let mut out = Views::default();
        let n = config.augment_views;
        if n == 0 {
            return Ok(out);
        }
        let key = views_key(config);
        let total = split.train.len();
        send(
            dispatch,
            TeachAction::Train(TrainAction::Preparing(0, total)),
        );
        let mut slice = now_ms();
        for (done, &i) in split.train.iter().enumerate() {
            if self.stop.get() {
                return Err("stopped while making the augmented views".into());
            }
            let id = ids[i];
            let cached = self
                .views
                .borrow()
                .get(&id)
                .filter(|(k, _)| *k == key)
                .map(|v| v.1.clone());
            let features = match cached {
                Some(f) => f,
                None => {
                    let (name, bytes) = self.stored_copy(project, id).await?;
                    let img = decode(&bytes).map_err(|e| format!("{name}: {e}"))?;
                    let mut rng =
                        SplitMix64(config.seed ^ (id + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    let mut f = Vec::with_capacity(n * FEATURE_DIM);
                    for _ in 0..n {
                        let input = augmented_input(&img, config.augment_strength as f32, &mut rng);
                        f.extend(
                            engine
                                .backbone
                                .features(&[&input])
                                .await
                                .map_err(|e| e.to_string())?,
                        );
                        TimeoutFuture::new(0).await;
                    }
                    let f = Rc::new(f);
                    self.views.borrow_mut().insert(id, (key, f.clone()));
                    f
                }
            };
            out.features.extend_from_slice(&features);
            out.of.extend(std::iter::repeat_n(i, n));
            if now_ms() - slice > SLICE_MS {
                send(
                    dispatch,
                    TeachAction::Train(TrainAction::Preparing(done + 1, total)),
                );
                TimeoutFuture::new(0).await;
                slice = now_ms();
            }
        }
        Ok(out)
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
                "{name}: its saved copy could not be read, so it cannot be augmented; set Augmented views to 0"
            )
        };
        let db = self.db().ok_or_else(no_copy)?;
        let key = JsValue::from(id as f64);
        let record = db.get(SAMPLES, &key).await?;
        let (_, jpeg) = sample_from_record(&key, &record).ok_or_else(no_copy)?;
        Ok((name, jpeg))
    }
}
