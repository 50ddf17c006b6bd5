//! A convolution with its BatchNorm folded in, with TensorFlow "SAME" padding.

use burn::module::{Module, Param};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor};

/// Shape of one folded convolution. Depthwise when `groups == channels_in == channels_out`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoldedConvConfig {
    pub channels_in: usize,
    pub channels_out: usize,
    pub kernel: usize,
    pub stride: usize,
    pub groups: usize,
}

impl FoldedConvConfig {
    pub fn new(channels_in: usize, channels_out: usize, kernel: usize, stride: usize) -> Self {
        Self {
            channels_in,
            channels_out,
            kernel,
            stride,
            groups: 1,
        }
    }

    pub fn depthwise(channels: usize, kernel: usize, stride: usize) -> Self {
        Self {
            groups: channels,
            ..Self::new(channels, channels, kernel, stride)
        }
    }

    /// Weight shape `[out, in / groups, k, k]`, as PyTorch stores it.
    pub fn weight_shape(&self) -> [usize; 4] {
        [
            self.channels_out,
            self.channels_in / self.groups,
            self.kernel,
            self.kernel,
        ]
    }

    /// A convolution with zero weights (shape tests; real weights come from `init_with`).
    pub fn init(&self, device: &Device) -> FoldedConv {
        self.init_with(
            Tensor::zeros(self.weight_shape(), device),
            Tensor::zeros([self.channels_out], device),
        )
    }

    pub fn init_with(&self, weight: Tensor<4>, bias: Tensor<1>) -> FoldedConv {
        FoldedConv {
            weight: Param::from_tensor(weight),
            bias: Param::from_tensor(bias),
            stride: self.stride,
            groups: self.groups,
        }
    }
}

/// `y = conv(x, W·γ/σ) + (β − μ·γ/σ)`: BatchNorm (eps 1e-3) folded into weight and bias
/// when the weights were converted, so inference runs one op instead of two.
#[derive(Module, Debug)]
pub struct FoldedConv {
    /// `[out, in / groups, k, k]`
    pub weight: Param<Tensor<4>>,
    /// `[out]`
    pub bias: Param<Tensor<1>>,
    stride: usize,
    groups: usize,
}

/// TensorFlow "SAME" padding for one spatial axis: output `ceil(n / s)`, and when the total
/// padding is odd the extra pixel goes after (right/bottom), unlike PyTorch's symmetric pad.
pub fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
}

impl FoldedConv {
    /// # Shapes
    /// - x: `[B, C_in, H, W]`
    /// - returns: `[B, C_out, ceil(H / stride), ceil(W / stride)]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [batch, channels, height, width] = x.dims();
        let [out, _, kernel, _] = self.weight.dims();
        if kernel == 1 && self.stride == 1 && self.groups == 1 {
            // A 1x1 convolution is a matmul; burn's direct conv kernel is much slower here
            // (3.9 GFLOP/s vs 17 for matmul on Flex in wasm, measured in the issue).
            let w = self.weight.val().reshape([1, out, channels]); // [1, O, C]
            let x = x.reshape([batch, channels, height * width]); // [B, C, HW]
            let y = w.matmul(x) + self.bias.val().reshape([1, out, 1]); // [B, O, HW]
            return y.reshape([batch, out, height, width]);
        }
        let options = ConvOptions {
            stride: [self.stride; 2],
            padding: [
                same_padding(height, kernel, self.stride),
                same_padding(width, kernel, self.stride),
            ],
            dilation: [1, 1],
            groups: self.groups,
        };
        conv2d(x, self.weight.val(), Some(self.bias.val()), options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn same_padding_matches_tensorflow() {
        // stride 2, k3 on 224: 112 out, 1 pixel of padding, after.
        assert_eq!(same_padding(224, 3, 2), (0, 1));
        // k5 s2 on 56: 28 out, 3 pixels: 1 before, 2 after.
        assert_eq!(same_padding(56, 5, 2), (1, 2));
        // stride 1 keeps the size: k5 -> 2 each side.
        assert_eq!(same_padding(14, 5, 1), (2, 2));
        assert_eq!(same_padding(7, 1, 1), (0, 0));
    }

    #[test]
    fn pointwise_matmul_path_equals_conv2d() {
        let device = Device::flex();
        let cfg = FoldedConvConfig::new(5, 7, 1, 1);
        let w: Vec<f32> = (0..35)
            .map(|i| ((i * 13) % 11) as f32 / 7.0 - 0.6)
            .collect();
        let b: Vec<f32> = (0..7).map(|i| i as f32 * 0.1 - 0.3).collect();
        let conv = cfg.init_with(
            Tensor::from_data(TensorData::new(w.clone(), [7, 5, 1, 1]), &device),
            Tensor::from_data(TensorData::new(b.clone(), [7]), &device),
        );
        let x = Tensor::<4>::from_data(
            TensorData::new(
                (0..2 * 5 * 3 * 4)
                    .map(|i| (i % 9) as f32 - 4.0)
                    .collect::<Vec<f32>>(),
                [2, 5, 3, 4],
            ),
            &device,
        );
        let fast = conv.forward(x.clone());
        let direct = conv2d(
            x,
            Tensor::from_data(TensorData::new(w, [7, 5, 1, 1]), &device),
            Some(Tensor::from_data(TensorData::new(b, [7]), &device)),
            ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
        );
        assert_eq!(fast.dims(), [2, 7, 3, 4]);
        fast.into_data()
            .assert_approx_eq::<f32>(&direct.into_data(), burn::tensor::Tolerance::absolute(1e-5));
    }

    #[test]
    fn stride_two_halves_rounding_up() {
        let device = Device::flex();
        let conv = FoldedConvConfig::depthwise(4, 5, 2).init(&device);
        let y = conv.forward(Tensor::zeros([1, 4, 15, 14], &device));
        assert_eq!(y.dims(), [1, 4, 8, 7]);
    }
}
