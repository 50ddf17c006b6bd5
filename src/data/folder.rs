//! The ImageFolder layout: one sub-folder of images per class (native only).

use std::path::{Path, PathBuf};

/// Classes (sorted by folder name) and every file under each, sorted, hidden files skipped.
#[derive(Debug, Clone)]
pub struct ImageFolder {
    pub classes: Vec<String>,
    /// `(path, class index)`
    pub files: Vec<(PathBuf, usize)>,
}

#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} has no sub-folders: put each class's images in a folder named after the class")]
    NoClasses(String),
}

fn hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn entries(dir: &Path) -> Result<Vec<PathBuf>, FolderError> {
    let read = std::fs::read_dir(dir).map_err(|source| FolderError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let mut out: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !hidden(p))
        .collect();
    out.sort();
    Ok(out)
}

/// Every file below `dir`, depth first, sorted at each level.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), FolderError> {
    for path in entries(dir)? {
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Every file below `dir` (any depth, hidden ones skipped), sorted: a pool of unlabelled
/// photos.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>, FolderError> {
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    Ok(out)
}

impl ImageFolder {
    pub fn scan(root: &Path) -> Result<Self, FolderError> {
        let mut classes = Vec::new();
        let mut files = Vec::new();
        for dir in entries(root)?.into_iter().filter(|p| p.is_dir()) {
            let mut found = Vec::new();
            walk(&dir, &mut found)?;
            let class = classes.len();
            classes.push(
                dir.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            );
            files.extend(found.into_iter().map(|p| (p, class)));
        }
        if classes.is_empty() {
            return Err(FolderError::NoClasses(root.display().to_string()));
        }
        Ok(Self { classes, files })
    }
}
