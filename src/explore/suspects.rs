//! Photos that look mislabelled: those whose nearest neighbours in feature space mostly
//! carry another label (a k-nearest-neighbour vote; cosine similarity of the embeddings, as
//! the prototypes use).

use crate::model::head::l2_normalized;

/// Neighbours asked: enough for a vote, few enough for a class of a handful of photos.
pub const NEIGHBOURS: usize = 5;

/// A photo the vote disagrees with.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suspect {
    /// An index into the rows.
    pub index: usize,
    pub label: usize,
    /// The label most of its neighbours carry.
    pub suggested: usize,
    /// The share of its neighbours' similarity that carries `suggested` (0..1): how
    /// suspect it is.
    pub score: f32,
}

/// Every photo whose `k` nearest neighbours (by cosine, itself left out) give most weight
/// to another label, the most suspect first. Neighbours vote by similarity (clamped at
/// zero), so a near-duplicate counts more than a far one.
pub fn suspects(rows: &[f32], dim: usize, labels: &[usize], k: usize) -> Vec<Suspect> {
    let unit: Vec<f32> = rows.chunks_exact(dim).flat_map(l2_normalized).collect();
    let n = (unit.len() / dim.max(1)).min(labels.len());
    let row = |i: usize| &unit[i * dim..(i + 1) * dim];
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    // Each row's k most similar others: (similarity, index), kept sorted, best first. A
    // pair's similarity is computed once and offered to both rows' lists (half the work
    // of asking it from each side: n (n - 1) / 2 dot products).
    let mut near: Vec<Vec<(f32, usize)>> = vec![Vec::with_capacity(k + 1); n];
    let offer = |list: &mut Vec<(f32, usize)>, s: f32, j: usize| {
        if list.len() < k || s > list[list.len() - 1].0 {
            let at = list.partition_point(|(t, _)| *t >= s);
            list.insert(at, (s, j));
            list.truncate(k);
        }
    };
    // Rows `TILE` at a time against every later row: each later row is read from memory
    // once a tile, not once a row (10 000 rows of 1 280 are 51 MB, past any cache).
    for start in (0..n).step_by(TILE) {
        let tile = start..(start + TILE).min(n);
        for j in start + 1..n {
            for i in tile.clone().take_while(|&i| i < j) {
                let s = dot(row(i), row(j));
                offer(&mut near[i], s, j);
                offer(&mut near[j], s, i);
            }
        }
    }
    let mut out = Vec::new();
    for (i, near) in near.iter().enumerate() {
        let mut votes = vec![0f32; classes];
        for (s, j) in near {
            votes[labels[*j]] += s.max(0.0);
        }
        let total: f32 = votes.iter().sum();
        let best = (0..classes).fold(labels[i], |b, c| if votes[c] > votes[b] { c } else { b });
        if best != labels[i] && total > 0.0 {
            out.push(Suspect {
                index: i,
                label: labels[i],
                suggested: best,
                score: votes[best] / total,
            });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
    out
}

/// Rows compared with the rest together (`suspects`): 64 rows of 1 280 are 320 KB.
const TILE: usize = 64;

/// `a . b` in eight running sums, one a lane: summed so, the compiler keeps them in SIMD
/// registers (one running sum must be added in order, so is not vectorised).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f32 = (ca.remainder().iter().zip(cb.remainder()))
        .map(|(x, y)| x * y)
        .sum();
    let mut lanes = [0f32; 8];
    for (x, y) in ca.zip(cb) {
        for ((sum, a), b) in lanes.iter_mut().zip(x).zip(y) {
            *sum += a * b;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers in [-1, 1) from a fixed seed (a linear congruential generator).
    fn numbers(n: usize, mut seed: u64) -> Vec<f32> {
        (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// The lane sums against a sum in f64 (1e-5: f32 rounding over 1 283 products), with a
    /// length that leaves a remainder.
    #[test]
    fn the_lane_dot_is_the_dot_product() {
        let (a, b) = (numbers(1283, 1), numbers(1283, 2));
        let want: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        assert!((dot(&a, &b) as f64 - want).abs() < 1e-5 * want.abs().max(1.0));
    }

    /// The tiled loop finds what every pair asked in turn finds: 150 rows cross two tile
    /// edges; the reference compares each pair in f64.
    #[test]
    fn tiles_find_the_same_neighbours_as_every_pair() {
        let (n, dim, k) = (150, 13, 5);
        let rows = numbers(n * dim, 3);
        let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let unit: Vec<Vec<f64>> = (rows.chunks_exact(dim))
            .map(|r| {
                let norm = r.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
                r.iter().map(|v| *v as f64 / norm).collect()
            })
            .collect();
        let mut want = Vec::new();
        for i in 0..n {
            let mut others: Vec<(f64, usize)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (unit[i].iter().zip(&unit[j]).map(|(a, b)| a * b).sum(), j))
                .collect();
            others.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut votes = [0f64; 3];
            others[..k]
                .iter()
                .for_each(|(s, j)| votes[labels[*j]] += s.max(0.0));
            let best = (0..3).fold(labels[i], |b, c| if votes[c] > votes[b] { c } else { b });
            if best != labels[i] {
                want.push((i, best));
            }
        }
        let mut found: Vec<(usize, usize)> = (suspects(&rows, dim, &labels, k).iter())
            .map(|s| (s.index, s.suggested))
            .collect();
        found.sort();
        assert!(!want.is_empty());
        assert_eq!(found, want);
    }

    #[test]
    fn a_photo_among_anothers_neighbours_is_suspect_by_their_weight() {
        // Class 0 points near (1, 0), class 1 near (0, 1); row 3 is labelled 1 but lies
        // with class 0, row 5 (labelled 0) lies halfway.
        let rows = [
            1.0, 0.0, //
            1.0, 0.1, //
            1.0, -0.1, //
            1.0, 0.05, // labelled 1
            0.0, 1.0, //
            1.0, 1.0, // labelled 0
            0.1, 1.0, //
        ];
        let labels = [0, 0, 0, 1, 1, 0, 1];
        let found = suspects(&rows, 2, &labels, 3);
        assert_eq!(found.len(), 2, "{found:?}");
        // Row 3's 3 neighbours are rows 0, 1, 2, all class 0.
        let s = &found[0];
        assert_eq!((s.index, s.label, s.suggested, s.score), (3, 1, 0, 1.0));
        // Row 5 (cosines: row 1 and row 6 0.7741, row 3 0.7416, the rest less) has two of
        // its three neighbours in class 1 (one of them the mislabelled row 3).
        let cos = |a: [f32; 2]| (a[0] + a[1]) / (2f32.sqrt() * (a[0] * a[0] + a[1] * a[1]).sqrt());
        let (c1, c3, c6) = (cos([1.0, 0.1]), cos([1.0, 0.05]), cos([0.1, 1.0]));
        let s = &found[1];
        assert_eq!((s.index, s.label, s.suggested), (5, 0, 1));
        assert!((s.score - (c6 + c3) / (c1 + c6 + c3)).abs() < 1e-6, "{s:?}");
    }
}
