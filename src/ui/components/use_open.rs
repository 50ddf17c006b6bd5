//! Whether a `<details>` is open, for drawing its contents only while it is (a folder's
//! notice may name thousands of files; a Move menu holds a button for every class).

use yew::prelude::*;

/// `(open, ontoggle)`: put `ontoggle` on the `<details>` and draw its body `if open`.
#[hook]
pub fn use_open() -> (bool, Callback<Event>) {
    let open = use_state_eq(|| false);
    let ontoggle = {
        let open = open.clone();
        use_callback((), move |e: Event, ()| {
            if let Some(d) = e.target_dyn_into::<web_sys::HtmlDetailsElement>() {
                open.set(d.open());
            }
        })
    };
    (*open, ontoggle)
}
