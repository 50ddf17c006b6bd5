//! The Yew user interface: it draws `crate::state` (plain Rust, reduced natively in tests),
//! sends the session (in its worker) what the person asks, and turns its events into
//! actions; one component per file.

mod app;
mod batch;
mod components;
mod events;
mod explore;
pub(crate) mod export;
mod host_events;
mod jobs;
mod one_shot;
mod pending;
mod persist;
mod preset;
mod previews;
mod project_io;
mod restore;
mod saved;
mod settled;
mod suggest;
mod tasks;
mod teach_area;
mod turns;
mod ways_in;

pub use app::App;

/// Mount the app on the page's `#app` element (falls back to `<body>`).
pub fn mount() {
    match gloo::utils::document().get_element_by_id("app") {
        Some(root) => yew::Renderer::<App>::with_root(root).render(),
        None => yew::Renderer::<App>::new().render(),
    };
}
