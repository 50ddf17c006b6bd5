//! Tests of `config.rs`: ranges, refusals at the field, the solver's settings.

use super::*;

#[test]
fn defaults_are_inside_their_ranges() {
    assert_eq!(TrainConfig::default().check(), Ok(()));
}

#[test]
fn out_of_range_values_are_refused_with_the_range_and_change_nothing() {
    let mut c = TrainConfig {
        solver: Solver::Adam,
        ..TrainConfig::default()
    };
    let adam = c.clone();
    assert_eq!(
        c.set("learning_rate", 2.0),
        Err("Learning rate must be from 0.00001 to 1".into())
    );
    assert_eq!(
        c.set("steps", 0.0),
        Err("Steps must be from 1 to 100000".into())
    );
    assert_eq!(
        c.set("steps", 2.5),
        Err("Steps must be a whole number".into())
    );
    assert!(c.set("validation_percent", f64::NAN).is_err());
    assert_eq!(c, adam);
    c.set("batch_size", 16.0).unwrap();
    assert_eq!(c.batch_size, 16);
}

#[test]
fn every_field_reads_back_what_was_set() {
    for solver in Solver::ALL {
        let mut c = TrainConfig {
            solver,
            ..TrainConfig::default()
        };
        for f in FIELDS
            .iter()
            .filter(|f| f.solver.is_none_or(|s| s == solver))
        {
            let v = if f.integer { f.max.floor() } else { f.max };
            c.set(f.key, v).unwrap();
            assert_eq!(c.get(f.key), Some(v), "{}", f.key);
        }
    }
}

#[test]
fn a_setting_of_the_other_solver_is_refused_at_its_field_with_the_reason() {
    let mut c = TrainConfig::default();
    let e = c.set("steps", 300.0).unwrap_err();
    assert!(e.contains("Steps is a setting of the Adam solver"), "{e}");
    assert_eq!(c, TrainConfig::default());
    c.set_solver(Solver::Adam).unwrap();
    c.set("hidden", 64.0).unwrap();
    let e = c.set("penalty_c", 1.0).unwrap_err();
    assert!(e.contains("setting of the L-BFGS solver"), "{e}");
    // Back to L-BFGS only once the hidden layer is gone; a contradiction fails `check`.
    assert!(
        c.set_solver(Solver::Lbfgs)
            .unwrap_err()
            .contains("Hidden units")
    );
    let bad = TrainConfig {
        hidden: 64,
        ..TrainConfig::default()
    };
    assert!(bad.check().is_err());
    c.set("hidden", 0.0).unwrap();
    c.set_solver(Solver::Lbfgs).unwrap();
    assert_eq!(Solver::parse(" Adam "), Ok(Solver::Adam));
    assert!(Solver::parse("sgd").is_err());
}

#[test]
fn an_old_config_without_the_newer_fields_reads_with_their_defaults() {
    let c: TrainConfig = serde_json::from_str(r#"{"steps": 7}"#).unwrap();
    assert_eq!(c.steps, 7);
    assert_eq!(c.patience, TrainConfig::default().patience);
}

/// Prototypes and auto use the features as they are: refused with tuned blocks, views or a
/// hidden layer, in either order (set, or found by `check`); a file without the setting
/// reads as the head.
#[test]
fn methods_other_than_the_head_take_the_features_as_they_are() {
    let mut c = TrainConfig::default();
    c.set_method(Method::Prototypes).unwrap();
    c.set("augment_views", 2.0).unwrap();
    assert!(
        c.check()
            .unwrap_err()
            .contains("Method prototypes uses the backbone's features")
    );
    c.set("augment_views", 0.0).unwrap();
    c.check().unwrap();
    c.set_solver(Solver::Adam).unwrap();
    c.set("tuned_blocks", 1.0).unwrap();
    assert!(
        c.set_method(Method::Auto)
            .unwrap_err()
            .contains("Blocks to fine-tune")
    );
    assert_eq!(Method::parse(" Auto "), Ok(Method::Auto));
    assert!(Method::parse("fixmatch").is_err());
    let old: TrainConfig = serde_json::from_str(r#"{"steps": 7}"#).unwrap();
    assert_eq!(old.method, Method::Head);
}
