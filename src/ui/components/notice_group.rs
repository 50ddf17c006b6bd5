//! One notice: a message, a file and why it was not added, or many files for one reason as a
//! count that opens into their names (drawn only while open: a folder may name thousands).

use super::use_open::use_open;
use crate::state::notices::NoticeGroup;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NoticeGroupProps {
    pub group: NoticeGroup,
}

#[component]
pub fn NoticeGroupItem(props: &NoticeGroupProps) -> Html {
    let g = &props.group;
    let (open, ontoggle) = use_open();
    match g.names.as_slice() {
        [] => html! { <li>{ &g.reason }</li> },
        [name] => html! { <li>{ format!("{name}: {}", g.reason) }</li> },
        names => html! {
            <li class="group">
                <details {ontoggle}>
                    <summary>{ format!("{} files: {}", names.len(), g.reason) }</summary>
                    if open {
                        <ul class="names">{ for names.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
                    }
                </details>
            </li>
        },
    }
}
