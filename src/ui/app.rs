//! The root component: owns the reducer and the page's jobs, and starts the session (in
//! its worker) on load.

use super::components::{
    bench_panel::BenchPanel, device_panel::DevicePanel, model_panel::ModelPanel,
    sight_panel::SightPanel,
};
use super::jobs::Jobs;
use super::teach_area::{JobsHandle, TeachArea};
use crate::backend::DeviceChoice;
use crate::session::protocol::Bench;
use crate::state::{Action, Loading, ModelStatus, State};
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

/// The benchmark `?bench` asks for, if any.
fn bench_asked() -> Option<Bench> {
    let which = crate::web::query_param("bench")?;
    Some(match which.as_str() {
        "train" => Bench::Train,
        "finetune" => Bench::Finetune,
        _ => Bench::Backbone {
            batch: positive_param("batch").unwrap_or(BENCH_BATCH),
            iters: positive_param("iters").unwrap_or(BENCH_ITERS),
        },
    })
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    // Keeps the shown thumbnail's object URL alive (revoked when replaced).
    let thumbnail: Rc<RefCell<Option<ObjectUrl>>> = use_mut_ref(|| None);
    let bench = bench_asked();
    let jobs: Rc<Jobs> = {
        let dispatch = state.dispatcher();
        (*use_memo((), move |_| Jobs::new(dispatch, super::events::heard))).clone()
    };

    {
        let (dispatch, jobs) = (state.dispatcher(), jobs.clone());
        let read_saved = bench.is_none();
        use_effect_with((), move |_| {
            // The saved project is read and shown while the backbone loads (a benchmark uses
            // none): what is asked of the session meanwhile waits for it in the worker.
            if read_saved {
                super::restore::read_saved(&jobs);
            }
            match crate::web::query_param("device")
                .map(|v| v.parse::<DeviceChoice>())
                .transpose()
            {
                Ok(choice) => jobs.start(choice.unwrap_or_default()),
                Err(message) => {
                    let hint =
                        "Fix the ?device= parameter in the address bar, or remove it.".into();
                    dispatch.dispatch(Action::Loading(Loading::StartupFailed { message, hint }));
                }
            }
        });
    }

    // Once the backbone is loaded (the first time): run the benchmark asked for.
    let model_ready = matches!(state.model, ModelStatus::Ready { .. });
    let benched = use_mut_ref(|| false);
    {
        let jobs = jobs.clone();
        use_effect_with(model_ready, move |ready| {
            if let Some(bench) = bench.filter(|_| *ready)
                && !benched.replace(true)
            {
                jobs.bench(bench);
            }
        });
    }
    let can_work = !matches!(state.model, ModelStatus::Failed(_))
        && !matches!(state.startup, crate::state::Startup::Failed { .. });

    let on_photos = {
        let (dispatch, jobs) = (state.dispatcher(), jobs.clone());
        Callback::from(move |files: Vec<web_sys::File>| {
            // The panel shows one photo at a time: the first of a multi-file drop.
            let Some(file) = files.into_iter().next() else {
                return;
            };
            let file = File::from(file);
            let url = ObjectUrl::from(file.clone());
            let shown = url.to_string();
            *thumbnail.borrow_mut() = Some(url);
            dispatch.dispatch(Action::Looking);
            let (dispatch, jobs) = (dispatch.clone(), jobs.clone());
            yew::platform::spawn_local(async move {
                match gloo::file::futures::read_as_bytes(&file).await {
                    Ok(bytes) => jobs.look(file.name(), bytes, shown),
                    Err(e) => dispatch.dispatch(Action::SightFailed(format!(
                        "{}: could not be read: {e}",
                        file.name()
                    ))),
                }
            });
        })
    };

    // `?compact` (a widget's `compact`): only the classes, Train and Preview.
    let compact = crate::web::query_param("compact").is_some();
    let device = match &state.startup {
        crate::state::Startup::Ready { info, .. } => info.short_name(),
        _ => "the compute device",
    };
    html! {
        <main class={classes!(compact.then_some("compact"))}>
            if !compact {
            <header>
                <h1>{ "graft" }</h1>
                <p class="tagline">
                    { "Teach an image classifier on your own photos. Everything runs in this \
                       page: your photos never leave your machine." }
                </p>
            </header>
            <DevicePanel startup={state.startup.clone()} />
            }
            <ModelPanel status={state.model.clone()} />
            if bench.is_some() {
                <BenchPanel result={state.bench.clone()} />
            } else {
                <TeachArea teach={state.teach.clone()} jobs={JobsHandle(jobs)} {can_work} {device} {compact} />
                if !compact {
                <SightPanel ready={model_ready} looking={state.looking} sight={state.sight.clone()}
                          error={state.sight_error.clone()} {on_photos} />
                }
            }
        </main>
    }
}
