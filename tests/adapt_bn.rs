//! AdaBN on real photos and the real weights: the statistics measured for the stem against a
//! hand computation in f64, and the adapted network's last BatchNorm normalising the very
//! photos it was adapted on (which holds only if every layer before it was adapted in turn).
mod common;

use burn::tensor::{Device, Tensor, TensorData};
use graft::adapt::measure;
use graft::backend::ComputeDevice;
use graft::data::{backbone_input, decode};
use graft::inference::Backbone;
use graft::model::batchnorm::{BatchNorms, MomentsSum};
use graft::model::{INPUT_SIZE, WeightFile};

fn inputs() -> Vec<Vec<f32>> {
    // The eight PNGs: 8 x 49 positions a channel at the head conv.
    (common::PHOTOS[..8].iter())
        .map(|name| {
            let bytes = std::fs::read(common::photo(name)).unwrap();
            backbone_input(&decode(&bytes).unwrap())
        })
        .collect()
}

fn batchnorms(weights: &WeightFile) -> BatchNorms {
    let path = common::root().join("static/generated/efficientnet_lite0.batchnorm.safetensors");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BatchNorms::parse(&bytes, weights.id()).unwrap()
}

/// The folded stem (3x3, stride 2, TF "SAME": no padding before, one row and column after)
/// on one `[3, 224, 224]` input, in f64: `[32, 112 * 112]`.
fn stem_by_hand(weight: &[f32], bias: &[f32], x: &[f32]) -> Vec<f32> {
    let (n, out) = (INPUT_SIZE, INPUT_SIZE / 2);
    let mut y = vec![0.0f32; 32 * out * out];
    for o in 0..32 {
        for oy in 0..out {
            for ox in 0..out {
                let mut acc = bias[o] as f64;
                for c in 0..3 {
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let (iy, ix) = (2 * oy + ky, 2 * ox + kx);
                            if iy < n && ix < n {
                                acc += weight[((o * 3 + c) * 3 + ky) * 3 + kx] as f64
                                    * x[(c * n + iy) * n + ix] as f64;
                            }
                        }
                    }
                }
                y[(o * out + oy) * out + ox] = acc as f32;
            }
        }
    }
    y
}

#[test]
fn adabn_statistics_match_a_hand_computation_and_normalise_the_photos() {
    let bytes = common::weights_bytes();
    let device = Device::flex();
    let weights = WeightFile::parse(&bytes).unwrap();
    let norms = batchnorms(&weights);
    // The stem, 16 blocks (block 0 without an expansion: 2 + 15 x 3) and the head conv.
    assert_eq!(norms.len(), 1 + 2 + 15 * 3 + 1);
    let inputs = inputs();
    let refs: Vec<&[f32]> = inputs.iter().map(Vec::as_slice).collect();
    let model = WeightFile::parse(&bytes)
        .unwrap()
        .into_model(&device)
        .unwrap();
    let adaptation = pollster::block_on(measure(&model, &norms, &refs, &device)).unwrap();
    assert_eq!(adaptation.convs.len(), norms.len());
    assert_eq!(adaptation.convs[0].name, "stem");

    // The stem's statistics, by hand: its input is the photos themselves.
    let w = weights.values("stem.weight", &[32, 3, 3, 3]).unwrap();
    let b = weights.values("stem.bias", &[32]).unwrap();
    let mut sum = MomentsSum::new(32);
    for x in &inputs {
        sum.add(&stem_by_hand(w, b, x), 112 * 112);
    }
    let want = norms.adapt("stem", &sum.finish()).unwrap();
    let got = &adaptation.convs[0];
    for c in 0..32 {
        let (ks, kg) = (want.scale[c], got.scale[c]);
        assert!(
            (ks - kg).abs() <= 1e-4 * ks.abs().max(1.0),
            "stem scale {c}: {kg} vs {ks}"
        );
        let (ss, sg) = (want.shift[c], got.shift[c]);
        assert!(
            (ss - sg).abs() <= 1e-3 * ss.abs().max(1.0),
            "stem shift {c}: {sg} vs {ss}"
        );
    }

    // The adapted network: its head conv's output over the same photos has each channel's
    // mean at beta (the shift the BatchNorm adds), within f32 rounding over 8 x 49 values.
    let mut adapted = WeightFile::parse(&bytes).unwrap();
    adapted.adapt(&adaptation).unwrap();
    let model = adapted.into_model(&device).unwrap();
    let flat: Vec<f32> = inputs.iter().flatten().copied().collect();
    let x = Tensor::<4>::from_data(
        TensorData::new(flat, [inputs.len(), 3, INPUT_SIZE, INPUT_SIZE]),
        &device,
    );
    let head = model.head_output(x); // [8, 1280, 7, 7]
    let values: Vec<f32> = head.into_data().try_to_vec::<f32>().unwrap();
    let mut head_sum = MomentsSum::new(1280);
    head_sum.add(&values, 49);
    let moments = head_sum.finish();
    let beta = norms.get("head", 1280).unwrap().beta.clone();
    let worst = (0..1280)
        .map(|c| (moments.mean[c] - beta[c] as f64).abs() / (1.0 + (beta[c] as f64).abs()))
        .fold(0.0, f64::max);
    println!("head conv: largest |mean - beta| / (1 + |beta|) over 1 280 channels: {worst:.2e}");
    assert!(worst < 1e-3, "{worst}");
    // Unadapted, the same photos are far from that (so the check above can fail).
    let plain = WeightFile::parse(&bytes)
        .unwrap()
        .into_model(&device)
        .unwrap();
    let x = Tensor::<4>::from_data(
        TensorData::new(
            inputs.iter().flatten().copied().collect::<Vec<_>>(),
            [8, 3, 224, 224],
        ),
        &device,
    );
    let values: Vec<f32> = plain
        .head_output(x)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let mut plain_sum = MomentsSum::new(1280);
    plain_sum.add(&values, 49);
    let plain = plain_sum.finish();
    let off = (0..1280)
        .map(|c| (plain.mean[c] - beta[c] as f64).abs() / (1.0 + (beta[c] as f64).abs()))
        .fold(0.0, f64::max);
    assert!(off > 0.1, "unadapted: {off}");

    // Both backbone paths run the adapted weights: the hand-fused CPU path gives Burn's
    // features.
    let mut again = WeightFile::parse(&bytes).unwrap();
    again.adapt(&adaptation).unwrap();
    let cpu = Backbone::from_file(again, &ComputeDevice::cpu("test")).unwrap();
    let fused = pollster::block_on(cpu.features(&refs)).unwrap();
    let mut again = WeightFile::parse(&bytes).unwrap();
    again.adapt(&adaptation).unwrap();
    let burn = Backbone::load_file(again, &device).unwrap();
    let reference = pollster::block_on(burn.features(&refs)).unwrap();
    let gap = common::max_abs_diff(&fused, &reference);
    assert!(gap < 1e-3, "fused vs Burn on adapted weights: {gap}");
}
