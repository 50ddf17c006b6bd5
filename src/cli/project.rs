//! `graft export-project DIR --out FILE`: a folder of class folders as a project file (the
//! page's "Open project" reads it, and so does `graft train FILE`); and the project file as
//! a folder again, for training.

use super::CliResult;
use crate::classifier::check_class_names;
use crate::data::decode;
use crate::data::folder::ImageFolder;
use crate::data::stored::stored_copy;
use crate::project::sample_hash;
use crate::project_file::{ProjectFile, ProjectWriter};
use crate::train::TrainConfig;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Write the images of `dir` (as the page keeps them: downscaled JPEG copies), the settings
/// and, if given, a model file, to the project file `out`. An image that cannot be read
/// is named and skipped, as a duplicate within its class is; `out` is written whole or not
/// at all (a temporary name, then a rename).
pub fn export(
    dir: &Path,
    out: &Path,
    title: &str,
    model: Option<&Path>,
    config: &TrainConfig,
) -> CliResult {
    let folder = ImageFolder::scan(dir)?;
    check_class_names(&folder.classes).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut w = ProjectWriter::new(title, &folder.classes, Some(config.clone()));
    let mut parts: Vec<Vec<u8>> = Vec::new();
    if let Some(path) = model {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        parts.push(w.model(&bytes)?);
        parts.push(bytes);
    }
    let mut seen = HashSet::new();
    for (path, class) in &folder.files {
        let copy = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                if !seen.insert((*class, sample_hash(&bytes))) {
                    return Err("the same image is already in its class".into());
                }
                let img = decode(&bytes).map_err(|e| e.to_string())?;
                stored_copy(&img)
            });
        match copy {
            Ok(copy) => {
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                parts.push(w.image(*class, &name, false, &copy)?);
                parts.push(copy);
            }
            Err(e) => eprintln!("graft: {}: skipped: {e}", path.display()),
        }
    }
    let counts: Vec<usize> = w.manifest.classes.iter().map(|c| c.images.len()).collect();
    parts.push(w.finish()?);
    let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    super::export::write_whole(out, &parts)?;
    eprintln!(
        "graft: wrote {} ({} images in {} classes: {:?})",
        out.display(),
        counts.iter().sum::<usize>(),
        counts.len(),
        counts
    );
    Ok(ExitCode::SUCCESS)
}

/// A project file unpacked for training: its images as files under a temporary folder
/// (removed when dropped), the folder's layout, the images set aside for validation, and
/// the project's settings.
pub struct Unpacked {
    dir: PathBuf,
    pub folder: ImageFolder,
    pub validation: HashSet<PathBuf>,
    pub settings: Option<TrainConfig>,
    /// The folder of the Unlabelled tray's images, when the project has any.
    pub unlabelled: Option<PathBuf>,
    /// Further tasks (issue 18): the class cards' task's name, and each further task's name
    /// and its photos (among `folder`'s) by class.
    pub first_task: String,
    pub tasks: Vec<(String, ImageFolder)>,
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Unpack the project file `path`. An image that cannot be read from it is named on
/// stderr and left out.
pub fn unpack(path: &Path) -> Result<Unpacked, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = ProjectFile::open(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = std::env::temp_dir().join(format!("graft-project-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut unpacked = Unpacked {
        dir,
        folder: ImageFolder {
            classes: file
                .manifest
                .classes
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            files: Vec::new(),
        },
        validation: HashSet::new(),
        settings: file.manifest.settings.clone(),
        unlabelled: None,
        first_task: file.manifest.first_task.clone(),
        tasks: (file.manifest.tasks.iter())
            .map(|t| {
                let folder = ImageFolder {
                    classes: t.classes.clone(),
                    files: Vec::new(),
                };
                (t.name.clone(), folder)
            })
            .collect(),
    };
    for (class, entry) in file.manifest.classes.iter().enumerate() {
        for (n, image) in entry.images.iter().enumerate() {
            let target = unpacked.dir.join(format!("{class}-{n}"));
            match file.image(&image.file) {
                Ok(data) => std::fs::write(&target, data)?,
                Err(e) => {
                    eprintln!("graft: {}: {}: skipped: {e}", path.display(), image.name);
                    continue;
                }
            }
            if image.validation {
                unpacked.validation.insert(target.clone());
            }
            // Its class in further tasks (the manifest names only declared ones).
            for (task, class) in &image.tasks {
                let Some((_, folder)) = unpacked.tasks.iter_mut().find(|(t, _)| t == task) else {
                    continue;
                };
                if let Some(c) = folder.classes.iter().position(|n| n == class) {
                    folder.files.push((target.clone(), c));
                }
            }
            unpacked.folder.files.push((target, class));
        }
    }
    let tray = unpacked.dir.join("unlabelled");
    for (n, image) in file.manifest.unlabelled.iter().enumerate() {
        match file.image(&image.file) {
            Ok(data) => {
                std::fs::create_dir_all(&tray)?;
                std::fs::write(tray.join(format!("{n}")), data)?;
                unpacked.unlabelled = Some(tray.clone());
            }
            Err(e) => eprintln!("graft: {}: {}: skipped: {e}", path.display(), image.name),
        }
    }
    Ok(unpacked)
}
