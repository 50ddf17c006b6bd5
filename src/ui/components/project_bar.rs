//! The project's own controls: New project, and what storage says.

use crate::state::storage::StorageUse;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProjectBarProps {
    pub samples: usize,
    pub storage_error: Option<AttrValue>,
    pub storage: Option<StorageUse>,
    pub on_new: Callback<()>,
}

#[component]
pub fn ProjectBar(props: &ProjectBarProps) -> Html {
    html! {
        <div class="project-bar">
            <span class="muted">{ format!("Saved in this browser: {} images.", props.samples) }</span>
            if let Some(s) = &props.storage {
                <span class="muted" id="storage-use">{ s.describe() }
                    if s.persisted == Some(true) { { ", kept by the browser" } }
                </span>
            }
            <button onclick={props.on_new.reform(|_| ())}>{ "New project" }</button>
            if let Some(e) = &props.storage_error {
                <p id="storage-error" class="error" role="alert">{ e }</p>
            }
        </div>
    }
}
