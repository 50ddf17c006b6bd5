//! Compute devices: which one runs the tensors (WebGPU/wgpu or the Flex CPU), and why.

pub mod readback;
pub mod selftest;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What the user (or a test) asked for: `?device=` in the page, `--device` on the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceChoice {
    /// WebGPU when a hardware adapter works, otherwise the CPU.
    #[default]
    Auto,
    /// WebGPU in the page, wgpu (Vulkan, Metal, DX12) natively; an error if it cannot start.
    Gpu,
    /// Burn's Flex backend: pure Rust, runs everywhere.
    Cpu,
}

impl FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "gpu" | "webgpu" | "wgpu" => Ok(Self::Gpu),
            "cpu" | "flex" => Ok(Self::Cpu),
            other => Err(format!(
                "unknown device '{other}': use 'webgpu' (or 'gpu'), 'cpu' or 'auto'"
            )),
        }
    }
}

/// Which kind of device ended up running the tensors, for the page and the CLI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DeviceInfo {
    /// A GPU through wgpu; `api` is "WebGPU" in the page, the native API otherwise.
    Gpu {
        api: String,
        adapter: String,
        /// A software rasteriser (SwiftShader, lavapipe): correct but not fast.
        software: bool,
    },
    /// The Flex CPU backend, with the reason the GPU is not used.
    Cpu { reason: String },
}

impl DeviceInfo {
    pub fn is_gpu(&self) -> bool {
        matches!(self, Self::Gpu { .. })
    }

    /// Short machine-readable name used in JSON and as the page's `data-device`.
    pub fn short_name(&self) -> &'static str {
        match self {
            Self::Gpu { api, .. } if api == "WebGPU" => "webgpu",
            Self::Gpu { .. } => "wgpu",
            Self::Cpu { .. } => "cpu",
        }
    }
}

impl fmt::Display for DeviceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gpu {
                api,
                adapter,
                software,
            } => {
                write!(f, "{api} — {adapter}")?;
                if *software {
                    write!(f, " (software adapter)")?;
                }
                Ok(())
            }
            Self::Cpu { reason } => write!(f, "CPU — {reason}"),
        }
    }
}

/// A ready device and what it is. Clone the `Device` freely: it is a handle.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    pub device: Device,
    pub info: DeviceInfo,
}

impl ComputeDevice {
    /// The Flex CPU backend, which needs no initialisation.
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            device: Device::flex(),
            info: DeviceInfo::Cpu {
                reason: reason.into(),
            },
        }
    }
}

/// Why a requested GPU could not be started.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("the GPU was requested but is unavailable: {0}")]
    GpuUnavailable(String),
    #[error("the device started but failed its self-test: {0}")]
    SelfTest(String),
}

/// What the browser said about its WebGPU adapter, before Burn is asked to open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterProbe {
    /// Vendor, architecture and description, as far as the browser tells them.
    pub description: String,
    /// A software implementation (Chromium's SwiftShader): slower than our CPU path.
    pub is_fallback: bool,
}

/// What to try first, from the user's choice and the adapter probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    Gpu,
    Cpu { reason: String },
    Fail(DeviceError),
}

/// Decide between WebGPU and the CPU. A forced choice never silently falls back.
pub fn plan(choice: DeviceChoice, probe: &Result<AdapterProbe, String>) -> Plan {
    match (choice, probe) {
        (DeviceChoice::Cpu, _) => Plan::Cpu {
            reason: "chosen with ?device=cpu".into(),
        },
        (DeviceChoice::Gpu, Ok(_)) => Plan::Gpu,
        (DeviceChoice::Gpu, Err(why)) => Plan::Fail(DeviceError::GpuUnavailable(why.clone())),
        (DeviceChoice::Auto, Err(why)) => Plan::Cpu {
            reason: format!("WebGPU unavailable: {why}"),
        },
        // A software rasteriser runs the backbone slower than Flex with SIMD does.
        (DeviceChoice::Auto, Ok(p)) if p.is_fallback => Plan::Cpu {
            reason: format!(
                "WebGPU unavailable: only a software adapter ({}); add ?device=webgpu to use it anyway",
                p.description
            ),
        },
        (DeviceChoice::Auto, Ok(_)) => Plan::Gpu,
    }
}

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub use browser::{open_browser, open_cpu};

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::open_native;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_choices() {
        assert_eq!("webgpu".parse(), Ok(DeviceChoice::Gpu));
        assert_eq!("GPU".parse(), Ok(DeviceChoice::Gpu));
        assert_eq!("cpu".parse(), Ok(DeviceChoice::Cpu));
        assert_eq!("".parse(), Ok(DeviceChoice::Auto));
        assert!("tpu".parse::<DeviceChoice>().is_err());
    }

    #[test]
    fn labels_say_where_and_why() {
        let gpu = DeviceInfo::Gpu {
            api: "WebGPU".into(),
            adapter: "google swiftshader".into(),
            software: true,
        };
        assert_eq!(
            gpu.to_string(),
            "WebGPU — google swiftshader (software adapter)"
        );
        assert_eq!(gpu.short_name(), "webgpu");
        let cpu = DeviceInfo::Cpu {
            reason: "WebGPU unavailable: no navigator.gpu".into(),
        };
        assert_eq!(
            cpu.to_string(),
            "CPU — WebGPU unavailable: no navigator.gpu"
        );
        assert!(!cpu.is_gpu());
    }

    #[test]
    fn plans_follow_choice_and_adapter() {
        let hw = Ok(AdapterProbe {
            description: "nvidia".into(),
            is_fallback: false,
        });
        let sw = Ok(AdapterProbe {
            description: "google swiftshader".into(),
            is_fallback: true,
        });
        let none: Result<AdapterProbe, String> = Err("no adapter".into());
        assert_eq!(plan(DeviceChoice::Auto, &hw), Plan::Gpu);
        assert!(
            matches!(plan(DeviceChoice::Auto, &sw), Plan::Cpu { reason } if reason.contains("software"))
        );
        assert_eq!(plan(DeviceChoice::Gpu, &sw), Plan::Gpu);
        assert!(matches!(plan(DeviceChoice::Gpu, &none), Plan::Fail(_)));
        assert!(
            matches!(plan(DeviceChoice::Auto, &none), Plan::Cpu { reason } if reason == "WebGPU unavailable: no adapter")
        );
        assert!(matches!(plan(DeviceChoice::Cpu, &hw), Plan::Cpu { .. }));
    }
}
