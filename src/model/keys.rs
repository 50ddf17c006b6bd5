//! The weight file's name for each of the backbone's tensors: the one place they are written
//! (docs/model-format.md; scripts/convert_weights.py writes the same names). The GPU model
//! (`weights`), the CPU path (`cpu`) and tuned tails (`tail`) all read them from here.

use super::conv::FoldedConvConfig;
use super::efficientnet::{EfficientNetLite0Config, MbConvConfig};

/// A convolution (BatchNorm folded in) and its name in the weight file: its tensors are
/// `{name}.weight` and `{name}.bias`.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedConv {
    pub name: String,
    pub config: FoldedConvConfig,
}

impl NamedConv {
    fn new(name: String, config: FoldedConvConfig) -> Self {
        Self { name, config }
    }

    /// The weight's name and shape (`[out, in / groups, k, k]`).
    pub fn weight(&self) -> (String, [usize; 4]) {
        (format!("{}.weight", self.name), self.config.weight_shape())
    }

    /// The bias's name and shape (`[out]`).
    pub fn bias(&self) -> (String, [usize; 1]) {
        (format!("{}.bias", self.name), [self.config.channels_out])
    }
}

/// One MBConv block's convolutions: `blocks.{i}.expand` (absent when the block does not
/// expand), `blocks.{i}.depthwise`, `blocks.{i}.project`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockConvs {
    pub expand: Option<NamedConv>,
    pub depthwise: NamedConv,
    pub project: NamedConv,
}

impl BlockConvs {
    /// Block `i` (0-based, over all stages), configured as `block`.
    pub fn of(i: usize, block: &MbConvConfig) -> Self {
        let name = |part: &str| format!("blocks.{i}.{part}");
        Self {
            expand: (block.expand_conv()).map(|c| NamedConv::new(name("expand"), c)),
            depthwise: NamedConv::new(name("depthwise"), block.depthwise_conv()),
            project: NamedConv::new(name("project"), block.project_conv()),
        }
    }

    /// In the block's order, which is also the order of its tensors in a tail's parameters.
    pub fn all(&self) -> impl Iterator<Item = &NamedConv> {
        self.expand.iter().chain([&self.depthwise, &self.project])
    }
}

/// The stem convolution, `stem`.
pub fn stem(cfg: &EfficientNetLite0Config) -> NamedConv {
    NamedConv::new("stem".into(), cfg.stem())
}

/// The 1x1 convolution to 1 280 features, `head`.
pub fn head(cfg: &EfficientNetLite0Config) -> NamedConv {
    NamedConv::new("head".into(), cfg.head())
}

/// Every convolution, in network order: stem, each block's, head (where AdaBN adapts).
pub fn all(cfg: &EfficientNetLite0Config) -> Vec<NamedConv> {
    let blocks = cfg.blocks();
    let mut convs = vec![stem(cfg)];
    for (i, block) in blocks.iter().enumerate() {
        convs.extend(BlockConvs::of(i, block).all().cloned());
    }
    convs.push(head(cfg));
    convs
}

/// The ImageNet classifier's weight (`[1280, classes]`) and bias (`[classes]`).
pub const CLASSIFIER_WEIGHT: &str = "classifier.weight";
pub const CLASSIFIER_BIAS: &str = "classifier.bias";
