//! Training: the classification head on cached embeddings. Uses the model, never the reverse.

pub mod bench;
pub mod config;
pub mod head;
pub mod metrics;
pub mod settings;
pub mod split;

pub use config::{FIELDS, Field, TrainConfig};
pub use head::{EpochStats, HeadTrainer, TrainError, Views};
pub use metrics::Evaluation;
pub use split::Split;
