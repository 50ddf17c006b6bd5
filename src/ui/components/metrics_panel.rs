//! How the kept model does on the held-out images (or, cross-validated, how heads that did
//! not train on each image label it): per-class accuracy (recall) and
//! precision, and a confusion matrix whose cells open the images behind them.

use super::use_open::use_open;
use crate::project::Project;
use crate::state::training::Report;
use std::rc::Rc;
use yew::prelude::*;

/// Above this many classes the confusion matrix (classes² buttons) is drawn only when
/// opened, under the largest mistakes: at 50 classes its 2 500 cells took a task of ~230 ms
/// of layout and paint, and ~95 ms building them, on the page's thread (a trace, 3 000
/// photos); nor can a person read it at a glance.
const MATRIX_AT_A_GLANCE: usize = 12;
/// The largest mistakes listed instead.
const MOST_CONFUSED: usize = 10;

#[derive(Properties, PartialEq)]
pub struct MetricsPanelProps {
    pub report: Rc<Report>,
    /// For the held-out images' names and thumbnails.
    pub project: Project,
    /// Read the thumbnails of these samples (an opened cell's, past the 48 a card shows).
    pub on_thumbs: Callback<Vec<u64>>,
}

fn pct(v: Option<f32>) -> String {
    v.map_or("–".into(), |v| format!("{:.0} %", v * 100.0))
}

#[component]
pub fn MetricsPanel(props: &MetricsPanelProps) -> Html {
    let open = use_state(|| None::<(usize, usize)>);
    let (matrix_open, on_matrix) = use_open();
    let r = &props.report;
    let e = &r.evaluation;
    let rows = r.names.iter().enumerate().map(|(c, name)| {
        let m = e.class(c);
        html! {
            <tr data-class={name.clone()}>
                <th scope="row">{ name }</th>
                <td>{ m.images }</td>
                <td data-recall={m.recall.map(|v| v.to_string())}>{ pct(m.recall) }</td>
                <td data-precision={m.precision.map(|v| v.to_string())}>{ pct(m.precision) }</td>
            </tr>
        }
    });
    // A cell's button: it opens (or closes) the images behind it.
    let toggle = |t: usize, p: usize| {
        let open = open.clone();
        Callback::from(move |_| {
            open.set(if *open == Some((t, p)) {
                None
            } else {
                Some((t, p))
            })
        })
    };
    let matrix = || {
        let rows = r.names.iter().enumerate().map(|(t, truth)| {
            let cells = r.names.iter().enumerate().map(|(p, pred)| {
                let n = e.confusion[t][p];
                let label = format!("{n} {truth} image{} labelled {pred}", if n == 1 { "" } else { "s" });
                let class = classes!((t == p).then_some("right"), (n > 0 && t != p).then_some("wrong"),
                                     (*open == Some((t, p))).then_some("open"));
                html! {
                    <td {class}><button aria-label={label} aria-pressed={(*open == Some((t, p))).to_string()}
                        disabled={n == 0} onclick={toggle(t, p)}>{ n }</button></td>
                }
            });
            html! { <tr><th scope="row">{ truth }</th>{ for cells }</tr> }
        });
        html! {
            <table class="confusion" aria-label="Confusion matrix: rows are the true class, columns the predicted one">
                <thead><tr><th scope="col">{ "true \\ predicted" }</th>
                    { for r.names.iter().map(|n| html! { <th scope="col">{ n }</th> }) }</tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    };
    // Many classes: the largest mistakes, and the whole matrix only when opened.
    let confused = || {
        let worst = e.most_confused(MOST_CONFUSED);
        let items = worst.iter().map(|&(t, p, n)| {
            let text = format!("{n} {} labelled {}", r.names[t], r.names[p]);
            html! {
                <li><button aria-pressed={(*open == Some((t, p))).to_string()} onclick={toggle(t, p)}>{ text }</button></li>
            }
        });
        html! {
            <>
                <h3>{ "Most confused" }</h3>
                if worst.is_empty() {
                    <p>{ "No image was labelled wrong." }</p>
                } else {
                    <ul class="confused" aria-label="Most confused">{ for items }</ul>
                }
                <details class="matrix" ontoggle={on_matrix.clone()}>
                    <summary>{ format!("Confusion matrix ({0} × {0})", r.names.len()) }</summary>
                    if matrix_open { { matrix() } }
                </details>
            </>
        }
    };
    let cell_ids = |(t, p): (usize, usize)| -> Vec<u64> {
        e.cell(t, p).into_iter().map(|i| r.samples[i]).collect()
    };
    let cell_samples = |ids: Vec<u64>| {
        let ids: std::collections::HashSet<u64> = ids.into_iter().collect();
        props
            .project
            .classes
            .iter()
            .flat_map(|c| c.samples.iter())
            .filter(move |s| ids.contains(&s.id))
    };
    {
        // An opened cell's photos without a thumbnail (past a card's 48) are read.
        let wanted: Vec<u64> = (*open)
            .map(|cell| {
                cell_samples(cell_ids(cell))
                    .filter(|s| !s.thumb.is_set())
                    .map(|s| s.id)
                    .collect()
            })
            .unwrap_or_default();
        let on_thumbs = props.on_thumbs.clone();
        use_effect_with(wanted, move |wanted| {
            if !wanted.is_empty() {
                on_thumbs.emit(wanted.clone());
            }
        });
    }
    let images = open.and_then(|(t, p)| {
        let samples = cell_samples(cell_ids((t, p)));
        let title = format!("{} images labelled {}", r.names.get(t)?, r.names.get(p)?);
        Some(html! {
            <div class="cell-images" id="cell-images" role="region" aria-label={title.clone()}>
                <h4>{ title }</h4>
                <ul class="thumbs">
                    { for samples.map(|s| html! {
                        <li class="thumb">
                            if s.thumb.href().is_empty() {
                                // Being read from the store.
                                <span class="pending" role="img" aria-label={s.name.clone()} title={s.name.clone()}></span>
                            } else {
                                <img src={s.thumb.href().to_string()} alt={s.name.clone()} title={s.name.clone()} />
                            }
                        </li>
                    }) }
                </ul>
            </div>
        })
    });
    html! {
        <section class="card metrics" aria-labelledby="metrics-title" id="metrics">
            <h2 id="metrics-title">{ match r.folds { 0 => "Validation".to_string(), k => format!("Validation (cross-validated, {k} folds)") } }</h2>
            <p id="val-accuracy" data-accuracy={e.accuracy().map(|v| v.to_string())} data-folds={r.folds.to_string()}>
                { match r.folds {
                    0 => format!("{} of {} held-out images labelled right ({}).", e.right(), e.labels.len(), pct(e.accuracy())),
                    k => format!("{} of {} images labelled right by heads that did not train on them ({}; {k}-fold cross-validation: each image is left out once, then the head trains on all).", e.right(), e.labels.len(), pct(e.accuracy())),
                } }
            </p>
            <table class="per-class" aria-label="Per-class results">
                <thead><tr><th scope="col">{ "Class" }</th><th scope="col">{ "Images" }</th>
                    <th scope="col" title="Share of the class's images labelled right (its recall)">{ "Accuracy (recall)" }</th>
                    <th scope="col" title="Of the images labelled this class, the share that are">{ "Precision" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if r.names.len() > MATRIX_AT_A_GLANCE { { confused() } } else { { matrix() } }
            <p class="muted">{ "Click a number to see those images." }</p>
            { images.unwrap_or_default() }
        </section>
    }
}
