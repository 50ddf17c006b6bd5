//! The page's training job: plan the validation (a share, the images set aside, or folds),
//! make (or reuse) the rows it needs, then fit the L-BFGS head (`fit_job.rs`) or train with
//! Adam in pieces that keep each task short, going on on the CPU if the GPU is lost, and
//! report on the held-out images.

use super::adam_job::AdamJob;
use super::engine::{EngineSlot, gpu_lost, move_to_cpu};
use super::fit_job::Fit;
use super::state::State;
use super::teach::{Teacher, send};
use super::teach_state::TeachAction;
use super::training::TrainAction;
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::project::Project;
use crate::train::split::{Plan, Split, plan_for};
use crate::train::{Inputs, Solver, TrainConfig};
use crate::web::fetch::now_ms;
use yew::UseReducerDispatcher;

impl Teacher {
    /// Train until the epochs are done, patience runs out, or Stop; keep the best epoch.
    /// On the engine in `slot`, replaced by a CPU one if the GPU is lost.
    pub async fn train(
        &self,
        slot: EngineSlot,
        project: Project,
        config: TrainConfig,
        dispatch: UseReducerDispatcher<State>,
    ) {
        let fail = |m: String| send(&dispatch, TeachAction::Train(TrainAction::Failed(m)));
        let Some(mut engine) = slot.borrow().clone() else {
            return fail("the model is not loaded yet".into());
        };
        let (names, features, labels) = match project.training_set() {
            Ok(set) => set,
            Err(e) => return fail(e.to_string()),
        };
        let ids = project.sample_ids();
        // Images set aside on their cards are the validation set; otherwise a stratified
        // share, or (L-BFGS, small classes) k-fold cross-validation.
        let held = project.held_out_mask();
        let plan = match plan_for(&config, &labels, &held, &names) {
            Ok(plan) => plan,
            Err(e) => return fail(e.to_string()),
        };
        // The images whose views are made; the Adam trainer's split.
        let split = match &plan {
            Plan::HeldOut(split) => split.clone(),
            _ => Split {
                train: plan.trained(labels.len()),
                validation: Vec::new(),
            },
        };
        let cut = TailConfig::new(config.tuned_blocks);
        self.stop.set(false);
        let started = now_ms();
        let mut notice: Option<String> = None;
        let made = loop {
            let made = self.rows(&engine, &project, &ids, &split, &config, cut, &dispatch);
            match made.await {
                Err(e) if gpu_lost(&engine, &e).await => {
                    log::warn!("the GPU was lost while preparing: {e}");
                    engine = match move_to_cpu(&engine, &slot, &dispatch).await {
                        Ok(cpu) => cpu,
                        Err(e) => return fail(format!("The GPU stopped responding, and {e}")),
                    };
                    notice = Some(
                        "The GPU stopped responding while preparing; the page went on on the CPU."
                            .into(),
                    );
                }
                made => break made,
            }
        };
        let (values, views) = match made {
            Ok((values, views)) => (values.unwrap_or(features), views),
            Err(e) => return fail(e.to_string()),
        };
        let inputs = Inputs {
            values: &values,
            shape: cut.map_or([FEATURE_DIM, 1, 1], |c| c.cut_shape()),
            labels: &labels,
        };
        if config.solver == Solver::Lbfgs {
            let fit = Fit {
                inputs,
                plan,
                names,
                ids: &ids,
                config: &config,
                views: &views,
                backbone_id: engine.backbone.weights_id(),
                started,
                notice,
            };
            return self.fit_linear(fit, dispatch).await;
        }
        let job = AdamJob {
            inputs,
            plan,
            names,
            ids: &ids,
            config: &config,
            views: &views,
            cut,
            started,
            notice,
        };
        self.train_adam(job, engine, slot, dispatch).await
    }
}
