//! Everything the page does that is not drawing, behind one typed protocol (`protocol`):
//! the device and backbone (`engine`), the embedding queue and the sample store (`embed`),
//! training (`train`, `rows`, `fit`, `adam`, `measured`, `auto`, `adabn`, `run`), the preview
//! (`preview`), the ImageNet panel (`look`), prototypes before training (`one_shot`), the
//! Unlabelled tray's suggestions (`suggest`), exports (`export`) and the benchmarks;
//! `requests` answers each request.
//! It runs in a dedicated Web Worker (`web::worker` carries the messages); the page holds
//! the Yew app and a reducer over plain data. `prepare` and `protocol` are plain Rust, the
//! same natively.

pub mod prepare;
pub mod protocol;

#[cfg(target_arch = "wasm32")]
mod adabn;
#[cfg(target_arch = "wasm32")]
mod adam;
#[cfg(target_arch = "wasm32")]
mod auto;
#[cfg(target_arch = "wasm32")]
mod core;
#[cfg(target_arch = "wasm32")]
mod embed;
#[cfg(target_arch = "wasm32")]
mod engine;
#[cfg(target_arch = "wasm32")]
mod explore;
#[cfg(target_arch = "wasm32")]
mod export;
#[cfg(target_arch = "wasm32")]
mod fit;
#[cfg(target_arch = "wasm32")]
mod joint;
#[cfg(target_arch = "wasm32")]
mod look;
#[cfg(target_arch = "wasm32")]
mod measured;
#[cfg(target_arch = "wasm32")]
mod one_shot;
#[cfg(target_arch = "wasm32")]
mod pixels;
#[cfg(target_arch = "wasm32")]
mod preview;
#[cfg(target_arch = "wasm32")]
mod requests;
#[cfg(target_arch = "wasm32")]
mod rows;
#[cfg(target_arch = "wasm32")]
mod run;
#[cfg(target_arch = "wasm32")]
mod suggest;
#[cfg(target_arch = "wasm32")]
mod tasks;
#[cfg(target_arch = "wasm32")]
mod train;

#[cfg(target_arch = "wasm32")]
pub use core::{Outbox, Session};
pub use prepare::Prepared;
pub use protocol::{Event, Request};
#[cfg(target_arch = "wasm32")]
pub use requests::handle;
