//! The session's engine: device, backbone and ImageNet labels, opened at start-up; and the
//! benchmarks, which only need it.

use super::protocol::Bench;
use crate::assets::{self, Source};
use crate::backend::readback::answers;
use crate::backend::{ComputeDevice, DeviceChoice, DeviceInfo, open_browser};
use crate::inference::Backbone;
use crate::model::INPUT_SIZE;
use crate::state::Loading;
use crate::train::TrainError;
use crate::web::fetch::now_ms;
use std::rc::Rc;

pub struct Engine {
    pub backbone: Backbone,
    pub labels: Vec<String>,
    pub info: DeviceInfo,
    /// Where heads train: WebGPU, or Flex on the CPU path.
    pub device: burn::tensor::Device,
}

impl Engine {
    /// The backbone from `weights` on `compute`'s device; why not, in words.
    pub fn new(
        weights: &[u8],
        compute: ComputeDevice,
        labels: Vec<String>,
    ) -> Result<Self, String> {
        let backbone = Backbone::for_device(weights, &compute).map_err(|e| e.to_string())?;
        Ok(Self {
            backbone,
            labels,
            info: compute.info,
            device: compute.device,
        })
    }
}

/// Open the device, then download (or take from the cache) the weights and labels, telling
/// the page each step.
pub async fn start(send: impl Fn(Loading), choice: DeviceChoice) -> Option<Rc<Engine>> {
    let (compute, report) = match open_browser(choice).await {
        Ok(ready) => ready,
        Err(e) => {
            log::warn!("no compute device: {e}");
            send(Loading::StartupFailed {
                message: e.to_string(),
                hint: "Open the page without ?device=webgpu to use the CPU, or try a browser \
                       with WebGPU enabled (recent Chrome or Edge)."
                    .into(),
            });
            return None;
        }
    };
    log::info!("compute device: {} (self-test {:?})", compute.info, report);
    send(Loading::DeviceReady {
        info: compute.info.clone(),
        report,
    });
    let started = now_ms();
    let weights =
        assets::load_weights(|loaded, total| send(Loading::ModelProgress { loaded, total })).await;
    let failed = |message: String| {
        send(Loading::ModelFailed { message });
        None
    };
    let (weights, source) = match weights {
        Ok(w) => w,
        Err(e) => return failed(e.to_string()),
    };
    let labels = match assets::load_labels().await {
        Ok(l) => l,
        Err(e) => return failed(format!("ImageNet labels: {e}")),
    };
    let engine = match Engine::new(&weights, compute, labels) {
        Ok(engine) => Rc::new(engine),
        Err(e) => return failed(e),
    };
    send(Loading::ModelReady {
        from_cache: source == Source::Cache,
        load_ms: now_ms() - started,
        weights_id: engine.backbone.weights_id().to_string(),
    });
    Some(engine)
}

/// Whether a job's `error` means the engine's GPU is gone: it says so, or the GPU no
/// longer reads back a single value.
pub async fn gpu_lost(engine: &Engine, error: &TrainError) -> bool {
    match error {
        TrainError::DeviceLost(_) => engine.info.is_gpu(),
        TrainError::Read(_) => engine.info.is_gpu() && !answers(&engine.device).await,
        _ => false,
    }
}

/// One of the `?bench` measurements, as JSON for `#bench-result`.
pub async fn bench(engine: &Engine, bench: Bench) -> Result<String, String> {
    match bench {
        Bench::Backbone { batch, iters } => backbone_speed(engine, batch, iters).await,
        Bench::Train => train_speed(engine).await,
        Bench::Finetune => finetune_speed(engine).await,
    }
}

/// The backbone: a warm-up batch, then timed batches.
async fn backbone_speed(engine: &Engine, batch: usize, iters: usize) -> Result<String, String> {
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
/// with the page's default training settings, on the session's device.
async fn train_speed(engine: &Engine) -> Result<String, String> {
    let config = crate::train::TrainConfig::default();
    let result = crate::train::bench::train_speed(&engine.device, 1000, 10, &config, now_ms)
        .await
        .map_err(|e| e.to_string())?;
    let mut json = serde_json::to_value(&result).map_err(|e| e.to_string())?;
    json["device"] = engine.info.short_name().into();
    Ok(json.to_string())
}

/// `?bench=finetune`: a fine-tuning step's time per image for the last 1 and 2 blocks
/// (batch 16, 3 timed steps after a warm-up), on the session's device (issue 5).
async fn finetune_speed(engine: &Engine) -> Result<String, String> {
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
