//! The photos' map: their embeddings projected on the first two principal components.
//!
//! Subspace iteration on the centred rows (each pass multiplies by `X` and `Xᵀ`, never
//! forming the 1280 x 1280 covariance: 10 000 rows cost 2 x 10 000 x 1280 x `BLOCK` a
//! pass), then Rayleigh-Ritz on the block, so the two components converge at the rate
//! of the block's last eigenvalue against theirs (Saad, "Numerical Methods for Large
//! Eigenvalue Problems", ch. 5), not of the third against the second.

/// Vectors iterated together: the two wanted and six that speed them up.
const BLOCK: usize = 8;
/// Passes at most; iteration stops earlier once the two eigenvalues settle (`TOLERANCE`).
const MAX_PASSES: usize = 100;
const TOLERANCE: f64 = 1e-10;

/// The rows on the two components: `points[i]` for row `i`, the components themselves, and
/// the share of the variance each explains.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    pub points: Vec<[f32; 2]>,
    pub axes: [Vec<f32>; 2],
    pub explained: [f64; 2],
}

/// `rows` (`n` rows of `dim`) on their first two principal components; each axis's sign is
/// chosen so its largest coordinate is positive (a sign is arbitrary; this makes it
/// repeatable). Fewer than two rows give points at the origin.
pub fn pca2(rows: &[f32], dim: usize) -> Projection {
    let n = rows.len() / dim.max(1);
    let mut mean = vec![0f64; dim];
    for row in rows.chunks_exact(dim) {
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += *v as f64);
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    // The rows are centred as they are read (`covariance_times`), not copied centred: a
    // copy would be 51 MB more in the worker at 10 000 rows.
    let total: f64 = (rows.chunks_exact(dim))
        .map(|row| {
            row.iter()
                .zip(&mean)
                .map(|(v, m)| (*v as f64 - m).powi(2))
                .sum::<f64>()
        })
        .sum();
    let q = BLOCK.min(dim).min(n.max(1));
    // A repeatable start: a fixed pattern a vector (any start not orthogonal to the
    // components converges).
    let mut basis: Vec<Vec<f64>> = (0..q)
        .map(|j| {
            (0..dim)
                .map(|k| ((k * (j + 1)) % 7) as f64 - 3.0 + if k == j { 1.0 } else { 0.0 })
                .collect()
        })
        .collect();
    orthonormalise(&mut basis);
    let mut last = [f64::NAN; 2];
    let mut values = vec![0.0; q];
    for _ in 0..MAX_PASSES {
        // Y = Xᵀ X V, then the block's own eigen-problem (Rayleigh-Ritz).
        let mut next = covariance_times(rows, &mean, &basis);
        let small: Vec<Vec<f64>> = (basis.iter())
            .map(|a| next.iter().map(|b| dot(a, b)).collect())
            .collect();
        let (eig, vectors) = jacobi(small);
        let mut order: Vec<usize> = (0..q).collect();
        order.sort_by(|&a, &b| eig[b].total_cmp(&eig[a]));
        basis = (order.iter())
            .map(|&j| {
                (0..dim)
                    .map(|k| (0..q).map(|i| vectors[i][j] * next[i][k]).sum())
                    .collect()
            })
            .collect();
        next.clear();
        orthonormalise(&mut basis);
        values = order.iter().map(|&j| eig[j]).collect();
        let now = [values[0], values.get(1).copied().unwrap_or(0.0)];
        let settled =
            (0..2).all(|i| (now[i] - last[i]).abs() <= TOLERANCE * now[0].abs().max(1e-300));
        last = now;
        if settled {
            break;
        }
    }
    let axis = |j: usize| -> Vec<f64> {
        let Some(v) = basis.get(j) else {
            return vec![0.0; dim];
        };
        let top = v
            .iter()
            .copied()
            .fold(0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        v.iter().map(|x| if top < 0.0 { -x } else { *x }).collect()
    };
    let axes = [axis(0), axis(1)];
    let offsets = axes.each_ref().map(|a| dot(&mean, a));
    let points = (rows.chunks_exact(dim))
        .map(|row| {
            let at = |k: usize| (dot32(row, &axes[k]) - offsets[k]) as f32;
            [at(0), at(1)]
        })
        .collect();
    let share = |i: usize| {
        if total > 0.0 {
            values.get(i).copied().unwrap_or(0.0) / total
        } else {
            0.0
        }
    };
    Projection {
        points,
        axes: axes.map(|a| a.into_iter().map(|x| x as f32).collect()),
        explained: [share(0), share(1)],
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn dot32(a: &[f32], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * y).sum()
}

/// `Xᵀ (X v)` for each `v` of the block, `X` the rows less their `mean`, in one sweep of
/// the rows (51 MB at 10 000: read once a pass, not once a vector): `(x - m) · v` is
/// `x · v - m · v`, and the sum of `(x - m) s` is that of `x s` less `m` times that of `s`.
fn covariance_times(rows: &[f32], mean: &[f64], block: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let dim = mean.len();
    let offsets: Vec<f64> = block.iter().map(|v| dot(mean, v)).collect();
    let mut out = vec![vec![0f64; dim]; block.len()];
    let mut sums = vec![0f64; block.len()];
    for row in rows.chunks_exact(dim) {
        for (j, (v, o)) in block.iter().zip(out.iter_mut()).enumerate() {
            let s = dot32(row, v) - offsets[j];
            sums[j] += s;
            o.iter_mut().zip(row).for_each(|(o, r)| *o += s * *r as f64);
        }
    }
    for (o, sum) in out.iter_mut().zip(&sums) {
        o.iter_mut().zip(mean).for_each(|(o, m)| *o -= sum * m);
    }
    out
}

/// Gram-Schmidt, twice over for accuracy; a vector that vanishes stays zero.
fn orthonormalise(basis: &mut [Vec<f64>]) {
    for j in 0..basis.len() {
        for _ in 0..2 {
            for i in 0..j {
                let p = dot(&basis[i], &basis[j]);
                let (head, tail) = basis.split_at_mut(j);
                tail[0]
                    .iter_mut()
                    .zip(&head[i])
                    .for_each(|(x, y)| *x -= p * y);
            }
        }
        let norm = dot(&basis[j], &basis[j]).sqrt();
        if norm > 0.0 {
            basis[j].iter_mut().for_each(|x| *x /= norm);
        }
    }
}

/// Eigenvalues and eigenvectors (columns) of a small symmetric matrix, by cyclic Jacobi
/// rotations (Golub and Van Loan, "Matrix Computations", 8.5).
fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let m = a.len();
    let mut v: Vec<Vec<f64>> = (0..m)
        .map(|i| (0..m).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _ in 0..50 {
        let off: f64 = (0..m)
            .flat_map(|i| (0..m).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..m {
            for r in p + 1..m {
                if a[p][r] == 0.0 {
                    continue;
                }
                let theta = (a[r][r] - a[p][p]) / (2.0 * a[p][r]);
                // The rotation that zeroes a[p][r]: t = tan of its angle (theta = 0: 1).
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A J, then Jᵀ (A J): columns p and r, then rows p and r.
                for row in a.iter_mut() {
                    let (akp, akr) = (row[p], row[r]);
                    row[p] = c * akp - s * akr;
                    row[r] = s * akp + c * akr;
                }
                let (mut rp, mut rr) = (a[p].clone(), a[r].clone());
                for ((x, y), (&apk, &ark)) in
                    rp.iter_mut().zip(rr.iter_mut()).zip(a[p].iter().zip(&a[r]))
                {
                    *x = c * apk - s * ark;
                    *y = s * apk + c * ark;
                }
                (a[p], a[r]) = (rp, rr);
                for row in v.iter_mut() {
                    let (vp, vr) = (row[p], row[r]);
                    row[p] = c * vp - s * vr;
                    row[r] = s * vp + c * vr;
                }
            }
        }
    }
    ((0..m).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_on_a_line_lie_on_the_first_axis() {
        // Along the line through (1, 1) in direction (0.6, 0.8): u = 0, 5, -5, 10; and one
        // point off it, at u = 2.5, 0.5 along the normal (-0.8, 0.6), where it does not
        // tilt the axis (the sum of u * w about the means is 0.5 * 2.5 - 5 * 2.5 * 0.1 = 0).
        let rows = [1.0, 1.0, 4.0, 5.0, -2.0, -3.0, 7.0, 9.0, 2.1, 3.3];
        let p = pca2(&rows, 2);
        let close = |a: f32, b: f32| (a - b).abs() < 1e-5;
        assert!(
            close(p.axes[0][0], 0.6) && close(p.axes[0][1], 0.8),
            "{:?}",
            p.axes
        );
        // Signs: each axis's largest coordinate positive.
        assert!(
            close(p.axes[1][0], 0.8) && close(p.axes[1][1], -0.6),
            "{:?}",
            p.axes
        );
        // The means are u = 2.5, w = 0.1.
        let want = [
            [-2.5, 0.1],
            [2.5, 0.1],
            [-7.5, 0.1],
            [7.5, 0.1],
            [0.0, -0.4],
        ];
        for (got, want) in p.points.iter().zip(want) {
            assert!(
                close(got[0], want[0]) && close(got[1], want[1]),
                "{:?}",
                p.points
            );
        }
        // Variances 125 and 0.2 of 125.2.
        assert!(
            (p.explained[0] - 125.0 / 125.2).abs() < 1e-9,
            "{:?}",
            p.explained
        );
        assert!(
            (p.explained[1] - 0.2 / 125.2).abs() < 1e-9,
            "{:?}",
            p.explained
        );
    }

    #[test]
    fn jacobi_diagonalises_a_symmetric_matrix() {
        let (values, vectors) = jacobi(vec![vec![2.0, 1.0], vec![1.0, 2.0]]);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-12 && (sorted[1] - 3.0).abs() < 1e-12);
        for j in 0..2 {
            let (x, y) = (vectors[0][j], vectors[1][j]);
            // A v = lambda v.
            assert!((2.0 * x + y - values[j] * x).abs() < 1e-12);
        }
    }
}
