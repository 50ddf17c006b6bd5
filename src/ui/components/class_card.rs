//! One class: its name, sample count, thumbnails (remove, move, set aside for validation),
//! and ways to add photos.

use super::photo_drop::PhotoDrop;
use super::thumb_item::ThumbItem;
use crate::project::Class;
use crate::state::teach::THUMBS_SHOWN;
use crate::ui::turns::in_turn;
use std::rc::Rc;

/// How near the screen a card is when its thumbnails are drawn (CSS margin): a screen or so
/// ahead of scrolling.
const NEAR: &str = "1000px";
/// Thumbnails a card adds a task once near: a jump down a project of 50 classes brings
/// several cards near at once, and their 48 each in one task took ~175 ms (a profile);
/// the cards take turns (`in_turn`), one card's step a task.
const THUMBS_A_STEP: usize = 12;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClassCardProps {
    pub class: Class,
    /// Every class `(id, name)`, for "Move to".
    pub classes: Rc<Vec<(u32, String)>>,
    pub ready: bool,
    pub on_rename: Callback<(u32, String)>,
    pub on_delete: Callback<u32>,
    pub on_files: Callback<(u32, Vec<web_sys::File>)>,
    pub on_remove: Callback<u64>,
    pub on_move: Callback<(u64, u32)>,
    /// This class's samples set aside for validation (of those it draws).
    pub held_out: Vec<u64>,
    pub on_hold_out: Callback<u64>,
    pub on_look: Callback<crate::project::Sample>,
    /// A model (or the prototypes) answers: each photo's look button is shown.
    pub answers: bool,
}

#[component]
pub fn ClassCard(props: &ClassCardProps) -> Html {
    let c = &props.class;
    let id = c.id;
    // Thumbnails are drawn once the card comes near the screen (and kept then), a few a
    // task until all shown are.
    let card = use_node_ref();
    let drawn = use_state_eq(|| 0usize);
    {
        let (card, drawn) = (card.clone(), drawn.clone());
        use_effect_with((), move |_| {
            let (shown, once) = (drawn.clone(), std::cell::Cell::new(false));
            let near = move || {
                if !once.replace(true) {
                    let shown = shown.clone();
                    in_turn(move || shown.set(THUMBS_A_STEP));
                }
            };
            let watch = (card.cast::<web_sys::Element>())
                .and_then(|el| crate::web::visible::watch(&el, NEAR, near).ok());
            if watch.is_none() {
                drawn.set(THUMBS_SHOWN);
            }
            move || drop(watch)
        });
    }
    {
        let wanted = c.samples.len().min(THUMBS_SHOWN);
        let step = drawn.clone();
        use_effect_with((*drawn, wanted), move |&(now, wanted)| {
            // Cards near together take turns (`in_turn`); a step asked twice sets one value.
            if now > 0 && now < wanted {
                in_turn(move || step.set(now + THUMBS_A_STEP));
            }
        });
    }
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
    let thumbs = c.samples.iter().take(*drawn).map(|s| {
        html! {
            <ThumbItem key={s.id} sample={s.clone()} class={id} held={props.held_out.contains(&s.id)}
                       classes={props.classes.clone()} on_remove={props.on_remove.clone()}
                       on_move={props.on_move.clone()} on_hold_out={props.on_hold_out.clone()}
                       on_look={props.on_look.clone()} />
        }
    });
    let count = c.samples.len();
    html! {
        <section ref={card} class="card class-card" aria-label={format!("Class {}", c.name)} tabindex="0" onpaste={on_paste}>
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
            <ul class={classes!("thumbs", props.answers.then_some("answers"))} aria-label={format!("Images of {}", c.name)}>{ for thumbs }</ul>
            if count > THUMBS_SHOWN {
                <p class="muted">{ format!("and {} more", count - THUMBS_SHOWN) }</p>
            }
        </section>
    }
}
