//! What Method Auto tried (issue 17): each method's accuracy on the photos' own validation
//! figures and its time, or why it was skipped, the kept one marked.

use crate::train::auto::Tried;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AutoTableProps {
    pub tried: Vec<Tried>,
}

#[component]
pub fn AutoTable(props: &AutoTableProps) -> Html {
    let row = |t: &Tried| {
        let (accuracy, time) = match &t.skipped {
            Some(why) => (
                html! { <td colspan="2" class="muted">{ why }</td> },
                html! {},
            ),
            None => (
                html! { <td>{ t.accuracy_text() }</td> },
                html! { <td>{ format!("{:.1} s", t.seconds) }</td> },
            ),
        };
        html! {
            <tr data-method={t.method.clone()} data-accuracy={t.accuracy.map(|a| a.to_string())}
                data-kept={t.kept.to_string()} data-skipped={t.skipped.is_some().to_string()}
                class={classes!(t.kept.then_some("kept"))}>
                <th scope="row">{ &t.method }{ if t.kept { " (kept)" } else { "" } }</th>
                { accuracy }
                { time }
            </tr>
        }
    };
    html! {
        <table id="auto-table" class="auto-table">
            <caption>{ "What Auto tried, each measured on your photos' validation figures" }</caption>
            <thead><tr><th scope="col">{ "Method" }</th><th scope="col">{ "Accuracy" }</th><th scope="col">{ "Time" }</th></tr></thead>
            <tbody>{ for props.tried.iter().map(row) }</tbody>
        </table>
    }
}
