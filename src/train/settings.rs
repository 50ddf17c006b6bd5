//! The page's settings form: each field's typed text is taken when in range, otherwise
//! refused at the field with the allowed range (the setting keeps its last good value).

use super::config::{FIELDS, TrainConfig};

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

    /// Take a field's text as typed.
    pub fn enter(&mut self, key: &str, text: &str) {
        self.refused.retain(|r| r.0 != key);
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
        for f in &FIELDS {
            if let Some(v) = stored.get(f.key) {
                let _ = s.config.set(f.key, v);
            }
        }
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
        s.enter("learning_rate", "0.01");
        s.enter("learning_rate", "5");
        s.enter("epochs", "lots");
        assert_eq!(s.config.learning_rate, 0.01);
        let (_, text, why) = s.refusal("learning_rate").unwrap();
        assert_eq!(
            (text.as_str(), why.as_str()),
            ("5", "Learning rate must be from 0.00001 to 1")
        );
        assert_eq!(
            s.refusal("epochs").unwrap().2,
            "Epochs must be a number from 1 to 1000"
        );
        s.enter("epochs", " 20 ");
        assert_eq!((s.config.epochs, s.refused.len()), (20, 1));
    }

    #[test]
    fn restored_settings_out_of_range_fall_back_to_defaults() {
        let stored = TrainConfig {
            epochs: 5000,
            batch_size: 8,
            ..TrainConfig::default()
        };
        let s = Settings::restored(&stored);
        assert_eq!(s.config.epochs, TrainConfig::default().epochs);
        assert_eq!(s.config.batch_size, 8);
        assert!(s.refused.is_empty());
    }
}
