//! Presets: a small JSON file a tutorial author writes to fill the page with a project
//! (`?preset=URL`): a title, the classes and their images' URLs (relative to the preset),
//! settings, an optional model file's URL, and whether the reader's additions are kept.
//! Parsed and checked here; fetched by the page (`ui/preset.rs`). docs/presets.md.

use crate::classifier::check_class_names;
use crate::train::TrainConfig;
use serde::Deserialize;

/// A preset names at most this many images: each is fetched and embedded on opening
/// (~30 a second on the 2-core machine's CPU path), so a tutorial's few dozen load at once.
pub const MAX_IMAGES: usize = 2000;
/// The preset file itself: its JSON for 2 000 URLs is well under 1 MB.
pub const MAX_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(default)]
    pub title: String,
    pub classes: Vec<PresetClass>,
    #[serde(default)]
    pub settings: Option<TrainConfig>,
    /// A model file's URL (relative to the preset): the project opens trained.
    #[serde(default)]
    pub model: Option<String>,
    /// Whether what the reader adds is kept in their browser (the default); if not, the
    /// preset opens afresh on every visit and nothing is saved.
    #[serde(default = "kept")]
    pub keep: bool,
}

fn kept() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetClass {
    pub name: String,
    /// Image URLs, relative to the preset.
    #[serde(default)]
    pub images: Vec<String>,
}

impl Preset {
    /// Parse and check a preset: its shape, classes, number of images and settings.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() > MAX_BYTES {
            return Err(format!("it is over {} KB", MAX_BYTES >> 10));
        }
        let p: Preset =
            serde_json::from_slice(bytes).map_err(|e| format!("it cannot be read: {e}"))?;
        let names: Vec<String> = p.classes.iter().map(|c| c.name.clone()).collect();
        check_class_names(&names)?;
        let images: usize = p.classes.iter().map(|c| c.images.len()).sum();
        if images > MAX_IMAGES {
            return Err(format!(
                "it names {images} images; a preset holds at most {MAX_IMAGES}"
            ));
        }
        if let Some(config) = &p.settings {
            config
                .check()
                .map_err(|e| format!("its settings are out of range: {e}"))?;
        }
        Ok(p)
    }

    pub fn class_names(&self) -> Vec<String> {
        self.classes.iter().map(|c| c.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_is_read_and_checked() {
        let json = br#"{"title": "Textures", "classes": [
            {"name": "brick", "images": ["brick/1.jpg", "../photos/brick-2.jpg"]},
            {"name": "grass", "images": ["grass/1.jpg"]}],
            "settings": {"penalty_c": 3}, "keep": false}"#;
        let p = Preset::parse(json).unwrap();
        assert_eq!(p.class_names(), ["brick", "grass"]);
        assert_eq!(p.classes[0].images[1], "../photos/brick-2.jpg");
        assert_eq!(p.settings.unwrap().penalty_c, 3.0);
        assert!(!p.keep && p.model.is_none());
        let kept = Preset::parse(br#"{"classes": [{"name": "a"}, {"name": "b"}]}"#).unwrap();
        assert!(kept.keep);

        let refused = |json: &str| Preset::parse(json.as_bytes()).unwrap_err();
        assert!(refused("[1, 2]").contains("cannot be read"));
        assert!(refused(r#"{"classes": [{"name": "a"}]}"#).contains("1 classes"));
        assert!(refused(r#"{"classes": [{"name": "a"}, {"name": "a"}]}"#).contains("twice"));
        assert!(refused(r#"{"classes": [], "upload": "x"}"#).contains("unknown field"));
        let range = r#"{"classes": [{"name": "a"}, {"name": "b"}], "settings": {"steps": 0}}"#;
        assert!(refused(range).contains("out of range"));
        let many = format!(
            r#"{{"classes": [{{"name": "a", "images": [{}]}}, {{"name": "b"}}]}}"#,
            vec!["\"x.jpg\""; MAX_IMAGES + 1].join(",")
        );
        assert!(refused(&many).contains("at most"));
    }
}
