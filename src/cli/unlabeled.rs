//! `graft train DIR --unlabeled POOL` (issue 17): photos without a label that help. Every
//! image under POOL is embedded, the labelled photos' classes spread to them over the
//! photos' nearest-neighbour graph (train/propagation.rs), or a head fitted on them labels
//! the photos it labels alike across augmented views (train/consistency.rs,
//! `--pseudo-labels consistency`); those labelled surely train the head as extra rows,
//! never measured on; the rest are left out, and the counts are said.

use super::classify::{Rows, embed};
use crate::data::folder::files_under;
use crate::model::FEATURE_DIM;
use crate::train::TrainConfig;
use crate::train::consistency::{VIEWS, consistent};
use crate::train::propagation::{CONSISTENCY_FROM, PseudoLabels, PseudoRule, pseudo_label};
use std::path::Path;

/// The rows (features) and classes of the photos under `pool` that propagation labels
/// surely, from the labelled `features` (`[N * 1280]`) and `labels`.
pub fn pseudo_labelled(
    rows: &Rows,
    pool_dir: &Path,
    (features, labels): (&[f32], &[usize]),
    names: &[String],
    rule: PseudoRule,
) -> Result<(Vec<f32>, Vec<usize>), Box<dyn std::error::Error>> {
    let files = files_under(pool_dir)?;
    let embedded = embed(rows, &files, |path, e| {
        eprintln!("graft: {}: skipped: {e}", path.display());
    })?;
    let pool: Vec<f32> = embedded
        .iter()
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    let rule = match (rule, rule.for_labels(labels, names.len())) {
        (PseudoRule::Auto, chosen) => {
            let why = match chosen {
                PseudoRule::Consistency => "consistency: every class has at least",
                _ => "propagation: a class has fewer than",
            };
            let why = format!("{why} {CONSISTENCY_FROM} labelled photos");
            eprintln!("graft: --pseudo-labels auto: {why}");
            chosen
        }
        (_, chosen) => chosen,
    };
    let got = match rule {
        PseudoRule::Propagation | PseudoRule::Auto => {
            pseudo_label((features, labels), &pool, FEATURE_DIM, names.len())
        }
        PseudoRule::Consistency => {
            // `embed` answers with indices into `files`, the unreadable ones left out.
            let paths: Vec<_> = embedded.iter().map(|(i, _)| files[*i].clone()).collect();
            by_consistency(rows, (features, labels), (&pool, &paths), names)?
        }
    };
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

/// `--pseudo-labels consistency`: the default head fitted on the labelled photos, then each
/// pool photo's `VIEWS` augmented views (the page's recipe) made and checked.
fn by_consistency(
    rows: &Rows,
    (features, labels): (&[f32], &[usize]),
    (pool, paths): (&[f32], &[std::path::PathBuf]),
    names: &[String],
) -> Result<PseudoLabels, Box<dyn std::error::Error>> {
    let config = TrainConfig::default();
    let head = crate::train::linear::fit_on_all(features, labels, names, &config)?;
    let mut with_views = config;
    with_views.augment_views = VIEWS;
    let indices: Vec<usize> = (0..paths.len()).collect();
    let views = super::train::augmented_views(rows, paths, &indices, &with_views)?;
    Ok(consistent(&head, features, pool, &views, FEATURE_DIM))
}
