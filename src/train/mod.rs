//! Training: a new head on cached embeddings, or with the backbone's last blocks fine-tuned.
//! Uses the model, never the reverse.

pub mod bench;
pub mod config;
pub mod data;
pub mod linear;
pub mod logistic;
pub mod metrics;
mod results;
pub mod runs;
pub mod settings;
mod solver;
pub mod split;
mod steps;
#[cfg(test)]
mod test_rows;
pub mod trainer;

pub use config::{FIELDS, Field, Solver, TrainConfig};
pub use data::{EpochStats, Inputs, TrainError, Trained, Views};
pub use metrics::Evaluation;
pub use results::Checkpoint;
pub use split::Split;
pub use trainer::Trainer;
