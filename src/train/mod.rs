//! Training: the classification head on cached embeddings. Uses the model, never the reverse.

pub mod bench;
pub mod head;

pub use head::{EpochStats, HeadTrainer, TrainConfig, TrainError};
