//! The teaching area: wires the class cards, training and preview to the page's jobs (which
//! ask the session), and saves the project whenever it changes.

use super::components::{
    classes_panel::ClassesPanel, map_panel::MapPanel, metrics_panel::MetricsPanel,
    preview_panel::PreviewPanel, project_bar::ProjectBar, train_panel::TrainPanel,
    tray_card::TrayCard, webcam_panel::WebcamPanel,
};
use super::jobs::Jobs;
use crate::session::protocol::{ModelFrom, Picture};
use crate::state::explore::MapAction;
use crate::state::teach::{Teach, TeachAction};
use crate::state::training::{TrainAction, Training};
use crate::web::{files, folders};
use std::rc::Rc;
use web_sys::DragEvent;
use yew::prelude::*;

/// The page's jobs, compared by identity (they never change after the first render).
#[derive(Clone)]
pub struct JobsHandle(pub Rc<Jobs>);

impl PartialEq for JobsHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct TeachAreaProps {
    pub teach: Teach,
    pub jobs: JobsHandle,
    /// The session can take work: its backbone is loading or loaded, not failed. Work asked
    /// for while it loads waits for it in the worker, so a reopened project is usable at once.
    pub can_work: bool,
    pub device: AttrValue,
    /// The compact form (`?compact`): no project bar.
    pub compact: bool,
}

type Act = Rc<dyn Fn(TeachAction)>;

/// The class cards' callbacks, kept from render to render.
#[derive(Clone)]
struct CardCallbacks {
    on_add: Callback<()>,
    on_undo: Callback<()>,
    on_dismiss: Callback<()>,
    on_rename: Callback<(u32, String)>,
    on_delete: Callback<u32>,
    on_files: Callback<(u32, Vec<web_sys::File>)>,
    on_folder: Callback<Vec<web_sys::File>>,
    on_remove: Callback<u64>,
    on_move: Callback<(u64, u32)>,
    on_hold_out: Callback<u64>,
    /// Thumbnails to read from the store (the results' opened cell).
    on_thumbs: Callback<Vec<u64>>,
    on_look: Callback<crate::project::Sample>,
}

/// A callback that turns what a component reports into a teaching action.
fn to<T: 'static>(act: &Act, make: fn(T) -> TeachAction) -> Callback<T> {
    let act = act.clone();
    Callback::from(move |input| act(make(input)))
}

#[component]
pub fn TeachArea(props: &TeachAreaProps) -> Html {
    let t = &props.teach;
    let jobs = props.jobs.0.clone();
    let loaded = props.can_work;
    let act: Act = {
        let jobs = jobs.clone();
        Rc::new(move |a: TeachAction| jobs.act(a))
    };

    super::persist::use_persistence(t, jobs.clone(), act.clone());
    super::host_events::use_host_events(t, loaded && t.restored, jobs.clone());
    super::one_shot::use_prototypes(t, jobs.clone(), loaded && t.restored);
    super::suggest::use_suggestions(t, jobs.clone(), loaded && t.restored);

    let super::ways_in::WaysIn {
        on_files,
        on_tray,
        import,
        on_drop,
        on_frame,
    } = super::ways_in::use_ways_in(t, jobs.clone(), act.clone(), loaded);
    let on_live = {
        let jobs = jobs.clone();
        Callback::from(move |img: image::RgbImage| {
            // Skip this frame while the previous one is still in the backbone.
            if !loaded || jobs.live_busy.replace(true) {
                return;
            }
            let thumb = crate::data::stored::stored_copy(&img)
                .and_then(|jpeg| files::thumb(&jpeg, "image/jpeg"))
                .unwrap_or_default();
            let (width, height) = img.dimensions();
            let picture = Picture::Pixels { width, height };
            jobs.preview("webcam".into(), picture, img.into_raw(), thumb);
        })
    };
    let on_train = {
        let jobs = jobs.clone();
        let (project, config) = (t.project.clone(), t.settings.config.clone());
        Callback::from(move |_| {
            if loaded {
                jobs.train(&project, &config);
            }
        })
    };
    let on_stop = {
        let jobs = jobs.clone();
        Callback::from(move |_| jobs.stop())
    };
    let on_image = {
        let jobs = jobs.clone();
        Callback::from(move |list: Vec<web_sys::File>| {
            let Some(file) = list.into_iter().next().filter(|_| loaded) else {
                return;
            };
            let jobs = jobs.clone();
            yew::platform::spawn_local(async move {
                let name = file.name();
                match files::read(&file).await {
                    Ok(bytes) => {
                        let thumb = files::thumb(&bytes, &file.type_()).unwrap_or_default();
                        jobs.preview(name, Picture::File, bytes, thumb);
                    }
                    Err(e) => jobs.act(TeachAction::PreviewFailed(format!("{name}: {e}"))),
                }
            });
        })
    };
    let on_download = super::export::on_download(t, &jobs, &act);
    let on_load = {
        let jobs = jobs.clone();
        Callback::from(move |file: web_sys::File| {
            let jobs = jobs.clone();
            yew::platform::spawn_local(async move {
                let name = file.name();
                match files::read(&file).await {
                    // The session checks it, and says so (`Event::Model`).
                    Ok(bytes) => jobs.use_model(ModelFrom::File(name), Some(bytes)),
                    Err(e) => jobs.act(TeachAction::PreviewFailed(format!(
                        "{name}: {e}. Nothing was changed."
                    ))),
                }
            });
        })
    };
    let on_new = {
        let (jobs, act) = (jobs.clone(), act.clone());
        Callback::from(move |_| {
            if !files::confirm(
                "Start a new, empty project? All classes, images and the model in this browser will be deleted.",
            ) {
                return;
            }
            let (jobs, act) = (jobs.clone(), act.clone());
            yew::platform::spawn_local(async move {
                match jobs.saved.clear().await {
                    Ok(()) => {
                        jobs.use_model(ModelFrom::Page, None);
                        act(TeachAction::NewProject)
                    }
                    Err(e) => act(TeachAction::Storage(Some(format!(
                        "Could not clear the project: {e}"
                    )))),
                }
            });
        })
    };
    let (on_export, on_open) = super::project_io::callbacks(t, &jobs, &act);
    let simple = |make: fn() -> TeachAction| {
        let act = act.clone();
        Callback::from(move |_: ()| act(make()))
    };
    // Made once (again if the backbone fails): a card whose class did not change
    // is not drawn again, whatever else did (an epoch's report, a photo in another class).
    let cards = {
        let (act, simple, import, jobs) = (act.clone(), simple, import.clone(), jobs.clone());
        let looker = jobs.clone();
        use_memo(loaded, move |_| CardCallbacks {
            on_look: Callback::from(move |s| super::explore::look_at(&looker, s)),
            on_add: simple(|| TeachAction::AddClass),
            on_undo: simple(|| TeachAction::Undo),
            on_dismiss: simple(|| TeachAction::DismissNotices),
            on_rename: to(&act, |(id, name)| TeachAction::Rename(id, name)),
            on_delete: to(&act, TeachAction::DeleteClass),
            on_files,
            on_folder: Callback::from(move |list: Vec<web_sys::File>| {
                import(folders::group_picked(list))
            }),
            on_remove: to(&act, TeachAction::RemoveSample),
            on_move: to(&act, |(id, class)| TeachAction::MoveSample(id, class)),
            on_hold_out: to(&act, TeachAction::ToggleHeldOut),
            on_thumbs: Callback::from(move |ids| jobs.fill_thumbs(ids)),
        })
    };
    let c = (*cards).clone();
    let on_map = {
        let (jobs, project) = (jobs.clone(), t.project.clone());
        Callback::from(move |()| super::explore::ask(&jobs, &project))
    };
    // A fine-tuned model classifies by other features: a map drawn redraws from them.
    let tuned = (t.model.as_ref())
        .filter(|m| m.tuned_blocks > 0)
        .map(|m| m.key.clone());
    {
        let (jobs, project) = (jobs.clone(), t.project.clone());
        let drawn = t.map.explored.is_some() && !t.map.asked;
        use_effect_with(tuned.clone(), move |_| {
            if drawn {
                super::explore::ask(&jobs, &project);
            }
        });
    }
    let report = match &t.training {
        Training::Done(o) => o.report.clone(),
        _ => None,
    };
    let ready = loaded && t.restored;
    // The tray's names of classes, the same `Rc` until one is added, renamed or deleted.
    let names: Vec<(u32, String)> = (t.project.classes.iter())
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let names = use_memo(names, |n| Rc::new(n.clone()));
    let names = (*names).clone();
    let task_counts = super::tasks::use_task_counts(&t.project);
    html! {
        <div class="teach" ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={on_drop}>
            if !props.compact {
            <ProjectBar samples={t.project.sample_count()} storage_error={t.storage_error.clone().map(AttrValue::from)} storage={t.storage.clone()} {on_new} {on_export} {on_open} {ready} />
            }
            <ClassesPanel teach={t.clone()} {ready}
                on_add={c.on_add} on_undo={c.on_undo} on_dismiss={c.on_dismiss}
                on_rename={c.on_rename} on_delete={c.on_delete} on_files={c.on_files}
                on_folder={c.on_folder} on_remove={c.on_remove.clone()} on_move={c.on_move.clone()}
                on_hold_out={c.on_hold_out} on_look={c.on_look} />
            if t.restored {
                <TrayCard tray={t.project.unlabelled.clone()} suggestions={t.suggestions.clone()}
                    classes={names}
                    why={crate::state::suggestions::why_none(&t.project).map(AttrValue::from)} {ready}
                    on_files={on_tray} on_accept={c.on_move.clone()} on_remove={c.on_remove.clone()}
                    on_accept_above={to(&act, TeachAction::AcceptAbove)} />
            }
            if t.restored && !props.compact {
                { super::tasks::panel(&t.project, task_counts, act.clone(), ready) }
            }
            <WebcamPanel classes={t.project.classes.iter().map(|c| (c.id, c.name.clone())).collect::<Vec<_>>()}
                {ready} has_model={t.model.is_some() || t.prototypes.is_some()} {on_frame} {on_live} />
            <TrainPanel training={t.training.clone()} settings={t.settings.clone()} {ready} busy={t.queue.is_some()}
                device={props.device.clone()} {on_train} {on_stop}
                on_setting={to(&act, |(k, v)| TeachAction::Train(TrainAction::Setting(k, v)))}
                on_reset={simple(|| TeachAction::Train(TrainAction::ResetSettings))} />
            if let Some(report) = report {
                <MetricsPanel {report} project={t.project.clone()} on_thumbs={c.on_thumbs.clone()} />
            }
            <PreviewPanel model={t.model.clone()} prototypes={t.prototypes.clone()} checking={t.checking_model} prediction={t.prediction.clone()}
                error={t.preview_error.clone().map(AttrValue::from)} {ready} {on_image} {on_download} {on_load} />
            if !props.compact {
            <MapPanel map={t.map.clone()} project={t.project.clone()} {tuned} {ready} on_ask={on_map}
                on_move={c.on_move.clone()} on_keep={to(&act, |id| TeachAction::Map(MapAction::Keep(id)))} />
            }
        </div>
    }
}
