//! A drop zone with a file picker: photos arrive by drag-and-drop or by choosing them.

use web_sys::{DragEvent, FileList, HtmlInputElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PhotoDropProps {
    /// Accessible name of the file picker ("Choose a photo", "Add photos to Cats", ...).
    pub label: AttrValue,
    #[prop_or_default]
    pub multiple: bool,
    #[prop_or_default]
    pub disabled: bool,
    pub on_files: Callback<Vec<web_sys::File>>,
    #[prop_or_default]
    pub children: Html,
}

fn files(list: Option<FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}

#[component]
pub fn PhotoDrop(props: &PhotoDropProps) -> Html {
    let hover = use_state(|| false);
    let on_change = {
        let on_files = props.on_files.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                on_files.emit(files(input.files()));
                // Picking the same file again must fire `change` again.
                input.set_value("");
            }
        })
    };
    let on_dragover = {
        let hover = hover.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            hover.set(true);
        })
    };
    let on_dragleave = {
        let hover = hover.clone();
        Callback::from(move |_: DragEvent| hover.set(false))
    };
    let on_drop = {
        let hover = hover.clone();
        let on_files = props.on_files.clone();
        let disabled = props.disabled;
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            hover.set(false);
            if !disabled {
                on_files.emit(files(e.data_transfer().and_then(|d| d.files())));
            }
        })
    };
    html! {
        <div class={classes!("drop", (*hover).then_some("hover"))} role="group"
             aria-label={format!("Drop zone: {}", props.label)}
             ondragover={on_dragover} ondragleave={on_dragleave} ondrop={on_drop}>
            { props.children.clone() }
            <label class="pick">
                { props.label.clone() }
                <input type="file" accept="image/*" multiple={props.multiple} disabled={props.disabled}
                       aria-label={props.label.clone()} onchange={on_change} />
            </label>
            <span class="hint">{ " or drop photos here" }</span>
        </div>
    }
}
