//! `graft export MODEL --onnx OUT.onnx`: the classifier as one ONNX file, with its model
//! card beside it (`OUT.md`); `--card FILE` writes a card alone. docs/export.md.

use super::{CliResult, ModelFiles};
use crate::classifier::Classifier;
use crate::export::{OPSET, card, to_onnx};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn export(
    model_path: &Path,
    onnx: Option<&Path>,
    card_path: Option<&Path>,
    files: &ModelFiles,
) -> CliResult {
    if onnx.is_none() && card_path.is_none() {
        return Err(
            "say what to write: --onnx OUT.onnx (and its card beside it) or --card OUT.md".into(),
        );
    }
    let bytes = std::fs::read(model_path)
        .map_err(|e| format!("cannot read {}: {e}", model_path.display()))?;
    let mut backbone = files.weight_file()?;
    let model = Classifier::from_bytes(&bytes, backbone.id())
        .map_err(|e| format!("{}: {e}", model_path.display()))?;
    // A model trained on an adapted backbone (AdaBN) exports that backbone.
    if let Some(adaptation) = &model.adaptation {
        backbone.adapt(adaptation)?;
    }
    let card_text = card::markdown(&model, &today());
    if let Some(out) = onnx {
        let graph = to_onnx(&backbone, &model)?;
        write_whole(out, &[&graph])?;
        let beside = card_path.map_or_else(|| out.with_extension("md"), Path::to_path_buf);
        write_whole(&beside, &[card_text.as_bytes()])?;
        eprintln!(
            "graft: wrote {} ({:.1} MB, ONNX opset {OPSET}, {} classes: {}) and its card {}",
            out.display(),
            graph.len() as f64 / 1e6,
            model.meta.classes.len(),
            model.meta.classes.join(", "),
            beside.display()
        );
    } else if let Some(out) = card_path {
        write_whole(out, &[card_text.as_bytes()])?;
        eprintln!("graft: wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Write `parts` to `out` whole or not at all: to `out.partial`, then renamed over it.
pub(super) fn write_whole(out: &Path, parts: &[&[u8]]) -> Result<(), String> {
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = std::fs::File::create(&partial).and_then(|mut f| {
        parts.iter().try_for_each(|p| f.write_all(p))?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&partial, out)) {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("{}: {e}", out.display()));
    }
    Ok(())
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil(secs as i64 / 86_400);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of day `z` since 1970-01-01 (H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", civil_from_days).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    /// Days since 1970 of dates checked by `date -d @...`: the epoch, a leap day, 2026-12-01.
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil(0), (1970, 1, 1));
        assert_eq!(super::civil(11_016), (2000, 2, 29));
        assert_eq!(super::civil(20_788), (2026, 12, 1));
    }
}
