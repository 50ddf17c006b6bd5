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

/// What Train makes: a head fitted by the solver, prototypes of the photos (nothing
/// trained, `prototypes.rs`), or whichever of the two does better on the photos' own
/// validation figures (issue 17; docs/benchmarks.md: neither wins everywhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    #[default]
    Head,
    Prototypes,
    Auto,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::Head, Method::Prototypes, Method::Auto];

    pub fn key(self) -> &'static str {
        match self {
            Method::Head => "head",
            Method::Prototypes => "prototypes",
            Method::Auto => "auto",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Head => "Head: fitted by the solver below",
            Method::Prototypes => "Prototypes: each class's average photo, nothing trained",
            Method::Auto => "Auto: both measured on your photos, the better kept",
        }
    }

    pub fn parse(text: &str) -> Result<Method, String> {
        Method::ALL
            .into_iter()
            .find(|m| m.key() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("Method must be head, prototypes or auto, not '{text}'"))
    }
}
