//! How a run measures itself: a stratified, seeded hold-out, the images a person set aside,
//! or stratified k-fold cross-validation when the classes are too small to give any up.

use super::{Solver, TrainConfig, TrainError};
use crate::rng::SplitMix64;

/// Indices into the samples: which train, which measure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
}

/// Below this many images in its smallest class, a run of the L-BFGS head validates by
/// k-fold cross-validation instead of a held-out share: at 5 a class a 15 % share trains on
/// 4 and measures on 1 (issue 12).
pub const CROSS_VALIDATE_BELOW: usize = 10;
/// Folds at most (scikit-learn's `LogisticRegressionCV` default `cv=5`).
pub const FOLDS: usize = 5;

/// How a run is measured.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// Train on `train`, measure on `validation` (none: no figures): the images a person
    /// set aside, a validation folder, or no validation at all.
    HeldOut(Split),
    /// Measure a head trained on `train` on the stratified share `validation`, then fit
    /// the final head to every image: held out, the share cost 2-3 points on the
    /// benchmark's digits at 10-20 photos a class (docs/benchmarks.md).
    Share(Split),
    /// Each fold trains on its `train` and predicts its `validation`; every image is
    /// predicted at most once, and the final head trains on all of them.
    CrossValidated(Vec<Split>),
}

impl Plan {
    /// The images some fit trains on, whose augmented views are worth making: every image
    /// when cross-validated or refitted (each fold uses only its own training images').
    pub fn trained(&self, images: usize) -> Vec<usize> {
        match self {
            Plan::HeldOut(split) => split.train.clone(),
            Plan::CrossValidated(_) | Plan::Share(_) => (0..images).collect(),
        }
    }

    /// The same plan with rows `extra` trained on by every fit and never measured on:
    /// photos labelled by propagation (`train::propagation`).
    pub fn with_extra_training(self, extra: std::ops::Range<usize>) -> Self {
        let add = |mut split: Split| {
            split.train.extend(extra.clone());
            split
        };
        match self {
            Plan::HeldOut(split) => Plan::HeldOut(add(split)),
            Plan::Share(split) => Plan::Share(add(split)),
            Plan::CrossValidated(folds) => {
                Plan::CrossValidated(folds.into_iter().map(add).collect())
            }
        }
    }
}

/// One class's images in a seeded random order.
fn shuffled_members(labels: &[usize], c: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
    for i in (1..members.len()).rev() {
        members.swap(i, rng.below(i + 1));
    }
    members
}

/// Hold out `percent` of each class (rounded, at least one image each) for validation,
/// the same images for the same samples and seed. `percent == 0` holds out none. A class
/// with a single image keeps it for training: it has no figures.
pub fn stratified(labels: &[usize], names: &[String], percent: f64, seed: u64) -> Split {
    let mut split = Split::default();
    if percent <= 0.0 {
        split.train = (0..labels.len()).collect();
        return split;
    }
    let mut rng = SplitMix64(seed ^ 0x5a11d);
    for c in 0..names.len() {
        let members = shuffled_members(labels, c, &mut rng);
        // At most all but one: training needs an image of every class too.
        let held = ((members.len() as f64 * percent / 100.0).round() as usize)
            .clamp(1, members.len().max(1))
            .min(members.len().saturating_sub(1));
        split.validation.extend_from_slice(&members[..held]);
        split.train.extend_from_slice(&members[held..]);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    split
}

/// Stratified k-fold: k is `FOLDS`, or fewer when no class has that many images. Each
/// class deals its shuffled images round the folds (starting where the last class
/// stopped), so a fold holds out at most all but one of any class; a class with one image
/// is never held out. No folds when every class has one image.
pub fn folds(labels: &[usize], names: &[String], seed: u64) -> Vec<Split> {
    let largest = (0..names.len())
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .max()
        .unwrap_or(0);
    let k = FOLDS.min(largest);
    if k < 2 {
        return Vec::new();
    }
    let mut held = vec![Vec::new(); k];
    let mut rng = SplitMix64(seed ^ 0xf01d);
    let mut next = 0;
    for c in 0..names.len() {
        let members = shuffled_members(labels, c, &mut rng);
        if members.len() < 2 {
            continue;
        }
        for i in members {
            held[next % k].push(i);
            next += 1;
        }
    }
    held.into_iter()
        .map(|mut validation| {
            validation.sort_unstable();
            let train = (0..labels.len())
                .filter(|i| validation.binary_search(i).is_err())
                .collect();
            Split { train, validation }
        })
        .collect()
}

/// The plan for `config`'s solver: `plan`, for both solvers cross-validating small classes,
/// except that above that size the Adam head keeps its best epoch by the share's
/// validation loss, so it measures the share without training on it.
pub fn plan_for(
    config: &TrainConfig,
    labels: &[usize],
    held: &[bool],
    names: &[String],
) -> Result<Plan, TrainError> {
    let (percent, seed) = (config.validation_percent, config.seed);
    Ok(
        match (config.solver, plan(labels, held, names, percent, seed)?) {
            // Early stopping watches the share, so the Adam head does not refit on it.
            (Solver::Adam, Plan::Share(split)) => Plan::HeldOut(split),
            (_, plan) => plan,
        },
    )
}

/// The L-BFGS head's plan: the images a person set aside (`held`) if any; none with
/// `percent == 0`; k-fold cross-validation when a class has fewer than
/// `CROSS_VALIDATE_BELOW` images; otherwise a stratified share, measured on and then
/// trained on too.
pub fn plan(
    labels: &[usize],
    held: &[bool],
    names: &[String],
    percent: f64,
    seed: u64,
) -> Result<Plan, TrainError> {
    if held.contains(&true) {
        return chosen(labels, held, names).map(Plan::HeldOut);
    }
    let smallest = (0..names.len())
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .min()
        .unwrap_or(0);
    Ok(if percent <= 0.0 {
        Plan::HeldOut(stratified(labels, names, 0.0, seed))
    } else if smallest < CROSS_VALIDATE_BELOW {
        Plan::CrossValidated(folds(labels, names, seed))
    } else {
        Plan::Share(stratified(labels, names, percent, seed))
    })
}

/// The samples a person set aside (`held[i]`) validate and the rest train; every class must
/// keep an image to train on.
pub fn chosen(labels: &[usize], held: &[bool], names: &[String]) -> Result<Split, TrainError> {
    let split = Split {
        train: (0..labels.len())
            .filter(|&i| !held.get(i).copied().unwrap_or(false))
            .collect(),
        validation: (0..labels.len())
            .filter(|&i| held.get(i).copied().unwrap_or(false))
            .collect(),
    };
    for (c, name) in names.iter().enumerate() {
        if !split.train.iter().any(|&i| labels[i] == c) {
            return Err(TrainError::AllHeldOut(name.clone()));
        }
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|c| format!("c{c}")).collect()
    }

    #[test]
    fn each_class_gives_its_share_and_at_least_one() {
        // 20, 7 and 2 images: 15 % is 3, 1.05 -> 1, 0.3 -> at least 1.
        let labels: Vec<usize> = [vec![0; 20], vec![1; 7], vec![2; 2]].concat();
        let s = stratified(&labels, &names(3), 15.0, 1);
        let held = |c| s.validation.iter().filter(|&&i| labels[i] == c).count();
        assert_eq!((held(0), held(1), held(2)), (3, 1, 1));
        assert_eq!(s.train.len() + s.validation.len(), labels.len());
        assert!(s.train.iter().all(|i| !s.validation.contains(i)));
    }

    #[test]
    fn the_same_seed_holds_out_the_same_images_and_another_seed_others() {
        let labels: Vec<usize> = (0..200).map(|i| i % 2).collect();
        let a = stratified(&labels, &names(2), 20.0, 5);
        assert_eq!(a, stratified(&labels, &names(2), 20.0, 5));
        assert_ne!(a, stratified(&labels, &names(2), 20.0, 6));
        assert_eq!(a.validation.len(), 40);
    }

    #[test]
    fn none_held_out_at_zero_and_a_lone_image_trains() {
        let labels = vec![0, 0, 1];
        let s = stratified(&labels, &names(2), 0.0, 1);
        assert_eq!((s.train.len(), s.validation.len()), (3, 0));
        let s = stratified(&labels, &names(2), 15.0, 1);
        assert!(s.train.contains(&2) && s.validation.len() == 1, "{s:?}");
    }

    #[test]
    fn folds_predict_each_image_once_and_keep_every_class_in_training() {
        // 1, 2, 3 and 9 images: k = 5; the lone image is never held out.
        let labels: Vec<usize> = [vec![0], vec![1; 2], vec![2; 3], vec![3; 9]].concat();
        let f = folds(&labels, &names(4), 3);
        assert_eq!(f.len(), 5);
        let mut predicted: Vec<usize> = f.iter().flat_map(|s| s.validation.clone()).collect();
        predicted.sort_unstable();
        assert_eq!(predicted, (1..labels.len()).collect::<Vec<_>>());
        for s in &f {
            assert_eq!(s.train.len() + s.validation.len(), labels.len());
            for c in 0..4 {
                assert!(s.train.iter().any(|&i| labels[i] == c), "{s:?} lacks {c}");
            }
        }
        assert_eq!(f, folds(&labels, &names(4), 3));
        // Two images a class: two folds; one a class: nothing to validate on.
        assert_eq!(folds(&[0, 0, 1, 1], &names(2), 3).len(), 2);
        assert!(folds(&[0, 1], &names(2), 3).is_empty());
    }

    #[test]
    fn small_classes_are_cross_validated_large_ones_hold_out_a_share() {
        let small: Vec<usize> = (0..18).map(|i| i % 2).collect();
        let none = vec![false; 18];
        let plan_of = |labels: &[usize], percent| plan(labels, &none, &names(2), percent, 1);
        assert!(matches!(plan_of(&small, 15.0), Ok(Plan::CrossValidated(f)) if f.len() == 5));
        let large: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let none = vec![false; 40];
        let p = plan(&large, &none, &names(2), 15.0, 1).unwrap();
        assert!(matches!(p, Plan::Share(s) if s.validation.len() == 6));
        // Set aside by hand, or no validation asked for: as asked, whatever the size.
        let mut held = vec![false; 18];
        held[0] = true;
        let p = plan(&small, &held, &names(2), 15.0, 1).unwrap();
        assert!(matches!(p, Plan::HeldOut(s) if s.validation == vec![0]));
        let p = plan_of(&small, 0.0).unwrap();
        assert!(matches!(p, Plan::HeldOut(s) if s.validation.is_empty()));
    }

    /// Both solvers cross-validate small classes; above that the Adam head holds its share
    /// out (its early stopping watches it) where the L-BFGS head refits on it.
    #[test]
    fn the_adam_head_cross_validates_small_classes_and_holds_out_a_larger_share() {
        let adam = TrainConfig {
            solver: Solver::Adam,
            ..TrainConfig::default()
        };
        let small: Vec<usize> = (0..18).map(|i| i % 2).collect();
        let p = plan_for(&adam, &small, &[], &names(2)).unwrap();
        assert!(matches!(p, Plan::CrossValidated(f) if f.len() == 5));
        let large: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let p = plan_for(&adam, &large, &[], &names(2)).unwrap();
        assert!(matches!(p, Plan::HeldOut(s) if s.validation.len() == 6));
        let p = plan_for(&TrainConfig::default(), &large, &[], &names(2)).unwrap();
        assert!(matches!(p, Plan::Share(s) if s.validation.len() == 6));
    }

    #[test]
    fn images_set_aside_are_the_validation_set_but_never_a_whole_class() {
        let labels = vec![0, 0, 0, 1, 1];
        let s = chosen(&labels, &[false, true, false, false, true], &names(2)).unwrap();
        assert_eq!((s.train, s.validation), (vec![0, 2, 3], vec![1, 4]));
        let e = chosen(&labels, &[false, false, false, true, true], &names(2)).unwrap_err();
        assert_eq!(e, TrainError::AllHeldOut("c1".into()));
    }

    #[test]
    fn a_large_share_still_leaves_one_image_to_train_on() {
        let labels = vec![0, 0, 1, 1];
        let s = stratified(&labels, &names(2), 50.0, 1);
        assert_eq!((s.train.len(), s.validation.len()), (2, 2));
    }
}
