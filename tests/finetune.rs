//! Fine-tuning's building blocks on the real weights: the activations at each cut, from
//! Burn's model and from the fused CPU path, run through the tail, give the backbone's own
//! features; and a fine-tuning run on real photos learns.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use graft::data::{backbone_input, decode};
use graft::inference::Backbone;
use graft::model::tail::{MAX_TUNED_BLOCKS, TailConfig};
use graft::model::{FEATURE_DIM, WeightFile};

fn inputs() -> Vec<Vec<f32>> {
    ["chelsea.png", "coffee.png"]
        .iter()
        .map(|p| backbone_input(&decode(&std::fs::read(common::photo(p)).unwrap()).unwrap()))
        .collect()
}

/// For every cut: Burn's activations equal the fused path's (layouts agree), and the
/// pre-trained tail turns them into the backbone's features. Tolerance 1e-3 absolute on
/// features of magnitude up to ~6 (ReLU6), as the backbone's own CPU/Burn agreement test.
#[test]
fn every_cut_through_its_tail_gives_the_backbone_features() {
    let bytes = common::weights_bytes();
    let device = Device::flex();
    let burn = Backbone::load(&bytes, &device).unwrap();
    let fused = Backbone::load_cpu(&bytes).unwrap();
    let file = WeightFile::parse(&bytes).unwrap();
    let x = inputs();
    let refs: Vec<&[f32]> = x.iter().map(|v| v.as_slice()).collect();
    let features = pollster::block_on(fused.features(&refs)).unwrap();
    for k in 1..=MAX_TUNED_BLOCKS {
        let cut = TailConfig::new(k).unwrap();
        let a = pollster::block_on(burn.activations(&refs, cut.first_block())).unwrap();
        let b = pollster::block_on(fused.activations(&refs, cut.first_block())).unwrap();
        assert_eq!(a.len(), 2 * cut.cut_len());
        let d = common::max_abs_diff(&a, &b);
        assert!(
            d < 1e-3,
            "cut {k}: Burn and fused activations differ by {d}"
        );
        let tail = file.tail_weights(cut).unwrap();
        assert_eq!(fused.pretrained_tail(cut).as_ref(), Some(&tail));
        let [c, h, w] = cut.cut_shape();
        let through = tail
            .to_module(&device)
            .unwrap()
            .forward(Tensor::from_data(TensorData::new(b, [2, c, h, w]), &device))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(through.len(), 2 * FEATURE_DIM);
        let d = common::max_abs_diff(&through, &features);
        assert!(d < 1e-3, "cut {k}: features through the tail differ by {d}");
    }
}

/// A run with one tuned block moves that block's weights (at the backbone's lower rate)
/// and the loss falls; the model file then carries the tuned block, and reading it back
/// gives the same weights.
#[test]
fn fine_tuning_moves_the_tuned_block_and_the_file_keeps_it() {
    use graft::classifier::Classifier;
    use graft::train::{Inputs, Split, TrainConfig, Trainer, Views};
    let bytes = common::weights_bytes();
    let device = Device::flex();
    let backbone = Backbone::load_cpu(&bytes).unwrap();
    let cut = TailConfig::new(1).unwrap();
    let x = inputs();
    let refs: Vec<&[f32]> = x.iter().map(|v| v.as_slice()).collect();
    let values = pollster::block_on(backbone.activations(&refs, cut.first_block())).unwrap();
    let labels = [0, 1];
    let names = ["cat".to_string(), "coffee".to_string()];
    let config = TrainConfig {
        steps: 4,
        batch_size: 2,
        validation_percent: 0.0,
        tuned_blocks: 1,
        solver: graft::train::Solver::Adam,
        ..TrainConfig::default()
    };
    let pretrained = backbone.pretrained_tail(cut).unwrap();
    let inputs = Inputs {
        values: &values,
        shape: cut.cut_shape(),
        labels: &labels,
    };
    let split = Split {
        train: vec![0, 1],
        validation: vec![],
    };
    let mut t = Trainer::start(
        &device,
        inputs,
        split,
        &names,
        &config,
        &Views::default(),
        Some(&pretrained),
    )
    .unwrap();
    let mut losses = Vec::new();
    while !t.finished() {
        losses.push(pollster::block_on(t.finish_epoch()).unwrap().loss);
    }
    assert!(losses[3] < losses[0], "loss did not fall: {losses:?}");
    let trained = t.weights().unwrap();
    let tail = trained.tail.clone().unwrap();
    let moved = common::max_abs_diff(&tail.flat, &pretrained.flat);
    assert!(
        moved > 1e-6 && moved < 0.05,
        "the tuned block moved by {moved}"
    );

    let model = Classifier::new(
        names.to_vec(),
        trained.head,
        backbone.weights_id(),
        serde_json::json!({}),
    )
    .with_tail(trained.tail);
    let back = Classifier::from_bytes(&model.to_bytes().unwrap(), backbone.weights_id()).unwrap();
    assert_eq!(back.meta.tuned_blocks, 1);
    assert_eq!(back, model);
}
