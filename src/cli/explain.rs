//! `graft explain MODEL IMAGE --out heat.png`: where the model looks for a class
//! (`model::cam`), drawn over the photo as the backbone saw it (`heat`).

use super::classify::Loaded;
use super::{CliResult, ModelFiles};
use crate::backend::DeviceChoice;
use crate::data::{backbone_input, decode};
use crate::heat;
use crate::model::FEATURE_DIM;
use crate::model::cam::{class_map, pooled};
use image::imageops::{FilterType, resize};
use std::path::Path;
use std::process::ExitCode;

/// What to draw and how.
pub struct Drawing<'a> {
    /// The class whose map is drawn (by name); the predicted one if none.
    pub class: Option<&'a str>,
    /// The map's weight over the photo, 0..1.
    pub opacity: f32,
    /// The picture's side in pixels (the backbone saw 224).
    pub size: u32,
}

pub fn explain(
    model_path: &Path,
    image: &Path,
    out: &Path,
    drawing: &Drawing,
    json: bool,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    let loaded = Loaded::read(model_path, choice, files)?;
    let classes = &loaded.model.meta.classes;
    let asked = match drawing.class {
        Some(name) => Some(classes.iter().position(|c| c == name).ok_or_else(|| {
            format!(
                "the model has no class '{name}' (its classes: {})",
                classes.join(", ")
            )
        })?),
        None => None,
    };
    if !(0.0..=1.0).contains(&drawing.opacity) {
        return Err(format!("--opacity must be within 0 and 1, not {}", drawing.opacity).into());
    }
    let bytes =
        std::fs::read(image).map_err(|e| format!("cannot read {}: {e}", image.display()))?;
    let photo = decode(&bytes).map_err(|e| format!("{}: {e}", image.display()))?;
    let input = backbone_input(&photo);
    drop(photo);
    let tail = loaded.tail.as_ref().map(|(c, t)| (c, t));
    let device = &loaded.compute.device;
    let (map, side) =
        pollster::block_on(loaded.backbone.feature_map_through(&[&input], tail, device))?;
    let probs = loaded.model.probs(&pooled(&map, FEATURE_DIM));
    let best = (0..probs.len())
        .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
        .unwrap_or(0);
    let class = asked.unwrap_or(best);
    let cam = class_map(&loaded.model.head, &map, side, class);
    let seen = resize(
        &heat::seen(&input),
        drawing.size,
        drawing.size,
        FilterType::Triangle,
    );
    let layer = heat::layer(&cam.heat(), side, drawing.size);
    heat::blend(&seen, &layer, drawing.opacity)
        .save_with_format(out, image::ImageFormat::Png)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    if json {
        let line = serde_json::json!({
            "image": image.display().to_string(),
            "label": classes[best],
            "p": probs[best],
            "class": classes[class],
            "kind": cam.kind.label(),
            "side": side,
            "map": cam.values,
            "out": out.display().to_string(),
        });
        println!("{line}");
    } else {
        println!(
            "{}: {} ({:.1}%); {} for '{}' drawn in {}",
            image.display(),
            classes[best],
            probs[best] * 100.0,
            cam.kind.label(),
            classes[class],
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
