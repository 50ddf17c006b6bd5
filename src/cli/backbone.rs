//! `graft imagenet`, `embed` and `bench`.

use super::{CliResult, ModelFiles, open};
use crate::backend::{DeviceChoice, selftest};
use crate::data::labels::parse_imagenet_labels;
use crate::data::{backbone_input, decode};
use crate::inference::{Backbone, top_k};
use crate::model::INPUT_SIZE;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Images per forward pass when classifying or embedding many files.
const BATCH: usize = 8;

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        format!(
            "cannot read {what} {}: {e} (run the README's set-up command)",
            path.display()
        )
    })
}

fn load_backbone(
    files: &ModelFiles,
    choice: DeviceChoice,
) -> Result<Backbone, Box<dyn std::error::Error>> {
    let compute = open(choice)?;
    let bytes = read(&files.weights, "the weight file")?;
    Ok(Backbone::for_device(&bytes, &compute)?)
}

/// Decode and preprocess each image; failures are reported per file (on stderr, and as a
/// `{"image", "error"}` line when `json`) and skipped.
fn prepare(images: &[PathBuf], json: bool) -> (Vec<(String, Vec<f32>)>, usize) {
    let mut ok = Vec::new();
    let mut failed = 0;
    for path in images {
        let name = path.display().to_string();
        let result = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| decode(&bytes).map_err(|e| e.to_string()));
        match result {
            Ok(img) => ok.push((name, backbone_input(&img))),
            Err(e) => {
                failed += 1;
                eprintln!("graft: {name}: {e}");
                if json {
                    println!("{}", serde_json::json!({ "image": name, "error": e }));
                }
            }
        }
    }
    (ok, failed)
}

fn exit(failed: usize) -> ExitCode {
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub fn imagenet(
    images: &[PathBuf],
    top: usize,
    json: bool,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    let labels = parse_imagenet_labels(&read(&files.labels, "the label file")?)?;
    let backbone = load_backbone(files, choice)?;
    let mut failed = 0;
    // Decode a batch at a time: thousands of files never sit in memory at once.
    for paths in images.chunks(BATCH) {
        let (chunk, bad) = prepare(paths, json);
        failed += bad;
        if chunk.is_empty() {
            continue;
        }
        let refs: Vec<&[f32]> = chunk.iter().map(|(_, x)| x.as_slice()).collect();
        let out = pollster::block_on(backbone.run(&refs))?;
        for ((name, _), probs) in chunk.iter().zip(out.probs.chunks_exact(labels.len())) {
            let guesses = top_k(probs, &labels, top);
            if json {
                println!("{}", serde_json::json!({ "image": name, "top": guesses }));
            } else {
                println!("{name}");
                for g in guesses {
                    println!("  {:>6.2}%  {:>4}  {}", g.p * 100.0, g.id, g.label);
                }
            }
        }
    }
    Ok(exit(failed))
}

pub fn embed(images: &[PathBuf], choice: DeviceChoice, files: &ModelFiles) -> CliResult {
    let backbone = load_backbone(files, choice)?;
    let mut failed = 0;
    for paths in images.chunks(BATCH) {
        let (chunk, bad) = prepare(paths, true);
        failed += bad;
        if chunk.is_empty() {
            continue;
        }
        let refs: Vec<&[f32]> = chunk.iter().map(|(_, x)| x.as_slice()).collect();
        let features = pollster::block_on(backbone.features(&refs))?;
        for ((name, _), f) in chunk
            .iter()
            .zip(features.chunks_exact(crate::model::FEATURE_DIM))
        {
            println!("{}", serde_json::json!({ "image": name, "features": f }));
        }
    }
    Ok(exit(failed))
}

pub fn bench(
    batch: usize,
    iters: usize,
    flex: bool,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    if batch == 0 || iters == 0 {
        return Err("--batch and --iters must be at least 1".into());
    }
    let compute = open(choice)?;
    if flex && compute.info.is_gpu() {
        return Err("--flex times Burn's CPU backend: use it with --device cpu".into());
    }
    let weights = read(&files.weights, "the weight file")?;
    let backbone = if flex {
        Backbone::load(&weights, &compute.device)?
    } else {
        Backbone::for_device(&weights, &compute)?
    };
    // Content does not change the work; a fixed pattern keeps runs comparable.
    let input: Vec<f32> = (0..3 * INPUT_SIZE * INPUT_SIZE)
        .map(|i| ((i % 255) as f32 - 127.0) / 128.0)
        .collect();
    let refs: Vec<&[f32]> = vec![input.as_slice(); batch];
    let start = Instant::now();
    pollster::block_on(backbone.features(&refs))?;
    let warmup_ms = start.elapsed().as_secs_f64() * 1e3;
    let start = Instant::now();
    for _ in 0..iters {
        pollster::block_on(backbone.features(&refs))?;
    }
    let ms_per_image = start.elapsed().as_secs_f64() * 1e3 / (iters * batch) as f64;
    let out = serde_json::json!({
        "device": compute.info.short_name(),
        "adapter": compute.info.to_string(),
        "engine": backbone.engine_name(),
        "batch": batch,
        "iters": iters,
        "ms_per_image": (ms_per_image * 100.0).round() / 100.0,
        "warmup_ms": warmup_ms.round(),
    });
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `graft selftest`: open a device and check a small computation against plain loops.
pub fn selftest(choice: DeviceChoice, json: bool) -> CliResult {
    let compute = open(choice)?;
    let report = pollster::block_on(selftest::run(&compute.device))?;
    if json {
        let out = serde_json::json!({ "device": compute.info, "selftest": report });
        println!("{out}");
    } else {
        println!("device: {}", compute.info);
        println!(
            "self-test {}: {}, max error {:.1e} (tolerance {:.0e})",
            if report.passed { "passed" } else { "FAILED" },
            report.description,
            report.max_abs_error,
            report.tolerance
        );
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
