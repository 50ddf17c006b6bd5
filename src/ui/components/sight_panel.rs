//! "What the backbone sees": a photo's ImageNet top-5 and how long it took.

use super::confidence::Confidence;
use super::photo_drop::PhotoDrop;
use crate::state::Sight;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SightPanelProps {
    pub ready: bool,
    pub looking: bool,
    pub sight: Option<Sight>,
    pub error: Option<String>,
    pub on_photos: Callback<Vec<web_sys::File>>,
}

#[component]
pub fn SightPanel(props: &SightPanelProps) -> Html {
    let result = props.sight.as_ref().map(|s| {
        html! {
            <div class="sight">
                <img src={s.thumbnail.clone()} alt={format!("The photo {}", s.file_name)} />
                <div>
                    <p id="see-file">{ &s.file_name }</p>
                    <ol id="imagenet-top5" aria-label="ImageNet top 5">
                        { for s.top.iter().map(|g| html! {
                            <li data-id={g.id.to_string()} data-p={g.p.to_string()}>
                                <Confidence label={g.label.clone()} p={g.p} />
                            </li>
                        }) }
                    </ol>
                    <p id="see-time" data-ms={format!("{:.1}", s.ms)}>{ format!("Took {:.0} ms (decode, resize, forward pass)", s.ms) }</p>
                </div>
            </div>
        }
    });
    html! {
        <section class="card see" aria-labelledby="see-title">
            <h2 id="see-title">{ "What the backbone sees" }</h2>
            <p class="muted">{ "Pick or drop a photo: the pre-trained network's five best ImageNet guesses." }</p>
            <PhotoDrop label="Choose a photo" disabled={!props.ready} on_files={props.on_photos.clone()} />
            if props.looking {
                <p aria-busy="true">{ "Looking…" }</p>
            }
            if let Some(error) = &props.error {
                <p id="see-error" class="error" role="alert">{ error }</p>
            }
            { result.unwrap_or_default() }
        </section>
    }
}
