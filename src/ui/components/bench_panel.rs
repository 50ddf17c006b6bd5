//! `?bench`: the backbone benchmark's JSON, in `#bench-result` for tests and people alike.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BenchPanelProps {
    pub result: Option<Result<String, String>>,
}

#[component]
pub fn BenchPanel(props: &BenchPanelProps) -> Html {
    html! {
        <section class="card bench" aria-labelledby="bench-title">
            <h2 id="bench-title">{ "Backbone benchmark" }</h2>
            {
                match &props.result {
                    None => html! { <p aria-busy="true">{ "Running…" }</p> },
                    Some(Ok(json)) => html! { <pre id="bench-result" data-state="done">{ json }</pre> },
                    Some(Err(e)) => html! { <pre id="bench-result" data-state="failed" role="alert">{ e }</pre> },
                }
            }
        </section>
    }
}
