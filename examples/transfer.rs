//! Benchmark (prints a table): how far each way of adapting carries on a hard few-shot set of
//! real photos, natively on Flex. Nine classes (three similar textures, six scenes); each
//! trains on `SHOTS` random crops of the top half of its photo and is tested on 12 crops of
//! the bottom half, which it never saw. Compared: a new head alone, the head with augmented
//! views, and fine-tuning the last 1 or 2 blocks; held-out accuracy and wall time (rows made
//! plus training), averaged over three draws of the crops.
//!
//! `cargo run --example transfer [-- SHOTS]` after `scripts/setup.sh --test` (the photos).

use burn::tensor::{Device, Tensor, TensorData};
use graft::data::augment::augmented_input;
use graft::data::backbone_input;
use graft::inference::Backbone;
use graft::model::tail::TailConfig;
use graft::rng::SplitMix64;
use graft::train::{Inputs, Split, TrainConfig, Trainer, Views};
use image::RgbImage;
use std::path::Path;
use std::time::Instant;

const CLASSES: [(&str, &str); 9] = [
    ("brick", "brick.png"),
    ("grass", "grass.png"),
    ("gravel", "gravel.png"),
    ("astronaut", "astronaut.png"),
    ("camera", "camera.png"),
    ("cat", "chelsea.png"),
    ("coffee", "coffee.png"),
    ("motorcycle", "motorcycle_left.png"),
    ("rocket", "rocket.jpg"),
];
const HELD_OUT: usize = 12;
const DRAWS: u64 = 3;

/// Random square crops (96-200 px, flipped half the time) of the top or bottom half.
fn crops(img: &RgbImage, bottom: bool, n: usize, rng: &mut SplitMix64) -> Vec<RgbImage> {
    let (w, h) = img.dimensions();
    (0..n)
        .map(|_| {
            let size = (h / 2).min(96 + rng.below(105) as u32);
            let x = rng.below((w - size) as usize + 1) as u32;
            let y = if bottom { h / 2 } else { 0 } + rng.below((h / 2 - size) as usize + 1) as u32;
            let crop = image::imageops::crop_imm(img, x, y, size, size).to_image();
            if rng.below(2) == 1 {
                image::imageops::flip_horizontal(&crop)
            } else {
                crop
            }
        })
        .collect()
}

/// Rows for `inputs`: features, or activations at `cut`.
fn rows(backbone: &Backbone, inputs: &[Vec<f32>], cut: Option<TailConfig>) -> Vec<f32> {
    let mut out = Vec::new();
    for chunk in inputs.chunks(8) {
        let refs: Vec<&[f32]> = chunk.iter().map(|v| v.as_slice()).collect();
        let values = match cut {
            Some(c) => pollster::block_on(backbone.activations(&refs, c.first_block())),
            None => pollster::block_on(backbone.features(&refs)),
        };
        out.extend(values.expect("backbone"));
    }
    out
}

fn main() {
    let shots: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let weights = std::fs::read(root.join("static/generated/efficientnet_lite0.safetensors"))
        .expect("weights: run scripts/setup.sh");
    let backbone = Backbone::load_cpu(&weights).expect("weights load");
    let device = Device::flex();
    let photos: Vec<RgbImage> = CLASSES
        .iter()
        .map(|(_, f)| {
            image::open(root.join("tests/fixtures/images").join(f))
                .expect("photo: run scripts/setup.sh --test")
                .to_rgb8()
        })
        .collect();
    let names: Vec<String> = CLASSES.iter().map(|(c, _)| c.to_string()).collect();
    let configs = [
        ("head only", 0, 0),
        ("head + 4 augmented views", 4, 0),
        ("fine-tune last block (K=1)", 0, 1),
        ("fine-tune last 2 blocks (K=2)", 0, 2),
        ("K=1 + 4 augmented views", 4, 1),
    ];
    println!(
        "{} classes, {shots} shots each, {HELD_OUT} held-out crops each, {DRAWS} draws; 50 epochs, defaults otherwise",
        CLASSES.len()
    );
    println!("| adaptation | held-out accuracy | wall time (s) |\n| --- | --- | --- |");
    for (name, views, k) in configs {
        let (mut right, mut total, mut seconds) = (0, 0, 0.0);
        for draw in 0..DRAWS {
            let mut rng = SplitMix64(100 + draw);
            let (mut train, mut test, mut train_labels, mut test_labels) =
                (vec![], vec![], vec![], vec![]);
            for (c, img) in photos.iter().enumerate() {
                for crop in crops(img, false, shots, &mut rng) {
                    train.push(crop);
                    train_labels.push(c);
                }
                for crop in crops(img, true, HELD_OUT, &mut rng) {
                    test.push(backbone_input(&crop));
                    test_labels.push(c);
                }
            }
            let cut = TailConfig::new(k);
            let started = Instant::now();
            let values = rows(
                &backbone,
                &train.iter().map(backbone_input).collect::<Vec<_>>(),
                cut,
            );
            let mut view_rng = SplitMix64(7 + draw);
            let view_inputs: Vec<Vec<f32>> = train
                .iter()
                .flat_map(|img| {
                    (0..views)
                        .map(|_| augmented_input(img, 0.5, &mut view_rng))
                        .collect::<Vec<_>>()
                })
                .collect();
            let views = Views {
                features: rows(&backbone, &view_inputs, cut),
                of: (0..train.len())
                    .flat_map(|i| std::iter::repeat_n(i, views))
                    .collect(),
            };
            let config = TrainConfig {
                validation_percent: 0.0,
                patience: 0,
                tuned_blocks: k,
                solver: graft::train::Solver::Adam,
                ..TrainConfig::default()
            };
            let tail = cut.and_then(|c| backbone.pretrained_tail(c));
            let shape = cut.map_or([graft::model::FEATURE_DIM, 1, 1], |c| c.cut_shape());
            let inputs = Inputs {
                values: &values,
                shape,
                labels: &train_labels,
            };
            let split = Split {
                train: (0..train.len()).collect(),
                validation: vec![],
            };
            let mut trainer = Trainer::start(
                &device,
                inputs,
                split,
                &names,
                &config,
                &views,
                tail.as_ref(),
            )
            .expect("trainer");
            while !trainer.finished() {
                pollster::block_on(trainer.finish_epoch()).expect("epoch");
            }
            let trained = trainer.weights().expect("weights");
            seconds += started.elapsed().as_secs_f64();
            // Held-out features: the backbone's, or through the tuned blocks.
            let test_rows = rows(&backbone, &test, cut);
            let features: Vec<f32> = match (&trained.tail, cut) {
                (Some(t), Some(c)) => {
                    let [ch, h, w] = c.cut_shape();
                    let x = Tensor::<4>::from_data(
                        TensorData::new(test_rows, [test.len(), ch, h, w]),
                        &device,
                    );
                    t.to_module(&device)
                        .expect("tail")
                        .forward(x)
                        .into_data()
                        .try_to_vec::<f32>()
                        .expect("f32")
                }
                _ => test_rows,
            };
            for (f, &label) in features
                .chunks_exact(graft::model::FEATURE_DIM)
                .zip(&test_labels)
            {
                right += usize::from(trained.head.class_of(f) == label);
                total += 1;
            }
        }
        println!(
            "| {name} | {:.1} % ({right}/{total}) | {:.1} |",
            100.0 * right as f64 / total as f64,
            seconds / DRAWS as f64
        );
    }
}
