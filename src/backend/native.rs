//! Native device start-up: Flex, or wgpu on whatever API the machine has (Vulkan here).

use super::{ComputeDevice, DeviceChoice, DeviceError, DeviceInfo};
use burn::tensor::Device;
use std::sync::OnceLock;

/// Open the device the command line asked for. `Auto` tries wgpu, then falls back to Flex.
pub fn open_native(choice: DeviceChoice) -> Result<ComputeDevice, DeviceError> {
    match choice {
        DeviceChoice::Cpu => Ok(ComputeDevice::cpu("chosen with --device cpu")),
        DeviceChoice::Gpu => open_wgpu(),
        DeviceChoice::Auto => Ok(open_wgpu().unwrap_or_else(|e| ComputeDevice::cpu(e.to_string()))),
    }
}

/// The wgpu runtime can be initialised once per process; later calls share the first result.
fn open_wgpu() -> Result<ComputeDevice, DeviceError> {
    static WGPU: OnceLock<Result<ComputeDevice, DeviceError>> = OnceLock::new();
    WGPU.get_or_init(init_wgpu).clone()
}

fn init_wgpu() -> Result<ComputeDevice, DeviceError> {
    // `init_with_setup` hands back the adapter, so we can say which one runs the work.
    let (device, setup) = Device::wgpu_options()
        .init_with_setup()
        .map_err(|e| DeviceError::GpuUnavailable(e.to_string()))?;
    let info = setup.adapter.get_info();
    let software = matches!(info.device_type, burn::tensor::wgpu::wgpu::DeviceType::Cpu);
    Ok(ComputeDevice {
        device,
        info: DeviceInfo::Gpu {
            api: format!("{:?}", setup.backend),
            adapter: info.name,
            software,
        },
    })
}
