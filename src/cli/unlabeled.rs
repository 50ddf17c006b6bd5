//! `graft train DIR --unlabeled POOL` (issue 17): photos without a label that help. Every
//! image under POOL is embedded, the labelled photos' classes spread to them over the
//! photos' nearest-neighbour graph (train/propagation.rs), and those it is sure of train the
//! head as extra rows, never measured on; the rest are left out, and the counts are said.

use super::classify::{Rows, embed};
use crate::data::folder::files_under;
use crate::model::FEATURE_DIM;
use crate::train::propagation::pseudo_label;
use std::path::Path;

/// The rows (features) and classes of the photos under `pool` that propagation labels
/// surely, from the labelled `features` (`[N * 1280]`) and `labels`.
pub fn pseudo_labelled(
    rows: &Rows,
    pool_dir: &Path,
    (features, labels): (&[f32], &[usize]),
    names: &[String],
) -> Result<(Vec<f32>, Vec<usize>), Box<dyn std::error::Error>> {
    let files = files_under(pool_dir)?;
    let embedded = embed(rows, &files, |path, e| {
        eprintln!("graft: {}: skipped: {e}", path.display());
    })?;
    let pool: Vec<f32> = embedded
        .iter()
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    let got = pseudo_label((features, labels), &pool, FEATURE_DIM, names.len());
    if got.rows.is_empty() && got.unsure == 0 {
        return Err(format!(
            "{}: no unlabelled photo to learn from ({} images read, {} of them copies of \
             labelled ones): train without --unlabeled",
            pool_dir.display(),
            embedded.len(),
            got.copies
        )
        .into());
    }
    eprintln!("graft: {}", got.summary(names));
    let values = (got.rows.iter())
        .flat_map(|&i| pool[i * FEATURE_DIM..(i + 1) * FEATURE_DIM].iter().copied())
        .collect();
    let classes = got.classes;
    Ok((values, classes))
}
