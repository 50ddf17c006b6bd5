//! The teaching area: wires the class cards, training and preview to the jobs in `teach.rs`,
//! and saves the project whenever it changes.

use super::components::{
    classes_panel::ClassesPanel, metrics_panel::MetricsPanel, preview_panel::PreviewPanel,
    project_bar::ProjectBar, train_panel::TrainPanel, webcam_panel::WebcamPanel,
};
use super::engine::EngineSlot;
use super::jobs::{Jobs, Pending};
use super::preview_job::{predict, predict_image};
use crate::classifier::Classifier;
use crate::project::ClassRef;
use crate::state::teach::{Teach, TeachAction};
use crate::state::training::{TrainAction, Training};
use crate::state::{Action, State};
use crate::web::{files, folders};
use std::rc::Rc;
use web_sys::DragEvent;
use yew::prelude::*;

/// Shared handles, compared by identity (they never change after the first render).
#[derive(Clone)]
pub struct Handles {
    pub engine: EngineSlot,
    pub teacher: Rc<Jobs>,
}

impl PartialEq for Handles {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.engine, &other.engine) && Rc::ptr_eq(&self.teacher, &other.teacher)
    }
}

#[derive(Properties, PartialEq)]
pub struct TeachAreaProps {
    pub teach: Teach,
    pub dispatch: UseReducerDispatcher<State>,
    pub handles: Handles,
    pub device: AttrValue,
}

#[component]
pub fn TeachArea(props: &TeachAreaProps) -> Html {
    let t = &props.teach;
    let dispatch = props.dispatch.clone();
    let engine = props.handles.engine.borrow().clone();
    let teacher = props.handles.teacher.clone();
    let act = {
        let d = dispatch.clone();
        move |a: TeachAction| d.dispatch(Action::Teach(a))
    };

    super::persist::use_persistence(t, teacher.clone(), Rc::new(act.clone()));
    super::preview_job::use_fresh_preview(t, props.handles.engine.clone(), dispatch.clone());

    // Every way in (card, folder, webcam) ends in the one embedding queue.
    let enqueue = {
        let (engine, teacher, dispatch) = (engine.clone(), teacher.clone(), dispatch.clone());
        let slot = props.handles.engine.clone();
        let next = t.project.next_sample;
        Rc::new(move |items: Vec<Pending>| {
            if engine.is_some() {
                teacher.reserve_ids_from(next);
                teacher.enqueue(items, slot.clone(), dispatch.clone());
            }
        })
    };
    let on_files = {
        let enqueue = enqueue.clone();
        Callback::from(move |(class, list): (u32, Vec<web_sys::File>)| {
            enqueue(
                list.into_iter()
                    .map(|f| Pending::File(ClassRef::Id(class), f))
                    .collect(),
            )
        })
    };
    // A folder (picked or dropped): one class per sub-folder, made before its images arrive.
    let import = {
        let (enqueue, act) = (enqueue.clone(), act.clone());
        Rc::new(move |g: folders::Grouped| {
            for path in g.stray {
                act(TeachAction::Notice(format!(
                    "{path}: not inside a class folder, skipped"
                )));
            }
            act(TeachAction::EnsureClasses(
                g.classes.iter().map(|(c, _)| c.clone()).collect(),
            ));
            let items = g.classes.into_iter().flat_map(|(class, files)| {
                files
                    .into_iter()
                    .map(move |f| Pending::File(ClassRef::Name(class.clone()), f))
            });
            enqueue(items.collect());
        })
    };
    let on_folder = {
        let import = import.clone();
        Callback::from(move |list: Vec<web_sys::File>| import(folders::group_picked(list)))
    };
    let on_drop = {
        let (import, act) = (import.clone(), act.clone());
        Callback::from(move |e: DragEvent| {
            let dirs = e
                .data_transfer()
                .map(|d| folders::dropped_directories(&d))
                .unwrap_or_default();
            if dirs.is_empty() {
                return;
            }
            e.prevent_default();
            let (import, act) = (import.clone(), act.clone());
            yew::platform::spawn_local(async move {
                match folders::read_dropped(dirs).await {
                    Ok(g) => import(g),
                    Err(e) => act(TeachAction::Notice(format!(
                        "The folder could not be read: {e}"
                    ))),
                }
            });
        })
    };
    let on_frame = {
        let (enqueue, teacher) = (enqueue.clone(), teacher.clone());
        Callback::from(move |(class, img): (u32, image::RgbImage)| {
            let name = teacher.frame_name();
            enqueue(vec![Pending::Frame(ClassRef::Id(class), name, img)])
        })
    };
    let on_live = {
        let (engine, teacher, dispatch) = (engine.clone(), teacher.clone(), dispatch.clone());
        let (slot, classifier) = (props.handles.engine.clone(), t.classifier.clone());
        Callback::from(move |img: image::RgbImage| {
            if engine.is_none() {
                return;
            }
            // Skip this frame while the previous one is still in the backbone.
            if teacher.live_busy.replace(true) {
                return;
            }
            let (teacher, dispatch, c) = (teacher.clone(), dispatch.clone(), classifier.clone());
            let slot = slot.clone();
            yew::platform::spawn_local(async move {
                let thumb = crate::data::stored::stored_copy(&img)
                    .and_then(|jpeg| files::thumb(&jpeg, "image/jpeg"))
                    .unwrap_or_default();
                predict_image(slot, c, "webcam".into(), &img, thumb, dispatch).await;
                teacher.live_busy.set(false);
            });
        })
    };
    let on_train = {
        let (engine, teacher, dispatch) = (engine.clone(), teacher.clone(), dispatch.clone());
        let slot = props.handles.engine.clone();
        let (project, config) = (t.project.clone(), t.settings.config.clone());
        Callback::from(move |_| {
            if engine.is_some() {
                let (teacher, project, dispatch, config, slot) = (
                    teacher.clone(),
                    project.clone(),
                    dispatch.clone(),
                    config.clone(),
                    slot.clone(),
                );
                yew::platform::spawn_local(async move {
                    teacher.train(slot, project, config, dispatch).await;
                });
            }
        })
    };
    let on_stop = {
        let teacher = teacher.clone();
        Callback::from(move |_| teacher.stop.set(true))
    };
    let on_image = {
        let (engine, dispatch, classifier) =
            (engine.clone(), dispatch.clone(), t.classifier.clone());
        let slot = props.handles.engine.clone();
        Callback::from(move |list: Vec<web_sys::File>| {
            let (Some(_), Some(file)) = (engine.as_ref(), list.into_iter().next()) else {
                return;
            };
            let (dispatch, classifier, slot) = (dispatch.clone(), classifier.clone(), slot.clone());
            yew::platform::spawn_local(async move {
                let name = file.name();
                match files::read(&file).await {
                    Ok(bytes) => {
                        let thumb = files::thumb(&bytes, &file.type_()).unwrap_or_default();
                        predict(slot, classifier, name, bytes, thumb, dispatch).await;
                    }
                    Err(e) => dispatch.dispatch(Action::Teach(TeachAction::PreviewFailed(
                        format!("{name}: {e}"),
                    ))),
                }
            });
        })
    };
    let on_download = {
        let (classifier, act) = (t.classifier.clone(), act.clone());
        Callback::from(move |_| {
            if let Some(c) = &classifier {
                let result = c
                    .to_bytes()
                    .map_err(|e| e.to_string())
                    .and_then(|b| files::download(&b, "graft-model.graft"));
                if let Err(e) = result {
                    act(TeachAction::PreviewFailed(format!(
                        "Could not download the model: {e}"
                    )));
                }
            }
        })
    };
    let on_load = {
        let (engine, act) = (engine.clone(), act.clone());
        Callback::from(move |file: web_sys::File| {
            let (Some(engine), act) = (engine.clone(), act.clone()) else {
                return;
            };
            yew::platform::spawn_local(async move {
                let name = file.name();
                let loaded = files::read(&file).await.and_then(|b| {
                    Classifier::from_bytes(&b, engine.backbone.weights_id())
                        .map_err(|e| e.to_string())
                });
                act(match loaded {
                    Ok(c) => TeachAction::ModelLoaded(Rc::new(c)),
                    Err(e) => {
                        TeachAction::PreviewFailed(format!("{name}: {e}. Nothing was changed."))
                    }
                });
            });
        })
    };
    let on_new = {
        let (teacher, act) = (teacher.clone(), act.clone());
        Callback::from(move |_| {
            if !files::confirm(
                "Start a new, empty project? All classes, images and the model in this browser will be deleted.",
            ) {
                return;
            }
            let (teacher, act) = (teacher.clone(), act.clone());
            yew::platform::spawn_local(async move {
                match teacher.clear().await {
                    Ok(()) => act(TeachAction::NewProject),
                    Err(e) => act(TeachAction::Storage(Some(format!(
                        "Could not clear the project: {e}"
                    )))),
                }
            });
        })
    };
    let simple = |make: fn() -> TeachAction| {
        let a = act.clone();
        Callback::from(move |_: ()| a(make()))
    };
    let [a1, a2, a3, a4, a5, a6] = std::array::from_fn(|_| act.clone());
    let report = match &t.training {
        Training::Done(o) => o.report.clone(),
        _ => None,
    };
    let ready = engine.is_some() && t.restored;
    html! {
        <div class="teach" ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={on_drop}>
            <ProjectBar samples={t.project.sample_count()} storage_error={t.storage_error.clone().map(AttrValue::from)} {on_new} />
            <ClassesPanel teach={t.clone()} {ready}
                on_add={simple(|| TeachAction::AddClass)} on_undo={simple(|| TeachAction::Undo)}
                on_dismiss={simple(|| TeachAction::DismissNotices)}
                on_rename={Callback::from(move |(id, name)| a1(TeachAction::Rename(id, name)))}
                on_delete={Callback::from(move |id| a2(TeachAction::DeleteClass(id)))}
                {on_files} {on_folder}
                on_remove={Callback::from(move |id| a3(TeachAction::RemoveSample(id)))}
                on_move={Callback::from(move |(id, to)| a4(TeachAction::MoveSample(id, to)))}
                on_hold_out={Callback::from(move |id| a6(TeachAction::ToggleHeldOut(id)))} />
            <WebcamPanel classes={t.project.classes.iter().map(|c| (c.id, c.name.clone())).collect::<Vec<_>>()}
                {ready} has_model={t.classifier.is_some()} {on_frame} {on_live} />
            <TrainPanel training={t.training.clone()} settings={t.settings.clone()} {ready} busy={t.queue.is_some()}
                device={props.device.clone()} {on_train} {on_stop}
                on_setting={Callback::from(move |(k, v)| a5(TeachAction::Train(TrainAction::Setting(k, v))))}
                on_reset={simple(|| TeachAction::Train(TrainAction::ResetSettings))} />
            if let Some(report) = report {
                <MetricsPanel {report} project={t.project.clone()} />
            }
            <PreviewPanel classifier={t.classifier.clone()} prediction={t.prediction.clone()}
                error={t.preview_error.clone().map(AttrValue::from)} {ready} {on_image} {on_download} {on_load} />
        </div>
    }
}
