//! The teaching area: wires the class cards, training and preview to the jobs in `teach.rs`,
//! and saves the project whenever it changes.

use super::components::{
    classes_panel::ClassesPanel, preview_panel::PreviewPanel, project_bar::ProjectBar,
    train_panel::TrainPanel,
};
use super::engine::Engine;
use super::state::{Action, State};
use super::teach::{Pending, Teacher, predict};
use super::teach_state::{Teach, TeachAction};
use crate::classifier::Classifier;
use crate::train::TrainConfig;
use crate::web::files;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Shared handles, compared by identity (they never change after the first render).
#[derive(Clone)]
pub struct Handles {
    pub engine: Rc<RefCell<Option<Rc<Engine>>>>,
    pub teacher: Rc<Teacher>,
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

    // Save the classes whenever they change, and the model whenever it does.
    {
        let (teacher, act) = (teacher.clone(), act.clone());
        use_effect_with((t.restored, t.project.meta()), move |(restored, meta)| {
            if *restored {
                let meta = meta.clone();
                yew::platform::spawn_local(async move {
                    if let Err(e) = teacher.save_meta(&meta).await {
                        act(TeachAction::Storage(Some(format!(
                            "Could not save the project: {e}"
                        ))));
                    }
                });
            }
        });
    }
    {
        let (teacher, act) = (teacher.clone(), act.clone());
        use_effect_with(
            (t.restored, t.classifier.clone()),
            move |(restored, classifier)| {
                if *restored {
                    let c = classifier.clone();
                    yew::platform::spawn_local(async move {
                        if let Err(e) = teacher.save_model(c.as_deref()).await {
                            act(TeachAction::Storage(Some(format!(
                                "Could not save the model: {e}"
                            ))));
                        }
                    });
                }
            },
        );
    }

    let on_files = {
        let (engine, teacher, dispatch) = (engine.clone(), teacher.clone(), dispatch.clone());
        let next = t.project.next_sample;
        Callback::from(move |(class, list): (u32, Vec<web_sys::File>)| {
            if let Some(engine) = engine.clone() {
                teacher.reserve_ids_from(next);
                let items = list.into_iter().map(|f| Pending::File(class, f)).collect();
                teacher.enqueue(items, engine, dispatch.clone());
            }
        })
    };
    let on_train = {
        let (engine, teacher, dispatch) = (engine.clone(), teacher.clone(), dispatch.clone());
        let project = t.project.clone();
        Callback::from(move |_| {
            if let Some(engine) = engine.clone() {
                let (teacher, project, dispatch) =
                    (teacher.clone(), project.clone(), dispatch.clone());
                yew::platform::spawn_local(async move {
                    teacher
                        .train(engine, project, TrainConfig::default(), dispatch)
                        .await;
                });
            }
        })
    };
    let on_stop = {
        let teacher = teacher.clone();
        Callback::from(move |_| teacher.stop.set(true))
    };
    let on_image = {
        let (engine, dispatch) = (engine.clone(), dispatch.clone());
        Callback::from(move |list: Vec<web_sys::File>| {
            let (Some(engine), Some(file)) = (engine.clone(), list.into_iter().next()) else {
                return;
            };
            let dispatch = dispatch.clone();
            yew::platform::spawn_local(async move {
                let name = file.name();
                match files::read(&file).await {
                    Ok(bytes) => {
                        let thumb = files::object_url(&bytes, &file.type_()).unwrap_or_default();
                        predict(engine, name, bytes, thumb, dispatch).await;
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
    let (a1, a2, a3, a4) = (act.clone(), act.clone(), act.clone(), act.clone());
    let ready = engine.is_some() && t.restored;
    html! {
        <>
            <ProjectBar samples={t.project.sample_count()} storage_error={t.storage_error.clone().map(AttrValue::from)} {on_new} />
            <ClassesPanel teach={t.clone()} {ready}
                on_add={simple(|| TeachAction::AddClass)} on_undo={simple(|| TeachAction::Undo)}
                on_dismiss={simple(|| TeachAction::DismissNotices)}
                on_rename={Callback::from(move |(id, name)| a1(TeachAction::Rename(id, name)))}
                on_delete={Callback::from(move |id| a2(TeachAction::DeleteClass(id)))}
                {on_files}
                on_remove={Callback::from(move |id| a3(TeachAction::RemoveSample(id)))}
                on_move={Callback::from(move |(id, to)| a4(TeachAction::MoveSample(id, to)))} />
            <TrainPanel training={t.training.clone()} {ready} busy={t.queue.is_some()} device={props.device.clone()} {on_train} {on_stop} />
            <PreviewPanel classifier={t.classifier.clone()} prediction={t.prediction.clone()}
                error={t.preview_error.clone().map(AttrValue::from)} {ready} {on_image} {on_download} {on_load} />
        </>
    }
}
