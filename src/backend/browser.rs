//! Browser device start-up: WebGPU through Burn, with the Flex CPU fallback.

use super::selftest::{self, SelfTestReport};
use super::{AdapterProbe, ComputeDevice, DeviceChoice, DeviceError, DeviceInfo, Plan, plan};
use burn::tensor::Device;

/// Open a device for the page and prove it with the self-test.
///
/// Falls back to the CPU when WebGPU is missing, has no adapter, fails to start or fails
/// its self-test, unless the user forced WebGPU with `?device=webgpu`.
pub async fn open_browser(
    choice: DeviceChoice,
) -> Result<(ComputeDevice, SelfTestReport), DeviceError> {
    let probe = crate::web::probe_webgpu().await;
    let reason = match plan(choice, &probe) {
        Plan::Fail(e) => return Err(e),
        Plan::Cpu { reason } => reason,
        Plan::Gpu => {
            let adapter = probe.clone().unwrap_or_else(|_| AdapterProbe {
                description: "unknown adapter".into(),
                is_fallback: false,
            });
            match open_webgpu(adapter).await {
                Ok(ready) => return Ok(ready),
                Err(e) if choice == DeviceChoice::Gpu => return Err(e),
                Err(e) => {
                    log::warn!("WebGPU failed, using the CPU: {e}");
                    format!("WebGPU unavailable: {e}")
                }
            }
        }
    };
    open_cpu(reason).await
}

/// The CPU path (Flex), self-tested; `reason` says why the GPU is not used.
pub async fn open_cpu(reason: String) -> Result<(ComputeDevice, SelfTestReport), DeviceError> {
    let cpu = ComputeDevice::cpu(reason);
    let report = prove(&cpu.device).await?;
    Ok((cpu, report))
}

async fn open_webgpu(
    adapter: AdapterProbe,
) -> Result<(ComputeDevice, SelfTestReport), DeviceError> {
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| DeviceError::GpuUnavailable(e.to_string()))?;
    let report = prove(&device).await?;
    let info = DeviceInfo::Gpu {
        api: "WebGPU".into(),
        adapter: adapter.description,
        software: adapter.is_fallback,
    };
    Ok((ComputeDevice { device, info }, report))
}

async fn prove(device: &Device) -> Result<SelfTestReport, DeviceError> {
    let report = selftest::run(device)
        .await
        .map_err(|e| DeviceError::SelfTest(e.to_string()))?;
    if report.passed {
        Ok(report)
    } else {
        Err(DeviceError::SelfTest(format!(
            "max error {:.2e} over tolerance {:.0e}",
            report.max_abs_error, report.tolerance
        )))
    }
}
