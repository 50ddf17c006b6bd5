//! Where the model looks (issue 18): the previewed photo with a class's map over it, the
//! class picked from the model's (the likeliest at first), the map's opacity on a slider.

use crate::model::cam::{ClassMaps, heat};
use crate::thumb::Thumb;
use yew::prelude::*;

/// The map layer's side in pixels: 7 positions upsampled smoothly for a 10rem picture.
const LAYER_SIDE: u32 = 112;

#[derive(Properties, PartialEq)]
pub struct LookViewProps {
    pub thumb: Thumb,
    pub name: AttrValue,
    /// The model's classes, in the maps' order.
    pub classes: Vec<String>,
    /// The likeliest class (an index into `classes`).
    pub best: usize,
    pub looks: Option<ClassMaps>,
}

/// `class`'s map as a PNG layer (an object URL freed with the picture); none if it cannot
/// be made.
fn layer(looks: &ClassMaps, class: usize) -> Option<Thumb> {
    let values = looks.maps.get(class)?;
    if looks.side == 0 || values.len() != looks.side * looks.side {
        return None;
    }
    let picture = crate::heat::layer(&heat(values), looks.side, LAYER_SIDE);
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut png);
    picture.write_with_encoder(encoder).ok()?;
    crate::web::files::thumb(&png, "image/png").ok()
}

#[component]
pub fn LookView(props: &LookViewProps) -> Html {
    let picked = use_state(|| None::<String>);
    let opacity = use_state(|| 50u32);
    // The picked class while the model has it, else the likeliest.
    let class = (picked.as_ref())
        .and_then(|name| props.classes.iter().position(|c| c == name))
        .unwrap_or(props.best);
    let layer = use_memo((props.looks.clone(), class), |(looks, class)| {
        looks.as_ref().and_then(|l| layer(l, *class))
    });
    let on_class = {
        let picked = picked.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            picked.set(Some(select.value()));
        })
    };
    let on_opacity = {
        let opacity = opacity.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            opacity.set(input.value().parse().unwrap_or(50).min(100));
        })
    };
    let alt = format!("The image {}", props.name);
    let Some((looks, layer)) = props.looks.as_ref().zip(layer.as_ref().as_ref()) else {
        return html! { <img src={props.thumb.href().to_string()} {alt} /> };
    };
    let name = props.classes.get(class).cloned().unwrap_or_default();
    let style = format!("opacity: {:.2}", *opacity as f32 / 100.0);
    html! {
        <figure class="look" id="look" data-class={name.clone()} data-kind={looks.kind.label()}>
            <div class="layers">
                <img src={props.thumb.href().to_string()} {alt} />
                <img class="heat" src={layer.href().to_string()} {style}
                     alt={format!("Where the model looks for {name}")} />
            </div>
            <figcaption>
                <label>{ format!("{} for ", looks.kind.label()) }
                    <select aria-label="The class whose map is shown" onchange={on_class}>
                        { for props.classes.iter().enumerate().map(|(i, c)| html! {
                            <option value={c.clone()} selected={i == class}>{ c }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Opacity " }
                    <input type="range" min="0" max="100" value={opacity.to_string()}
                           aria-label="The map's opacity" oninput={on_opacity} />
                </label>
            </figcaption>
        </figure>
    }
}
