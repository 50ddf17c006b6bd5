//! The one place that awaits tensor reads from the device (GPU->CPU sync points).
//!
//! In the browser a synchronous read panics and poisons the WebGPU device for the whole
//! page, so every read in the crate goes through these async functions. Natively, callers
//! drive them with `pollster::block_on`.

use burn::tensor::{Tensor, TensorData};

/// A tensor could not be read back from its device.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("reading a tensor back from the device failed: {0}")]
    Execution(String),
    /// The GPU was lost (driver reset, device removed): nothing on it can be read again.
    #[error("the GPU was lost: {0}")]
    DeviceLost(String),
    #[error("the tensor did not hold f32 values: {0}")]
    DType(String),
}

/// Read a float tensor of any rank into a flat `Vec<f32>` (row-major), with its shape.
pub async fn read_f32<const D: usize>(
    tensor: Tensor<D>,
) -> Result<(Vec<f32>, Vec<usize>), ReadError> {
    // GPU->CPU sync point.
    let data: TensorData =
        tensor
            .into_data_async()
            .await
            .map_err(|e| match e.is_device_poisoned() {
                true => ReadError::DeviceLost(e.to_string()),
                false => ReadError::Execution(e.to_string()),
            })?;
    let shape = data.shape().as_slice().to_vec();
    let values = data
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| ReadError::DType(format!("{e:?}")))?;
    Ok((values, shape))
}

/// Whether `device` still reads a value back. A lost GPU fails every read, though the
/// first failures may not say it was lost (wgpu reports the loss a moment later).
pub async fn answers(device: &burn::tensor::Device) -> bool {
    read_f32(Tensor::<1>::ones([1], device))
        .await
        .is_ok_and(|(v, _)| v == [1.0])
}
