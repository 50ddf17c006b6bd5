//! The webcam: a live view, "hold to record" frames into a class at a steady rate, and live
//! classification with the current model.

use crate::web::camera;
use gloo::timers::callback::Interval;
use image::RgbImage;
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{
    Element, HtmlInputElement, HtmlVideoElement, KeyboardEvent, MediaStream, PointerEvent,
};
use yew::prelude::*;

/// Recording rate while the button is held: 4 frames a second (one every 250 ms), steady
/// enough to sweep a pose without filling the class with near-copies.
const RECORD_EVERY_MS: u32 = 250;
/// Live classification rate; a frame is skipped while the previous one is still running.
const LIVE_EVERY_MS: u32 = 500;

#[derive(Properties, PartialEq)]
pub struct WebcamPanelProps {
    pub classes: Vec<(u32, String)>,
    pub ready: bool,
    pub has_model: bool,
    pub on_frame: Callback<(u32, RgbImage)>,
    pub on_live: Callback<RgbImage>,
}

#[component]
pub fn WebcamPanel(props: &WebcamPanelProps) -> Html {
    let video = use_node_ref();
    let stream: Rc<RefCell<Option<MediaStream>>> = use_mut_ref(|| None);
    let recorder: Rc<RefCell<Option<Interval>>> = use_mut_ref(|| None);
    let live_timer: Rc<RefCell<Option<Interval>>> = use_mut_ref(|| None);
    let on = use_state(|| false);
    let error = use_state(|| None::<String>);
    let recorded = use_state(|| 0usize);
    let target = use_state(|| None::<u32>);
    let live = use_state(|| false);
    // The chosen class, or the first one when none was chosen (or it was deleted).
    let into = (*target)
        .filter(|id| props.classes.iter().any(|(c, _)| c == id))
        .or_else(|| props.classes.first().map(|(c, _)| *c));

    let stop_all = {
        let (stream, recorder, live_timer, video) = (
            stream.clone(),
            recorder.clone(),
            live_timer.clone(),
            video.clone(),
        );
        move || {
            recorder.borrow_mut().take();
            live_timer.borrow_mut().take();
            if let Some(s) = stream.borrow_mut().take() {
                camera::close(&s, video.cast::<HtmlVideoElement>().as_ref());
            }
        }
    };
    {
        let stop_all = stop_all.clone();
        use_effect_with((), move |_| move || stop_all());
    }
    let toggle = {
        let (on, error, video, stream) = (on.clone(), error.clone(), video.clone(), stream.clone());
        let (live, stop_all) = (live.clone(), stop_all.clone());
        Callback::from(move |_| {
            if *on {
                stop_all();
                on.set(false);
                live.set(false);
                return;
            }
            let Some(v) = video.cast::<HtmlVideoElement>() else {
                return;
            };
            let (on, error, stream) = (on.clone(), error.clone(), stream.clone());
            yew::platform::spawn_local(async move {
                match camera::open(&v).await {
                    Ok(s) => {
                        *stream.borrow_mut() = Some(s);
                        error.set(None);
                        on.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let start = {
        let (recorder, video, recorded) = (recorder.clone(), video.clone(), recorded.clone());
        let (on_frame, on) = (props.on_frame.clone(), *on);
        move || {
            let (Some(class), true) = (into, on) else {
                return;
            };
            if recorder.borrow().is_some() {
                return;
            }
            let (video, on_frame, recorded) = (video.clone(), on_frame.clone(), recorded.clone());
            let count = Rc::new(RefCell::new(*recorded));
            *recorder.borrow_mut() = Some(Interval::new(RECORD_EVERY_MS, move || {
                if let Some(Ok(img)) = video.cast::<HtmlVideoElement>().map(|v| camera::grab(&v)) {
                    on_frame.emit((class, img));
                    *count.borrow_mut() += 1;
                    recorded.set(*count.borrow());
                }
            }));
        }
    };
    let stop = {
        let recorder = recorder.clone();
        move || {
            recorder.borrow_mut().take();
        }
    };
    let (s1, s2, e1, e2, e3, e4) = (
        start.clone(),
        start,
        stop.clone(),
        stop.clone(),
        stop.clone(),
        stop,
    );
    let on_keydown = Callback::from(move |e: KeyboardEvent| {
        if (e.key() == " " || e.key() == "Enter") && !e.repeat() {
            e.prevent_default();
            s2();
        }
    });
    let on_keyup = Callback::from(move |e: KeyboardEvent| {
        if e.key() == " " || e.key() == "Enter" {
            e4();
        }
    });
    let on_live = {
        let (live, live_timer, video) = (live.clone(), live_timer.clone(), video.clone());
        let cb = props.on_live.clone();
        Callback::from(move |e: Event| {
            let checked = e
                .target_dyn_into::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            live.set(checked);
            let (video, cb) = (video.clone(), cb.clone());
            *live_timer.borrow_mut() = checked.then(|| {
                Interval::new(LIVE_EVERY_MS, move || {
                    if let Some(Ok(img)) =
                        video.cast::<HtmlVideoElement>().map(|v| camera::grab(&v))
                    {
                        cb.emit(img);
                    }
                })
            });
        })
    };
    let choose = |id: u32| {
        let target = target.clone();
        Callback::from(move |_| target.set(Some(id)))
    };
    html! {
        <section class="card webcam" aria-labelledby="webcam-title">
            <h2 id="webcam-title">{ "Webcam" }</h2>
            <div class="row">
                <button onclick={toggle} disabled={!props.ready}>{ if *on { "Turn off webcam" } else { "Turn on webcam" } }</button>
                if let Some(e) = &*error { <span id="webcam-error" class="error" role="alert">{ e }</span> }
            </div>
            <video ref={video} class={classes!("live", (!*on).then_some("off"))} muted=true autoplay=true
                   playsinline=true aria-label="Webcam view" />
            if *on {
                <fieldset class="setting" aria-label="Record into">
                    <legend>{ "Record into" }</legend>
                    { for props.classes.iter().map(|(id, name)| html! {
                        <label><input type="radio" name="record-into" checked={into == Some(*id)}
                                      onchange={choose(*id)} />{ name }</label>
                    }) }
                </fieldset>
                <div class="row">
                    <button class="primary" aria-label="Hold to record"
                            onpointerdown={Callback::from(move |e: PointerEvent| {
                                // Captured: the page reflows as frames arrive, and the button
                                // may move from under a still-pressed pointer.
                                if let Some(el) = e.target_dyn_into::<Element>() {
                                    let _ = el.set_pointer_capture(e.pointer_id());
                                }
                                s1()
                            })}
                            onpointerup={Callback::from(move |_| e1())}
                            onlostpointercapture={Callback::from(move |_| e2())}
                            onpointercancel={Callback::from(move |_| e3())}
                            onkeydown={on_keydown} onkeyup={on_keyup}>{ "Hold to record" }</button>
                    <span id="webcam-recorded" data-count={recorded.to_string()}>{ format!("{} frames recorded", *recorded) }</span>
                    <label><input type="checkbox" checked={*live} disabled={!props.has_model} onchange={on_live} />
                        { " Classify what the webcam sees" }</label>
                </div>
            }
        </section>
    }
}
