//! The root component: owns the reducer and the engine, starts both on load.

use super::components::{
    bench_panel::BenchPanel, device_panel::DevicePanel, model_panel::ModelPanel,
    sight_panel::SightPanel,
};
use super::engine::{self, EngineSlot};
use super::jobs::Jobs;
use super::teach_area::{Handles, TeachArea};
use crate::backend::DeviceChoice;
use crate::state::{Action, State};
use gloo::file::{File, ObjectUrl};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Batches for `?bench`: `?bench&batch=N` (default 8, as in the TF.js comparison)
/// and `&iters=N` timed batches after the warm-up (default 3; the tests use 1 on SwiftShader).
const BENCH_BATCH: usize = 8;
const BENCH_ITERS: usize = 3;

/// A positive whole number from the address bar, if given.
fn positive_param(name: &str) -> Option<usize> {
    crate::web::query_param(name)
        .and_then(|v| v.parse().ok())
        .filter(|&v| v > 0)
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    // The engine holds tensors: outside Yew state, shared with the jobs.
    let engine: EngineSlot = use_mut_ref(|| None);
    // Keeps the shown thumbnail's object URL alive (revoked when replaced).
    let thumbnail: Rc<RefCell<Option<ObjectUrl>>> = use_mut_ref(|| None);
    let bench = crate::web::query_param("bench").is_some();
    let teacher: Rc<Jobs> = (*use_memo((), |_| Rc::new(Jobs::default()))).clone();

    {
        let dispatch = state.dispatcher();
        let engine = engine.clone();
        let teacher = teacher.clone();
        use_effect_with((), move |_| {
            yew::platform::spawn_local(async move {
                let choice = match crate::web::query_param("device")
                    .map(|v| v.parse::<DeviceChoice>())
                    .transpose()
                {
                    Ok(choice) => choice.unwrap_or_default(),
                    Err(message) => {
                        let hint =
                            "Fix the ?device= parameter in the address bar, or remove it.".into();
                        dispatch.dispatch(Action::StartupFailed { message, hint });
                        return;
                    }
                };
                let Some(ready) = engine::start(dispatch.clone(), choice).await else {
                    return;
                };
                *engine.borrow_mut() = Some(ready.clone());
                if !bench {
                    teacher.restore(&ready, dispatch.clone()).await;
                }
                let which = crate::web::query_param("bench");
                if which.as_deref() == Some("train") {
                    dispatch.dispatch(Action::BenchDone(engine::bench_train(ready).await));
                } else if which.as_deref() == Some("finetune") {
                    dispatch.dispatch(Action::BenchDone(engine::bench_finetune(ready).await));
                } else if bench {
                    let batch = positive_param("batch").unwrap_or(BENCH_BATCH);
                    let iters = positive_param("iters").unwrap_or(BENCH_ITERS);
                    dispatch.dispatch(Action::BenchDone(engine::bench(ready, batch, iters).await));
                }
            });
        });
    }

    let on_photos = {
        let dispatch = state.dispatcher();
        let engine = engine.clone();
        Callback::from(move |files: Vec<web_sys::File>| {
            let Some(ready) = engine.borrow().clone() else {
                return;
            };
            // The panel shows one photo at a time: the first of a multi-file drop.
            let Some(file) = files.into_iter().next() else {
                return;
            };
            let file = File::from(file);
            let url = ObjectUrl::from(file.clone());
            let thumb = url.to_string();
            *thumbnail.borrow_mut() = Some(url);
            dispatch.dispatch(Action::Looking);
            let dispatch = dispatch.clone();
            yew::platform::spawn_local(async move {
                match gloo::file::futures::read_as_bytes(&file).await {
                    Ok(bytes) => engine::look(ready, file.name(), bytes, thumb, dispatch).await,
                    Err(e) => dispatch.dispatch(Action::SightFailed(format!(
                        "{}: could not be read: {e}",
                        file.name()
                    ))),
                }
            });
        })
    };

    let model_ready = matches!(state.model, crate::state::ModelStatus::Ready { .. });
    let handles = Handles {
        engine: engine.clone(),
        teacher,
    };
    let device = match &state.startup {
        crate::state::Startup::Ready { info, .. } => info.short_name(),
        _ => "the compute device",
    };
    html! {
        <main>
            <header>
                <h1>{ "graft" }</h1>
                <p class="tagline">
                    { "Teach an image classifier on your own photos. Everything runs in this \
                       page: your photos never leave your machine." }
                </p>
            </header>
            <DevicePanel startup={state.startup.clone()} />
            <ModelPanel status={state.model.clone()} />
            if bench {
                <BenchPanel result={state.bench.clone()} />
            } else {
                <TeachArea teach={state.teach.clone()} dispatch={state.dispatcher()} {handles} {device} />
                <SightPanel ready={model_ready} looking={state.looking} sight={state.sight.clone()}
                          error={state.sight_error.clone()} {on_photos} />
            }
        </main>
    }
}
