//! The frozen backbone on the CPU, hand-fused: channels-last, BatchNorm folded, bias and
//! ReLU6 applied in the same pass as each convolution, 1x1 convolutions as one GEMM.
//!
//! Why not Burn's Flex for this: measured per image (batch 8, `examples/conv_paths.rs`),
//! Flex spends 24 ms in depthwise convolutions, 25 ms in 1x1 convolutions and 12 ms in
//! separate ReLU6 passes; the page's CPU path ran at 72 ms/image against TF.js WASM-SIMD's
//! 52. Training still runs on Burn; this path only serves inference of frozen weights.

use super::conv::same_padding;
use super::efficientnet::{EfficientNetLite0Config, FEATURE_DIM, INPUT_SIZE, MbConvConfig};
use super::keys::{self, BlockConvs, NamedConv};
use super::matmul::matmul;
use super::weights::{WeightFile, WeightsError};

/// A 1x1 convolution as a `[C_in, C_out]` matrix.
struct Pointwise {
    weight: Vec<f32>,
    bias: Vec<f32>,
    cin: usize,
    cout: usize,
}

/// A depthwise convolution, weights as `[k, k, C]` so the channel loop is contiguous.
struct Depthwise {
    weight: Vec<f32>,
    bias: Vec<f32>,
    channels: usize,
    kernel: usize,
    stride: usize,
}

struct Block {
    expand: Option<Pointwise>,
    depthwise: Depthwise,
    project: Pointwise,
    residual: bool,
}

/// EfficientNet-Lite0 for the CPU. Same weights, same answers as the Burn model (tested).
pub struct CpuBackbone {
    /// Stem 3x3/2 as `[27, 32]`: rows ordered (ky, kx, c_in) to match the im2col columns.
    stem: Pointwise,
    blocks: Vec<Block>,
    head: Pointwise,
    /// `[1280, classes]`
    classifier: Pointwise,
}

fn relu6(v: f32) -> f32 {
    v.clamp(0.0, 6.0)
}

impl Pointwise {
    /// From PyTorch's 1x1 layout `[out, in, 1, 1]`, transposed to `[in, out]`.
    fn new(weight_oihw: Vec<f32>, bias: Vec<f32>, cin: usize, cout: usize) -> Self {
        let mut weight = vec![0.0; cin * cout];
        for o in 0..cout {
            for i in 0..cin {
                weight[i * cout + o] = weight_oihw[o * cin + i];
            }
        }
        Self {
            weight,
            bias,
            cin,
            cout,
        }
    }

    /// `x: [rows, cin]` -> `[rows, cout]`, with bias and optional ReLU6 fused in.
    fn forward(&self, x: &[f32], rows: usize, activate: bool) -> Vec<f32> {
        let mut out = vec![0.0; rows * self.cout];
        matmul(rows, self.cout, self.cin, x, &self.weight, &mut out);
        for row in out.chunks_exact_mut(self.cout) {
            for (v, b) in row.iter_mut().zip(&self.bias) {
                *v = if activate { relu6(*v + b) } else { *v + b };
            }
        }
        out
    }
}

impl Depthwise {
    /// `x: [B, H, W, C]` -> `[B, ceil(H/s), ceil(W/s), C]`, TF SAME padding, bias + ReLU6.
    fn forward(&self, x: &[f32], batch: usize, h: usize, w: usize) -> (Vec<f32>, usize, usize) {
        let (k, s, c) = (self.kernel, self.stride, self.channels);
        let (oh, ow) = (h.div_ceil(s), w.div_ceil(s));
        let (pt, pl) = (same_padding(h, k, s).0, same_padding(w, k, s).0);
        let mut out = vec![0.0; batch * oh * ow * c];
        for b in 0..batch {
            for oy in 0..oh {
                for ox in 0..ow {
                    let o = &mut out[((b * oh + oy) * ow + ox) * c..][..c];
                    o.copy_from_slice(&self.bias);
                    // Only the taps that land inside the image: no bounds test in the loops.
                    let (ky_lo, ky_hi) = (
                        pt.saturating_sub(oy * s),
                        k.min((h + pt).saturating_sub(oy * s)),
                    );
                    let (kx_lo, kx_hi) = (
                        pl.saturating_sub(ox * s),
                        k.min((w + pl).saturating_sub(ox * s)),
                    );
                    for ky in ky_lo..ky_hi {
                        let row = (b * h + oy * s + ky - pt) * w;
                        for kx in kx_lo..kx_hi {
                            let input = &x[(row + ox * s + kx - pl) * c..][..c];
                            let weight = &self.weight[(ky * k + kx) * c..][..c];
                            for ((o, i), w) in o.iter_mut().zip(input).zip(weight) {
                                *o += i * w;
                            }
                        }
                    }
                    o.iter_mut().for_each(|v| *v = relu6(*v));
                }
            }
        }
        (out, oh, ow)
    }
}

fn load_block(file: &mut WeightFile, i: usize, cfg: &MbConvConfig) -> Result<Block, WeightsError> {
    let convs = BlockConvs::of(i, cfg);
    let pointwise = |file: &mut WeightFile, conv: &NamedConv| -> Result<Pointwise, WeightsError> {
        let (weight, shape) = conv.weight();
        let w = file.take_values(&weight, &shape)?;
        let (bias, shape) = conv.bias();
        let b = file.take_values(&bias, &shape)?;
        Ok(Pointwise::new(
            w,
            b,
            conv.config.channels_in,
            conv.config.channels_out,
        ))
    };
    let expand = match &convs.expand {
        Some(conv) => Some(pointwise(file, conv)?),
        None => None,
    };
    let (c, k) = (cfg.hidden(), cfg.kernel);
    let (name, shape) = convs.depthwise.weight();
    let w = file.take_values(&name, &shape)?;
    // [C, 1, k, k] -> [k, k, C]
    let mut weight = vec![0.0; k * k * c];
    for ch in 0..c {
        for t in 0..k * k {
            weight[t * c + ch] = w[ch * k * k + t];
        }
    }
    let (name, shape) = convs.depthwise.bias();
    let depthwise = Depthwise {
        weight,
        bias: file.take_values(&name, &shape)?,
        channels: c,
        kernel: k,
        stride: cfg.stride,
    };
    let project = pointwise(file, &convs.project)?;
    Ok(Block {
        expand,
        depthwise,
        project,
        residual: cfg.residual(),
    })
}

impl CpuBackbone {
    /// Build from a parsed weight file; fails on a missing, misshapen or unused tensor.
    pub fn from_weights(mut file: WeightFile) -> Result<Self, WeightsError> {
        let cfg = EfficientNetLite0Config::default();
        let stem_conv = keys::stem(&cfg);
        let stem_cfg = &stem_conv.config;
        let (name, shape) = stem_conv.weight();
        let w = file.take_values(&name, &shape)?; // [32, 3, 3, 3]
        // Reorder to [(ky, kx, ci), co] rows, matching the im2col column order.
        let (co, ci, k) = (stem_cfg.channels_out, 3, 3);
        let mut stem_w = vec![0.0; k * k * ci * co];
        for o in 0..co {
            for c in 0..ci {
                for t in 0..k * k {
                    stem_w[(t * ci + c) * co + o] = w[(o * ci + c) * k * k + t];
                }
            }
        }
        let stem = Pointwise {
            weight: stem_w,
            bias: file.take_values(&stem_conv.bias().0, &[co])?,
            cin: k * k * ci,
            cout: co,
        };
        let blocks = cfg
            .blocks()
            .iter()
            .enumerate()
            .map(|(i, b)| load_block(&mut file, i, b))
            .collect::<Result<_, _>>()?;
        let head_conv = keys::head(&cfg);
        let ((weight, w_shape), (bias, b_shape)) = (head_conv.weight(), head_conv.bias());
        let head = Pointwise::new(
            file.take_values(&weight, &w_shape)?,
            file.take_values(&bias, &b_shape)?,
            head_conv.config.channels_in,
            head_conv.config.channels_out,
        );
        let classes = cfg.num_classes;
        let classifier = Pointwise {
            weight: file.take_values(keys::CLASSIFIER_WEIGHT, &[FEATURE_DIM, classes])?,
            bias: file.take_values(keys::CLASSIFIER_BIAS, &[classes])?,
            cin: FEATURE_DIM,
            cout: classes,
        };
        file.finish()?;
        Ok(Self {
            stem,
            blocks,
            head,
            classifier,
        })
    }

    /// Channels-last activations `[B, side, side, C]` after the stem and blocks `..upto`,
    /// and their side.
    fn run_blocks(&self, inputs: &[&[f32]], upto: usize) -> (Vec<f32>, usize) {
        let batch = inputs.len();
        let (n, plane) = (INPUT_SIZE, INPUT_SIZE * INPUT_SIZE);
        // Stem as im2col + GEMM: rows are output pixels, columns (ky, kx, c).
        let (oh, (pt, _)) = (n.div_ceil(2), same_padding(n, 3, 2));
        let mut cols = vec![0.0; batch * oh * oh * 27];
        for (b, input) in inputs.iter().enumerate() {
            for oy in 0..oh {
                for ox in 0..oh {
                    let row = &mut cols[((b * oh + oy) * oh + ox) * 27..][..27];
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let (iy, ix) = (
                                (oy * 2 + ky).wrapping_sub(pt),
                                (ox * 2 + kx).wrapping_sub(pt),
                            );
                            if iy < n && ix < n {
                                for c in 0..3 {
                                    row[(ky * 3 + kx) * 3 + c] = input[c * plane + iy * n + ix];
                                }
                            }
                        }
                    }
                }
            }
        }
        let mut x = self.stem.forward(&cols, batch * oh * oh, true); // [B, 112, 112, 32]
        drop(cols);
        let (mut h, mut w) = (oh, oh);
        for block in &self.blocks[..upto.min(self.blocks.len())] {
            let expanded; // block 0 has no expansion: the depthwise reads `x` itself
            let hidden = match &block.expand {
                Some(e) => {
                    expanded = e.forward(&x, batch * h * w, true); // [B, H, W, C * 6]
                    &expanded
                }
                None => &x,
            };
            let (dw, oh, ow) = block.depthwise.forward(hidden, batch, h, w); // [B, H/s, W/s, C * 6]
            let mut out = block.project.forward(&dw, batch * oh * ow, false); // [B, H/s, W/s, C_out]
            if block.residual {
                out.iter_mut().zip(&x).for_each(|(o, i)| *o += i);
            }
            (x, h, w) = (out, oh, ow);
        }
        (x, h)
    }

    /// The input of block `cut` for each image, channel-major `[B * C * H * W]` as Burn's
    /// model lays it out: what fine-tuning caches once per image.
    pub fn activations(&self, inputs: &[&[f32]], cut: usize) -> Vec<f32> {
        let (x, side) = self.run_blocks(inputs, cut);
        let pixels = side * side;
        let channels = x.len() / (inputs.len() * pixels).max(1);
        let mut out = vec![0.0; x.len()];
        for (src, dst) in x
            .chunks_exact(pixels * channels)
            .zip(out.chunks_exact_mut(pixels * channels))
        {
            for (p, px) in src.chunks_exact(channels).enumerate() {
                for (c, &v) in px.iter().enumerate() {
                    dst[c * pixels + p] = v;
                }
            }
        }
        out
    }

    /// The map the features pool (the head conv after its ReLU6), position-major:
    /// `[B * H * W * 1280]`, and its side.
    pub fn feature_map(&self, inputs: &[&[f32]]) -> (Vec<f32>, usize) {
        let (x, side) = self.run_blocks(inputs, self.blocks.len());
        let head = self.head.forward(&x, inputs.len() * side * side, true); // [B, 7, 7, 1280]
        (head, side)
    }

    /// Pooled features for `[3, 224, 224]` inputs: `[B * 1280]`.
    pub fn features(&self, inputs: &[&[f32]]) -> Vec<f32> {
        let batch = inputs.len();
        let (head, side) = self.feature_map(inputs);
        let pixels = side * side;
        let mut features = vec![0.0; batch * FEATURE_DIM];
        for (b, f) in features.chunks_exact_mut(FEATURE_DIM).enumerate() {
            for p in head[b * pixels * FEATURE_DIM..(b + 1) * pixels * FEATURE_DIM]
                .chunks_exact(FEATURE_DIM)
            {
                f.iter_mut().zip(p).for_each(|(a, v)| *a += v);
            }
            f.iter_mut().for_each(|a| *a /= pixels as f32);
        }
        features
    }

    /// ImageNet logits for pooled features: `[B * 1280]` -> `[B * 1000]`.
    pub fn logits(&self, features: &[f32]) -> Vec<f32> {
        self.classifier
            .forward(features, features.len() / FEATURE_DIM, false)
    }
}
