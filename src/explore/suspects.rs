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
    let unit: Vec<Vec<f32>> = rows.chunks_exact(dim).map(l2_normalized).collect();
    let n = unit.len().min(labels.len());
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
    for i in 0..n {
        for j in i + 1..n {
            let s: f32 = unit[i].iter().zip(&unit[j]).map(|(a, b)| a * b).sum();
            offer(&mut near[i], s, j);
            offer(&mut near[j], s, i);
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

#[cfg(test)]
mod tests {
    use super::*;

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
