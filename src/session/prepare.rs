//! A photo made ready for a project: decoded once, hashed, cut to the backbone's input and
//! shrunk to the copy a project keeps. Pure Rust, the same in the worker and natively.

use crate::data::stored::stored_copy;
use crate::data::{backbone_input, decode};
use crate::project::sample_hash;

/// What the page needs of an added photo.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// `sample_hash` of the file's bytes: finds duplicates, seeds its augmented views.
    pub hash: String,
    /// The backbone's `[3, 224, 224]` input.
    pub input: Vec<f32>,
    /// The kept copy (JPEG, shorter side at most 256).
    pub copy: Vec<u8>,
}

/// Decode `bytes` (untrusted) and make the input and the copy; why not, in words a person
/// reads (`DecodeError`'s messages).
pub fn prepare(bytes: &[u8]) -> Result<Prepared, String> {
    let img = decode(bytes).map_err(|e| e.to_string())?;
    Ok(Prepared {
        hash: sample_hash(bytes),
        input: backbone_input(&img),
        copy: stored_copy(&img)?,
    })
}
