//! The backbone's download progress, then whether it came from the cache and how long it took.

use crate::state::ModelStatus;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ModelPanelProps {
    pub status: ModelStatus,
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[component]
pub fn ModelPanel(props: &ModelPanelProps) -> Html {
    let body = match &props.status {
        ModelStatus::Waiting => html! {
            <p id="model-status" data-state="waiting">{ "Backbone: waiting for the device…" }</p>
        },
        ModelStatus::Downloading { loaded, total } => {
            let max = total.unwrap_or(*loaded).max(1);
            html! {
                <>
                    <p id="model-status" data-state="downloading">
                        { format!("Downloading EfficientNet-Lite0: {} of {}", megabytes(*loaded),
                                  total.map(megabytes).unwrap_or_else(|| "?".into())) }
                    </p>
                    <progress id="weights-progress" aria-label="Backbone download progress"
                              value={loaded.to_string()} max={max.to_string()} />
                </>
            }
        }
        ModelStatus::Ready {
            from_cache,
            load_ms,
        } => html! {
            <p id="model-status" data-state="ready" data-source={if *from_cache { "cache" } else { "network" }}>
                { format!("EfficientNet-Lite0 ready ({} in {:.0} ms)",
                          if *from_cache { "from this browser's cache" } else { "downloaded" }, load_ms) }
            </p>
        },
        ModelStatus::Failed(message) => html! {
            <p id="model-status" data-state="failed" role="alert">
                { format!("The backbone could not be loaded: {message}") }
            </p>
        },
    };
    html! { <section class="card model">{ body }</section> }
}
