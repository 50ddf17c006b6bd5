//! Training: a new head on cached embeddings, or with the backbone's last blocks fine-tuned.
//! Uses the model, never the reverse.

pub mod auto;
pub mod bench;
pub mod config;
pub mod consistency;
pub mod data;
mod epoch;
pub mod joint;
pub mod linear;
pub mod logistic;
pub mod lp_ft;
pub mod metrics;
pub mod propagation;
pub mod prototypes;
pub mod provenance;
pub mod recipe;
mod results;
pub mod row_cache;
pub mod runs;
pub mod settings;
mod solver;
pub mod split;
#[cfg(test)]
mod test_rows;
pub mod trainer;

pub use config::{FIELDS, Field, Method, Solver, TrainConfig};
pub use data::{EpochStats, Inputs, TrainError, Trained, Views};
pub use epoch::VAL_CHUNK;
pub use metrics::Evaluation;
pub use results::Checkpoint;
pub use split::Split;
pub use trainer::Trainer;
