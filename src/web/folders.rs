//! Folders of images: a dropped folder's entries, or a folder picked with `webkitdirectory`,
//! grouped into one class per sub-folder (the ImageFolder layout).

use super::js_error;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

/// Files grouped by class: `(class name, files)`, plus paths that sit in no class folder.
#[derive(Default)]
pub struct Grouped {
    pub classes: Vec<(String, Vec<File>)>,
    pub stray: Vec<String>,
}

impl Grouped {
    fn add(&mut self, class: &str, file: File) {
        match self.classes.iter_mut().find(|(c, _)| c == class) {
            Some((_, files)) => files.push(file),
            None => self.classes.push((class.to_string(), vec![file])),
        }
    }
}

/// The class of a path inside a picked folder: `root/<class>/.../file`; hidden files skipped.
pub fn class_of(relative_path: &str) -> Option<&str> {
    let parts: Vec<&str> = relative_path.split('/').collect();
    if parts.iter().any(|p| p.starts_with('.')) || parts.len() < 3 {
        return None;
    }
    Some(parts[1])
}

/// Group a `webkitdirectory` pick by its `webkitRelativePath`.
pub fn group_picked(files: Vec<File>) -> Grouped {
    let mut g = Grouped::default();
    for file in files {
        // `webkitRelativePath` is not in web-sys's File; it is a plain string property.
        let path = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        match class_of(&path) {
            Some(class) => g.add(class, file),
            None if !path.rsplit('/').next().unwrap_or("").starts_with('.') => g.stray.push(path),
            None => {}
        }
    }
    g
}

// Entries are told apart by their own `isDirectory`/`isFile` flags rather than by class
// (`instanceof`), as the File and Directory Entries API defines them; the browser test
// stands in for a dragged folder with objects that have the same shape, since a
// synthetic drop cannot carry real directory entries.

/// The directory entries of a drop. Call it inside the drop handler: the browser empties
/// the DataTransfer once the event is over.
pub fn dropped_directories(dt: &DataTransfer) -> Vec<FileSystemDirectoryEntry> {
    let items = dt.items();
    (0..items.length())
        .filter_map(|i| items.get(i))
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .filter(|e| e.is_directory())
        .map(|e| e.unchecked_into::<FileSystemDirectoryEntry>())
        .collect()
}

/// Every file under each dropped directory, one class per sub-folder of it. A dropped
/// folder that holds only files (no sub-folders) is itself a class.
pub async fn read_dropped(dirs: Vec<FileSystemDirectoryEntry>) -> Result<Grouped, String> {
    let mut g = Grouped::default();
    for dir in dirs {
        let top = entries(&dir).await?;
        let has_subfolders = top.iter().any(|e| e.is_directory());
        for entry in top {
            if entry.name().starts_with('.') {
                continue;
            }
            if entry.is_directory() {
                let sub: FileSystemDirectoryEntry = entry.unchecked_into();
                for file in files_under(sub.clone()).await? {
                    g.add(&sub.name(), file);
                }
            } else if entry.is_file() {
                let file = file_of(entry.unchecked_ref()).await?;
                if has_subfolders {
                    g.stray.push(format!("{}/{}", dir.name(), file.name()));
                } else {
                    g.add(&dir.name(), file);
                }
            }
        }
    }
    Ok(g)
}

/// A callback-style API (success, error) as a promise.
async fn call(f: impl FnOnce(&Function, &Function)) -> Result<JsValue, String> {
    let mut f = Some(f);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(f) = f.take() {
            let ok = Closure::once_into_js(move |v: JsValue| resolve.call1(&JsValue::NULL, &v));
            let err = Closure::once_into_js(move |e: JsValue| reject.call1(&JsValue::NULL, &e));
            f(ok.unchecked_ref(), err.unchecked_ref());
        }
    });
    JsFuture::from(promise).await.map_err(js_error)
}

async fn entries(dir: &FileSystemDirectoryEntry) -> Result<Vec<FileSystemEntry>, String> {
    let reader = dir.create_reader();
    let mut out = Vec::new();
    // readEntries returns a batch at a time (100 in Chromium) until an empty one.
    loop {
        let batch: Array = call(|ok, err| {
            let _ = reader.read_entries_with_callback_and_callback(ok, err);
        })
        .await?
        .unchecked_into();
        if batch.length() == 0 {
            return Ok(out);
        }
        out.extend(batch.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
    }
}

async fn file_of(entry: &FileSystemFileEntry) -> Result<File, String> {
    call(|ok, err| entry.file_with_callback_and_callback(ok, err))
        .await?
        .dyn_into()
        .map_err(|_| "not a file".to_string())
}

/// Files at any depth under `dir`, hidden ones skipped.
async fn files_under(dir: FileSystemDirectoryEntry) -> Result<Vec<File>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in entries(&d).await? {
            if e.name().starts_with('.') {
                continue;
            }
            if e.is_directory() {
                stack.push(e.unchecked_into());
            } else if e.is_file() {
                out.push(file_of(e.unchecked_ref()).await?);
            }
        }
    }
    Ok(out)
}
