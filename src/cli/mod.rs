//! The native command line: `graft <subcommand>`. Each subcommand prints JSON or text.

mod backbone;
mod classify;
mod train;

use crate::backend::{ComputeDevice, DeviceChoice, open_native, selftest};
use crate::model::tail::TailConfig;
use crate::train::TrainConfig;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Train a classifier on a folder with one sub-folder of images per class.
    Train {
        /// The folder (ImageFolder layout: DIR/<class>/<image>).
        dir: PathBuf,
        /// Where to write the model file (the page's format).
        #[arg(long)]
        out: PathBuf,
        /// A separate validation folder (class sub-folders named as in DIR), used instead of
        /// holding out a share of DIR.
        #[arg(long)]
        val_dir: Option<PathBuf>,
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
    /// Class probabilities for each image from a model file.
    Predict {
        /// A model file from `graft train` or the page's download.
        model: PathBuf,
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// One JSON object per line: {"image", "label", "probs": {class: p}}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        files: ModelFiles,
    },
}

/// Training settings; the defaults are the page's.
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    pub epochs: usize,
    #[arg(long, default_value_t = TrainConfig::default().batch_size)]
    pub batch_size: usize,
    #[arg(long, default_value_t = TrainConfig::default().learning_rate)]
    pub learning_rate: f64,
    #[arg(long, default_value_t = TrainConfig::default().label_smoothing)]
    pub label_smoothing: f32,
    /// Hidden units (0: a linear softmax head).
    #[arg(long, default_value_t = TrainConfig::default().hidden)]
    pub hidden: usize,
    /// Decoupled weight decay (AdamW); 0 is plain Adam.
    #[arg(long, default_value_t = TrainConfig::default().weight_decay)]
    pub weight_decay: f64,
    /// Percent of each class held out for validation (at least one image each; 0: none).
    #[arg(long, default_value_t = TrainConfig::default().validation_percent)]
    pub validation_percent: f64,
    /// Stop after this many epochs without a lower validation loss (0: never).
    #[arg(long, default_value_t = TrainConfig::default().patience)]
    pub patience: usize,
    /// Augmented views per training image (crop, flip, rotation, colour), embedded once.
    #[arg(long, default_value_t = TrainConfig::default().augment_views)]
    pub augment_views: usize,
    /// How far the augmented views go, 0 to 1.
    #[arg(long, default_value_t = TrainConfig::default().augment_strength)]
    pub augment_strength: f64,
    /// The backbone's last blocks to fine-tune with the head (0 to 5; 0: head only).
    #[arg(long, default_value_t = TrainConfig::default().tuned_blocks)]
    pub tuned_blocks: usize,
    /// Learning rate of the fine-tuned blocks.
    #[arg(long, default_value_t = TrainConfig::default().backbone_learning_rate)]
    pub backbone_learning_rate: f64,
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    pub seed: u64,
}

impl TrainArgs {
    fn config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            label_smoothing: self.label_smoothing,
            hidden: self.hidden,
            weight_decay: self.weight_decay,
            validation_percent: self.validation_percent,
            patience: self.patience,
            augment_views: self.augment_views,
            augment_strength: self.augment_strength,
            tuned_blocks: self.tuned_blocks,
            backbone_learning_rate: self.backbone_learning_rate,
            seed: self.seed,
        }
    }
}

fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse()
}

type CliResult = Result<ExitCode, Box<dyn std::error::Error>>;

/// Run the command line; errors are printed to stderr and turn into exit code 1.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Selftest { device, json } => selftest_command(device.device, json),
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
        } => match TailConfig::new(train.tuned_blocks) {
            Some(cut) => {
                classify::bench_finetune(cut, steps, &train.config(), device.device, &files)
            }
            None => classify::bench_train(samples, classes, &train.config(), device.device),
        },
        Command::Train {
            dir,
            out,
            val_dir,
            train,
            json,
            device,
            files,
        } => train::train(
            &dir,
            val_dir.as_deref(),
            &out,
            &train.config(),
            json,
            device.device,
            &files,
        ),
        Command::Predict {
            model,
            images,
            json,
            device,
            files,
        } => classify::predict(&model, &images, json, device.device, &files),
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

fn selftest_command(choice: DeviceChoice, json: bool) -> CliResult {
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
