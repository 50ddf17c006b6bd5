//! Benchmark (prints figures): where EfficientNet-Lite0's time goes on Flex, per layer kind,
//! and how the 1x1 convolutions fare as a matmul versus burn's conv2d.
//!
//! `cargo run --example conv_paths [-- BATCH]` (natively, with the dependencies optimised as in
//! the dev profile; the page's own figures come from `?bench`).

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};
use graft::model::EfficientNetLite0Config;
use graft::model::conv::{FoldedConv, FoldedConvConfig};
use std::time::Instant;

const REPEATS: usize = 3;

fn sync(t: Tensor<4>) {
    // Flex runs eagerly; reading one value makes the timing honest on any backend.
    let _ = t.slice([0..1, 0..1, 0..1, 0..1]).into_data();
}

fn random_conv(cfg: &FoldedConvConfig, device: &Device) -> FoldedConv {
    cfg.init_with(
        Tensor::random(cfg.weight_shape(), Distribution::Uniform(-0.1, 0.1), device),
        Tensor::random([cfg.channels_out], Distribution::Uniform(-0.1, 0.1), device),
    )
}

/// Median milliseconds of `f` over a few runs, after one warm-up.
fn time(mut f: impl FnMut()) -> f64 {
    f();
    let mut runs: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[REPEATS / 2]
}

fn main() {
    let batch: usize = std::env::args()
        .nth(1)
        .and_then(|b| b.parse().ok())
        .unwrap_or(8);
    let device = Device::flex();
    let cfg = EfficientNetLite0Config::default();
    let (mut pointwise_mm, mut pointwise_conv, mut depthwise, mut elementwise) =
        (0.0, 0.0, 0.0, 0.0);
    let mut size: usize = 112;
    let stem = random_conv(&cfg.stem(), &device);
    let stem_in = Tensor::<4>::random([batch, 3, 224, 224], Distribution::Default, &device);
    let stem_ms = time(|| sync(stem.forward(stem_in.clone())));
    for block in cfg.blocks() {
        let convs = block
            .expand_conv()
            .into_iter()
            .chain([block.project_conv()]);
        for (i, pw) in convs.enumerate() {
            let s = if i == 0 && block.expand_conv().is_some() {
                size
            } else {
                size.div_ceil(block.stride)
            };
            let conv = random_conv(&pw, &device);
            let x = Tensor::<4>::random(
                [batch, pw.channels_in, s, s],
                Distribution::Default,
                &device,
            );
            pointwise_mm += time(|| sync(conv.forward(x.clone())));
            pointwise_conv += time(|| {
                sync(conv2d(
                    x.clone(),
                    conv.weight.val(),
                    Some(conv.bias.val()),
                    ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
                ))
            });
            elementwise += time(|| sync(x.clone().clamp(0.0, 6.0)));
        }
        let dw = random_conv(&block.depthwise_conv(), &device);
        let x = Tensor::<4>::random(
            [batch, block.hidden(), size, size],
            Distribution::Default,
            &device,
        );
        depthwise += time(|| sync(dw.forward(x.clone())));
        elementwise += time(|| sync(x.clone().clamp(0.0, 6.0)));
        size = size.div_ceil(block.stride);
    }
    let head = random_conv(&cfg.head(), &device);
    let head_in = Tensor::<4>::random([batch, 320, 7, 7], Distribution::Default, &device);
    let head_ms = time(|| sync(head.forward(head_in.clone())));
    let per = |ms: f64| (ms / batch as f64 * 100.0).round() / 100.0;
    println!(
        "{}",
        serde_json::json!({
            "batch": batch,
            "ms_per_image": {
                "stem": per(stem_ms),
                "pointwise_as_matmul": per(pointwise_mm),
                "pointwise_as_conv2d": per(pointwise_conv),
                "depthwise": per(depthwise),
                "relu6_passes": per(elementwise),
                "head": per(head_ms),
            }
        })
    );
}
