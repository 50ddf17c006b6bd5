//! The model: EfficientNet-Lite0 backbone and its weights. Knows nothing about training.

pub mod batchnorm;
pub mod cam;
pub mod conv;
pub mod cpu;
pub mod efficientnet;
pub mod head;
pub mod keys;
pub mod matmul;
pub mod tail;
pub mod weights;

pub use efficientnet::{
    EfficientNetLite0, EfficientNetLite0Config, FEATURE_DIM, IMAGENET_CLASSES, INPUT_SIZE,
};
pub use weights::{WeightFile, WeightsError};
