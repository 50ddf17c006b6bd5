//! What a request to the session is made of, worked out again only once the photos settle:
//! while a folder comes in, the workers' answers are drawn four times a second, and a request
//! made of every embedding (prototypes, the tray's suggestions) would be sent at each.

use yew::prelude::*;

/// `now()` when no photos are coming (`busy` false), else the value it gave when they last
/// settled: an effect keyed on it runs once a folder is in, not once a render.
#[hook]
pub fn use_settled<T, F>(busy: bool, now: F) -> Option<T>
where
    T: Clone + 'static,
    F: FnOnce() -> Option<T>,
{
    let last = use_mut_ref(|| None);
    if busy {
        return last.borrow().clone();
    }
    let value = now();
    *last.borrow_mut() = value.clone();
    value
}
