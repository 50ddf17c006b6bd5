//! Labels for unlabelled photos (issue 17): label propagation over the photos' nearest-
//! neighbour graph (Zhou et al. 2004, "Learning with Local and Global Consistency"), with
//! the graph of Iscen et al. 2019 ("Label Propagation for Deep Semi-supervised Learning"):
//! each photo linked to its k most similar by cosine, weighted cos^gamma, symmetrised and
//! normalised (S = D^-1/2 W D^-1/2); F = (1 - a) (I - a S)^-1 Y by iteration. An unlabelled
//! photo takes the class F favours, with F's share for it as the confidence.

use crate::model::head::l2_normalized;

/// Neighbours a photo is linked to and the spreading weight: Iscen et al.'s alpha 0.99, and
/// k = 10 (theirs is 50 on CIFAR's 50 000 images; a person's pool is hundreds).
pub const NEIGHBOURS: usize = 10;
const ALPHA: f64 = 0.99;
/// The similarity power. Iscen et al. take 3, but EfficientNet's features are non-negative
/// (after ReLU6), so unrelated photos still have cosines of 0.2-0.5 (0.46 between two
/// textures in `tests/train_cli.rs`, 0.73 within one): with 10 neighbours among 21 photos
/// cos^3 left the right class 41 % of the label mass, cos^10 97 % (measured, 2026-12-01).
const GAMMA: i32 = 10;
/// Iterations of F <- a S F + (1 - a) Y: alpha^50 = 0.6, but the classes' order settles
/// long before the values converge (measured on the unit test's and the benchmark's sets).
const ITERATIONS: usize = 50;

/// An unlabelled photo is given its class when propagation gives that class at least this
/// share of its label mass (docs/benchmarks.md, "Photos without a label").
pub const CONFIDENT: f32 = 0.5;

/// Each unlabelled photo's class and confidence (0 to 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Propagated {
    pub labels: Vec<usize>,
    pub confidence: Vec<f32>,
}

/// Propagate `labels` (of the first `labels.len()` rows of `rows`, `[N * dim]`) to the
/// other rows over their `k`-nearest-neighbour graph.
pub fn propagate(
    rows: &[f32],
    dim: usize,
    labels: &[usize],
    classes: usize,
    k: usize,
) -> Propagated {
    let n = rows.len() / dim.max(1);
    let units: Vec<Vec<f32>> = rows.chunks_exact(dim.max(1)).map(l2_normalized).collect();
    // W: each row's k most similar others (cos^gamma, negatives dropped), symmetrised.
    let mut w = vec![vec![0f64; n]; n];
    for i in 0..n {
        let mut sims: Vec<(usize, f64)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (j, dot(&units[i], &units[j])))
            .collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1));
        for &(j, s) in sims.iter().take(k) {
            let v = s.max(0.0).powi(GAMMA);
            w[i][j] = w[i][j].max(v);
            w[j][i] = w[j][i].max(v);
        }
    }
    let d: Vec<f64> = w.iter().map(|r| r.iter().sum::<f64>()).collect();
    let inv_sqrt = |x: f64| if x > 0.0 { 1.0 / x.sqrt() } else { 0.0 };
    // Y: one-hot rows for the labelled photos, zeros for the others.
    let mut y = vec![vec![0f64; classes]; n];
    for (i, &l) in labels.iter().enumerate() {
        y[i][l] = 1.0;
    }
    let mut f = y.clone();
    for _ in 0..ITERATIONS {
        let mut next = vec![vec![0f64; classes]; n];
        for i in 0..n {
            for j in 0..n {
                if w[i][j] == 0.0 {
                    continue;
                }
                let s = w[i][j] * inv_sqrt(d[i]) * inv_sqrt(d[j]);
                for c in 0..classes {
                    next[i][c] += ALPHA * s * f[j][c];
                }
            }
            for c in 0..classes {
                next[i][c] += (1.0 - ALPHA) * y[i][c];
            }
        }
        f = next;
    }
    let (mut out, mut confidence) = (Vec::new(), Vec::new());
    for row in &f[labels.len()..] {
        let best = (0..classes).fold(0, |b, c| if row[c] > row[b] { c } else { b });
        let total: f64 = row.iter().sum();
        out.push(best);
        confidence.push(if total > 0.0 {
            (row[best] / total) as f32
        } else {
            0.0
        });
    }
    Propagated {
        labels: out,
        confidence,
    }
}

/// Which rule labels unlabelled photos (`graft train --pseudo-labels`): spreading labels
/// over the neighbour graph, a head's consistency across augmented views
/// (train/consistency.rs), or by the labelled photos' number (`Auto`, the default).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum PseudoRule {
    #[default]
    Auto,
    Propagation,
    Consistency,
}

/// `Auto` takes consistency once every class has this many labelled photos, propagation
/// below: in docs/benchmarks.md ("Photos without a label: two rules") consistency gains on
/// ImageNet-like photos at 3 and 10 a class, where propagation loses, and loses at 1,
/// where propagation gains.
pub const CONSISTENCY_FROM: usize = 3;

impl PseudoRule {
    pub fn parse(text: &str) -> Result<PseudoRule, String> {
        match text.trim().to_lowercase().as_str() {
            "auto" => Ok(PseudoRule::Auto),
            "propagation" => Ok(PseudoRule::Propagation),
            "consistency" => Ok(PseudoRule::Consistency),
            other => Err(format!(
                "'{other}' is not a rule for unlabelled photos: auto, propagation or consistency"
            )),
        }
    }

    /// The rule to use for these `labels` (of `classes`): `Auto` decided, others as they are.
    pub fn for_labels(self, labels: &[usize], classes: usize) -> PseudoRule {
        let mut counts = vec![0; classes];
        labels.iter().for_each(|&l| counts[l] += 1);
        let fewest = counts.into_iter().min().unwrap_or(0);
        match self {
            PseudoRule::Auto if fewest >= CONSISTENCY_FROM => PseudoRule::Consistency,
            PseudoRule::Auto => PseudoRule::Propagation,
            rule => rule,
        }
    }
}

/// Photos a rule labels surely, out of a pool of unlabelled ones.
#[derive(Clone, Debug, PartialEq)]
pub struct PseudoLabels {
    /// Indices into the pool, and the class each is given.
    pub rows: Vec<usize>,
    pub classes: Vec<usize>,
    /// Pool photos left out: copies of labelled ones (they teach nothing new), and those
    /// propagation is unsure of (under `CONFIDENT`).
    pub copies: usize,
    pub unsure: usize,
    /// The rule that labelled them, in words ("propagation (sure to 0.5)").
    pub rule: String,
}

/// The rows of `pool` that are not bit-for-bit copies of a `labelled` row (a copy of a
/// labelled photo teaches nothing new).
pub fn fresh_rows(labelled: &[f32], pool: &[f32], dim: usize) -> Vec<usize> {
    let key = |row: &[f32]| row.iter().map(|v| v.to_bits()).collect::<Vec<u32>>();
    let known: std::collections::HashSet<Vec<u32>> = labelled.chunks_exact(dim).map(key).collect();
    (pool.chunks_exact(dim).enumerate())
        .filter(|(_, row)| !known.contains(&key(row)))
        .map(|(i, _)| i)
        .collect()
}

/// Spread `labels` (of the `dim`-wide rows `labelled`) to the rows of `pool` and keep those
/// given a class surely: the command line's `--unlabeled` and the page's tray both train so.
pub fn pseudo_label(
    (labelled, labels): (&[f32], &[usize]),
    pool: &[f32],
    dim: usize,
    classes: usize,
) -> PseudoLabels {
    let fresh = fresh_rows(labelled, pool, dim);
    let copies = pool.len() / dim - fresh.len();
    let mut all = labelled.to_vec();
    fresh
        .iter()
        .for_each(|&i| all.extend_from_slice(&pool[i * dim..(i + 1) * dim]));
    let spread = propagate(&all, dim, labels, classes, NEIGHBOURS);
    let (mut rows, mut given) = (Vec::new(), Vec::new());
    for (&i, (&class, &sure)) in fresh
        .iter()
        .zip(spread.labels.iter().zip(&spread.confidence))
    {
        if sure >= CONFIDENT {
            rows.push(i);
            given.push(class);
        }
    }
    let unsure = fresh.len() - rows.len();
    PseudoLabels {
        rows,
        classes: given,
        copies,
        unsure,
        rule: format!("propagation (sure to {CONFIDENT})"),
    }
}

impl PseudoLabels {
    /// What happened to the pool, class by class, in words (`names`: the classes).
    pub fn summary(&self, names: &[String]) -> String {
        let mut counts = vec![0; names.len()];
        self.classes.iter().for_each(|&c| counts[c] += 1);
        let per_class: Vec<String> = (names.iter().zip(&counts))
            .map(|(n, c)| format!("{n} {c}"))
            .collect();
        let copies = match self.copies {
            0 => String::new(),
            n => format!(", {n} as copies of labelled images"),
        };
        format!(
            "{} unlabelled images: {} labelled by {} and trained on: {}; {} left out as \
             unsure{copies}",
            self.rows.len() + self.unsure,
            self.rows.len(),
            self.rule,
            per_class.join(", "),
            self.unsure,
        )
    }
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Photos on an arc in 2-D, labelled at its ends: a at 0 degrees (class 0) and b at 90
    /// (class 1); unlabelled u1 at 10, u2 at 20, u3 at 70, u4 at 80. With three neighbours
    /// each, a's are u1, u2 and u3 (70 degrees: a weak link, cos^3 = 0.04), so class 1 leaks
    /// a little to the near side and class 0 to the far: u1, u2 take class 0, u3, u4 class 1,
    /// and the photo nearer a label is the surer.
    #[test]
    fn labels_spread_along_the_graph_by_hand() {
        let at = |deg: f64| {
            let r = deg.to_radians();
            [r.cos() as f32, r.sin() as f32]
        };
        let rows: Vec<f32> = [0.0, 90.0, 10.0, 20.0, 70.0, 80.0]
            .iter()
            .flat_map(|&d| at(d))
            .collect();
        let got = propagate(&rows, 2, &[0, 1], 2, 3);
        assert_eq!(got.labels, vec![0, 0, 1, 1]);
        assert!(got.confidence[0] > got.confidence[1], "{got:?}");
        assert!(got.confidence[3] > got.confidence[2], "{got:?}");
        assert!(
            got.confidence.iter().all(|&c| c > 0.5 && c < 1.0),
            "{got:?}"
        );
    }

    /// The pool's copies of labelled rows are left out and counted; the sure rows keep their
    /// pool indices; a far row is unsure.
    #[test]
    fn pseudo_labels_skip_copies_and_the_unsure() {
        let at = |deg: f64| {
            let r = deg.to_radians();
            [r.cos() as f32, r.sin() as f32]
        };
        let labelled: Vec<f32> = [0.0, 90.0].iter().flat_map(|&d| at(d)).collect();
        // A copy of the 0-degree photo, one at 5 degrees, one opposite to both labels.
        let pool: Vec<f32> = [0.0, 5.0, 225.0].iter().flat_map(|&d| at(d)).collect();
        let got = pseudo_label((&labelled, &[0, 1]), &pool, 2, 2);
        assert_eq!((got.rows, got.classes), (vec![1], vec![0]));
        assert_eq!((got.copies, got.unsure), (1, 1));
    }

    /// Auto takes consistency only when every class has 3 labelled photos.
    #[test]
    fn auto_picks_the_rule_by_the_smallest_class() {
        let auto = PseudoRule::Auto;
        assert_eq!(
            auto.for_labels(&[0, 0, 0, 1, 1, 1], 2),
            PseudoRule::Consistency
        );
        assert_eq!(
            auto.for_labels(&[0, 0, 0, 1, 1], 2),
            PseudoRule::Propagation
        );
        let fixed = PseudoRule::Propagation;
        assert_eq!(fixed.for_labels(&[0, 0, 0, 1, 1, 1], 2), fixed);
        assert!(
            PseudoRule::parse("fixmatch")
                .unwrap_err()
                .contains("auto, propagation")
        );
    }

    /// A photo linked to nothing labelled keeps no class: confidence 0.
    #[test]
    fn an_unreachable_photo_has_no_confidence() {
        // Opposite directions: its only neighbour's cosine is negative, so no edge.
        let rows = [1.0, 0.0, -1.0, 0.0];
        let got = propagate(&rows, 2, &[0], 2, 1);
        assert_eq!(got.confidence, vec![0.0]);
    }
}
