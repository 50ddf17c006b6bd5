//! Whether an element has come near the screen (`IntersectionObserver`): a class card draws
//! its thumbnails only then, so a project of 50 classes does not draw 2 400 at once.

use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// Watching an element; it stops when dropped.
pub struct Watch {
    observer: IntersectionObserver,
    _on_change: Closure<dyn FnMut(Array)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Call `near` each time `element` comes within `margin` (CSS, e.g. "800px") of the
/// viewport; `Err` where the browser cannot watch (the caller then draws it at once).
pub fn watch(element: &Element, margin: &str, near: impl Fn() + 'static) -> Result<Watch, String> {
    let on_change = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
        let seen = entries.iter().any(|e| {
            e.dyn_into::<IntersectionObserverEntry>()
                .is_ok_and(|e| e.is_intersecting())
        });
        if seen {
            near();
        }
    });
    let options = IntersectionObserverInit::new();
    options.set_root_margin(margin);
    let observer =
        IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options)
            .map_err(|e| format!("{e:?}"))?;
    observer.observe(element);
    Ok(Watch {
        observer,
        _on_change: on_change,
    })
}
