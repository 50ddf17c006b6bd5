use super::*;
use crate::train::{Method, Solver};

#[test]
fn the_best_accuracy_is_kept_and_ties_go_to_the_preferred() {
    let ran = [
        (Candidate::Prototypes, Some(0.9)),
        (Candidate::Head, Some(0.8)),
        (Candidate::HeadViews, Some(0.9)),
        (Candidate::LpFt(1), Some(0.9)),
    ];
    // Three at 0.9: head + views is preferred over LP-FT and prototypes.
    assert_eq!(choose(&ran), Some(2));
    let ran = [
        (Candidate::Prototypes, Some(0.5)),
        (Candidate::LpFt(2), Some(0.6)),
    ];
    assert_eq!(choose(&ran), Some(1));
    let ran = [
        (Candidate::Prototypes, Some(0.75)),
        (Candidate::Head, Some(0.75)),
    ];
    assert_eq!(choose(&ran), Some(1), "a tie goes to the default head");
}

#[test]
fn without_figures_prototypes_answer() {
    let ran = [(Candidate::Head, None), (Candidate::Prototypes, None)];
    assert_eq!(choose(&ran), Some(1));
    assert_eq!(choose(&[(Candidate::Head, None)]), Some(0));
    assert_eq!(choose(&[]), None);
}

#[test]
fn each_candidate_trains_with_its_own_settings() {
    let mut base = TrainConfig {
        method: Method::Auto,
        penalty_c: 3.0,
        ..TrainConfig::default()
    };
    base.steps = 120;
    let lp = Candidate::LpFt(2).config(&base);
    assert_eq!(
        (lp.solver, lp.tuned_blocks, lp.method),
        (Solver::Adam, 2, Method::Head)
    );
    assert_eq!((lp.steps, lp.penalty_c), (120, 3.0));
    let views = Candidate::HeadViews.config(&base);
    assert_eq!((views.solver, views.augment_views), (Solver::Lbfgs, VIEWS));
    assert_eq!(
        Candidate::Prototypes.config(&base).method,
        Method::Prototypes
    );
    for c in CANDIDATES {
        assert_eq!(c.config(&base).check(), Ok(()), "{}", c.name());
    }
}

#[test]
fn lp_ft_takes_the_steps_that_fit_but_an_epoch_at_least() {
    // 10 ms a photo forward, batch 16: a step is 0.48 s; 24 s fit 50 steps.
    assert_eq!(steps_within(24.0, 0.01, (16, 2), 800), 50);
    assert_eq!(steps_within(24.0, 0.01, (16, 2), 30), 30);
    assert_eq!(steps_within(0.1, 0.01, (16, 2), 800), 2);
    // 72 s shared by 3 runs (2 folds and the final fit) over 20 photos at batch 16 (2
    // steps an epoch): 24 s a run, 50 steps; a batch of 64 is cut to the 20 photos.
    let config = TrainConfig {
        batch_size: 16,
        steps: 800,
        ..TrainConfig::default()
    };
    assert_eq!(lp_ft_steps(72.0, 3, 0.01, 20, &config), 50);
    let wide = TrainConfig {
        batch_size: 64,
        ..config
    };
    // A step of 20 photos: 0.6 s; 24 s fit 40.
    assert_eq!(lp_ft_steps(72.0, 3, 0.01, 20, &wide), 40);
}

#[test]
fn estimates_grow_with_the_work_and_the_budget_says_why() {
    let pace = Pace {
        embed_per_photo: 0.1,
        trained: 20,
        rows: 30,
        adapt_photos: 30,
    };
    assert_eq!(Candidate::Head.estimate(&pace), 0.0);
    assert!((Candidate::HeadViews.estimate(&pace) - 8.0).abs() < 1e-9);
    assert!((Candidate::AdaBn.estimate(&pace) - 15.0).abs() < 1e-9);
    assert!((Candidate::LpFt(1).estimate(&pace) - 9.0).abs() < 1e-9);
    assert_eq!(over_budget(8.0, 50.0, 60.0), None);
    assert_eq!(over_budget(0.0, 5.0, 0.0), None, "the head always runs");
    let why = over_budget(15.0, 50.0, 60.0).unwrap();
    assert!(
        why.contains("60 s budget") && why.contains("50 s spent"),
        "{why}"
    );
}

#[test]
fn nothing_past_the_head_is_tried_without_figures() {
    let blind = [(Candidate::Prototypes, None), (Candidate::Head, None)];
    assert!(unmeasured(Candidate::LpFt(1), &blind));
    assert!(unmeasured(Candidate::HeadViews, &blind));
    assert!(!unmeasured(Candidate::Head, &blind[..1]));
    let seen = [
        (Candidate::Prototypes, Some(0.5)),
        (Candidate::Head, Some(0.5)),
    ];
    assert!(!unmeasured(Candidate::LpFt(1), &seen));
}
