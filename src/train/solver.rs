//! The two ways a head is trained, and how the page and the command line name them.

use serde::{Deserialize, Serialize};

/// How the head is trained.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// A linear head fitted to convergence on the cached features (`linear.rs`): no epochs,
    /// batches or learning rate to choose, the same answer at 2 photos a class as at 200.
    #[default]
    Lbfgs,
    /// Adam(W) in epochs of mini-batches (`trainer.rs`): for a hidden layer or fine-tuning.
    Adam,
}

impl Solver {
    pub const ALL: [Solver; 2] = [Solver::Lbfgs, Solver::Adam];

    pub fn key(self) -> &'static str {
        match self {
            Solver::Lbfgs => "lbfgs",
            Solver::Adam => "adam",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Solver::Lbfgs => "L-BFGS: a linear head fitted to convergence",
            Solver::Adam => "Adam: epochs of mini-batches (hidden layer, fine-tuning)",
        }
    }

    pub fn parse(text: &str) -> Result<Solver, String> {
        Solver::ALL
            .into_iter()
            .find(|s| s.key() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("Solver must be lbfgs or adam, not '{text}'"))
    }
}
