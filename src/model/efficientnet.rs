//! EfficientNet-Lite0, the frozen ImageNet backbone: features `[B, 1280]` and logits `[B, 1000]`.

use super::conv::{FoldedConv, FoldedConvConfig};
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

/// Width of the pooled feature vector the new head trains on.
pub const FEATURE_DIM: usize = 1280;
pub const IMAGENET_CLASSES: usize = 1000;
/// Side of the square network input.
pub const INPUT_SIZE: usize = 224;
const STEM_CHANNELS: usize = 32;

/// One stage of MBConv blocks.
#[derive(Clone, Copy, Debug)]
struct Stage {
    repeats: usize,
    kernel: usize,
    /// Stride of the first block; the others use 1.
    stride: usize,
    expand: usize,
    channels_out: usize,
}

/// efficientnet-lite0's block strings (lukemelas EfficientNet-PyTorch, TF efficientnet_lite
/// builder): r1_k3_s11_e1_o16, r2_k3_s22_e6_o24, r2_k5_s22_e6_o40, r3_k3_s22_e6_o80,
/// r3_k5_s11_e6_o112, r4_k5_s22_e6_o192, r1_k3_s11_e6_o320. Lite: no squeeze-excite, ReLU6.
const STAGES: [Stage; 7] = [
    Stage {
        repeats: 1,
        kernel: 3,
        stride: 1,
        expand: 1,
        channels_out: 16,
    },
    Stage {
        repeats: 2,
        kernel: 3,
        stride: 2,
        expand: 6,
        channels_out: 24,
    },
    Stage {
        repeats: 2,
        kernel: 5,
        stride: 2,
        expand: 6,
        channels_out: 40,
    },
    Stage {
        repeats: 3,
        kernel: 3,
        stride: 2,
        expand: 6,
        channels_out: 80,
    },
    Stage {
        repeats: 3,
        kernel: 5,
        stride: 1,
        expand: 6,
        channels_out: 112,
    },
    Stage {
        repeats: 4,
        kernel: 5,
        stride: 2,
        expand: 6,
        channels_out: 192,
    },
    Stage {
        repeats: 1,
        kernel: 3,
        stride: 1,
        expand: 6,
        channels_out: 320,
    },
];

/// Number of MBConv blocks (the sum of the stage repeats).
pub const NUM_BLOCKS: usize = 16;

/// One inverted-residual block: expand 1x1, depthwise kxk, project 1x1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MbConvConfig {
    pub channels_in: usize,
    pub channels_out: usize,
    pub kernel: usize,
    pub stride: usize,
    pub expand: usize,
}

impl MbConvConfig {
    pub fn hidden(&self) -> usize {
        self.channels_in * self.expand
    }

    /// The expand conv, absent when the expansion ratio is 1 (block 0).
    pub fn expand_conv(&self) -> Option<FoldedConvConfig> {
        (self.expand != 1).then(|| FoldedConvConfig::new(self.channels_in, self.hidden(), 1, 1))
    }

    pub fn depthwise_conv(&self) -> FoldedConvConfig {
        FoldedConvConfig::depthwise(self.hidden(), self.kernel, self.stride)
    }

    pub fn project_conv(&self) -> FoldedConvConfig {
        FoldedConvConfig::new(self.hidden(), self.channels_out, 1, 1)
    }

    /// Residual connection when the block keeps the shape.
    pub fn residual(&self) -> bool {
        self.stride == 1 && self.channels_in == self.channels_out
    }

    pub fn init(&self, device: &Device) -> MbConv {
        self.init_with(
            self.expand_conv().map(|c| c.init(device)),
            self.depthwise_conv().init(device),
            self.project_conv().init(device),
        )
    }

    /// A block from already-built convolutions (the weight loader's path).
    pub fn init_with(
        &self,
        expand: Option<FoldedConv>,
        depthwise: FoldedConv,
        project: FoldedConv,
    ) -> MbConv {
        MbConv {
            expand,
            depthwise,
            project,
            residual: self.residual(),
        }
    }
}

#[derive(Module, Debug)]
pub struct MbConv {
    pub(crate) expand: Option<FoldedConv>,
    pub(crate) depthwise: FoldedConv,
    pub(crate) project: FoldedConv,
    #[module(skip)]
    pub(crate) residual: bool,
}

/// ReLU clipped at 6, as in MobileNetV2 and EfficientNet-Lite (quantisation friendly).
pub(crate) fn relu6(x: Tensor<4>) -> Tensor<4> {
    x.clamp(0.0, 6.0)
}

impl MbConv {
    /// # Shapes
    /// - x: `[B, C_in, H, W]` -> `[B, C_out, ceil(H / stride), ceil(W / stride)]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = match &self.expand {
            Some(expand) => relu6(expand.forward(x.clone())), // [B, C_in * e, H, W]
            None => x.clone(),
        };
        let h = relu6(self.depthwise.forward(h)); // [B, C_in * e, H / s, W / s]
        let h = self.project.forward(h); // [B, C_out, H / s, W / s], linear bottleneck
        if self.residual { h + x } else { h }
    }
}

/// The 1x1 head conv, ReLU6 and global average pooling: `[B, 320, H, W]` -> `[B, 1280]`.
pub(crate) fn pool_head(head: &FoldedConv, x: Tensor<4>) -> Tensor<2> {
    let x = relu6(head.forward(x)); // [B, 1280, H, W]
    pool(x)
}

/// Global average pooling: `[B, C, H, W]` -> `[B, C]`.
fn pool(x: Tensor<4>) -> Tensor<2> {
    let [batch, channels, height, width] = x.dims();
    x.reshape([batch, channels, height * width]) // [B, 1280, HW]
        .mean_dim(2) // [B, 1280, 1]
        .reshape([batch, channels]) // [B, 1280]
}

/// The fully connected ImageNet classifier, stored `[1280, classes]` so `x · W` needs no transpose.
#[derive(Module, Debug)]
pub struct ImageNetHead {
    pub(crate) weight: Param<Tensor<2>>,
    pub(crate) bias: Param<Tensor<1>>,
}

impl ImageNetHead {
    /// # Shapes
    /// - x: `[B, 1280]` -> `[B, classes]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.weight.val()) + self.bias.val().unsqueeze()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EfficientNetLite0Config {
    pub num_classes: usize,
}

impl Default for EfficientNetLite0Config {
    fn default() -> Self {
        Self {
            num_classes: IMAGENET_CLASSES,
        }
    }
}

impl EfficientNetLite0Config {
    pub fn stem(&self) -> FoldedConvConfig {
        FoldedConvConfig::new(3, STEM_CHANNELS, 3, 2)
    }

    /// The 16 blocks in order, with their input widths chained.
    pub fn blocks(&self) -> Vec<MbConvConfig> {
        let mut channels_in = STEM_CHANNELS;
        let mut blocks = Vec::with_capacity(NUM_BLOCKS);
        for stage in STAGES {
            for r in 0..stage.repeats {
                blocks.push(MbConvConfig {
                    channels_in,
                    channels_out: stage.channels_out,
                    kernel: stage.kernel,
                    stride: if r == 0 { stage.stride } else { 1 },
                    expand: stage.expand,
                });
                channels_in = stage.channels_out;
            }
        }
        blocks
    }

    pub fn head(&self) -> FoldedConvConfig {
        let last = STAGES[STAGES.len() - 1].channels_out;
        FoldedConvConfig::new(last, FEATURE_DIM, 1, 1)
    }

    /// A network with zero weights; [`super::weights`] builds one from real weights.
    pub fn init(&self, device: &Device) -> EfficientNetLite0 {
        EfficientNetLite0 {
            stem: self.stem().init(device),
            blocks: self.blocks().iter().map(|b| b.init(device)).collect(),
            head: self.head().init(device),
            classifier: ImageNetHead {
                weight: Param::from_tensor(Tensor::zeros([FEATURE_DIM, self.num_classes], device)),
                bias: Param::from_tensor(Tensor::zeros([self.num_classes], device)),
            },
        }
    }
}

#[derive(Module, Debug)]
pub struct EfficientNetLite0 {
    pub(crate) stem: FoldedConv,
    pub(crate) blocks: Vec<MbConv>,
    pub(crate) head: FoldedConv,
    pub(crate) classifier: ImageNetHead,
}

impl EfficientNetLite0 {
    /// The pooled features the new head trains on.
    ///
    /// # Shapes
    /// - x: `[B, 3, 224, 224]`, normalised as `(pixel - 127) / 128`
    /// - returns: `[B, 1280]`
    pub fn features(&self, x: Tensor<4>) -> Tensor<2> {
        pool_head(&self.head, self.activations(x, NUM_BLOCKS)) // [B, 320, 7, 7] -> [B, 1280]
    }

    /// The head conv's output before its ReLU6: `[B, 1280, 7, 7]` (what AdaBN's last
    /// BatchNorm normalises).
    pub fn head_output(&self, x: Tensor<4>) -> Tensor<4> {
        self.head.forward(self.activations(x, NUM_BLOCKS))
    }

    /// The map the features pool, the head conv's output after its ReLU6: `[B, 1280, 7, 7]`
    /// (where the model looks: `model::cam`).
    pub fn feature_map(&self, x: Tensor<4>) -> Tensor<4> {
        relu6(self.head_output(x))
    }

    /// The stem and blocks `..cut`: the input of block `cut` (all blocks: `[B, 320, 7, 7]`).
    pub fn activations(&self, x: Tensor<4>, cut: usize) -> Tensor<4> {
        let x = relu6(self.stem.forward(x)); // [B, 32, 112, 112]
        self.blocks[..cut.min(NUM_BLOCKS)]
            .iter()
            .fold(x, |x, block| block.forward(x))
    }

    /// ImageNet logits (softmax them for probabilities).
    ///
    /// # Shapes
    /// - x: `[B, 3, 224, 224]` -> `[B, 1000]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.classifier.forward(self.features(x))
    }

    /// Features and logits from one pass: `([B, 1280], [B, 1000])`.
    pub fn features_and_logits(&self, x: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let features = self.features(x);
        let logits = self.classifier.forward(features.clone());
        (features, logits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architecture_matches_lite0() {
        let cfg = EfficientNetLite0Config::default();
        let blocks = cfg.blocks();
        assert_eq!(blocks.len(), NUM_BLOCKS);
        assert_eq!(blocks[0].expand_conv(), None);
        assert_eq!(blocks[15].channels_out, 320);
        // Residuals where shape is kept: 2nd+ block of every stage with more than one block.
        let residual: Vec<usize> = (0..NUM_BLOCKS).filter(|&i| blocks[i].residual()).collect();
        assert_eq!(residual, vec![2, 4, 6, 7, 9, 10, 12, 13, 14]);
    }

    #[test]
    fn shapes_flow_to_features_and_logits() {
        let device = Device::flex();
        let net = EfficientNetLite0Config::default().init(&device);
        let (f, l) =
            net.features_and_logits(Tensor::zeros([2, 3, INPUT_SIZE, INPUT_SIZE], &device));
        assert_eq!(f.dims(), [2, FEATURE_DIM]);
        assert_eq!(l.dims(), [2, IMAGENET_CLASSES]);
    }
}
