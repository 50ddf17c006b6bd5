//! The Unlabelled tray (issue 17): photos without a class, each with the class it looks
//! like and how sure; Accept moves one into its class, or every one at or above a threshold.

use super::photo_drop::PhotoDrop;
use crate::state::suggestions::Suggestions;
use crate::state::teach::THUMBS_SHOWN;
use crate::tray::Tray;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// "Accept all" starts at this confidence (per cent): propagation's own bar is 50 %
/// (train/propagation.rs), and a person moving photos in bulk wants surer ones.
const START_THRESHOLD: u32 = 80;

#[derive(Properties, PartialEq)]
pub struct TrayCardProps {
    pub tray: Tray,
    pub suggestions: Suggestions,
    /// Every class `(id, name)`, to name suggestions.
    pub classes: Rc<Vec<(u32, String)>>,
    /// Why no suggestions are made now (`state::suggestions::why_none`).
    pub why: Option<AttrValue>,
    pub ready: bool,
    pub on_files: Callback<Vec<web_sys::File>>,
    /// Accept one photo's suggestion: `(photo, class)`.
    pub on_accept: Callback<(u64, u32)>,
    /// Accept every suggestion at or above this confidence (0 to 1).
    pub on_accept_above: Callback<f32>,
    pub on_remove: Callback<u64>,
}

#[component]
pub fn TrayCard(props: &TrayCardProps) -> Html {
    let threshold = use_state_eq(|| START_THRESHOLD);
    let on_threshold = {
        let threshold = threshold.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                let value = input.value().trim().parse::<f64>().ok();
                match value.filter(|v| (0.0..=100.0).contains(v)) {
                    Some(v) => threshold.set(v.round() as u32),
                    // Out of range or not a number: the last good value is drawn again.
                    None => input.set_value(&threshold.to_string()),
                }
            }
        })
    };
    let cut = *threshold as f32 / 100.0;
    let above = props.suggestions.above(&props.tray, cut).len();
    let accept_above = props.on_accept_above.reform(move |_: MouseEvent| cut);
    let name_of = |class: u32| {
        (props.classes.iter())
            .find(|(id, _)| *id == class)
            .map_or(String::new(), |(_, n)| n.clone())
    };
    let order = props.suggestions.order(&props.tray);
    let items = order.iter().take(THUMBS_SHOWN).map(|s| {
        let sid = s.id;
        let remove = props.on_remove.reform(move |_: MouseEvent| sid);
        let suggested = props.suggestions.of(sid).map(|g| (name_of(g.class), g));
        html! {
            <li key={sid} class="thumb tray-item" data-suggested={suggested.as_ref().map(|(n, _)| n.clone())}>
                if s.thumb.href().is_empty() {
                    <span class="pending" role="img" aria-label={s.name.clone()} title={s.name.clone()}></span>
                } else {
                    <img src={s.thumb.href().to_string()} alt={s.name.clone()} title={s.name.clone()} />
                }
                <button class="icon" aria-label={format!("Remove {}", s.name)} onclick={remove}>{ "×" }</button>
                if let Some((name, g)) = suggested {
                    <span class="suggestion" data-confidence={format!("{:.3}", g.confidence)}>
                        { format!("{name} {:.0} %", g.confidence * 100.0) }
                    </span>
                    <button class="accept" aria-label={format!("Accept {} as {name}", s.name)}
                            onclick={props.on_accept.reform(move |_: MouseEvent| (sid, g.class))}>{ "Accept" }</button>
                }
            </li>
        }
    });
    let count = props.tray.len();
    html! {
        <section class="card class-card tray" aria-label="Unlabelled images">
            <div class="class-head">
                <h3>{ "Unlabelled" }</h3>
                <span class="count" data-count={count.to_string()}>
                    { format!("{count} image{}", if count == 1 { "" } else { "s" }) }
                </span>
            </div>
            <p class="muted">{ "Photos without a class. Each shows the class it looks most like; training \
                               learns from those it is sure of, and Accept moves one into its class." }</p>
            <PhotoDrop label="Add unlabelled images" multiple={true} disabled={!props.ready} on_files={props.on_files.clone()} />
            if let Some(why) = &props.why {
                <p class="muted" id="tray-why">{ why.clone() }</p>
            }
            if !props.suggestions.by_sample.is_empty() && count > 0 {
                <div class="row">
                    <label>{ "Accept all at or above " }
                        <input type="number" min="0" max="100" step="5" value={threshold.to_string()}
                               aria-label="Accept threshold (per cent)" onchange={on_threshold} />
                        { " %" }
                    </label>
                    <button onclick={accept_above} disabled={above == 0}>
                        { format!("Accept {above} suggestion{}", if above == 1 { "" } else { "s" }) }
                    </button>
                </div>
            }
            <ul class="thumbs" aria-label="Unlabelled images">{ for items }</ul>
            if count > THUMBS_SHOWN {
                <p class="muted">{ format!("and {} more", count - THUMBS_SHOWN) }</p>
            }
        </section>
    }
}
