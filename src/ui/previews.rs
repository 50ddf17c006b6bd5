//! The previews asked of the session: only the newest one's answer is shown, with its
//! name and thumbnail; and the photo the ImageNet panel looks at.

use crate::thumb::Thumb;
use std::cell::{Cell, RefCell};

/// The preview asked for last: its name and thumbnail.
struct Previewing {
    id: u64,
    name: String,
    thumb: Thumb,
}

#[derive(Default)]
pub struct Previews {
    newest: RefCell<Option<Previewing>>,
    next: Cell<u64>,
    /// The photo the ImageNet panel looks at: its object URL.
    sight: RefCell<String>,
}

impl Previews {
    /// A new preview of `name`, shown with `thumb`: its id (answers to older ones are dropped).
    pub fn ask(&self, name: String, thumb: Thumb) -> u64 {
        let id = self.next.get() + 1;
        self.next.set(id);
        *self.newest.borrow_mut() = Some(Previewing { id, name, thumb });
        id
    }

    /// The preview `id` asked for, if it is the newest: its name and thumbnail.
    pub fn answered(&self, id: u64) -> Option<(String, Thumb)> {
        let newest = self.newest.borrow();
        let p = newest.as_ref().filter(|p| p.id == id)?;
        Some((p.name.clone(), p.thumb.clone()))
    }

    pub fn look_at(&self, url: String) {
        *self.sight.borrow_mut() = url;
    }

    pub fn sight_url(&self) -> String {
        self.sight.borrow().clone()
    }
}
