//! Data: image decoding and the preprocessing the backbone expects.

pub mod augment;
pub mod image;
pub mod labels;
pub mod preprocess;
pub mod stored;

pub use image::{DecodeError, decode};
pub use preprocess::{backbone_input, resize_bilinear};

#[cfg(not(target_arch = "wasm32"))]
pub mod folder;
