//! What the page does that is not drawing, behind one typed protocol (`protocol`), so that
//! it can run in a dedicated Web Worker (issue 13). So far: preparing each photo a person
//! adds (decode, hash, the backbone's input, the copy a project keeps), which would
//! otherwise hold the page's thread for each large photo.

pub mod prepare;
pub mod protocol;

pub use prepare::{Prepared, prepare};
pub use protocol::{Event, Request, handle};
