//! The dataset: class cards, the embedding progress, per-file messages and Undo.

use super::class_card::ClassCard;
use super::notice_group::NoticeGroupItem;
use crate::state::teach::{Queue, THUMBS_SHOWN, Teach};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClassesPanelProps {
    pub teach: Teach,
    pub ready: bool,
    pub on_add: Callback<()>,
    /// Files of a picked folder, to be grouped by sub-folder.
    pub on_folder: Callback<Vec<web_sys::File>>,
    pub on_undo: Callback<()>,
    pub on_dismiss: Callback<()>,
    pub on_rename: Callback<(u32, String)>,
    pub on_delete: Callback<u32>,
    pub on_files: Callback<(u32, Vec<web_sys::File>)>,
    pub on_remove: Callback<u64>,
    pub on_move: Callback<(u64, u32)>,
    pub on_hold_out: Callback<u64>,
    /// Preview a card's photo, with where the model looks.
    pub on_look: Callback<crate::project::Sample>,
}

fn progress(q: &Queue) -> Html {
    let on = match q.workers {
        1 => String::new(),
        n => format!(" on {n} workers"),
    };
    let left = match (q.per_second(), q.seconds_left()) {
        (Some(rate), Some(s)) => format!(" ({rate:.1} a second{on}, about {} s left)", s.ceil()),
        _ => String::new(),
    };
    html! {
        <div id="embed-progress" aria-live="polite">
            <progress max={q.total.to_string()} value={q.done.to_string()} aria-label="Embedding photos" />
            <span>{ format!("Looking at photos: {} of {}{left}", q.done, q.total) }</span>
        </div>
    }
}

#[component]
pub fn ClassesPanel(props: &ClassesPanelProps) -> Html {
    let t = &props.teach;
    let classes = &t.project.classes;
    // One list for every card's Move menus, the same `Rc` until a class is added, renamed
    // or deleted: a photo landing in one card leaves the others' props equal.
    let names: Vec<(u32, String)> = classes.iter().map(|c| (c.id, c.name.clone())).collect();
    let names = use_memo(names, |n| n.clone());
    let answers = t.model.is_some() || t.prototypes.is_some();
    let cards = classes.iter().map(|c| {
        // Only the photos a card draws can show as set aside.
        let held_out = (c.samples.iter().take(THUMBS_SHOWN))
            .map(|s| s.id)
            .filter(|id| t.project.held_out.contains(id))
            .collect::<Vec<_>>();
        html! {
            <ClassCard key={c.id} class={c.clone()} classes={names.clone()} ready={props.ready}
                       on_rename={props.on_rename.clone()} on_delete={props.on_delete.clone()}
                       on_files={props.on_files.clone()} on_remove={props.on_remove.clone()}
                       on_move={props.on_move.clone()} on_hold_out={props.on_hold_out.clone()} on_look={props.on_look.clone()} {answers}
                       {held_out} />
        }
    });
    let add = props.on_add.reform(|_| ());
    let on_folder = {
        let cb = props.on_folder.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                let list = input.files();
                cb.emit(
                    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
                        .unwrap_or_default(),
                );
                input.set_value("");
            }
        })
    };
    let undo = props.on_undo.reform(|_| ());
    let dismiss = props.on_dismiss.reform(|_| ());
    html! {
        <section class="card classes" aria-labelledby="classes-title">
            <h2 id="classes-title">{ "Your classes" }</h2>
            <p class="muted">{ "Add photos to each class: drop them on a card, pick them, or paste them. \
                               Each photo is looked at once and remembered." }</p>
            if !t.restored {
                <p aria-busy="true">{ "Opening your saved project…" }</p>
            } else {
                <div class="class-list">{ for cards }</div>
                <div class="row">
                    <button onclick={add} disabled={classes.len() >= crate::classifier::MAX_CLASSES}>{ "Add a class" }</button>
                    <label class="pick">{ "Add a folder of classes" }
                        <input type="file" webkitdirectory=true multiple=true disabled={!props.ready}
                               aria-label="Add a folder of classes" onchange={on_folder} />
                    </label>
                    <span class="muted">{ "(one class per sub-folder; dropping a folder on the page works too)" }</span>
                </div>
            }
            if let Some((_, class)) = &t.undo {
                <p class="undo" role="status">
                    { format!("Deleted class '{}' ({} images). ", class.name, class.samples.len()) }
                    <button onclick={undo}>{ "Undo" }</button>
                </p>
            }
            if let Some(q) = &t.queue { { progress(q) } }
            if !t.notices.is_empty() {
                <div id="notices" class="error" role="alert">
                    <ul>{ for t.notices.groups.iter().map(|g| html! {
                        <NoticeGroupItem key={format!("{}{}", g.names.is_empty() as u8, g.reason)} group={g.clone()} />
                    }) }</ul>
                    <button onclick={dismiss}>{ "Dismiss messages" }</button>
                </div>
            }
        </section>
    }
}
