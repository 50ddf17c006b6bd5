//! Preview: classify a dropped, picked or pasted image with the trained model; the model's
//! downloads (its file, ONNX, its card) and loading a model file.

use super::confidence::Confidence;
use super::look_view::LookView;
use super::photo_drop::PhotoDrop;
use crate::state::teach::Prediction;
use crate::state::training::ModelSummary;
use crate::ui::export::Download;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PreviewPanelProps {
    pub model: Option<ModelSummary>,
    /// Before any model: the prototypes of the classes' photos answer (issue 17).
    pub prototypes: Option<ModelSummary>,
    /// The saved model is being checked by the session (it waits for the backbone).
    pub checking: bool,
    pub prediction: Option<Prediction>,
    pub error: Option<AttrValue>,
    pub ready: bool,
    pub on_image: Callback<Vec<web_sys::File>>,
    /// The model file, the model as ONNX, or its card.
    pub on_download: Callback<Download>,
    pub on_load: Callback<web_sys::File>,
}

#[component]
pub fn PreviewPanel(props: &PreviewPanelProps) -> Html {
    let on_paste = {
        let cb = props.on_image.clone();
        let usable = props.ready && (props.model.is_some() || props.prototypes.is_some());
        Callback::from(move |e: Event| {
            let files = crate::web::files::pasted(&e);
            if usable && !files.is_empty() {
                e.prevent_default();
                cb.emit(files);
            }
        })
    };
    let on_load = {
        let cb = props.on_load.clone();
        Callback::from(move |e: Event| {
            if let Some(file) = crate::web::files::take_picked(&e) {
                cb.emit(file);
            }
        })
    };
    let has_model = props.model.is_some();
    let answers = has_model || props.prototypes.is_some();
    let first_task = props.model.as_ref().and_then(|m| m.task.clone());
    let bars = props.prediction.as_ref().map(|p| {
        let best = p.probs.iter().map(|(_, v)| *v).fold(0.0f32, f32::max);
        let likeliest = p.probs.iter().position(|(_, v)| *v == best).unwrap_or(0);
        let classes: Vec<String> = p.probs.iter().map(|(c, _)| c.clone()).collect();
        html! {
            <div class="sight">
                <LookView thumb={p.thumb.clone()} name={p.name.clone()} {classes} best={likeliest} looks={p.looks.clone()} />
                <div>
                    <p id="preview-file">{ &p.name }</p>
                    if p.probs.is_empty() && answers {
                        <p id="preview-stale" class="muted">{ "The model changed: looking at the image again…" }</p>
                    }
                    if let Some(first) = first_task.as_ref().filter(|_| !p.tasks.is_empty()) {
                        <h3 class="task-title">{ format!("{first}: {}", p.probs.get(likeliest).map(|(c, _)| c.as_str()).unwrap_or_default()) }</h3>
                    }
                    <ol id="preview-probs" aria-label="Confidence per class">
                        { for p.probs.iter().map(|(class, v)| html! {
                            <li data-class={class.clone()} data-p={v.to_string()} class={classes!((*v == best).then_some("best"))}>
                                <Confidence label={class.clone()} p={*v} />
                            </li>
                        }) }
                    </ol>
                    { for p.tasks.iter().map(task_answer) }
                </div>
            </div>
        }
    });
    html! {
        <section class="card preview" aria-labelledby="preview-title" tabindex="0" onpaste={on_paste}>
            <h2 id="preview-title">{ "Preview" }</h2>
            if let Some(m) = &props.model {
                <p class="muted" id="model-classes">{ format!("Model classes: {}", m.classes.join(", ")) }</p>
                if !m.tasks.is_empty() {
                    <p class="muted" id="model-tasks">{ format!("Further tasks: {}", m.tasks.iter().map(|(t, c)| format!("{t} ({})", c.join(", "))).collect::<Vec<_>>().join("; ")) }</p>
                }
                <p class="muted">{ "Pick or drop an image, paste one (click here, then Ctrl+V), or turn on the webcam." }</p>
            } else if props.checking {
                <p class="muted" id="model-checking">{ "Opening the saved model…" }</p>
            } else if props.prototypes.is_some() {
                <p class="muted" id="model-prototypes">{ "Answering from your photos as they are (each class's average, no training yet): Train fits a model to them." }</p>
                <p class="muted">{ "Pick or drop an image, paste one (click here, then Ctrl+V), or turn on the webcam." }</p>
            } else {
                <p class="muted">{ "Train a model (or load one) to classify new images." }</p>
            }
            <PhotoDrop label="Choose an image to classify" disabled={!props.ready || !answers} on_files={props.on_image.clone()} />
            if let Some(e) = &props.error {
                <p id="preview-error" class="error" role="alert">{ e }</p>
            }
            { bars.unwrap_or_default() }
            <div class="row">
                <button onclick={props.on_download.reform(|_| Download::Model)} disabled={!has_model}>{ "Download model" }</button>
                <button onclick={props.on_download.reform(|_| Download::Onnx)} disabled={!has_model}>{ "Download as ONNX" }</button>
                <button onclick={props.on_download.reform(|_| Download::Card)} disabled={!has_model}>{ "Download model card" }</button>
                <label class="pick">{ "Load a model file" }
                    <input type="file" accept=".graft,.safetensors" aria-label="Load a model file"
                           disabled={!props.ready} onchange={on_load} />
                </label>
            </div>
        </section>
    }
}

/// A further task's answer (a model of several tasks): its likeliest class, then every
/// class's bar.
fn task_answer((task, probs): &crate::session::protocol::TaskProbs) -> Html {
    let best = probs.iter().map(|(_, v)| *v).fold(0.0f32, f32::max);
    let likeliest = probs
        .iter()
        .find(|(_, v)| *v == best)
        .map(|(c, _)| c.clone());
    html! {
        <div class="task-answer" data-task={task.clone()} data-label={likeliest.clone().unwrap_or_default()}>
            <h3>{ format!("{task}: {}", likeliest.unwrap_or_default()) }</h3>
            <ol aria-label={format!("Confidence per class of {task}")}>
                { for probs.iter().map(|(class, v)| html! {
                    <li data-class={class.clone()} data-p={v.to_string()} class={classes!((*v == best).then_some("best"))}>
                        <Confidence label={class.clone()} p={*v} />
                    </li>
                }) }
            </ol>
        </div>
    }
}
