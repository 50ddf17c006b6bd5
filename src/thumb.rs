//! A picture the page shows by URL (a sample's thumbnail, a previewed photo): owned, so the
//! URL is freed when the last state that shows it is dropped, not by whoever remembers to.
//! The state and its reducer hold these and stay plain Rust (they run natively in tests);
//! `web::files::object_url` makes the page's, which revoke their object URL.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

/// Shared: cloning a state clones the handle, and the URL lives while any copy does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thumb(Option<Rc<Url>>);

/// Makes a URL of a picture's bytes (the page's: an object URL; "" when it cannot).
pub type MakeUrl = fn(&[u8]) -> String;

struct Url {
    href: OnceCell<String>,
    /// The bytes `href` is made of when first asked for, and how (`Thumb::lazy`).
    pending: RefCell<Option<(Vec<u8>, MakeUrl)>>,
    /// Frees `href` (the browser's `URL.revokeObjectURL`); `None` for a URL nothing owns.
    free: Option<fn(&str)>,
}

/// The URL, or that it is still to be made (not the picture's bytes).
impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.href.get() {
            Some(href) => write!(f, "Url({href:?})"),
            None => write!(f, "Url(not made yet)"),
        }
    }
}

impl Url {
    fn href(&self) -> &str {
        self.href
            .get_or_init(|| match self.pending.borrow_mut().take() {
                Some((bytes, make)) => make(&bytes),
                None => String::new(),
            })
    }
}

/// The same handle, or two made URLs that are the same: comparing never makes a URL.
impl PartialEq for Url {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
            || matches!((self.href.get(), other.href.get()), (Some(a), Some(b)) if a == b)
    }
}

impl Drop for Url {
    fn drop(&mut self) {
        if let (Some(free), Some(href)) = (self.free, self.href.get()) {
            free(href);
        }
    }
}

impl Thumb {
    fn of(
        href: Option<String>,
        pending: Option<(Vec<u8>, MakeUrl)>,
        free: Option<fn(&str)>,
    ) -> Self {
        let cell = OnceCell::new();
        if let Some(href) = href {
            let _ = cell.set(href);
        }
        Self(Some(Rc::new(Url {
            href: cell,
            pending: RefCell::new(pending),
            free,
        })))
    }

    /// `href`, freed by `free` once no copy of this handle is left.
    pub fn owned(href: String, free: fn(&str)) -> Self {
        Self::of(Some(href), None, Some(free))
    }

    /// A URL made of `bytes` by `make` only when first shown, freed by `free` (if it was
    /// made) once no copy is left: a photo added past its card's shown ones never makes one
    /// (an object URL costs the page's thread ~2.6 ms: its Blob and its URL).
    pub fn lazy(bytes: Vec<u8>, make: MakeUrl, free: fn(&str)) -> Self {
        Self::of(None, Some((bytes, make)), Some(free))
    }

    /// A URL nothing frees (natively, tests: a name stands in).
    pub fn borrowed(href: String) -> Self {
        Self::of(Some(href), None, None)
    }

    /// Whether there is a picture to show, its URL made or still to be made (this makes
    /// none: asking every class's first photos for `href` made a URL for each, on screen or
    /// not).
    pub fn is_set(&self) -> bool {
        self.0.as_ref().is_some_and(|u| {
            u.pending.borrow().is_some() || u.href.get().is_some_and(|h| !h.is_empty())
        })
    }

    /// The URL to put in `src` ("" for none); a lazy one is made now.
    pub fn href(&self) -> &str {
        self.0.as_ref().map_or("", |u| u.href())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    thread_local! {
        static FREED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    fn record(href: &str) {
        FREED.with(|f| f.borrow_mut().push(href.to_string()));
    }

    /// Freed once, when the last copy goes; never while a copy is shown.
    #[test]
    fn the_url_is_freed_when_the_last_copy_goes() {
        let a = Thumb::owned("blob:a".into(), record);
        let copy = a.clone();
        drop(a);
        assert!(FREED.with(|f| f.borrow().is_empty()));
        assert_eq!(copy.href(), "blob:a");
        drop(copy);
        assert_eq!(
            FREED.with(|f| f.borrow().clone()),
            vec!["blob:a".to_string()]
        );
        drop(Thumb::borrowed("name".into()));
        assert_eq!(Thumb::default().href(), "");
        assert_eq!(FREED.with(|f| f.borrow().len()), 1);
    }

    thread_local! {
        static MADE: RefCell<usize> = const { RefCell::new(0) };
    }

    fn make(bytes: &[u8]) -> String {
        MADE.with(|m| *m.borrow_mut() += 1);
        format!("blob:{}", bytes.len())
    }

    /// A lazy thumbnail makes its URL once, when first shown, and frees only what it made;
    /// comparing, asking whether it is set or dropping one never shown makes nothing.
    #[test]
    fn a_lazy_url_is_made_when_first_shown() {
        let never = Thumb::lazy(vec![1, 2], make, record);
        let other = Thumb::lazy(vec![1, 2], make, record);
        assert!(never != other && never == never.clone());
        assert!(never.is_set() && !Thumb::default().is_set());
        assert!(!Thumb::borrowed(String::new()).is_set());
        drop((never, other));
        assert_eq!(MADE.with(|m| *m.borrow()), 0);
        let shown = Thumb::lazy(vec![1, 2, 3], make, record);
        assert_eq!((shown.href(), shown.clone().href()), ("blob:3", "blob:3"));
        assert_eq!(MADE.with(|m| *m.borrow()), 1);
        drop(shown);
        assert!(FREED.with(|f| f.borrow().contains(&"blob:3".to_string())));
    }
}
