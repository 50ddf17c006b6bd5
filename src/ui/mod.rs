//! The Yew user interface: it draws `crate::state` (plain Rust, reduced natively in tests) and
//! runs the page's jobs; one component per file.

mod adam_job;
mod app;
mod components;
mod embed_queue;
mod engine;
mod fit_job;
mod jobs;
mod persist;
mod preview_job;
mod teach_area;
mod train_job;
mod train_rows;

pub use app::App;

/// Mount the app on the page's `#app` element (falls back to `<body>`).
pub fn mount() {
    match gloo::utils::document().get_element_by_id("app") {
        Some(root) => yew::Renderer::<App>::with_root(root).render(),
        None => yew::Renderer::<App>::new().render(),
    };
}
