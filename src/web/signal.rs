//! A wake-up between two of one thread's tasks: one awaits `wait`, another calls `notify`.
//! (Where a loop polled a timer every 10 ms, a task each, while it waited.)

use js_sys::{Function, Promise};
use std::cell::RefCell;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[derive(Default)]
pub struct Signal(RefCell<Option<Function>>);

impl Signal {
    /// Until the next `notify` (one waiter at a time: a second `wait` replaces the first,
    /// which then waits for good). Check the condition again after it: a notify says only
    /// that something changed.
    pub async fn wait(&self) {
        let promise = Promise::new(&mut |resolve, _| *self.0.borrow_mut() = Some(resolve));
        let _ = JsFuture::from(promise).await;
    }

    /// Wake the task waiting, if one is.
    pub fn notify(&self) {
        let resolve = self.0.borrow_mut().take();
        if let Some(resolve) = resolve {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}
