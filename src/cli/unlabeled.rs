//! `graft train DIR --unlabeled POOL` (issue 17): photos without a label that help. Every
//! image under POOL is embedded, the labelled photos' classes spread to them over the
//! photos' nearest-neighbour graph (train/propagation.rs), and those it is sure of train the
//! head as extra rows, never measured on; the rest are left out, and the counts are said.

use super::classify::{Rows, embed};
use crate::data::folder::files_under;
use crate::model::FEATURE_DIM;
use crate::train::propagation::{CONFIDENT, NEIGHBOURS, propagate};
use std::collections::HashSet;
use std::path::Path;

/// The rows (features) and classes of the photos under `pool` that propagation labels
/// surely, from the labelled `features` (`[N * 1280]`) and `labels`.
pub fn pseudo_labelled(
    rows: &Rows,
    pool: &Path,
    (features, labels): (&[f32], &[usize]),
    names: &[String],
) -> Result<(Vec<f32>, Vec<usize>), Box<dyn std::error::Error>> {
    let files = files_under(pool)?;
    let embedded = embed(rows, &files, |path, e| {
        eprintln!("graft: {}: skipped: {e}", path.display());
    })?;
    // A copy of a labelled photo teaches nothing new: left out, and counted.
    let key = |row: &[f32]| row.iter().map(|v| v.to_bits()).collect::<Vec<u32>>();
    let labelled: HashSet<Vec<u32>> = features.chunks_exact(FEATURE_DIM).map(key).collect();
    let fresh: Vec<&Vec<f32>> = (embedded.iter().map(|(_, f)| f))
        .filter(|f| !labelled.contains(&key(f)))
        .collect();
    let copies = embedded.len() - fresh.len();
    if fresh.is_empty() {
        return Err(format!(
            "{}: no unlabelled photo to learn from ({} images read, {copies} of them copies of \
             labelled ones): train without --unlabeled",
            pool.display(),
            embedded.len()
        )
        .into());
    }
    let mut all = features.to_vec();
    fresh.iter().for_each(|f| all.extend_from_slice(f));
    let spread = propagate(&all, FEATURE_DIM, labels, names.len(), NEIGHBOURS);
    let (mut values, mut classes, mut counts) = (Vec::new(), Vec::new(), vec![0; names.len()]);
    for (f, (&class, &sure)) in fresh
        .iter()
        .zip(spread.labels.iter().zip(&spread.confidence))
    {
        if sure >= CONFIDENT {
            values.extend_from_slice(f);
            classes.push(class);
            counts[class] += 1;
        }
    }
    let per_class: Vec<String> = (names.iter().zip(&counts))
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    eprintln!(
        "graft: {} unlabelled images: {} labelled by propagation (sure to {CONFIDENT}): {}; \
         {} left out as unsure{}",
        fresh.len(),
        classes.len(),
        per_class.join(", "),
        fresh.len() - classes.len(),
        if copies > 0 {
            format!(", {copies} as copies of labelled images")
        } else {
            String::new()
        }
    );
    Ok((values, classes))
}
