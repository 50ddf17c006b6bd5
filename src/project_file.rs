//! The project file: a whole project in one zip (archive.rs) that travels between
//! browsers, the command line and tutorials: `graft-project.json` (title, classes, each
//! class's images and which are set aside for validation, settings), the images as the
//! page keeps them, and the model file if there is one. Read back whole and checked; an
//! image that cannot be read is named and left out, the rest load.

use crate::archive::{Archive, ArchiveError, ZipWriter};
use crate::classifier::check_class_names;
use crate::train::TrainConfig;
use serde::{Deserialize, Serialize};

/// The manifest's name inside the archive, and what it says it is.
pub const MANIFEST: &str = "graft-project.json";
const FORMAT: &str = "graft-project";
/// Raised when a file this version cannot read correctly is written.
pub const VERSION: u32 = 1;
/// Limits on what one entry may inflate to: the manifest of 10 000 images is ~1 MB; a kept
/// copy is ~32 KB (data/stored.rs) and a photo added by the command line a few MB; a model
/// with 5 fine-tuned blocks is ~15 MB.
const MANIFEST_LIMIT: u64 = 16 << 20;
pub const IMAGE_LIMIT: u64 = 64 << 20;
pub const MODEL_LIMIT: u64 = 256 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub title: String,
    pub classes: Vec<ClassEntry>,
    #[serde(default)]
    pub settings: Option<TrainConfig>,
    /// The model file's entry, if the project has a model.
    #[serde(default)]
    pub model: Option<String>,
    /// The Unlabelled tray's images (issue 17), their `validation` always false.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlabelled: Vec<ImageEntry>,
    /// Further tasks on the same photos (issue 18), each image's class in them on the
    /// image (`ImageEntry::tasks`); and the class cards' task's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<TaskEntry>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_task: String,
}

/// A further task: its name and class names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEntry {
    pub name: String,
    pub classes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassEntry {
    pub name: String,
    pub images: Vec<ImageEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageEntry {
    /// The image's name where it came from (a file name, "webcam frame 3").
    pub name: String,
    /// Its entry in the archive.
    pub file: String,
    /// Set aside for validation.
    #[serde(default)]
    pub validation: bool,
    /// Its class in each further task that gives it one: task name -> class name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tasks: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectFileError {
    #[error("This is not a graft project file: {0}")]
    Archive(#[from] ArchiveError),
    #[error("This is not a graft project file: it has no {MANIFEST}")]
    NoManifest,
    #[error("This project file's description cannot be read: {0}")]
    Manifest(String),
    #[error(
        "This project file was made by a newer graft (format version {0}; this one reads {VERSION}): update graft"
    )]
    Newer(u32),
    #[error("This project file's classes cannot be used: {0}")]
    Classes(String),
}

impl Manifest {
    pub fn new(title: &str) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            title: title.into(),
            classes: Vec::new(),
            settings: None,
            model: None,
            unlabelled: Vec::new(),
            tasks: Vec::new(),
            first_task: String::new(),
        }
    }

    /// Parse and check a manifest: its format, version and class names.
    pub fn parse(json: &[u8]) -> Result<Self, ProjectFileError> {
        let m: Manifest =
            serde_json::from_slice(json).map_err(|e| ProjectFileError::Manifest(e.to_string()))?;
        if m.format != FORMAT {
            return Err(ProjectFileError::Manifest(format!(
                "it says it is '{}', not '{FORMAT}'",
                m.format
            )));
        }
        if m.version > VERSION {
            return Err(ProjectFileError::Newer(m.version));
        }
        let names: Vec<String> = m.classes.iter().map(|c| c.name.clone()).collect();
        check_class_names(&names).map_err(ProjectFileError::Classes)?;
        m.check_tasks().map_err(ProjectFileError::Classes)?;
        if let Some(config) = &m.settings {
            config.check().map_err(|e| {
                ProjectFileError::Manifest(format!("its settings are out of range: {e}"))
            })?;
        }
        Ok(m)
    }

    /// Further tasks as a project allows them (names given and distinct, the first task's
    /// too; classes as any task's), and every image's class in one of them declared.
    fn check_tasks(&self) -> Result<(), String> {
        if 1 + self.tasks.len() > crate::classifier::MAX_TASKS {
            return Err(format!(
                "{} tasks (at most {})",
                1 + self.tasks.len(),
                crate::classifier::MAX_TASKS
            ));
        }
        let mut names = vec![self.first_task.as_str()];
        for t in &self.tasks {
            if t.name.trim().is_empty() || names.contains(&t.name.as_str()) {
                return Err(format!("task name '{}' is empty or given twice", t.name));
            }
            names.push(&t.name);
            check_class_names(&t.classes).map_err(|e| format!("task '{}': {e}", t.name))?;
        }
        // Only a photo with a class card's class has classes in further tasks (as in the
        // page).
        if let Some(image) = self.unlabelled.iter().find(|i| !i.tasks.is_empty()) {
            return Err(format!(
                "{}: a photo of the Unlabelled tray has no class in further tasks",
                image.name
            ));
        }
        for image in self.classes.iter().flat_map(|c| &c.images) {
            for (task, class) in &image.tasks {
                let known =
                    (self.tasks.iter()).any(|t| &t.name == task && t.classes.contains(class));
                if !known {
                    return Err(format!(
                        "{}: task '{task}' has no class '{class}'",
                        image.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Entries named by more than one image, or by the manifest and the model: refused
    /// while reading, as a hand-edited file could do it.
    fn shared_entry(&self) -> Option<&str> {
        let mut seen = std::collections::HashSet::new();
        let files = (self.classes.iter().flat_map(|c| &c.images))
            .chain(&self.unlabelled)
            .map(|i| &i.file);
        files
            .chain(self.model.as_ref())
            .find(|f| f.as_str() == MANIFEST || !seen.insert(f.as_str()))
            .map(String::as_str)
    }
}

/// The archive entry for image `n` of class `class`: its name kept readable, but never a
/// path of its own (no separators) and unique by its number.
pub fn image_entry(class: usize, n: usize, name: &str) -> String {
    entry(&class.to_string(), n, name)
}

/// The entry for image `n` of the folder `folder` under `images/`.
fn entry(folder: &str, n: usize, name: &str) -> String {
    let safe: String = (name.chars())
        .map(|c| {
            if c.is_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    format!("images/{folder}/{n:05}-{safe}")
}

/// Writes a project file as parts to concatenate (a page builds a Blob of them, so a large
/// project is never one buffer): each image's header and bytes, then the model, then the
/// manifest and the directory (`finish`).
pub struct ProjectWriter {
    zip: ZipWriter,
    pub manifest: Manifest,
}

impl ProjectWriter {
    pub fn new(title: &str, class_names: &[String], settings: Option<TrainConfig>) -> Self {
        let mut manifest = Manifest::new(title);
        manifest.settings = settings;
        manifest.classes = (class_names.iter())
            .map(|name| ClassEntry {
                name: name.clone(),
                images: Vec::new(),
            })
            .collect();
        Self {
            zip: ZipWriter::default(),
            manifest,
        }
    }

    /// The header part for image `bytes` of class index `class` (the bytes follow it).
    pub fn image(
        &mut self,
        class: usize,
        name: &str,
        validation: bool,
        bytes: &[u8],
    ) -> Result<Vec<u8>, ArchiveError> {
        let images = &mut self.manifest.classes[class].images;
        let file = image_entry(class, images.len(), name);
        let header = self.zip.header(&file, bytes)?;
        images.push(ImageEntry {
            name: name.into(),
            file,
            validation,
            tasks: Default::default(),
        });
        Ok(header)
    }

    /// The header part for image `bytes` of the Unlabelled tray (the bytes follow it).
    pub fn unlabelled(&mut self, name: &str, bytes: &[u8]) -> Result<Vec<u8>, ArchiveError> {
        let file = entry("unlabelled", self.manifest.unlabelled.len(), name);
        let header = self.zip.header(&file, bytes)?;
        self.manifest.unlabelled.push(ImageEntry {
            name: name.into(),
            file,
            validation: false,
            tasks: Default::default(),
        });
        Ok(header)
    }

    /// The project's further tasks: the class cards' task's name, and each task's name and
    /// classes.
    pub fn tasks(&mut self, first: &str, tasks: Vec<TaskEntry>) {
        self.manifest.first_task = first.into();
        self.manifest.tasks = tasks;
    }

    /// The last image written to class `class`: its class in further tasks (task name ->
    /// class name).
    pub fn label_last(&mut self, class: usize, labels: std::collections::BTreeMap<String, String>) {
        if let Some(image) = self.manifest.classes[class].images.last_mut() {
            image.tasks = labels;
        }
    }

    /// The header part for the model file `bytes` (which follow it).
    pub fn model(&mut self, bytes: &[u8]) -> Result<Vec<u8>, ArchiveError> {
        let file = "model.graft".to_string();
        let header = self.zip.header(&file, bytes)?;
        self.manifest.model = Some(file);
        Ok(header)
    }

    /// The last parts: the manifest's header and bytes, and the directory.
    pub fn finish(mut self) -> Result<Vec<u8>, ArchiveError> {
        let json = serde_json::to_vec_pretty(&self.manifest).unwrap_or_default();
        let mut out = self.zip.header(MANIFEST, &json)?;
        out.extend(json);
        out.extend(self.zip.finish());
        Ok(out)
    }
}

/// A project file read whole (the command line's way): its manifest, and each image's
/// bytes on request.
pub struct ProjectFile<'a> {
    archive: Archive<'a>,
    pub manifest: Manifest,
}

impl<'a> ProjectFile<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Self, ProjectFileError> {
        let archive = Archive::open(bytes)?;
        let json = archive
            .read(MANIFEST, MANIFEST_LIMIT)?
            .ok_or(ProjectFileError::NoManifest)?;
        let manifest = Manifest::parse(&json)?;
        if let Some(entry) = manifest.shared_entry() {
            return Err(ProjectFileError::Manifest(format!(
                "'{entry}' is named twice"
            )));
        }
        Ok(Self { archive, manifest })
    }

    /// The bytes of image entry `file`, or why they cannot be read (missing, damaged).
    pub fn image(&self, file: &str) -> Result<Vec<u8>, String> {
        match self.archive.read(file, IMAGE_LIMIT) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err("missing from the project file".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The model file's bytes, if the project has one.
    pub fn model(&self) -> Result<Option<Vec<u8>>, String> {
        let Some(file) = &self.manifest.model else {
            return Ok(None);
        };
        match self.archive.read(file, MODEL_LIMIT) {
            Ok(Some(bytes)) => Ok(Some(bytes)),
            Ok(None) => Err("the model is missing from the project file".into()),
            Err(e) => Err(format!("the model cannot be read: {e}")),
        }
    }
}

#[cfg(test)]
#[path = "project_file_tests.rs"]
mod tests;
