//! The map of the photos (issue 18): every labelled photo's embedding on its first two
//! principal components, coloured by class, validation photos as rings; hover names a
//! photo, a click opens its card, the wheel or the buttons zoom, a drag pans. Below it, the
//! photos whose neighbours carry another label, with "Move to" and "Keep".

use crate::explore::view::{Frame, View};
use crate::project::{Project, Sample};
use crate::state::explore::{Explored, MapState, SUSPECTS_UP_TO, fingerprint};
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

/// The canvas, in CSS pixels.
const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 380.0;
/// A point's radius, and how near the pointer must come to name it.
const DOT: f64 = 3.0;
const REACH: f64 = 8.0;
/// Suspects listed at once (the most suspect first).
const LISTED: usize = 20;

/// Class colours: matplotlib's "tab10", then hues a golden angle apart.
fn colour(class: usize) -> String {
    const TAB10: [&str; 10] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf",
    ];
    match TAB10.get(class) {
        Some(c) => c.to_string(),
        None => format!("hsl({:.0}, 65%, 45%)", (class as f64 * 137.508) % 360.0),
    }
}

#[derive(Properties, PartialEq)]
pub struct MapPanelProps {
    pub map: MapState,
    pub project: Project,
    /// The model in use's key if it fine-tuned blocks: the map is drawn from its features.
    pub tuned: Option<String>,
    pub ready: bool,
    pub on_ask: Callback<()>,
    /// Move a photo to a class (class id), or keep its label.
    pub on_move: Callback<(u64, u32)>,
    pub on_keep: Callback<u64>,
}

/// Each labelled photo by id: the sample, its class's name and its class's place.
fn photos(project: &Project) -> HashMap<u64, (&Sample, &str, usize)> {
    (project.classes.iter().enumerate())
        .flat_map(|(i, c)| {
            c.samples
                .iter()
                .map(move |s| (s.id, (s, c.name.as_str(), i)))
        })
        .collect()
}

fn draw(
    canvas: &HtmlCanvasElement,
    explored: &Explored,
    project: &Project,
    view: View,
) -> Option<()> {
    let g: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    g.clear_rect(0.0, 0.0, WIDTH, HEIGHT);
    let frame = Frame::new(&explored.points, view, WIDTH, HEIGHT);
    let place: HashMap<u32, usize> = (project.classes.iter().enumerate())
        .map(|(i, c)| (c.id, i))
        .collect();
    for ((point, class), id) in explored
        .points
        .iter()
        .zip(&explored.classes)
        .zip(&explored.ids)
    {
        let [x, y] = frame.to_canvas(*point);
        let style = colour(place.get(class).copied().unwrap_or(usize::MAX / 2));
        g.begin_path();
        let _ = g.arc(x, y, DOT, 0.0, std::f64::consts::TAU);
        if project.held_out.contains(id) {
            g.set_stroke_style_str(&style);
            g.stroke();
        } else {
            g.set_fill_style_str(&style);
            g.fill();
        }
    }
    Some(())
}

#[component]
pub fn MapPanel(props: &MapPanelProps) -> Html {
    let canvas = use_node_ref();
    let view = use_state(View::default);
    let hovered = use_state(|| None::<usize>);
    let dragging = use_mut_ref(|| None::<[f64; 2]>);
    let explored = props.map.explored.clone();
    {
        let (canvas, project) = (canvas.clone(), props.project.clone());
        use_effect_with(
            (explored.clone(), *view, project.held_out.clone()),
            move |(e, v, _)| {
                if let (Some(e), Some(c)) = (e, canvas.cast::<HtmlCanvasElement>()) {
                    draw(&c, e, &project, *v);
                }
            },
        );
    }
    let frame = explored
        .as_ref()
        .map(|e| Frame::new(&e.points, *view, WIDTH, HEIGHT));
    let at = |e: &MouseEvent| [e.offset_x() as f64, e.offset_y() as f64];
    let on_move = {
        let (explored, view, hovered, dragging) = (
            explored.clone(),
            view.clone(),
            hovered.clone(),
            dragging.clone(),
        );
        Callback::from(move |e: MouseEvent| {
            let Some(ex) = &explored else { return };
            let frame = Frame::new(&ex.points, *view, WIDTH, HEIGHT);
            let mut from = dragging.borrow_mut();
            if let (Some(start), true) = (*from, e.buttons() & 1 == 1) {
                let here = at(&e);
                view.set(frame.panned(*view, [here[0] - start[0], here[1] - start[1]]));
                *from = Some(here);
                return;
            }
            hovered.set(frame.nearest(&ex.points, at(&e), REACH));
        })
    };
    let on_down = {
        let dragging = dragging.clone();
        Callback::from(move |e: MouseEvent| *dragging.borrow_mut() = Some(at(&e)))
    };
    let on_up = {
        let dragging = dragging.clone();
        Callback::from(move |_: MouseEvent| *dragging.borrow_mut() = None)
    };
    let on_wheel = {
        let (explored, view) = (explored.clone(), view.clone());
        Callback::from(move |e: WheelEvent| {
            let Some(ex) = &explored else { return };
            e.prevent_default();
            let frame = Frame::new(&ex.points, *view, WIDTH, HEIGHT);
            let factor = if e.delta_y() < 0.0 { 1.25 } else { 0.8 };
            view.set(frame.zoomed(*view, factor, [e.offset_x() as f64, e.offset_y() as f64]));
        })
    };
    let zoom_by = |factor: f64| {
        let (explored, view) = (explored.clone(), view.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(ex) = &explored else { return };
            let frame = Frame::new(&ex.points, *view, WIDTH, HEIGHT);
            view.set(frame.zoomed(*view, factor, [WIDTH / 2.0, HEIGHT / 2.0]));
        })
    };
    // Only with a map drawn: these look at every photo, and each added photo draws the panel.
    let photos = match &explored {
        Some(_) => photos(&props.project),
        None => HashMap::new(),
    };
    let name_of = |id: u64| {
        photos
            .get(&id)
            .map(|(s, _, _)| s.name.clone())
            .unwrap_or_default()
    };
    let class_name = |class: u32| {
        (props.project.class(class))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    // A click on a point opens its photo's card.
    let on_click = {
        let (explored, hovered, project) =
            (explored.clone(), hovered.clone(), props.project.clone());
        Callback::from(move |_: MouseEvent| {
            let (Some(ex), Some(i)) = (&explored, *hovered) else {
                return;
            };
            let Some(class) = project.class(ex.classes[i]) else {
                return;
            };
            let selector = format!(
                "section[aria-label=\"Class {}\"]",
                class.name.replace('"', "\\\"")
            );
            if let Ok(Some(card)) = gloo::utils::document().query_selector(&selector) {
                card.scroll_into_view();
                if let Ok(card) = card.dyn_into::<web_sys::HtmlElement>() {
                    let _ = card.focus();
                }
            }
        })
    };
    let tip = (explored.as_ref().zip(frame.as_ref()).zip(*hovered)).and_then(|((ex, frame), i)| {
        let id = *ex.ids.get(i)?;
        let (sample, class, _) = photos.get(&id)?;
        let [x, y] = frame.to_canvas(ex.points[i]);
        // Beside the point, on the side with room (the frame clips what passes its edge).
        let left = if x > WIDTH - 240.0 { x - 250.0 } else { x + 10.0 };
        let top = if y > HEIGHT - 70.0 { y - 60.0 } else { y + 10.0 };
        let style = format!("left: {left:.0}px; top: {top:.0}px");
        let held = props.project.held_out.contains(&id);
        Some(html! {
            <div class="map-tip" id="map-tip" {style} data-id={id.to_string()}>
                if !sample.thumb.href().is_empty() {
                    <img src={sample.thumb.href().to_string()} alt="" />
                }
                <span>{ format!("{} in {class}{}", sample.name, if held { " (validation)" } else { "" }) }</span>
            </div>
        })
    });
    let stale = explored
        .as_ref()
        .is_some_and(|e| e.fingerprint() != fingerprint(&props.project));
    let suspects = explored
        .as_ref()
        .map(|e| e.open_suspects(&props.project))
        .unwrap_or_default();
    let asking = props.map.asked;
    html! {
        <details class="card map-panel" id="map-panel">
            <summary><h2>{ "Map of the photos" }</h2></summary>
            <p class="muted">{ "Each labelled photo where its features put it (the first two principal components): photos the backbone sees alike lie close. Rings are validation photos. Hover names a photo, a click opens its card; the wheel zooms, a drag pans." }</p>
            <div class="row">
                <button onclick={props.on_ask.reform(|_| ())} disabled={!props.ready || asking}>
                    { if explored.is_some() { "Draw the map again" } else { "Draw the map" } }
                </button>
                <button onclick={zoom_by(1.25)} disabled={explored.is_none()} aria-label="Zoom in">{ "+" }</button>
                <button onclick={zoom_by(0.8)} disabled={explored.is_none()} aria-label="Zoom out">{ "−" }</button>
                <button onclick={{ let view = view.clone(); Callback::from(move |_| view.set(View::default())) }}
                        disabled={explored.is_none()}>{ "Whole map" }</button>
            </div>
            if asking { <p class="muted" id="map-asking">{ "Drawing the map…" }</p> }
            if let Some(e) = &props.map.error { <p class="error" id="map-error" role="alert">{ e }</p> }
            if stale { <p class="muted" id="map-stale">{ "The photos changed since the map was drawn." }</p> }
            if let Some(ex) = explored.as_ref().filter(|e| e.model != props.tuned) {
                <p class="muted" id="map-model-stale">{ if ex.model.is_some() { "The model changed since the map was drawn." } else { "Drawn from the backbone's features: the fine-tuned model's differ." } }</p>
            }
            if explored.as_ref().is_some_and(|e| e.model.is_some()) {
                <p class="muted" id="map-tuned">{ "Drawn from the fine-tuned blocks' features: what the model classifies by." }</p>
            }
            if let Some(ex) = &explored {
                <div class="map-frame">
                    <canvas ref={canvas} width={WIDTH.to_string()} height={HEIGHT.to_string()} id="map-canvas"
                            data-points={ex.points.len().to_string()} role="img"
                            aria-label={format!("Map of {} photos", ex.points.len())}
                            onmousemove={on_move} onmousedown={on_down} onmouseup={on_up.clone()} onmouseleave={on_up}
                            onwheel={on_wheel} onclick={on_click} />
                    { tip.unwrap_or_default() }
                </div>
                <p class="muted">{ format!("The axes explain {:.0} % and {:.0} % of the variance.", ex.explained[0] * 100.0, ex.explained[1] * 100.0) }</p>
                <ul class="legend">
                    { for props.project.classes.iter().enumerate().map(|(i, c)| html! {
                        <li><span class="swatch" style={format!("background: {}", colour(i))}></span>{ &c.name }</li>
                    }) }
                </ul>
                <h3>{ "Photos that look mislabelled" }</h3>
                if ex.ids.len() > SUSPECTS_UP_TO {
                    <p class="muted">{ format!("Not looked for above {SUSPECTS_UP_TO} photos (every pair is compared).") }</p>
                } else if suspects.is_empty() {
                    <p class="muted" id="suspects-none">{ "None: every photo's nearest neighbours mostly share its class." }</p>
                } else {
                    <p class="muted">{ format!("{} photo{} whose nearest neighbours mostly carry another class, the most suspect first.", suspects.len(), if suspects.len() == 1 { "" } else { "s" }) }</p>
                    <ol id="suspects">
                        { for suspects.iter().take(LISTED).map(|s| {
                            let id = ex.ids[s.index];
                            let (to, name) = (s.suggested as u32, name_of(id));
                            let (label, suggested) = (class_name(s.label as u32), class_name(to));
                            html! {
                                <li key={id} data-id={id.to_string()} data-name={name.clone()} data-suggested={suggested.clone()}>
                                    <span>{ format!("{name}: in {label}; its neighbours say {suggested} ({:.0} %)", s.score * 100.0) }</span>
                                    <button onclick={props.on_move.reform(move |_| (id, to))}>{ format!("Move to {suggested}") }</button>
                                    <button onclick={props.on_keep.reform(move |_| id)} aria-label={format!("Keep {name} in {label}")}>{ "Keep" }</button>
                                </li>
                            }
                        }) }
                    </ol>
                }
            }
        </details>
    }
}
