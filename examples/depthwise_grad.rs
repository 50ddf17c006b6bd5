//! Benchmark (prints figures): the backward pass of a depthwise convolution, as fine-tuning
//! block 15 needs it ([16, 1152, 7, 7], 3x3), with and without its weight gradient, and the
//! same convolution written as a sum of shifted taps (below), the usual way around a slow
//! grouped weight gradient.
//!
//! Burn's default grouped weight gradient runs a convolution per group, so per channel for a
//! depthwise layer; Flex does not override it (cubecl, the wgpu path, has a depthwise path).
//! `cargo run --example depthwise_grad [-- flex|gpu]`

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};
use graft::backend::{DeviceChoice, open_native};
use std::time::Instant;

const REPEATS: usize = 3;

/// A depthwise convolution (`weight` `[C, 1, k, k]`) as the sum of its k·k taps: shifted,
/// strided views of the zero-padded input, each scaled per channel. The same result as
/// `conv2d` with `groups == C`, from elementwise products and sums only, so its gradient is
/// cheap everywhere: Burn's default grouped weight gradient (which Flex uses) runs one
/// convolution per group, that is per channel here.
///
/// # Shapes
/// - x: `[B, C, H, W]` -> `[B, C, H_out, W_out]` with `pad` as (before, after) per axis
fn depthwise_taps(
    x: Tensor<4>,
    weight: Tensor<4>,
    stride: usize,
    pad_h: (usize, usize),
    pad_w: (usize, usize),
) -> Tensor<4> {
    use burn::tensor::ops::PadMode;
    use burn::tensor::s;
    let [_, channels, height, width] = x.dims();
    let [_, _, kernel, _] = weight.dims();
    let x = x.pad([(0, 0), (0, 0), pad_h, pad_w], PadMode::Constant(0.0));
    let out_h = (height + pad_h.0 + pad_h.1 - kernel) / stride + 1;
    let out_w = (width + pad_w.0 + pad_w.1 - kernel) / stride + 1;
    let taps = weight.reshape([1, channels, kernel * kernel]); // [1, C, k*k]
    let mut sum: Option<Tensor<4>> = None;
    for ky in 0..kernel {
        for kx in 0..kernel {
            let view = x.clone().slice(s![
                ..,
                ..,
                ky..ky + (out_h - 1) * stride + 1;stride as isize,
                kx..kx + (out_w - 1) * stride + 1;stride as isize
            ]);
            let t = ky * kernel + kx;
            let w = taps
                .clone()
                .slice(s![.., .., t..t + 1])
                .reshape([1, channels, 1, 1]);
            let term = view * w;
            sum = Some(match sum {
                Some(acc) => acc + term,
                None => term,
            });
        }
    }
    sum.unwrap_or_else(|| x.slice(s![.., .., 0..out_h, 0..out_w]).zeros_like())
}

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
    let choice: DeviceChoice = std::env::args()
        .nth(1)
        .unwrap_or("flex".into())
        .parse()
        .unwrap_or(DeviceChoice::Cpu);
    let device: Device = open_native(choice).expect("device").device.autodiff();
    let (b, c, s, k) = (16, 1152, 7, 3);
    let x = Tensor::<4>::random([b, c, s, s], Distribution::Uniform(0.0, 6.0), &device);
    let w = Tensor::<4>::random([c, 1, k, k], Distribution::Uniform(-0.1, 0.1), &device);
    let options = ConvOptions::new([1, 1], [1, 1], [1, 1], c);
    let run = |weight_grad: bool, taps: bool| {
        let x = x.clone().require_grad();
        let w = if weight_grad {
            w.clone().require_grad()
        } else {
            w.clone().detach()
        };
        let y = if taps {
            depthwise_taps(x.clone(), w.clone(), 1, (1, 1), (1, 1))
        } else {
            conv2d(x.clone(), w.clone(), None, options.clone())
        };
        let grads = y.sum().backward();
        let gx: Option<f32> = x.grad(&grads).map(|g| g.sum().into_scalar());
        let gw: Option<f32> = if weight_grad {
            w.grad(&grads).map(|g| g.sum().into_scalar())
        } else {
            None
        };
        (gx, gw)
    };
    println!("device {choice:?}, depthwise [{b}, {c}, {s}, {s}] {k}x{k}, forward + backward, ms:");
    println!(
        "  conv2d, input gradient only:     {:8.1}",
        time(|| {
            run(false, false);
        })
    );
    println!(
        "  conv2d, with weight gradient:    {:8.1}",
        time(|| {
            run(true, false);
        })
    );
    println!(
        "  shifted taps, with weight grad:  {:8.1}",
        time(|| {
            run(true, true);
        })
    );
    let (a, b2) = (run(true, false), run(true, true));
    println!("  gradient sums (conv2d vs taps): {a:?} vs {b2:?}");
}
