//! Pictures waiting to be sent to the session, and what an opened project file says of
//! each besides its class.

use crate::project::ClassRef;
use crate::session::Request;
use crate::session::protocol::{FileToEmbed, Picture};
use crate::web::js_error;
use crate::web::worker::Picked;
use image::RgbImage;
use js_sys::Array;
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use web_sys::Blob;

/// A picture waiting to be sent to the session, for a class.
pub enum Pending {
    File(ClassRef, web_sys::File),
    /// A webcam frame, named by the recorder.
    Frame(ClassRef, String, RgbImage),
    /// An image from an opened project file: its name, bytes, and its marks (set aside for
    /// validation, its classes in further tasks).
    Opened(ClassRef, String, Vec<u8>, Marks),
}

/// What an opened project file says of an image besides its class.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    pub validation: bool,
    /// (task, class) by name.
    pub tasks: Vec<(String, String)>,
}

impl Pending {
    /// A picked file's bytes, as its `File` says (those are sent together, read by the
    /// worker: `Uploads::next_together`); `None` for any other picture.
    pub fn file_size(&self) -> Option<u64> {
        match self {
            Pending::File(_, file) => Some(file.size() as u64),
            _ => None,
        }
    }
}

/// Pictures made into one message for the session.
pub struct Outgoing {
    pub request: Request,
    pub picked: Picked,
    /// Their names, each told why if the message cannot be sent.
    pub names: Vec<String>,
}

/// The message that sends `pictures` (each with its sample id; picked files, or one other
/// picture, as `Uploads::next_together` gives them) to be added, saved if `keep`; the
/// marks of an opened picture go to `marks`, by id.
pub fn outgoing(
    pictures: Vec<(u64, Pending)>,
    keep: bool,
    marks: &mut HashMap<u64, Marks>,
) -> Result<Outgoing, (Vec<String>, String)> {
    let mut files = Vec::new();
    let blobs = Array::new();
    let mut single = None;
    for (id, pending) in pictures {
        match pending {
            Pending::File(class, file) => {
                let (name, size) = (file.name(), file.size() as u64);
                files.push(FileToEmbed {
                    id,
                    class,
                    name,
                    keep,
                    size,
                });
                blobs.push(&file);
            }
            Pending::Frame(class, name, img) => {
                let (width, height) = img.dimensions();
                let picture = Picture::Pixels { width, height };
                single = Some((id, class, name, picture, img.into_raw()));
            }
            Pending::Opened(class, name, bytes, opened) => {
                if opened.validation || !opened.tasks.is_empty() {
                    marks.insert(id, opened);
                }
                single = Some((id, class, name, Picture::File, bytes));
            }
        }
    }
    if let Some((id, class, name, picture, bytes)) = single {
        // `next_together` sends any picture but a picked file alone.
        debug_assert!(files.is_empty(), "a picture sent with picked files");
        let names = vec![name.clone()];
        let request = Request::Embed {
            id,
            class,
            name,
            picture,
            keep,
        };
        let picked = Picked::Bytes(bytes);
        return Ok(Outgoing {
            request,
            picked,
            names,
        });
    }
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    // One file goes as itself; several as one blob of them (no bytes are copied).
    let blob = match blobs.length() {
        1 => Ok(blobs.get(0).unchecked_into()),
        _ => Blob::new_with_blob_sequence(&blobs).map_err(js_error),
    };
    match blob {
        Ok(blob) => Ok(Outgoing {
            request: Request::EmbedFiles { files },
            picked: Picked::File(blob),
            names,
        }),
        Err(e) => Err((names, e)),
    }
}
