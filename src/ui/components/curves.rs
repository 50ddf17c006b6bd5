//! Loss and accuracy per epoch, training and validation, drawn as they arrive.

use crate::train::EpochStats;
use yew::prelude::*;

const W: f64 = 300.0;
const H: f64 = 110.0;

#[derive(Properties, PartialEq)]
pub struct CurvesProps {
    pub history: Vec<EpochStats>,
    /// The x axis spans the planned epochs, so the curves grow rightwards.
    pub epochs: usize,
    /// The epoch whose weights were kept, marked when known.
    #[prop_or_default]
    pub best_epoch: Option<usize>,
}

/// SVG polyline points for `values` (epoch, value), y scaled to `[0, top]`.
fn points(values: &[(usize, f32)], epochs: usize, top: f32) -> String {
    let span = (epochs.max(2) - 1) as f64;
    values
        .iter()
        .map(|&(e, v)| {
            let x = (e - 1) as f64 / span * W;
            let y = H - (v / top).clamp(0.0, 1.0) as f64 * H;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn chart(
    title: &str,
    train: Vec<(usize, f32)>,
    val: Vec<(usize, f32)>,
    epochs: usize,
    top: f32,
    best: Option<usize>,
) -> Html {
    let marker = best.map(|b| {
        let x = (b.max(1) - 1) as f64 / (epochs.max(2) - 1) as f64 * W;
        html! { <line class="best" x1={x.to_string()} x2={x.to_string()} y1="0" y2={H.to_string()} /> }
    });
    let summary = match (train.last(), val.last()) {
        (Some(t), Some(v)) => format!(
            "{title}: training {:.3}, validation {:.3} at epoch {}",
            t.1, v.1, t.0
        ),
        (Some(t), None) => format!("{title}: training {:.3} at epoch {}", t.1, t.0),
        _ => format!("{title}: no epoch yet"),
    };
    html! {
        <figure class="curve">
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={summary.clone()} data-points={train.len().to_string()}>
                { marker.unwrap_or_default() }
                <polyline class="train" points={points(&train, epochs, top)} />
                <polyline class="val" points={points(&val, epochs, top)} />
            </svg>
            <figcaption>{ title }<span class="key train">{ " training" }</span><span class="key val">{ " validation" }</span></figcaption>
        </figure>
    }
}

#[component]
pub fn Curves(props: &CurvesProps) -> Html {
    let h = &props.history;
    let loss = |f: fn(&EpochStats) -> Option<f32>| {
        h.iter()
            .filter_map(|s| f(s).map(|v| (s.epoch, v)))
            .collect::<Vec<_>>()
    };
    let train_loss = loss(|s| Some(s.loss));
    let val_loss = loss(|s| s.val_loss);
    // The loss axis tops at the largest loss seen, so early epochs do not flatten the rest.
    let top = train_loss
        .iter()
        .chain(&val_loss)
        .map(|p| p.1)
        .fold(1e-6f32, f32::max);
    html! {
        <div class="curves" id="train-curves" data-epochs={h.iter().map(|s| s.epoch.to_string()).collect::<Vec<_>>().join(",")}>
            { chart("Loss", train_loss, val_loss, props.epochs, top, props.best_epoch) }
            { chart("Accuracy", loss(|s| Some(s.accuracy)), loss(|s| s.val_accuracy), props.epochs, 1.0, props.best_epoch) }
        </div>
    }
}
