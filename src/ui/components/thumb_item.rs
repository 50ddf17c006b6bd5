//! One photo on a class card: its thumbnail, Remove, set aside for validation, and a Move
//! menu whose buttons (one a class) are drawn only while it is open: a card of 48 photos in
//! a project of 50 classes would otherwise hold thousands of them.

use super::use_open::use_open;
use crate::project::Sample;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ThumbItemProps {
    pub sample: Sample,
    /// Set aside for validation.
    pub held: bool,
    /// Its class.
    pub class: u32,
    /// Every class `(id, name)`: it can move to the others.
    pub classes: Rc<Vec<(u32, String)>>,
    pub on_remove: Callback<u64>,
    pub on_move: Callback<(u64, u32)>,
    pub on_hold_out: Callback<u64>,
    /// Preview it with where the model looks (issue 18). The button is always drawn and
    /// shown by CSS only while a model answers (`.thumbs.answers`): so a model's arrival
    /// changes one class a card, where adding a button to each photo drawn took 56 ms of
    /// one task at 10 000 photos (`trace-train.mjs 50 200 profile`).
    pub on_look: Callback<Sample>,
}

#[component]
pub fn ThumbItem(props: &ThumbItemProps) -> Html {
    let s = &props.sample;
    let sid = s.id;
    let (open, ontoggle) = use_open();
    let remove = props.on_remove.reform(move |_: MouseEvent| sid);
    let hold = props.on_hold_out.reform(move |_: MouseEvent| sid);
    let held = props.held;
    html! {
        <li class={classes!("thumb", held.then_some("held-out"))}>
            if s.thumb.href().is_empty() {
                // Restored: its thumbnail is being read from the store.
                <span class="pending" role="img" aria-label={s.name.clone()} title={s.name.clone()}></span>
            } else {
                <img src={s.thumb.href().to_string()} alt={s.name.clone()} title={s.name.clone()} />
            }
            <button class="icon" aria-label={format!("Remove {}", s.name)} onclick={remove}>{ "×" }</button>
            <button class="icon look" aria-label={format!("Where the model looks in {}", s.name)}
                    title="Preview it, with where the model looks" onclick={props.on_look.reform({ let s = s.clone(); move |_: MouseEvent| s.clone() })}>{ "◎" }</button>
            <button class="icon hold" aria-label={format!("Validation only: {}", s.name)} aria-pressed={held.to_string()}
                    title="Set aside for validation: never trained on" onclick={hold}>{ "V" }</button>
            if props.classes.len() > 1 {
                <details class="move" {ontoggle}>
                    <summary aria-label={format!("Move {}", s.name)}>{ "↪" }</summary>
                    if open {
                        { for props.classes.iter().filter(|(to, _)| *to != props.class).map(|(to, name)| {
                            let to = *to;
                            let onclick = props.on_move.reform(move |_: MouseEvent| (sid, to));
                            html! {
                                <button aria-label={format!("Move {} to {}", s.name, name)} {onclick}>{ name }</button>
                            }
                        }) }
                    }
                </details>
            }
        </li>
    }
}
