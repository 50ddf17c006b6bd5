//! The page's compute side: device, backbone and labels, and the async jobs that use them.
//!
//! Lives outside Yew state (in a `use_mut_ref` at the root); jobs report through the reducer.

use crate::assets::{self, Source};
use crate::backend::readback::answers;
use crate::backend::{DeviceChoice, DeviceInfo, open_browser, open_cpu};
use crate::data::{backbone_input, decode};
use crate::inference::{Backbone, top_k};
use crate::model::INPUT_SIZE;
use crate::state::{Action, Sight, State};
use crate::train::TrainError;
use crate::web::fetch::now_ms;
use std::cell::RefCell;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// Where the page keeps its engine: replaced by a CPU one if the GPU is lost.
pub type EngineSlot = Rc<RefCell<Option<Rc<Engine>>>>;

pub struct Engine {
    pub backbone: Backbone,
    pub labels: Vec<String>,
    pub info: DeviceInfo,
    /// Where heads train: WebGPU, or Flex on the CPU path.
    pub device: burn::tensor::Device,
}

/// Open the device, then download (or take from the cache) the weights and labels.
pub async fn start(
    dispatch: UseReducerDispatcher<State>,
    choice: DeviceChoice,
) -> Option<Rc<Engine>> {
    let (compute, report) = match open_browser(choice).await {
        Ok(ready) => ready,
        Err(e) => {
            log::warn!("no compute device: {e}");
            dispatch.dispatch(Action::StartupFailed {
                message: e.to_string(),
                hint: "Open the page without ?device=webgpu to use the CPU, or try a browser \
                       with WebGPU enabled (recent Chrome or Edge)."
                    .into(),
            });
            return None;
        }
    };
    log::info!("compute device: {} (self-test {:?})", compute.info, report);
    dispatch.dispatch(Action::DeviceReady {
        info: compute.info.clone(),
        report,
    });

    let started = now_ms();
    let progress = dispatch.clone();
    let weights = assets::load_weights(move |loaded, total| {
        progress.dispatch(Action::ModelProgress { loaded, total })
    })
    .await;
    let labels = assets::load_labels().await;
    let (weights, source) = match weights {
        Ok(w) => w,
        Err(e) => {
            dispatch.dispatch(Action::ModelFailed(e.to_string()));
            return None;
        }
    };
    let labels = match labels {
        Ok(l) => l,
        Err(e) => {
            dispatch.dispatch(Action::ModelFailed(format!("ImageNet labels: {e}")));
            return None;
        }
    };
    let backbone = match Backbone::for_device(&weights, &compute) {
        Ok(b) => b,
        Err(e) => {
            dispatch.dispatch(Action::ModelFailed(e.to_string()));
            return None;
        }
    };
    dispatch.dispatch(Action::ModelReady {
        from_cache: source == Source::Cache,
        load_ms: now_ms() - started,
    });
    Some(Rc::new(Engine {
        backbone,
        labels,
        info: compute.info,
        device: compute.device,
    }))
}

/// Whether a job's `error` means the engine's GPU is gone: it says so, or the GPU no
/// longer reads back a single value.
pub async fn gpu_lost(engine: &Engine, error: &TrainError) -> bool {
    match error {
        TrainError::DeviceLost(_) => engine.info.is_gpu(),
        TrainError::Read(_) => gpu_gone(engine).await,
        _ => false,
    }
}

/// Whether the engine runs on a GPU that no longer reads back a single value (lost).
pub async fn gpu_gone(engine: &Engine) -> bool {
    engine.info.is_gpu() && !answers(&engine.device).await
}

/// The engine again on the CPU path, after its GPU was lost: the weights come from the
/// page's cache, the device panel says what happened, and every later job uses it.
pub async fn move_to_cpu(
    lost: &Engine,
    slot: &RefCell<Option<Rc<Engine>>>,
    dispatch: &UseReducerDispatcher<State>,
) -> Result<Rc<Engine>, String> {
    let reason = "the GPU stopped responding, so the page went on on the CPU".to_string();
    let (compute, report) = open_cpu(reason).await.map_err(|e| e.to_string())?;
    let (weights, _) = assets::load_weights(|_, _| {})
        .await
        .map_err(|e| e.to_string())?;
    let backbone = Backbone::for_device(&weights, &compute).map_err(|e| e.to_string())?;
    let engine = Rc::new(Engine {
        backbone,
        labels: lost.labels.clone(),
        info: compute.info.clone(),
        device: compute.device,
    });
    *slot.borrow_mut() = Some(engine.clone());
    dispatch.dispatch(Action::DeviceReady {
        info: compute.info,
        report,
    });
    Ok(engine)
}

/// Run one photo through the backbone and report its ImageNet top-5.
pub async fn look(
    engine: Rc<Engine>,
    name: String,
    bytes: Vec<u8>,
    thumbnail: String,
    dispatch: UseReducerDispatcher<State>,
) {
    let started = now_ms();
    let img = match decode(&bytes) {
        Ok(img) => img,
        Err(e) => {
            dispatch.dispatch(Action::SightFailed(format!("{name}: {e}")));
            return;
        }
    };
    let input = backbone_input(&img);
    match engine.backbone.run(&[&input]).await {
        Ok(out) => dispatch.dispatch(Action::Seen(Sight {
            file_name: name,
            thumbnail,
            top: top_k(&out.probs, &engine.labels, 5),
            ms: now_ms() - started,
        })),
        Err(e) => dispatch.dispatch(Action::SightFailed(format!("{name}: {e}"))),
    }
}

/// The benchmark behind `?bench`: warm-up batch, then timed batches; JSON for `#bench-result`.
pub async fn bench(engine: Rc<Engine>, batch: usize, iters: usize) -> Result<String, String> {
    let input: Vec<f32> = (0..3 * INPUT_SIZE * INPUT_SIZE)
        .map(|i| ((i % 255) as f32 - 127.0) / 128.0)
        .collect();
    let refs: Vec<&[f32]> = vec![input.as_slice(); batch];
    let started = now_ms();
    engine
        .backbone
        .features(&refs)
        .await
        .map_err(|e| e.to_string())?;
    let warmup_ms = now_ms() - started;
    let started = now_ms();
    for _ in 0..iters {
        engine
            .backbone
            .features(&refs)
            .await
            .map_err(|e| e.to_string())?;
    }
    let ms_per_image = (now_ms() - started) / (iters * batch) as f64;
    Ok(serde_json::json!({
        "device": engine.info.short_name(),
        "adapter": engine.info.to_string(),
        "batch": batch,
        "iters": iters,
        "ms_per_image": (ms_per_image * 100.0).round() / 100.0,
        "warmup_ms": warmup_ms.round(),
    })
    .to_string())
}

/// `?bench=train`: a fresh head on 1 000 feature vectors x 50 epochs (issue 4's benchmark),
/// with the page's default training settings, on the page's device.
pub async fn bench_train(engine: Rc<Engine>) -> Result<String, String> {
    let config = crate::train::TrainConfig::default();
    let result = crate::train::bench::train_speed(&engine.device, 1000, 10, &config, now_ms)
        .await
        .map_err(|e| e.to_string())?;
    let mut json = serde_json::to_value(&result).map_err(|e| e.to_string())?;
    json["device"] = engine.info.short_name().into();
    Ok(json.to_string())
}

/// `?bench=finetune`: a fine-tuning step's time per image for the last 1 and 2 blocks
/// (batch 16, 3 timed steps after a warm-up), on the page's device (issue 5).
pub async fn bench_finetune(engine: Rc<Engine>) -> Result<String, String> {
    let mut runs = Vec::new();
    for blocks in [1, 2] {
        let tail = crate::model::tail::TailConfig::new(blocks)
            .and_then(|cut| engine.backbone.pretrained_tail(cut))
            .ok_or("the weights lack the blocks to fine-tune")?;
        let r = crate::train::bench::finetune_speed(&engine.device, &tail, 16, 3, now_ms)
            .await
            .map_err(|e| e.to_string())?;
        runs.push(serde_json::to_value(&r).map_err(|e| e.to_string())?);
    }
    Ok(serde_json::json!({ "device": engine.info.short_name(), "finetune": runs }).to_string())
}
