//! A stratified, seeded split into training and validation images.

use super::TrainError;
use crate::model::head::SplitMix64;

/// Indices into the samples: which train, which measure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
}

/// Hold out `percent` of each class (rounded, at least one image each) for validation,
/// the same images for the same samples and seed. `percent == 0` holds out none. A class
/// with a single image cannot give one up and is refused, saying what to do.
pub fn stratified(
    labels: &[usize],
    names: &[String],
    percent: f64,
    seed: u64,
) -> Result<Split, TrainError> {
    let mut split = Split::default();
    if percent <= 0.0 {
        split.train = (0..labels.len()).collect();
        return Ok(split);
    }
    let mut rng = SplitMix64(seed ^ 0x5a11d);
    for (c, name) in names.iter().enumerate() {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        if members.len() < 2 {
            return Err(TrainError::TooFewToValidate(name.clone()));
        }
        for i in (1..members.len()).rev() {
            members.swap(i, rng.below(i + 1));
        }
        // At most all but one: training needs an image of every class too.
        let held =
            ((members.len() as f64 * percent / 100.0).round() as usize).clamp(1, members.len() - 1);
        split.validation.extend_from_slice(&members[..held]);
        split.train.extend_from_slice(&members[held..]);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    Ok(split)
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
        let s = stratified(&labels, &names(3), 15.0, 1).unwrap();
        let held = |c| s.validation.iter().filter(|&&i| labels[i] == c).count();
        assert_eq!((held(0), held(1), held(2)), (3, 1, 1));
        assert_eq!(s.train.len() + s.validation.len(), labels.len());
        assert!(s.train.iter().all(|i| !s.validation.contains(i)));
    }

    #[test]
    fn the_same_seed_holds_out_the_same_images_and_another_seed_others() {
        let labels: Vec<usize> = (0..200).map(|i| i % 2).collect();
        let a = stratified(&labels, &names(2), 20.0, 5).unwrap();
        assert_eq!(a, stratified(&labels, &names(2), 20.0, 5).unwrap());
        assert_ne!(a, stratified(&labels, &names(2), 20.0, 6).unwrap());
        assert_eq!(a.validation.len(), 40);
    }

    #[test]
    fn none_held_out_at_zero_and_a_lone_image_is_refused_by_name() {
        let labels = vec![0, 0, 1];
        let s = stratified(&labels, &names(2), 0.0, 1).unwrap();
        assert_eq!((s.train.len(), s.validation.len()), (3, 0));
        let e = stratified(&labels, &names(2), 15.0, 1).unwrap_err();
        assert_eq!(e, TrainError::TooFewToValidate("c1".into()));
        assert!(e.to_string().contains("class 'c1' has one image"), "{e}");
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
        let s = stratified(&labels, &names(2), 50.0, 1).unwrap();
        assert_eq!((s.train.len(), s.validation.len()), (2, 2));
    }
}
