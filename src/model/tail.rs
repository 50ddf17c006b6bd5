//! The backbone's last K blocks and its 1x1 head conv as one module: from the activations at
//! the cut to the pooled 1280-d features. This is what fine-tuning trains; BatchNorm is
//! folded into each conv, so its statistics stay frozen by construction.

use super::conv::FoldedConv;
use super::efficientnet::{
    EfficientNetLite0, EfficientNetLite0Config, MbConv, NUM_BLOCKS, pool_head, relu6,
};
use super::keys::{self, BlockConvs, NamedConv};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

/// Fine-tuning reaches back through the last two stages at most: block 15 (320 channels)
/// and blocks 11-14 (192 channels), all at 7x7 or 14x14 where activations are small.
pub const MAX_TUNED_BLOCKS: usize = 5;
/// Side of the first block's input (the stem's stride-2 output for a 224 input).
const STEM_SIDE: usize = 112;

/// How many of the last blocks a [`Tail`] holds (1 to [`MAX_TUNED_BLOCKS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TailConfig {
    pub blocks: usize,
}

impl TailConfig {
    pub fn new(blocks: usize) -> Option<Self> {
        (1..=MAX_TUNED_BLOCKS)
            .contains(&blocks)
            .then_some(Self { blocks })
    }

    /// The most blocks fine-tuning reaches.
    pub fn deepest() -> Self {
        Self {
            blocks: MAX_TUNED_BLOCKS,
        }
    }

    /// Index of the first tuned block: the backbone runs blocks before it once per image.
    pub fn first_block(&self) -> usize {
        NUM_BLOCKS - self.blocks
    }

    /// `[C, H, W]` of the activations at the cut (the first tuned block's input).
    pub fn cut_shape(&self) -> [usize; 3] {
        let blocks = EfficientNetLite0Config::default().blocks();
        let side = blocks[..self.first_block()]
            .iter()
            .fold(STEM_SIDE, |side, b| side.div_ceil(b.stride));
        [blocks[self.first_block()].channels_in, side, side]
    }

    /// Values per image at the cut.
    pub fn cut_len(&self) -> usize {
        self.cut_shape().iter().product()
    }

    /// Name and shape of every tensor, in `flat_params` order; names are the weight file's.
    pub fn tensors(&self) -> Vec<(String, Vec<usize>)> {
        let cfg = EfficientNetLite0Config::default();
        let mut out = Vec::new();
        let mut conv = |c: &NamedConv| {
            let ((weight, w_shape), (bias, b_shape)) = (c.weight(), c.bias());
            out.push((weight, w_shape.to_vec()));
            out.push((bias, b_shape.to_vec()));
        };
        for (i, b) in cfg.blocks().iter().enumerate().skip(self.first_block()) {
            BlockConvs::of(i, b).all().for_each(&mut conv);
        }
        conv(&keys::head(&cfg));
        out
    }

    /// Build from named tensors (`take(name, shape)` gives its row-major values, checked).
    pub fn build<E>(
        &self,
        mut take: impl FnMut(&str, &[usize]) -> Result<Vec<f32>, E>,
        device: &Device,
    ) -> Result<Tail, E> {
        let cfg = EfficientNetLite0Config::default();
        let mut conv = |c: &NamedConv| -> Result<FoldedConv, E> {
            let ((weight, w_shape), (bias, b_shape)) = (c.weight(), c.bias());
            let weight = take(&weight, &w_shape)?;
            let bias = take(&bias, &b_shape)?;
            Ok(c.config.init_with(
                Tensor::from_data(TensorData::new(weight, w_shape), device),
                Tensor::from_data(TensorData::new(bias, b_shape), device),
            ))
        };
        let mut blocks = Vec::new();
        for (i, b) in cfg.blocks().iter().enumerate().skip(self.first_block()) {
            let convs = BlockConvs::of(i, b);
            let expand = match &convs.expand {
                Some(e) => Some(conv(e)?),
                None => None,
            };
            let depthwise = conv(&convs.depthwise)?;
            let project = conv(&convs.project)?;
            blocks.push(b.init_with(expand, depthwise, project));
        }
        let head = conv(&keys::head(&cfg))?;
        Ok(Tail { blocks, head })
    }
}

#[derive(Module, Debug)]
pub struct Tail {
    pub(crate) blocks: Vec<MbConv>,
    pub(crate) head: FoldedConv,
}

impl EfficientNetLite0 {
    /// A copy of the last `cfg.blocks` blocks and the head conv, to fine-tune.
    pub fn tail(&self, cfg: &TailConfig) -> Tail {
        Tail {
            blocks: self.blocks[cfg.first_block()..].to_vec(),
            head: self.head.clone(),
        }
    }
}

impl Tail {
    /// # Shapes
    /// - x: `[B, C, H, W]`, the activations at the cut (`TailConfig::cut_shape`)
    /// - returns: `[B, 1280]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.blocks.iter().fold(x, |x, block| block.forward(x));
        pool_head(&self.head, x)
    }

    /// The map `forward` pools (after the head conv's ReLU6): `[B, 1280, H, W]`.
    pub fn feature_map(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.blocks.iter().fold(x, |x, block| block.forward(x));
        relu6(self.head.forward(x))
    }

    /// Every parameter, flattened and joined in `TailConfig::tensors` order.
    pub fn flat_params(&self) -> Tensor<1> {
        let mut parts = Vec::new();
        let mut conv = |c: &FoldedConv| {
            parts.push(c.weight.val().flatten::<1>(0, 3));
            parts.push(c.bias.val());
        };
        for b in &self.blocks {
            if let Some(e) = &b.expand {
                conv(e);
            }
            conv(&b.depthwise);
            conv(&b.project);
        }
        conv(&self.head);
        Tensor::cat(parts, 0)
    }
}

/// A tuned tail as plain values, in `TailConfig::tensors` order: what a model file stores.
#[derive(Clone, Debug, PartialEq)]
pub struct TailWeights {
    pub config: TailConfig,
    pub flat: Vec<f32>,
}

impl TailWeights {
    /// `None` unless `flat` holds exactly the tail's parameters.
    pub fn from_flat(config: TailConfig, flat: Vec<f32>) -> Option<Self> {
        let total: usize = config
            .tensors()
            .iter()
            .map(|t| t.1.iter().product::<usize>())
            .sum();
        (flat.len() == total).then_some(Self { config, flat })
    }

    /// The last `config.blocks` of these blocks (and the head conv): their tensors are a
    /// suffix of the list. `None` if `config` holds more blocks than these weights.
    pub fn last(&self, config: TailConfig) -> Option<Self> {
        if config.blocks > self.config.blocks {
            return None;
        }
        let total: usize = config
            .tensors()
            .iter()
            .map(|t| t.1.iter().product::<usize>())
            .sum();
        Self::from_flat(config, self.flat[self.flat.len() - total..].to_vec())
    }

    /// `(name, shape, values)` of each tensor.
    pub fn named(&self) -> Vec<(String, Vec<usize>, &[f32])> {
        let mut at = 0;
        self.config
            .tensors()
            .into_iter()
            .map(|(name, shape)| {
                let n: usize = shape.iter().product();
                at += n;
                (name, shape, &self.flat[at - n..at])
            })
            .collect()
    }

    /// The Burn module holding these weights on `device` (`None` only if `flat` was not
    /// built by `from_flat`).
    pub fn to_module(&self, device: &Device) -> Option<Tail> {
        let named = self.named();
        let mut next = named.iter();
        // `build` asks for the tensors in `tensors()` order, the order `named` lists them.
        self.config
            .build(
                |name, _| {
                    next.next()
                        .filter(|t| t.0 == name)
                        .map(|t| t.2.to_vec())
                        .ok_or(())
                },
                device,
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_sit_where_the_architecture_says() {
        // Blocks 12-15 read 192 x 7 x 7; block 11 (stride 2) reads 112 x 14 x 14.
        assert_eq!(TailConfig::new(1).unwrap().cut_shape(), [192, 7, 7]);
        assert_eq!(TailConfig::new(4).unwrap().cut_shape(), [192, 7, 7]);
        assert_eq!(TailConfig::new(5).unwrap().cut_shape(), [112, 14, 14]);
        assert_eq!(TailConfig::new(0), None);
        assert_eq!(TailConfig::new(6), None);
        let names: Vec<String> = TailConfig::new(1)
            .unwrap()
            .tensors()
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(names[0], "blocks.15.expand.weight");
        assert_eq!(names.last().map(String::as_str), Some("head.bias"));
    }

    #[test]
    fn flat_params_follow_the_tensor_list() {
        let cfg = TailConfig::new(1).unwrap();
        let total: usize = cfg
            .tensors()
            .iter()
            .map(|t| t.1.iter().product::<usize>())
            .sum();
        let net = EfficientNetLite0Config::default().init(&Device::flex());
        assert_eq!(net.tail(&cfg).flat_params().dims(), [total]);
    }

    #[test]
    fn weights_round_trip_through_the_module_and_a_shallower_cut_is_a_suffix() {
        let device = Device::flex();
        let deep = TailConfig::deepest();
        let total: usize = deep
            .tensors()
            .iter()
            .map(|t| t.1.iter().product::<usize>())
            .sum();
        // Distinct values, so a misplaced tensor shows.
        let flat: Vec<f32> = (0..total).map(|i| (i % 997) as f32 * 1e-3).collect();
        let w = TailWeights::from_flat(deep, flat.clone()).unwrap();
        let back = w
            .to_module(&device)
            .unwrap()
            .flat_params()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(back, flat);
        let one = w.last(TailConfig::new(1).unwrap()).unwrap();
        assert_eq!(one.named()[0].0, "blocks.15.expand.weight");
        assert!(flat.ends_with(&one.flat));
        assert_eq!(TailWeights::from_flat(deep, vec![0.0; 3]), None);
    }
}
