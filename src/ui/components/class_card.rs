//! One class: its name, sample count, thumbnails (remove, move, set aside for validation),
//! and ways to add photos.

use super::photo_drop::PhotoDrop;
use crate::project::Class;
use crate::state::teach::THUMBS_SHOWN;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClassCardProps {
    pub class: Class,
    /// The other classes `(id, name)`, for "Move to".
    pub others: Vec<(u32, String)>,
    pub ready: bool,
    pub on_rename: Callback<(u32, String)>,
    pub on_delete: Callback<u32>,
    pub on_files: Callback<(u32, Vec<web_sys::File>)>,
    pub on_remove: Callback<u64>,
    pub on_move: Callback<(u64, u32)>,
    /// This class's samples set aside for validation.
    pub held_out: Vec<u64>,
    pub on_hold_out: Callback<u64>,
}

#[component]
pub fn ClassCard(props: &ClassCardProps) -> Html {
    let c = &props.class;
    let id = c.id;
    // The name being typed, until it is committed on change: Yew puts the drawn value back
    // into an input on every render, and the card redraws whenever a photo lands in it.
    let draft = use_state_eq(|| None::<String>);
    let on_type = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                draft.set(Some(input.value()));
            }
        })
    };
    let on_rename = {
        let cb = props.on_rename.clone();
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                cb.emit((id, input.value()));
            }
            draft.set(None);
        })
    };
    let name = (*draft).clone().unwrap_or_else(|| c.name.clone());
    let on_delete = {
        let cb = props.on_delete.clone();
        Callback::from(move |_| cb.emit(id))
    };
    let on_files = {
        let cb = props.on_files.clone();
        Callback::from(move |files| cb.emit((id, files)))
    };
    let on_paste = {
        let cb = props.on_files.clone();
        let ready = props.ready;
        Callback::from(move |e: Event| {
            let files = crate::web::files::pasted(&e);
            if ready && !files.is_empty() {
                e.prevent_default();
                cb.emit((id, files));
            }
        })
    };
    let thumbs = c.samples.iter().take(THUMBS_SHOWN).map(|s| {
        let remove = {
            let cb = props.on_remove.clone();
            let sid = s.id;
            Callback::from(move |_| cb.emit(sid))
        };
        let held = props.held_out.contains(&s.id);
        let hold = {
            let cb = props.on_hold_out.clone();
            let sid = s.id;
            Callback::from(move |_| cb.emit(sid))
        };
        html! {
            <li key={s.id.to_string()} class={classes!("thumb", held.then_some("held-out"))}>
                if s.thumb.href().is_empty() {
                    // Restored: its thumbnail is being read from the store.
                    <span class="pending" role="img" aria-label={s.name.clone()} title={s.name.clone()}></span>
                } else {
                    <img src={s.thumb.href().to_string()} alt={s.name.clone()} title={s.name.clone()} />
                }
                <button class="icon" aria-label={format!("Remove {}", s.name)} onclick={remove}>{ "×" }</button>
                <button class="icon hold" aria-label={format!("Validation only: {}", s.name)} aria-pressed={held.to_string()}
                        title="Set aside for validation: never trained on" onclick={hold}>{ "V" }</button>
                if !props.others.is_empty() {
                    <details class="move">
                        <summary aria-label={format!("Move {}", s.name)}>{ "↪" }</summary>
                        { for props.others.iter().map(|(to, name)| {
                            let cb = props.on_move.clone();
                            let (sid, to) = (s.id, *to);
                            html! {
                                <button aria-label={format!("Move {} to {}", s.name, name)}
                                        onclick={Callback::from(move |_| cb.emit((sid, to)))}>{ name }</button>
                            }
                        }) }
                    </details>
                }
            </li>
        }
    });
    let count = c.samples.len();
    html! {
        <section class="card class-card" aria-label={format!("Class {}", c.name)} tabindex="0" onpaste={on_paste}>
            <div class="class-head">
                <input type="text" class="class-name" value={name} aria-label="Class name"
                       maxlength="60" oninput={on_type} onchange={on_rename} />
                <span class="count" data-count={count.to_string()}>
                    { format!("{count} image{}", if count == 1 { "" } else { "s" }) }
                </span>
                <button class="danger" aria-label={format!("Delete class {}", c.name)} onclick={on_delete}>{ "Delete" }</button>
            </div>
            <PhotoDrop label={format!("Add images to {}", c.name)} multiple={true} disabled={!props.ready} {on_files}>
                <span class="hint">{ "Paste works too: click this card, then Ctrl+V. " }</span>
            </PhotoDrop>
            <ul class="thumbs" aria-label={format!("Images of {}", c.name)}>{ for thumbs }</ul>
            if count > THUMBS_SHOWN {
                <p class="muted">{ format!("and {} more", count - THUMBS_SHOWN) }</p>
            }
        </section>
    }
}
