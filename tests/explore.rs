//! The photos' map and the mislabel finder (`graft::explore`, issue 18) on the real
//! backbone's embeddings of real photo crops: the map against scikit-learn's PCA, and the
//! finder's recall on a set with labels flipped on purpose.

mod common;

use common::{Half, SCENES, crop_folder, python, root, scratch};
use graft::explore::pca::pca2;
use graft::explore::suspects::{NEIGHBOURS, suspects};
use graft::model::FEATURE_DIM;
use std::io::Write;
use std::process::{Command, Stdio};

const PER_CLASS: usize = 10;

/// Six scenes' crops (top halves), embedded by `graft embed`: rows and labels.
fn scenes(name: &str) -> (Vec<f32>, Vec<usize>) {
    let dir = scratch(name);
    crop_folder(&dir, &SCENES, Half::Top, PER_CLASS, 18);
    let classes: Vec<&str> = SCENES.iter().map(|(c, _)| *c).collect();
    common::embed_classes(&dir, &classes)
}

/// scikit-learn's two-component PCA of `x` (`tests/reference/pca_reference.py`).
fn reference(x: &[f32]) -> serde_json::Value {
    let case = serde_json::json!({ "x": x.chunks_exact(FEATURE_DIM).collect::<Vec<_>>() });
    let mut child = Command::new(python())
        .arg(root().join("tests/reference/pca_reference.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(case.to_string().as_bytes()).unwrap();
    drop(stdin);
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success());
    serde_json::from_slice(&done.stdout).unwrap()
}

/// The map of 60 embeddings is scikit-learn's PCA: each point within 1e-3 of the largest
/// coordinate's size (f32 embeddings, f64 arithmetic both sides), each axis up to its sign
/// (a sign is arbitrary), and the same explained variance within 1e-6.
#[test]
fn the_map_is_scikit_learns_pca() {
    let (x, _) = scenes("explore-map");
    let ours = pca2(&x, FEATURE_DIM);
    let theirs = reference(&x);
    let points = theirs["points"].as_array().unwrap();
    assert_eq!(points.len(), ours.points.len());
    let scale = ours
        .points
        .iter()
        .flatten()
        .fold(0f32, |m, v| m.max(v.abs())) as f64;
    for axis in 0..2 {
        let column: Vec<f64> = points.iter().map(|p| p[axis].as_f64().unwrap()).collect();
        let agree: f64 = (ours.points.iter().zip(&column))
            .map(|(p, t)| p[axis] as f64 * t)
            .sum();
        let worst = (ours.points.iter().zip(&column))
            .map(|(p, t)| (p[axis] as f64 - agree.signum() * t).abs())
            .fold(0f64, f64::max);
        let explained = theirs["explained"][axis].as_f64().unwrap();
        eprintln!(
            "axis {axis}: largest difference {worst:.2e} (coordinates up to {scale:.1}); explains {:.4} (scikit-learn {explained:.4})",
            ours.explained[axis]
        );
        assert!(worst < 1e-3 * scale, "axis {axis}: {worst}");
        assert!((ours.explained[axis] - explained).abs() < 1e-6);
    }
}

/// Flipped on purpose: one photo of each of the six scenes relabelled as the next scene (6
/// of 60, 10 %). The finder's list, most suspect first, holds them near its top: the share
/// of the flipped photos among its first 6 entries is printed and must be at least 5 of 6
/// (chance: a tenth).
#[test]
fn the_mislabel_finder_puts_flipped_labels_at_the_top() {
    let (x, mut labels) = scenes("explore-flipped");
    let classes = SCENES.len();
    let flipped: Vec<usize> = (0..classes).map(|c| c * PER_CLASS + 3).collect();
    for &i in &flipped {
        labels[i] = (labels[i] + 1) % classes;
    }
    let found = suspects(&x, FEATURE_DIM, &labels, NEIGHBOURS);
    let top: Vec<usize> = found.iter().take(flipped.len()).map(|s| s.index).collect();
    let caught = flipped.iter().filter(|i| top.contains(i)).count();
    eprintln!(
        "flipped labels in the top {}: {caught} ({} listed in all)",
        flipped.len(),
        found.len()
    );
    assert!(caught >= 5, "{found:?}");
    // Each caught photo is offered its true class back.
    for s in found.iter().filter(|s| flipped.contains(&s.index)) {
        assert_eq!(s.suggested, s.index / PER_CLASS, "{s:?}");
    }
}
