//! The project's own controls: New project, Export and Open a project file, and what
//! storage says.

use crate::state::storage::StorageUse;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProjectBarProps {
    pub samples: usize,
    pub storage_error: Option<AttrValue>,
    pub storage: Option<StorageUse>,
    pub on_new: Callback<()>,
    pub on_export: Callback<()>,
    pub on_open: Callback<web_sys::File>,
    /// Opening needs the page able to work (the backbone not failed).
    pub ready: bool,
}

#[component]
pub fn ProjectBar(props: &ProjectBarProps) -> Html {
    let on_open = {
        let cb = props.on_open.clone();
        Callback::from(move |e: Event| {
            if let Some(file) = crate::web::files::take_picked(&e) {
                cb.emit(file);
            }
        })
    };
    html! {
        <div class="project-bar">
            <span class="muted">{ format!("Saved in this browser: {} images.", props.samples) }</span>
            if let Some(s) = &props.storage {
                <span class="muted" id="storage-use">{ s.describe() }
                    if s.persisted == Some(true) { { ", kept by the browser" } }
                </span>
            }
            <button onclick={props.on_new.reform(|_| ())}>{ "New project" }</button>
            <button onclick={props.on_export.reform(|_| ())} disabled={props.samples == 0}>{ "Export project" }</button>
            <label class="pick">{ "Open project" }
                <input type="file" accept=".zip" aria-label="Open project" disabled={!props.ready} onchange={on_open} />
            </label>
            if let Some(e) = &props.storage_error {
                <p id="storage-error" class="error" role="alert">{ e }</p>
            }
        </div>
    }
}
