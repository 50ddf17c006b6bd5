//! The page's training job: plan the validation (a share, the images set aside, or folds),
//! make (or reuse) the rows it needs, then fit the L-BFGS head (`fit_job.rs`) or train with
//! Adam in pieces that keep each task short, going on on the CPU if the GPU is lost, and
//! report on the held-out images.

use super::engine::{EngineSlot, gpu_lost, move_to_cpu};
use super::jobs::{Jobs, send};
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::project::Project;
use crate::state::State;
use crate::state::teach::TeachAction;
use crate::state::training::TrainAction;
use crate::train::split::{Plan, Split, plan_for};
use crate::train::{Inputs, Solver, TrainConfig, Views};
use crate::web::fetch::now_ms;
use yew::UseReducerDispatcher;

/// What a training run hands its solver's job: the rows, the plan and how to report.
pub(super) struct Job<'a> {
    pub inputs: Inputs<'a>,
    pub plan: Plan,
    pub names: Vec<String>,
    pub ids: &'a [u64],
    pub config: &'a TrainConfig,
    pub views: &'a Views,
    /// The fine-tuned blocks' cut (Adam only).
    pub cut: Option<TailConfig>,
    pub backbone_id: String,
    pub started: f64,
    pub notice: Option<String>,
}

impl Jobs {
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
        let job = Job {
            inputs,
            plan,
            names,
            ids: &ids,
            config: &config,
            views: &views,
            cut,
            backbone_id: engine.backbone.weights_id().to_string(),
            started,
            notice,
        };
        if config.solver == Solver::Lbfgs {
            return self.fit_linear(job, dispatch).await;
        }
        self.train_adam(job, engine, slot, dispatch).await
    }
}
