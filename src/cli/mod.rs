//! The native command line: `graft <subcommand>`. Each subcommand prints JSON or text.

mod adapt_bn;
mod auto;
mod backbone;
mod classify;
mod explain;
mod export;
mod multitask;
mod project;
mod train;
mod train_adam;
mod train_args;
mod train_linear;
mod train_prototypes;
mod trained;
mod unlabeled;

use crate::backend::{ComputeDevice, DeviceChoice, open_native};
use crate::model::tail::TailConfig;
use crate::train::Solver;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
pub use train_args::TrainArgs;

#[derive(Parser, Debug)]
#[command(
    name = "graft",
    version,
    about = "Transfer learning with EfficientNet-Lite0 and Burn"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand that runs tensors.
#[derive(Args, Debug, Clone)]
pub struct DeviceArgs {
    /// cpu (Burn's Flex), gpu (wgpu: Vulkan, Metal or DX12) or auto.
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    pub device: DeviceChoice,
}

/// Where the generated weight and label files are (made by the README's set-up).
#[derive(Args, Debug, Clone)]
pub struct ModelFiles {
    /// The backbone weights (safetensors), converted at set-up (scripts/convert_weights.py).
    #[arg(long, env = "GRAFT_WEIGHTS", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/static/generated/efficientnet_lite0.safetensors"))]
    pub weights: PathBuf,
    /// ImageNet class names (JSON list).
    #[arg(long, env = "GRAFT_LABELS", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/static/generated/imagenet_classes.json"))]
    pub labels: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open a device and check a small computation against plain Rust loops.
    Selftest {
        #[command(flatten)]
        device: DeviceArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// ImageNet top-K for each image.
    Imagenet {
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// How many classes to list per image.
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// One JSON object per line: {"image", "top": [{"id", "label", "p"}]}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
    /// The 1280-d feature vector of each image, one JSON line each.
    Embed {
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// JSON lines output (the only format; accepted for clarity).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
    /// Backbone inference speed, printed as JSON.
    Bench {
        /// Images per batch.
        #[arg(long, default_value_t = 8)]
        batch: usize,
        /// Timed batches after the warm-up.
        #[arg(long, default_value_t = 5)]
        iters: usize,
        /// With --device cpu: time Burn's Flex model instead of the fused CPU path.
        #[arg(long)]
        flex: bool,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
    /// Head-training speed: a fresh head on N feature vectors for E epochs, printed as JSON.
    BenchTrain {
        #[arg(long, default_value_t = 1000)]
        samples: usize,
        #[arg(long, default_value_t = 10)]
        classes: usize,
        /// With --tuned-blocks K: timed fine-tuning steps of K blocks (batch --batch-size).
        #[arg(long, default_value_t = 5)]
        steps: usize,
        #[command(flatten)]
        train: TrainArgs,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
    /// Train a classifier on a folder with one sub-folder of images per class, or on a
    /// project file (its images, the ones set aside for validation, its settings: flags
    /// given override them).
    Train {
        /// The folder (ImageFolder layout: DIR/<class>/<image>), or a project file.
        dir: PathBuf,
        /// Where to write the model file (the page's format).
        #[arg(long)]
        out: PathBuf,
        /// A separate validation folder (class sub-folders named as in DIR), used instead of
        /// holding out a share of DIR.
        #[arg(long)]
        val_dir: Option<PathBuf>,
        /// A folder of unlabelled photos (any layout): the labelled photos' classes spread to
        /// them over their nearest neighbours, and those surely labelled train the head too.
        #[arg(long)]
        unlabeled: Option<PathBuf>,
        /// How --unlabeled photos get labels: propagation (over the photos' neighbour graph,
        /// sure to 0.5), consistency (FixMatch-style: a head fitted on the labelled photos
        /// gives the photo and 4 augmented views of it the same class, sure to 0.95 on
        /// average), or auto (default: consistency once every class has 3 labelled photos,
        /// propagation below, as measured in docs/benchmarks.md).
        #[arg(long, value_parser = crate::train::propagation::PseudoRule::parse, default_value = "auto")]
        pseudo_labels: crate::train::propagation::PseudoRule,
        /// Adapt the backbone to these photos first (AdaBN): its BatchNorm statistics are
        /// measured again on up to 64 of the training (and unlabelled) photos. For photos
        /// unlike ImageNet's: drawings, scans, microscope or satellite images.
        #[arg(long)]
        adapt_bn: bool,
        /// With --tuned-blocks: fit the default linear head on the frozen blocks' features
        /// first, then fine-tune from it (LP-FT), not from a random head.
        #[arg(long)]
        lp_ft: bool,
        /// Another task on the same photos (several tasks on one backbone): NAME=FOLDER, a
        /// folder of class folders whose photos are matched to DIR's by content (each
        /// photo is embedded once). Repeat for more tasks. One model file carries every
        /// task's head; with --tuned-blocks the blocks train on the tasks' summed losses.
        #[arg(long = "task", value_parser = multitask::TaskDir::parse)]
        tasks: Vec<multitask::TaskDir>,
        /// With --task: the name of DIR's own task (default: DIR's folder name).
        #[arg(long)]
        task_name: Option<String>,
        #[command(flatten)]
        train: TrainArgs,
        /// Epoch progress as JSON lines on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
    /// Write a project file (the page's "Open project" reads it) from a folder with one
    /// sub-folder of images per class, with the settings given and, if named, a model.
    ExportProject {
        dir: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// The project's title.
        #[arg(long, default_value = "")]
        title: String,
        /// A model file to include (`graft train`'s, or the page's download).
        #[arg(long)]
        model: Option<PathBuf>,
        #[command(flatten)]
        train: TrainArgs,
    },
    /// A model file as one ONNX file (backbone, tuned blocks, head, softmax; opset 13), with
    /// its model card beside it (OUT.md); or the card alone.
    Export {
        /// A model file from `graft train` or the page's download.
        model: PathBuf,
        /// Where to write the ONNX file.
        #[arg(long)]
        onnx: Option<PathBuf>,
        /// Where to write the model card (Markdown); default: beside the ONNX file.
        #[arg(long)]
        card: Option<PathBuf>,
        #[command(flatten)]
        files: ModelFiles,
    },
    /// Class probabilities for each image from a model file.
    Predict {
        /// A model file from `graft train` or the page's download.
        model: PathBuf,
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// One JSON object per line: {"image", "label", "probs": {class: p}}; a model of
        /// several tasks adds {"tasks": {task: {"label", "probs"}}}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
    /// Where the model looks: a class's activation map (CAM for a linear head, Grad-CAM
    /// for one with a hidden layer) over the photo as the backbone saw it, as a PNG.
    Explain {
        model: PathBuf,
        image: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// The class to map (by name); the predicted class if not given.
        #[arg(long)]
        class: Option<String>,
        /// The map's weight over the photo, 0 to 1.
        #[arg(long, default_value_t = 0.5)]
        opacity: f32,
        /// The picture's side in pixels (the backbone sees 224).
        #[arg(long, default_value_t = 448, value_parser = clap::value_parser!(u32).range(32..=2048))]
        size: u32,
        /// One JSON object: {"label", "p", "class", "kind", "side", "map": [side * side]}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
}

fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse()
}

type CliResult = Result<ExitCode, Box<dyn std::error::Error>>;

/// Run the command line; errors are printed to stderr and turn into exit code 1.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Selftest { device, json } => backbone::selftest(device.device, json),
        Command::Imagenet {
            images,
            top,
            json,
            device,
            files,
        } => backbone::imagenet(&images, top, json, device.device, &files),
        Command::Embed {
            images,
            device,
            files,
            ..
        } => backbone::embed(&images, device.device, &files),
        Command::Bench {
            batch,
            iters,
            flex,
            device,
            files,
        } => backbone::bench(batch, iters, flex, device.device, &files),
        Command::BenchTrain {
            samples,
            classes,
            steps,
            train,
            device,
            files,
        } => match train.config(Solver::Adam) {
            // The Adam head's speed benchmark: the L-BFGS head's is `graft bench-train
            // --solver lbfgs`, timed in `bench_train` too.
            Ok(config) => match TailConfig::new(config.tuned_blocks) {
                Some(cut) => classify::bench_finetune(cut, steps, &config, device.device, &files),
                None => classify::bench_train(samples, classes, &config, device.device),
            },
            Err(e) => Err(e.into()),
        },
        Command::Train {
            dir,
            out,
            val_dir,
            unlabeled,
            pseudo_labels,
            adapt_bn,
            lp_ft,
            tasks,
            task_name,
            train,
            json,
            device,
            files,
        } => {
            if !tasks.is_empty() || task_name.is_some() {
                let asked = multitask::Asked {
                    dir: &dir,
                    name: task_name,
                    others: tasks,
                    alone: val_dir.is_none() && unlabeled.is_none() && !adapt_bn && !lp_ft,
                };
                multitask::command(asked, &out, &train, json, device, &files)
            } else {
                let extras = train::Extras {
                    val_dir: val_dir.as_deref(),
                    unlabeled: unlabeled.as_deref(),
                    pseudo: pseudo_labels,
                    adapt_bn,
                    lp_ft,
                };
                train::command(&dir, extras, &out, &train, json, device, &files)
            }
        }
        Command::ExportProject {
            dir,
            out,
            title,
            model,
            train,
        } => match train.config(Solver::default()) {
            Ok(config) => project::export(&dir, &out, &title, model.as_deref(), &config),
            Err(e) => Err(e.into()),
        },
        Command::Export {
            model,
            onnx,
            card,
            files,
        } => export::export(&model, onnx.as_deref(), card.as_deref(), &files),
        Command::Predict {
            model,
            images,
            json,
            device,
            files,
        } => classify::predict(&model, &images, json, device.device, &files),
        Command::Explain {
            model,
            image,
            out,
            class,
            opacity,
            size,
            json,
            device,
            files,
        } => {
            let drawing = explain::Drawing {
                class: class.as_deref(),
                opacity,
                size,
            };
            explain::explain(&model, &image, &out, &drawing, json, device.device, &files)
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("graft: {e}");
        ExitCode::FAILURE
    })
}

fn open(choice: DeviceChoice) -> Result<ComputeDevice, Box<dyn std::error::Error>> {
    let compute = open_native(choice)?;
    log::info!("device: {}", compute.info);
    Ok(compute)
}
