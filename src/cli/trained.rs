//! The end of every `graft train`, whichever solver: the validation report and the model
//! file written.

use super::CliResult;
use crate::classifier::Classifier;
use crate::model::batchnorm::Adaptation;
use crate::train::Evaluation;
use std::path::Path;

/// A trained model and how it did, before it is reported and written.
pub(super) struct Candidate {
    /// How its figures were made, and what the JSON report adds.
    pub title: String,
    pub extra: serde_json::Value,
    pub evaluation: Option<Evaluation>,
    pub model: Classifier,
    pub seconds: f64,
}

/// Where `graft train` writes its model, and the adaptation of the backbone (AdaBN) the
/// model was trained on, which the file carries.
#[derive(Clone, Copy)]
pub(super) struct Output<'a> {
    pub path: &'a Path,
    pub adaptation: Option<&'a Adaptation>,
}

/// Report `c`'s validation figures and write its model to `out`.
pub(super) fn finish(c: Candidate, names: &[String], out: Output, json: bool) -> CliResult {
    match &c.evaluation {
        Some(e) => report(e, names, &c.title, c.extra, json)?,
        None => eprintln!(
            "graft: no validation figures: every class has one image (add a second to any \
             class to measure)"
        ),
    }
    save_trained(out, &c.model, c.seconds)
}

/// Write the trained `model` to `out` and say so: the end of every `graft train`.
pub(super) fn save_trained(out: Output, model: &Classifier, seconds: f64) -> CliResult {
    // --adapt-bn's adaptation; auto's AdaBN candidate carries its own.
    let model = match out.adaptation {
        Some(a) => model.clone().with_adaptation(Some(a.clone())),
        None => model.clone(),
    };
    write_model(out.path, &model)?;
    let classes = |n: usize| format!("{n} classes");
    let what = match &model.meta.task {
        None => classes(model.meta.classes.len()),
        Some(first) => {
            let others = (model.meta.other_tasks.iter()).map(|t| (&t.name, t.classes.len()));
            let each: Vec<String> = std::iter::once((first, model.meta.classes.len()))
                .chain(others)
                .map(|(name, n)| format!("{name}: {}", classes(n)))
                .collect();
            format!("{} tasks, {}", each.len(), each.join(", "))
        }
    };
    eprintln!(
        "graft: trained in {seconds:.2} s; wrote {} ({what})",
        out.path.display(),
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// Writes `model` to `out`, making its folder.
pub(super) fn write_model(
    out: &Path,
    model: &Classifier,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, model.to_bytes()?)?;
    Ok(())
}

/// The report's title: how its figures were made (`best`: the epoch the Adam head kept by
/// the held-out images' validation loss).
pub(super) fn validation_title(folds: usize, refitted: bool, best: Option<usize>) -> String {
    match (folds, best) {
        (0, _) if refitted => {
            "validation (held-out images, measured before the final head trained on them too)"
                .into()
        }
        (0, Some(epoch)) => format!("validation (weights of epoch {epoch})"),
        (0, None) => "validation (held-out images)".into(),
        (k, _) => format!(
            "cross-validated ({k} folds, each image predicted by a head that did not train on it)"
        ),
    }
}

/// The validation report: per-class accuracy (recall) and precision, and the confusion
/// matrix; a JSON line with `--json` (`extra`'s fields added), a table on stderr otherwise.
pub(super) fn report(
    e: &Evaluation,
    names: &[String],
    title: &str,
    extra: serde_json::Value,
    json: bool,
) -> Result<(), serde_json::Error> {
    let classes: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let m = e.class(c);
            serde_json::json!({ "class": name, "images": m.images, "correct": m.correct,
                                "recall": m.recall, "precision": m.precision })
        })
        .collect();
    if json {
        let mut validation = serde_json::json!({ "accuracy": e.accuracy(), "classes": classes,
            "confusion": e.confusion });
        if let (Some(v), Some(extra)) = (validation.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        let line = serde_json::json!({ "validation": validation });
        println!("{}", serde_json::to_string(&line)?);
        return Ok(());
    }
    let pct = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0));
    eprintln!("{title}: accuracy {}", pct(e.accuracy()));
    eprintln!(
        "  {:<20} {:>6} {:>9} {:>10}",
        "class", "images", "accuracy", "precision"
    );
    for (c, name) in names.iter().enumerate() {
        let m = e.class(c);
        eprintln!(
            "  {name:<20} {:>6} {:>9} {:>10}",
            m.images,
            pct(m.recall),
            pct(m.precision)
        );
    }
    eprintln!(
        "  confusion (rows: true class, columns: predicted): {:?}",
        e.confusion
    );
    Ok(())
}
