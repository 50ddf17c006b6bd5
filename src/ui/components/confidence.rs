//! One labelled confidence bar (name, bar, percentage), shared by the ImageNet top-5 and
//! the preview's per-class list.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConfidenceProps {
    pub label: AttrValue,
    pub p: f32,
}

#[component]
pub fn Confidence(props: &ConfidenceProps) -> Html {
    let pct = props.p * 100.0;
    html! {
        <>
            <span class="name">{ &props.label }</span>
            <span class="bar" style={format!("width: {pct:.1}%")} />
            <span class="pct">{ format!("{pct:.1} %") }</span>
        </>
    }
}
