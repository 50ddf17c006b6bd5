//! Dense f32 and f64 matrix products on the CPU through `gemm` (SIMD, also in wasm): the CPU
//! backbone's 1x1 convolutions and the converged head's solver share them.

/// `dst[m, n] = lhs · rhs`, where `lhs[i, p]` is `lhs[i * lhs_rs + p * lhs_cs]` (a strided
/// view: `lhs_rs = 1, lhs_cs = m` reads a row-major `[k, m]` matrix as its transpose) and
/// `rhs` is row-major `[k, n]`. `dst` is row-major and overwritten.
fn product<T: Scalar>(
    (m, n, k): (usize, usize, usize),
    lhs: &[T],
    (lhs_rs, lhs_cs): (usize, usize),
    rhs: &[T],
    dst: &mut [T],
) {
    let last = |rows: usize, rs: usize, cols: usize, cs: usize| {
        (rows.max(1) - 1) * rs + (cols.max(1) - 1) * cs + 1
    };
    assert!(lhs.len() >= last(m, lhs_rs, k, lhs_cs) && rhs.len() >= k * n && dst.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        dst[..m * n].fill(T::from(0.0));
        return;
    }
    // SAFETY: the assert above keeps every index gemm computes from these strides inside
    // the three slices; dst does not alias the inputs (it is borrowed mutably).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            1,
            n as isize,
            T::from(0.0),
            T::from(1.0),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// The element types `gemm` multiplies here.
pub trait Scalar: Copy + 'static + From<f32> {}
impl Scalar for f32 {}
impl Scalar for f64 {}

/// `dst[m, n] = lhs[m, k] · rhs[k, n]`, all row-major.
pub fn matmul<T: Scalar>(m: usize, n: usize, k: usize, lhs: &[T], rhs: &[T], dst: &mut [T]) {
    product((m, n, k), lhs, (k, 1), rhs, dst);
}

/// `dst[m, n] = lhs[k, m]ᵀ · rhs[k, n]`, all row-major (e.g. a gradient `Xᵀ · E`).
pub fn matmul_transposed<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    lhs: &[T],
    rhs: &[T],
    dst: &mut [T],
) {
    product((m, n, k), lhs, (1, m), rhs, dst);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the schoolbook sum, on shapes that are not multiples of any SIMD width.
    #[test]
    fn both_products_match_the_plain_sums() {
        let (m, n, k) = (7, 5, 13);
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 7 % 11) as f32 - 5.0) / 3.0)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i * 5 % 13) as f32 - 6.0) / 4.0)
            .collect();
        let mut got = vec![f32::NAN; m * n];
        matmul(m, n, k, &a, &b, &mut got);
        let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
        let mut got_t = vec![f32::NAN; m * n];
        matmul_transposed(m, n, k, &at, &b, &mut got_t);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                assert!((got[i * n + j] - want).abs() <= 1e-4, "({i}, {j})");
                assert!(
                    (got_t[i * n + j] - want).abs() <= 1e-4,
                    "transposed ({i}, {j})"
                );
            }
        }
    }
}
