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

/// Each solver's key (project files, `--solver`) and the page's label for it: declared once.
const SOLVERS: [(Solver, &str, &str); 2] = [
    (
        Solver::Lbfgs,
        "lbfgs",
        "L-BFGS: a linear head fitted to convergence",
    ),
    (
        Solver::Adam,
        "adam",
        "Adam: epochs of mini-batches (hidden layer, fine-tuning)",
    ),
];

impl Solver {
    pub const ALL: [Solver; 2] = [Solver::Lbfgs, Solver::Adam];

    pub fn key(self) -> &'static str {
        entry(&SOLVERS, self).1
    }

    pub fn label(self) -> &'static str {
        entry(&SOLVERS, self).2
    }

    pub fn parse(text: &str) -> Result<Solver, String> {
        parse(&SOLVERS, "Solver", text)
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

/// Each method's key (project files, `--method`) and the page's label for it.
const METHODS: [(Method, &str, &str); 3] = [
    (Method::Head, "head", "Head: fitted by the solver below"),
    (
        Method::Prototypes,
        "prototypes",
        "Prototypes: each class's average photo, nothing trained",
    ),
    (
        Method::Auto,
        "auto",
        "Auto: several ways measured on your photos within a time budget, the best kept",
    ),
];

impl Method {
    pub const ALL: [Method; 3] = [Method::Head, Method::Prototypes, Method::Auto];

    pub fn key(self) -> &'static str {
        entry(&METHODS, self).1
    }

    pub fn label(self) -> &'static str {
        entry(&METHODS, self).2
    }

    pub fn parse(text: &str) -> Result<Method, String> {
        parse(&METHODS, "Method", text)
    }
}

/// `value`'s row of `table` (every value has one: the tables list every variant).
fn entry<T: PartialEq + Copy>(
    table: &[(T, &'static str, &'static str)],
    value: T,
) -> (T, &'static str, &'static str) {
    (table.iter().copied())
        .find(|(v, _, _)| *v == value)
        .unwrap_or(table[0])
}

/// The value whose key is `text` (any case, trimmed), or a message listing the keys.
fn parse<T: Copy>(table: &[(T, &str, &str)], name: &str, text: &str) -> Result<T, String> {
    let wanted = text.trim().to_ascii_lowercase();
    if let Some((value, _, _)) = table.iter().find(|(_, key, _)| *key == wanted) {
        return Ok(*value);
    }
    let keys: Vec<&str> = table.iter().map(|(_, key, _)| *key).collect();
    let (last, rest) = keys.split_last().unwrap_or((&"", &[]));
    let list = match rest.is_empty() {
        true => last.to_string(),
        false => format!("{} or {last}", rest.join(", ")),
    };
    Err(format!("{name} must be {list}, not '{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_a_wrong_one_lists_them() {
        for s in Solver::ALL {
            assert_eq!(Solver::parse(&s.key().to_uppercase()), Ok(s));
        }
        for m in Method::ALL {
            assert_eq!(Method::parse(&format!(" {} ", m.key())), Ok(m));
        }
        assert_eq!(
            Solver::parse("sgd"),
            Err("Solver must be lbfgs or adam, not 'sgd'".to_string())
        );
        assert_eq!(
            Method::parse("best"),
            Err("Method must be head, prototypes or auto, not 'best'".to_string())
        );
        assert_eq!(
            Method::Auto.label(),
            "Auto: several ways measured on your photos within a time budget, the best kept"
        );
    }
}
