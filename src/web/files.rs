//! Blobs and files: object URLs for thumbnails, downloads, reading picked files, dialogs.

use super::js_error;
use crate::thumb::Thumb;
use js_sys::{Array, ArrayBuffer, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// An object URL for `bytes` (revoke it with `revoke`; `thumb` owns one).
pub fn object_url(bytes: &[u8], mime: &str) -> Result<String, String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
    Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// A thumbnail of `bytes`: an object URL freed when the last state showing it is dropped.
pub fn thumb(bytes: &[u8], mime: &str) -> Result<Thumb, String> {
    Ok(Thumb::owned(object_url(bytes, mime)?, revoke))
}

/// A thumbnail of JPEG `bytes` whose object URL is made only if it is shown.
pub fn lazy_thumb(bytes: Vec<u8>) -> Thumb {
    Thumb::lazy(
        bytes,
        |b| object_url(b, "image/jpeg").unwrap_or_default(),
        revoke,
    )
}

pub fn revoke(url: &str) {
    if !url.is_empty() {
        let _ = Url::revoke_object_url(url);
    }
}

/// Offer `bytes` as a download named `file_name`.
pub fn download(bytes: &[u8], file_name: &str) -> Result<(), String> {
    download_parts(&Array::of1(&Uint8Array::from(bytes)), file_name)
}

/// Offer `parts` (`Uint8Array`s, one after another) as a download named `file_name`.
pub fn download_parts(parts: &Array, file_name: &str) -> Result<(), String> {
    let options = BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = Blob::new_with_u8_array_sequence_and_options(parts, &options).map_err(js_error)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let a: HtmlAnchorElement = gloo::utils::document()
        .create_element("a")
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "could not make a link".to_string())?;
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // The click has started the download; the URL can go once it has been read.
    let url2 = url.clone();
    gloo::timers::callback::Timeout::new(60_000, move || revoke(&url2)).forget();
    Ok(())
}

/// All bytes of a picked or dropped file.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    read_blob(file).await
}

/// Files the page sent a worker as one blob, one after another, which the worker reads
/// when it first needs their bytes (the session holds it without touching a JS object).
/// Read whole once: Chromium's work to read a file (its messages and its threads' hops) is
/// then had once for a few (`bench-files.mjs`).
pub struct SentFile {
    blob: Blob,
    /// The whole, once read (`None` inside: its read failed, so each file is read alone).
    read: RefCell<Option<Option<ArrayBuffer>>>,
}

impl SentFile {
    pub(super) fn new(blob: Blob) -> Self {
        let read = RefCell::default();
        Self { blob, read }
    }

    /// The `len` bytes from `offset` on: one file of those sent. If the whole did not read
    /// as picked (a file of them moved, changed or gone since: Chromium then reads it
    /// short, without an error), this one is read alone, so that only a file that cannot
    /// be read is said to be so, and no file's bytes are taken for another's.
    pub async fn part(&self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        if self.read.borrow().is_none() {
            let whole = read_buffer(&self.blob).await.ok();
            *self.read.borrow_mut() = Some(whole);
        }
        let end = offset.saturating_add(len);
        if let Some(Some(whole)) = self.read.borrow().as_ref()
            && whole.byte_length() as f64 == self.blob.size()
            && end <= whole.byte_length() as u64
        {
            let part =
                Uint8Array::new_with_byte_offset_and_length(whole, offset as u32, len as u32);
            return Ok(part.to_vec());
        }
        let alone = (self.blob)
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(|e| format!("could not be read: {}", js_error(e)))?;
        let bytes = read_blob(&alone).await?;
        match bytes.len() as u64 == len {
            true => Ok(bytes),
            false => Err(format!(
                "could not be read: it is not the {len} bytes it was when picked (moved, \
                 changed or removed since); add it again"
            )),
        }
    }
}

/// All bytes of a blob (a file, in the page or sent to a worker): one promise, where a
/// `FileReader` fires four events, each a task of the thread that reads.
async fn read_blob(blob: &Blob) -> Result<Vec<u8>, String> {
    Ok(Uint8Array::new(read_buffer(blob).await?.as_ref()).to_vec())
}

async fn read_buffer(blob: &Blob) -> Result<ArrayBuffer, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| format!("could not be read: {}", js_error(e)))?;
    Ok(buffer.unchecked_into())
}

/// The file a file input was given (its first), the input emptied so that the same file
/// can be given again.
pub fn take_picked(e: &web_sys::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = e.target()?.dyn_into().ok()?;
    let file = input.files().and_then(|list| list.get(0));
    input.set_value("");
    file
}

/// The browser's OK/Cancel dialog.
pub fn confirm(message: &str) -> bool {
    gloo::utils::window()
        .confirm_with_message(message)
        .unwrap_or(false)
}

/// The files of a `paste` event (none for pasted text).
pub fn pasted(e: &web_sys::Event) -> Vec<web_sys::File> {
    e.dyn_ref::<web_sys::ClipboardEvent>()
        .and_then(|p| p.clipboard_data())
        .and_then(|d| d.files())
        .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}
