//! Pictures waiting to be sent to the session, and what an opened project file says of
//! each besides its class.

use crate::project::ClassRef;
use image::RgbImage;

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
