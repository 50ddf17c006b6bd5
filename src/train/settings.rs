//! The page's settings form: each field's typed text is taken when in range, otherwise
//! refused at the field with the allowed range (the setting keeps its last good value).

use super::config::{FIELDS, Method, Solver, TrainConfig};

/// The settings the next run uses; a refused entry keeps its text and message at its field
/// (the setting keeps its last good value) and blocks training until it is fixed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub config: TrainConfig,
    /// `(field key, the text typed, why it was refused)`.
    pub refused: Vec<(String, String, String)>,
}

impl Settings {
    pub fn refusal(&self, key: &str) -> Option<&(String, String, String)> {
        self.refused.iter().find(|r| r.0 == key)
    }

    /// Take a field's text as typed (`solver` and `method`: their keys).
    pub fn enter(&mut self, key: &str, text: &str) {
        self.refused.retain(|r| r.0 != key);
        if key == "solver" {
            if let Err(message) = Solver::parse(text).and_then(|s| self.config.set_solver(s)) {
                self.refused.push((key.into(), text.into(), message));
            }
            return;
        }
        if key == "method" {
            if let Err(message) = Method::parse(text).and_then(|m| self.config.set_method(m)) {
                self.refused.push((key.into(), text.into(), message));
            }
            return;
        }
        let Some(field) = FIELDS.iter().find(|f| f.key == key) else {
            return;
        };
        let result = match text.trim().parse::<f64>() {
            Ok(v) => self.config.set(key, v),
            Err(_) => Err(format!(
                "{} must be a number from {} to {}",
                field.label, field.min, field.max
            )),
        };
        if let Err(message) = result {
            self.refused.push((key.into(), text.into(), message));
        }
    }
}

impl Settings {
    /// Settings read back from storage; a value outside today's ranges falls back to its default.
    pub fn restored(stored: &TrainConfig) -> Self {
        let mut s = Settings::default();
        // A field is taken only under its solver: each solver's fields under it (L-BFGS's
        // Penalty C too); then the stored solver, unless a hidden layer or tuned blocks
        // (stored before there was a solver setting) need Adam.
        for solver in [Solver::Adam, Solver::Lbfgs] {
            s.config.solver = solver;
            for f in &FIELDS {
                if let Some(v) = stored.get(f.key) {
                    let _ = s.config.set(f.key, v);
                }
            }
        }
        s.config.solver = Solver::Adam;
        let _ = s.config.set_solver(stored.solver);
        let _ = s.config.set_method(stored.method);
        s.config.seed = stored.seed;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_value_stays_at_its_field_and_the_setting_keeps_its_last_good_value() {
        let mut s = Settings::default();
        s.enter("solver", "adam");
        s.enter("learning_rate", "0.01");
        s.enter("learning_rate", "5");
        s.enter("steps", "lots");
        assert_eq!(s.config.learning_rate, 0.01);
        let (_, text, why) = s.refusal("learning_rate").unwrap();
        assert_eq!(
            (text.as_str(), why.as_str()),
            ("5", "Learning rate must be from 0.00001 to 1")
        );
        assert_eq!(
            s.refusal("steps").unwrap().2,
            "Steps must be a number from 1 to 100000"
        );
        s.enter("steps", " 20 ");
        assert_eq!((s.config.steps, s.refused.len()), (20, 1));
    }

    #[test]
    fn the_solver_is_chosen_at_its_field_and_restored_with_the_fields_it_allows() {
        let mut s = Settings::default();
        s.enter("steps", "300");
        assert!(s.refusal("steps").unwrap().2.contains("Adam solver"));
        s.enter("solver", "adam");
        s.enter("steps", "300");
        s.enter("hidden", "64");
        assert_eq!((s.config.steps, s.refused.len()), (300, 0));
        s.enter("solver", "lbfgs");
        assert!(s.refusal("solver").unwrap().2.contains("Hidden units"));
        assert_eq!(s.config.solver, Solver::Adam);
        // A config stored before the solver setting, with a hidden layer: restored as Adam.
        let old: TrainConfig = serde_json::from_str(r#"{"hidden": 64, "batch_size": 32}"#).unwrap();
        let r = Settings::restored(&old);
        assert_eq!(
            (r.config.solver, r.config.hidden, r.config.batch_size),
            (Solver::Adam, 64, 32)
        );
        let r = Settings::restored(&TrainConfig::default());
        assert_eq!(r.config, TrainConfig::default());
        // Each solver's own fields come back, whichever solver was chosen.
        let mut both = TrainConfig::default();
        both.set("penalty_c", 3.0).unwrap();
        both.set_solver(Solver::Adam).unwrap();
        both.set("steps", 300.0).unwrap();
        let r = Settings::restored(&both);
        assert_eq!((r.config.penalty_c, r.config.steps), (3.0, 300));
        assert_eq!(r.config, both);
    }

    #[test]
    fn restored_settings_out_of_range_fall_back_to_defaults() {
        let stored = TrainConfig {
            solver: Solver::Adam,
            steps: 500000,
            batch_size: 8,
            ..TrainConfig::default()
        };
        let s = Settings::restored(&stored);
        assert_eq!(s.config.steps, TrainConfig::default().steps);
        assert_eq!(s.config.batch_size, 8);
        assert!(s.refused.is_empty());
    }
}
