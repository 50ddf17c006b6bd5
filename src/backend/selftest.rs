//! A small tensor computation run on a fresh device, checked against plain Rust loops.
//!
//! It proves that kernels compile, run and read back correctly before the page trusts the
//! device with a backbone: matmul [64,48]x[48,32], ReLU, then a row softmax.

use super::readback::{ReadError, read_f32};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

const M: usize = 64;
const K: usize = 48;
const N: usize = 32;
/// f32 matmul of 48 terms plus exp: a few ulps; 1e-4 absolute on probabilities in [0, 1]
/// catches any wrong kernel (a wrong element is off by ~1e-2 or more).
const TOLERANCE: f32 = 1e-4;

/// The outcome of [`run`]: what was computed and how far it was from the reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelfTestReport {
    pub description: String,
    pub max_abs_error: f32,
    pub tolerance: f32,
    /// Sum of all outputs: each softmax row sums to one, so this must be `M`.
    pub checksum: f32,
    pub passed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SelfTestError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("the device returned shape {0:?}, expected [{M}, {N}]")]
    Shape(Vec<usize>),
}

// Deterministic, sign-mixed inputs with no special structure.
fn input_a() -> Vec<f32> {
    (0..M * K)
        // Scaled so the softmax rows are far from uniform (a sharp check, not a flat one).
        .map(|x| (((x / K * 7 + x % K * 3) % 11) as f32 / 10.0 - 0.5) * 3.0)
        .collect()
}

fn input_b() -> Vec<f32> {
    (0..K * N)
        .map(|x| ((x / N * 5 + x % N) % 13) as f32 / 13.0 - 0.5)
        .collect()
}

/// The same computation with plain loops, in f64: the reference.
fn reference() -> Vec<f32> {
    let (a, b) = (input_a(), input_b());
    let mut out = vec![0f32; M * N];
    for i in 0..M {
        let row: Vec<f64> = (0..N)
            .map(|j| {
                let dot: f64 = (0..K)
                    .map(|k| a[i * K + k] as f64 * b[k * N + j] as f64)
                    .sum();
                dot.max(0.0)
            })
            .collect();
        let max = row.iter().cloned().fold(f64::MIN, f64::max);
        let exps: Vec<f64> = row.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = exps.iter().sum();
        for j in 0..N {
            out[i * N + j] = (exps[j] / total) as f32;
        }
    }
    out
}

/// Run the check on `device`. Awaits one read; see [`read_f32`].
pub async fn run(device: &Device) -> Result<SelfTestReport, SelfTestError> {
    let a = Tensor::<2>::from_data(TensorData::new(input_a(), [M, K]), device);
    let b = Tensor::<2>::from_data(TensorData::new(input_b(), [K, N]), device);
    let probs = softmax(relu(a.matmul(b)), 1); // [M, N]
    let (values, shape) = read_f32(probs).await?;
    if shape != [M, N] {
        return Err(SelfTestError::Shape(shape));
    }
    let expected = reference();
    let max_abs_error = values
        .iter()
        .zip(&expected)
        .map(|(v, e)| (v - e).abs())
        // NaN must fail the check, so it maps to infinity rather than being skipped by max.
        .map(|d| if d.is_nan() { f32::INFINITY } else { d })
        .fold(0.0, f32::max);
    let checksum: f32 = values.iter().sum();
    Ok(SelfTestReport {
        description: format!("matmul [{M},{K}]x[{K},{N}] + ReLU + softmax"),
        max_abs_error,
        tolerance: TOLERANCE,
        checksum,
        passed: max_abs_error <= TOLERANCE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rows_are_distributions() {
        let r = reference();
        for row in r.chunks(N) {
            let s: f32 = row.iter().sum();
            assert!((s - 1.0).abs() < 1e-5, "row sums to {s}");
        }
        // Not a uniform distribution: the check would be weak if every entry were 1/N.
        let spread = r.iter().cloned().fold(0.0, f32::max) - r.iter().cloned().fold(1.0, f32::min);
        assert!(spread > 0.1, "reference too flat: spread {spread}");
    }

    #[test]
    fn flex_passes_the_self_test() {
        let report = pollster::block_on(run(&Device::flex())).expect("self-test runs");
        assert!(report.passed, "{report:?}");
        assert!((report.checksum - M as f32).abs() < 1e-2);
    }
}
