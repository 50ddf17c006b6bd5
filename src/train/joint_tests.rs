//! Tests of `joint.rs`: a photo unlabelled in a task adds nothing to it; labels that do not
//! match the photos are refused. Learning on real photos is in tests/multitask.rs.
use super::*;
use crate::model::tail::TailConfig;

fn zero_tail() -> TailWeights {
    let config = TailConfig::new(1).unwrap();
    let len: usize = (config.tensors().iter())
        .map(|(_, s)| s.iter().product::<usize>())
        .sum();
    TailWeights::from_flat(config, vec![0.0; len]).unwrap()
}

#[test]
fn unlabelled_rows_have_zero_targets_and_labelled_ones_smoothed() {
    let labels = [Some(1), None, Some(0)];
    let task = TaskLabels {
        classes: 4,
        labels: &labels,
    };
    let t = targets(&task, &[2, 1, 0], 0.2, &Device::flex());
    let (values, _) = pollster::block_on(read_f32(t.flatten::<1>(0, 1))).unwrap();
    // Row 0 is photo 2 (class 0), row 1 photo 1 (no label), row 2 photo 0 (class 1).
    let want = [
        0.85, 0.05, 0.05, 0.05, //
        0.0, 0.0, 0.0, 0.0, //
        0.05, 0.85, 0.05, 0.05,
    ];
    for (a, b) in values.iter().zip(want) {
        assert!((a - b).abs() < 1e-6, "{values:?}");
    }
}

#[test]
fn labels_that_do_not_match_the_photos_are_refused() {
    let tail = zero_tail();
    let rows = vec![0.0; 2 * tail.config.cut_len()];
    let short = [Some(0)];
    let tasks = [TaskLabels {
        classes: 2,
        labels: &short,
    }];
    let config = TrainConfig::default();
    let device = Device::flex();
    let mut quiet = |_, _, _| {};
    let run = fit(
        &device,
        &rows,
        &tail,
        &tasks,
        (&[0, 1], &[]),
        &config,
        &mut quiet,
    );
    let err = pollster::block_on(run).unwrap_err();
    assert_eq!(
        err,
        TrainError::Settings("the tasks' labels do not match the photos".into())
    );
    let none: [TaskLabels; 0] = [];
    let run = fit(
        &device,
        &rows,
        &tail,
        &none,
        (&[0], &[]),
        &config,
        &mut quiet,
    );
    assert!(pollster::block_on(run).is_err());
}
