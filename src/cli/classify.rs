//! `graft predict MODEL IMAGE...` and `graft bench-train`: the page's model file on the
//! command line; the backbone loading and embedding that `graft train` shares.

use super::{CliResult, ModelFiles, open};
use crate::backend::readback::ReadError;
use crate::backend::{ComputeDevice, DeviceChoice};
use crate::classifier::{Classifier, TaskAnswer};
use crate::data::stored::copy_pixels;
use crate::data::{backbone_input, decode};
use crate::inference::Backbone;
use crate::model::FEATURE_DIM;
use crate::model::tail::{Tail, TailConfig};
use crate::train::TrainConfig;
use burn::tensor::Device;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Images per backbone pass.
const BATCH: usize = 8;

pub(super) fn load(
    files: &ModelFiles,
    choice: DeviceChoice,
) -> Result<Backbone, Box<dyn std::error::Error>> {
    super::adapt_bn::backbone_for(choice, files.weight_file()?, None)
}

/// `(index into the paths, its row: features, or activations at a cut)`.
type Embedded = (usize, Vec<f32>);

/// A batch of `[3, 224, 224]` inputs to their rows, concatenated.
type RunBatch<'a> = Box<dyn Fn(&[&[f32]]) -> Result<Vec<f32>, ReadError> + 'a>;

/// What `embed` computes for a batch of inputs, `row` values per image.
pub(super) struct Rows<'a> {
    pub row: usize,
    pub run: RunBatch<'a>,
    /// Made from the copy of each image the page keeps (`data::stored`), not the file: the
    /// page makes its cut activations from that copy (it keeps no original), and so the
    /// same photos give the same fine-tuning rows both ways.
    pub from_copy: bool,
}

impl<'a> Rows<'a> {
    /// The backbone's pooled features.
    pub fn features(backbone: &'a Backbone) -> Self {
        Self {
            row: FEATURE_DIM,
            run: Box::new(move |x| pollster::block_on(backbone.features(x))),
            from_copy: false,
        }
    }

    /// The activations at the cut before `config`'s first block.
    pub fn cut(backbone: &'a Backbone, config: TailConfig) -> Self {
        Self {
            row: config.cut_len(),
            run: Box::new(move |x| {
                pollster::block_on(backbone.activations(x, config.first_block()))
            }),
            from_copy: true,
        }
    }

    /// Features through a fine-tuned model's tail (the backbone's own without one).
    pub fn through(
        backbone: &'a Backbone,
        tail: Option<&'a (TailConfig, Tail)>,
        device: &'a Device,
    ) -> Self {
        Self {
            row: FEATURE_DIM,
            run: Box::new(move |x| {
                pollster::block_on(backbone.features_through(x, tail.map(|(c, t)| (c, t)), device))
            }),
            from_copy: false,
        }
    }
}

/// The row of each readable image, in order; unreadable ones are reported by name and skipped.
/// Files are decoded on every core (a 12-MP JPEG takes longer to decode than to embed); only
/// rows are kept, so memory stays flat whatever the folder's size. A long run says how it
/// goes on stderr.
pub(super) fn embed(
    rows: &Rows,
    paths: &[PathBuf],
    mut on_error: impl FnMut(&Path, String),
) -> Result<Vec<Embedded>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let mut progress = Progress::new(paths.len());
    let from_copy = rows.from_copy;
    std::thread::scope(|scope| {
        // The next batch is decoded while the backbone runs on this one, so the backbone's
        // one core is not left waiting for the decoders (one batch ahead, no more, so that
        // memory stays flat).
        let (send, decoded) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for chunk in paths.chunks(BATCH) {
                if send.send(inputs_of(chunk, from_copy)).is_err() {
                    break;
                }
            }
        });
        for (chunk_no, (chunk, batch)) in paths.chunks(BATCH).zip(decoded).enumerate() {
            let mut inputs = Vec::new();
            for (i, input) in batch.into_iter().enumerate() {
                match input {
                    Ok(input) => inputs.push((chunk_no * BATCH + i, input)),
                    Err(e) => on_error(&chunk[i], e),
                }
            }
            progress.done(chunk.len());
            if inputs.is_empty() {
                continue;
            }
            let refs: Vec<&[f32]> = inputs.iter().map(|(_, x)| x.as_slice()).collect();
            let values = (rows.run)(&refs)?;
            for ((index, _), f) in inputs.iter().zip(values.chunks_exact(rows.row)) {
                out.push((*index, f.to_vec()));
            }
        }
        Ok(out)
    })
}

/// The backbone inputs of `paths` (from the kept copy's pixels with `from_copy`), decoded
/// on as many threads as there are cores, in order.
pub(super) fn inputs_of(paths: &[PathBuf], from_copy: bool) -> Vec<Result<Vec<f32>, String>> {
    let one = |path: &PathBuf| {
        let img = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| decode(&b).map_err(|e| e.to_string()))?;
        let img = if from_copy { copy_pixels(&img)? } else { img };
        Ok(backbone_input(&img))
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = paths.len().div_ceil(cores.max(1)).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (paths.chunks(per_thread))
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        (parts.into_iter())
            .flat_map(|p| {
                p.join()
                    .unwrap_or_else(|_| vec![Err("the decoder stopped".into())])
            })
            .collect()
    })
}

/// How a long embedding run goes, on stderr: after the first batch, then every few seconds.
struct Progress {
    total: usize,
    done: usize,
    started: Instant,
    said: Option<Instant>,
}

impl Progress {
    /// Runs shorter than this many images say nothing as they go.
    const QUIET_BELOW: usize = 2 * BATCH;
    const EVERY_SECONDS: f64 = 5.0;

    fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            started: Instant::now(),
            said: None,
        }
    }

    fn done(&mut self, n: usize) {
        self.done += n;
        let due = self
            .said
            .is_none_or(|t| t.elapsed().as_secs_f64() >= Self::EVERY_SECONDS);
        if self.total < Self::QUIET_BELOW || self.done >= self.total || !due {
            return;
        }
        let rate = self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let left = (self.total - self.done) as f64 / rate;
        eprintln!(
            "graft: embedding: {} of {} images ({rate:.1}/s, about {left:.0} s left)",
            self.done, self.total
        );
        self.said = Some(Instant::now());
    }
}

/// A model file and what runs it: the backbone it was trained on (adapted, if it was), the
/// device, and its tuned blocks on that device.
pub(super) struct Loaded {
    pub model: Classifier,
    pub backbone: Backbone,
    pub compute: ComputeDevice,
    pub tail: Option<(TailConfig, Tail)>,
}

impl Loaded {
    pub fn read(
        model_path: &Path,
        choice: DeviceChoice,
        files: &ModelFiles,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let bytes = std::fs::read(model_path)
            .map_err(|e| format!("cannot read {}: {e}", model_path.display()))?;
        let weights = files.weight_file()?;
        let model = Classifier::from_bytes(&bytes, weights.id())
            .map_err(|e| format!("{}: {e}", model_path.display()))?;
        let backbone = super::adapt_bn::backbone_for(choice, weights, model.adaptation.as_ref())?;
        let compute = open(choice)?;
        let tail = match &model.tail {
            Some(t) => Some((
                t.config,
                t.to_module(&compute.device)
                    .ok_or("the model's tuned blocks are incomplete")?,
            )),
            None => None,
        };
        Ok(Self {
            model,
            backbone,
            compute,
            tail,
        })
    }
}

pub fn predict(
    model_path: &Path,
    images: &[PathBuf],
    json: bool,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    let Loaded {
        model,
        backbone,
        compute,
        tail,
    } = Loaded::read(model_path, choice, files)?;
    let mut failed = 0;
    let rows = Rows::through(&backbone, tail.as_ref(), &compute.device);
    let embedded = embed(&rows, images, |path, e| {
        failed += 1;
        eprintln!("graft: {}: {e}", path.display());
        if json {
            println!(
                "{}",
                serde_json::json!({ "image": path.display().to_string(), "error": e })
            );
        }
    })?;
    for (i, features) in embedded {
        let answers = model.answers(&features);
        let name = images[i].display().to_string();
        if json {
            println!("{}", answers_json(&name, &answers));
            continue;
        }
        let said: Vec<String> = (answers.iter())
            .map(|a| {
                let (best, p) = a.best();
                let task = a.name.map(|t| format!("{t}: ")).unwrap_or_default();
                format!("{task}{} ({:.1}%)", a.classes[best], p * 100.0)
            })
            .collect();
        println!("{name}: {}", said.join("; "));
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One photo's answers as `graft predict --json` prints them: the first task's `label` and
/// `probs` (as a one-task model's), and with several tasks every task's under `tasks`.
fn answers_json(image: &str, answers: &[TaskAnswer]) -> serde_json::Value {
    let one = |a: &TaskAnswer| {
        let probs: serde_json::Map<String, serde_json::Value> = (a.classes.iter().zip(&a.probs))
            .map(|(c, &p)| (c.clone(), serde_json::json!(p)))
            .collect();
        serde_json::json!({ "label": a.classes[a.best().0], "probs": probs })
    };
    let mut out = one(&answers[0]);
    out["image"] = image.into();
    if answers.len() > 1 {
        let tasks: serde_json::Map<String, serde_json::Value> = (answers.iter())
            .map(|a| (a.name.unwrap_or_default().to_string(), one(a)))
            .collect();
        out["tasks"] = tasks.into();
    }
    out
}

pub fn bench_train(
    samples: usize,
    classes: usize,
    config: &TrainConfig,
    choice: DeviceChoice,
) -> CliResult {
    if samples < classes || classes < 2 {
        return Err("--samples must be at least --classes, and --classes at least 2".into());
    }
    let compute = open(choice)?;
    let clock = Instant::now();
    let result = pollster::block_on(crate::train::bench::train_speed(
        &compute.device,
        samples,
        classes,
        config,
        || clock.elapsed().as_secs_f64() * 1e3,
    ))?;
    print_bench(&result, &compute)
}

/// `graft bench-train --tuned-blocks K`: a fine-tuning step's time per image, JSON.
pub fn bench_finetune(
    cut: TailConfig,
    steps: usize,
    config: &TrainConfig,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    let backbone = load(files, choice)?;
    let tail = backbone
        .pretrained_tail(cut)
        .ok_or("the weight file lacks the tuned blocks")?;
    let compute = open(choice)?;
    let clock = Instant::now();
    let result = pollster::block_on(crate::train::bench::finetune_speed(
        &compute.device,
        &tail,
        config.batch_size,
        steps.max(1),
        || clock.elapsed().as_secs_f64() * 1e3,
    ))?;
    print_bench(&result, &compute)
}

/// One benchmark's figures as a JSON line, with the device they were measured on.
fn print_bench(
    result: &impl serde::Serialize,
    compute: &crate::backend::ComputeDevice,
) -> CliResult {
    let mut out = serde_json::to_value(result)?;
    out["device"] = compute.info.short_name().into();
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}
