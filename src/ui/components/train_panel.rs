//! Training: the Train and Stop buttons, progress per epoch with the loss, and the outcome.

use crate::ui::teach_state::Training;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TrainPanelProps {
    pub training: Training,
    pub ready: bool,
    pub busy: bool,
    pub device: AttrValue,
    pub on_train: Callback<()>,
    pub on_stop: Callback<()>,
}

#[component]
pub fn TrainPanel(props: &TrainPanelProps) -> Html {
    let running = matches!(props.training, Training::Running { .. });
    let status = match &props.training {
        Training::Idle => html! { <p class="muted">{ "Not trained yet." }</p> },
        Training::Running { epochs, last } => {
            let done = last.map_or(0, |s| s.epoch);
            html! {
                <div aria-live="polite">
                    <progress max={epochs.to_string()} value={done.to_string()} aria-label="Training progress" />
                    <p>{ match last {
                        Some(s) => format!("Epoch {} of {epochs}: loss {:.4}, training accuracy {:.0} %", s.epoch, s.loss, s.accuracy * 100.0),
                        None => format!("Training {epochs} epochs…"),
                    } }</p>
                </div>
            }
        }
        Training::Done {
            last,
            epochs,
            ms,
            stopped,
        } => html! {
            <p id="train-result" role="status" data-epochs={epochs.to_string()} data-loss={last.loss.to_string()}>
                { format!("{} after {epochs} epochs in {:.2} s: loss {:.4}, training accuracy {:.0} %.",
                          if *stopped { "Stopped" } else { "Trained" }, ms / 1e3, last.loss, last.accuracy * 100.0) }
            </p>
        },
        Training::Failed(m) => html! { <p id="train-error" class="error" role="alert">{ m }</p> },
    };
    html! {
        <section class="card train" aria-labelledby="train-title">
            <h2 id="train-title">{ "Train" }</h2>
            <p class="muted">{ format!("A new classification head on the photos' features, on {}.", props.device) }</p>
            <div class="row">
                <button class="primary" onclick={props.on_train.reform(|_| ())} disabled={!props.ready || running || props.busy}>{ "Train" }</button>
                <button onclick={props.on_stop.reform(|_| ())} disabled={!running}>{ "Stop" }</button>
            </div>
            { status }
        </section>
    }
}
