//! Where the model looks (`model::cam`, `graft explain`) on the real backbone: the linear
//! head's map against the logit it decomposes, the map the same on both implementations and
//! through a tuned tail, and the map finding each class where it was put in a photo.

mod common;

use burn::tensor::Device;
use common::{Half, crop_folder, graft, scratch};
use graft::data::{backbone_input, decode};
use graft::inference::Backbone;
use graft::model::FEATURE_DIM;
use graft::model::cam::{class_map, pooled};
use graft::model::head::HeadConfig;
use graft::model::tail::TailConfig;
use image::{Rgb, RgbImage};
use std::path::Path;

fn input(name: &str) -> Vec<f32> {
    backbone_input(&decode(&std::fs::read(common::photo(name)).unwrap()).unwrap())
}

/// The CAM of a linear head on the real backbone's map of a real photo: each position's
/// share, computed here by hand in f64 from the map and the weights, and their mean plus
/// the bias, which must be the head's logit of the pooled features (the backbone's own
/// features, computed apart), to f32 rounding over 1280 products (1e-4).
#[test]
fn a_linear_heads_map_decomposes_its_logit_on_the_real_backbone() {
    let backbone = Backbone::load_cpu(&common::weights_bytes()).unwrap();
    let x = input("chelsea.png");
    let device = Device::flex();
    let (map, side) =
        pollster::block_on(backbone.feature_map_through(&[&x], None, &device)).unwrap();
    assert_eq!((side, map.len()), (7, 49 * FEATURE_DIM));
    let features = pollster::block_on(backbone.features(&[&x])).unwrap();
    assert!(common::max_abs_diff(&pooled(&map, FEATURE_DIM), &features) < 1e-5);
    let head = HeadConfig::new(4).init_weights(3);
    let logits = head.logits(&features);
    for (class, expected) in logits.iter().enumerate() {
        let cam = class_map(&head, &map, side, class);
        let layer = &head.layers[0];
        for (p, at) in map.chunks_exact(FEATURE_DIM).enumerate() {
            let by_hand: f64 = (at.iter().enumerate())
                .map(|(k, a)| *a as f64 * layer.weight[k * layer.outputs + class] as f64)
                .sum();
            assert!(
                (cam.values[p] as f64 - by_hand).abs() < 1e-4,
                "position {p}"
            );
        }
        let mean = cam.values.iter().map(|v| *v as f64).sum::<f64>() / 49.0;
        let logit = mean + layer.bias[class] as f64;
        assert!(
            (logit - *expected as f64).abs() < 1e-4,
            "class {class}: {logit} vs {}",
            expected
        );
    }
}

/// Burn's model (Flex) gives the map the hand-fused CPU path gives, position by position
/// (the layouts agree), and a pre-trained tail of 2 blocks on the cut gives the backbone's
/// own map. Tolerance 1e-3: two implementations' f32 sums through 16 blocks.
#[test]
fn the_map_is_the_same_on_both_implementations_and_through_a_tail() {
    let bytes = common::weights_bytes();
    let device = Device::flex();
    let cpu = Backbone::load_cpu(&bytes).unwrap();
    let burn = Backbone::load(&bytes, &device).unwrap();
    let x = input("coffee.png");
    let (a, _) = pollster::block_on(cpu.feature_map_through(&[&x], None, &device)).unwrap();
    let (b, _) = pollster::block_on(burn.feature_map_through(&[&x], None, &device)).unwrap();
    assert!(
        common::max_abs_diff(&a, &b) < 1e-3,
        "{}",
        common::max_abs_diff(&a, &b)
    );
    let config = TailConfig::new(2).unwrap();
    let tail = cpu
        .pretrained_tail(config)
        .unwrap()
        .to_module(&device)
        .unwrap();
    let (c, _) =
        pollster::block_on(cpu.feature_map_through(&[&x], Some((&config, &tail)), &device))
            .unwrap();
    assert!(
        common::max_abs_diff(&a, &c) < 1e-3,
        "{}",
        common::max_abs_diff(&a, &c)
    );
}

/// A 448 x 448 photo: the cat at the top right, the coffee at the bottom left, grey
/// elsewhere (each a 224 square of the whole photo, resized).
fn two_photos(out: &Path) {
    let mut canvas = RgbImage::from_pixel(448, 448, Rgb([128, 128, 128]));
    for (name, x, y) in [("chelsea.png", 224, 0), ("coffee.png", 0, 224)] {
        let img = image::open(common::photo(name)).unwrap().to_rgb8();
        let small = image::imageops::resize(&img, 224, 224, image::imageops::FilterType::Triangle);
        image::imageops::replace(&mut canvas, &small, x, y);
    }
    canvas.save(out).unwrap();
}

/// The share of a 7 x 7 map's positive mass in its top-right and bottom-left 3 x 3 corners.
fn corners(map: &[serde_json::Value]) -> (f64, f64) {
    let v: Vec<f64> = map.iter().map(|v| v.as_f64().unwrap().max(0.0)).collect();
    let total: f64 = v.iter().sum::<f64>().max(1e-12);
    let corner = |rows: std::ops::Range<usize>, cols: std::ops::Range<usize>| -> f64 {
        rows.flat_map(|r| cols.clone().map(move |c| (r, c)))
            .map(|(r, c)| v[r * 7 + c])
            .sum::<f64>()
            / total
    };
    (corner(0..3, 4..7), corner(4..7, 0..3))
}

/// Trained on crops of the cat and the coffee (top halves), with a linear head and with a
/// hidden layer: in a photo holding both, the cat's map lies mostly where the cat is and
/// the coffee's where the coffee is (a transposed or mirrored map would swap the corners);
/// the PNG is written at the asked size; bad requests get a message each.
#[test]
fn explain_finds_each_class_where_it_is() {
    let dir = scratch("explain");
    let train = dir.join("train");
    crop_folder(
        &train,
        &[("cat", "chelsea.png"), ("coffee", "coffee.png")],
        Half::Top,
        6,
        4,
    );
    let both = dir.join("both.png");
    two_photos(&both);
    let adam = ["--solver", "adam", "--hidden", "32", "--steps", "150"];
    for (hidden, kind, options) in [("0", "CAM", &[][..]), ("32", "Grad-CAM", &adam[..])] {
        let model = dir.join(format!("model-{hidden}.graft"));
        let mut args = vec![
            "train",
            train.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ];
        args.extend_from_slice(options);
        let (code, _, err) = graft(&args);
        assert_eq!(code, 0, "{err}");
        for (class, size) in [("cat", "448"), ("coffee", "224")] {
            let out = dir.join(format!("heat-{hidden}-{class}.png"));
            let (code, lines, err) = graft(&[
                "explain",
                model.to_str().unwrap(),
                both.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--class",
                class,
                "--size",
                size,
                "--json",
            ]);
            assert_eq!(code, 0, "{err}");
            let line = &lines[0];
            assert_eq!(
                (line["class"].as_str(), line["kind"].as_str()),
                (Some(class), Some(kind))
            );
            let (cat_corner, coffee_corner) = corners(line["map"].as_array().unwrap());
            eprintln!(
                "{kind} for {class}: top right {cat_corner:.2}, bottom left {coffee_corner:.2}"
            );
            match class {
                "cat" => assert!(cat_corner > 2.0 * coffee_corner, "{line}"),
                _ => assert!(coffee_corner > 2.0 * cat_corner, "{line}"),
            }
            let png = image::open(&out).unwrap();
            assert_eq!(png.width().to_string(), size);
        }
    }
    let model = dir.join("model-0.graft");
    let out = dir.join("never.png");
    let ask = |image: &Path, extra: &[&str]| {
        let mut args = vec![
            "explain",
            model.to_str().unwrap(),
            image.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        graft(&args)
    };
    let (code, _, err) = ask(&both, &["--class", "dog"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("the model has no class 'dog' (its classes: cat, coffee)"),
        "{err}"
    );
    let text = dir.join("notes.png");
    std::fs::write(&text, "not a photo").unwrap();
    let (code, _, err) = ask(&text, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("notes.png"), "{err}");
    let (code, _, err) = ask(&both, &["--opacity", "1.5"]);
    assert_ne!(code, 0);
    assert!(err.contains("--opacity must be within 0 and 1"), "{err}");
    assert!(!out.exists(), "a refused request wrote a picture");
}
