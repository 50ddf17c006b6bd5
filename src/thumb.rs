//! A picture the page shows by URL (a sample's thumbnail, a previewed photo): owned, so the
//! URL is freed when the last state that shows it is dropped, not by whoever remembers to.
//! The state and its reducer hold these and stay plain Rust (they run natively in tests);
//! `web::files::object_url` makes the page's, which revoke their object URL.

use std::rc::Rc;

/// Shared: cloning a state clones the handle, and the URL lives while any copy does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thumb(Option<Rc<Url>>);

#[derive(Debug)]
struct Url {
    href: String,
    /// Frees `href` (the browser's `URL.revokeObjectURL`); `None` for a URL nothing owns.
    free: Option<fn(&str)>,
}

impl PartialEq for Url {
    fn eq(&self, other: &Self) -> bool {
        self.href == other.href
    }
}

impl Drop for Url {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            free(&self.href);
        }
    }
}

impl Thumb {
    /// `href`, freed by `free` once no copy of this handle is left.
    pub fn owned(href: String, free: fn(&str)) -> Self {
        Self(Some(Rc::new(Url {
            href,
            free: Some(free),
        })))
    }

    /// A URL nothing frees (natively, tests: a name stands in).
    pub fn borrowed(href: String) -> Self {
        Self(Some(Rc::new(Url { href, free: None })))
    }

    /// The URL to put in `src` ("" for none).
    pub fn href(&self) -> &str {
        self.0.as_ref().map_or("", |u| u.href.as_str())
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
}
