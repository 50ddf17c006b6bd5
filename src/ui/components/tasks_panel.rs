//! The project's further tasks (issue 18): each one's name, classes and how many photos
//! have a class in it; photos get a class by dropping or picking the same files again.

use super::photo_drop::PhotoDrop;
use crate::tasks::{TaskAction, Tasks};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TasksPanelProps {
    pub tasks: Rc<Tasks>,
    /// Photos in the class cards, and for each further task its classes' labelled photos.
    pub photos: usize,
    pub counts: Rc<Vec<Vec<usize>>>,
    pub ready: bool,
    pub on_action: Callback<TaskAction>,
    /// Files dropped or picked for (task, class): matched to the project's photos.
    pub on_label: Callback<(u32, u32, Vec<web_sys::File>)>,
}

/// A text input's value when it changes.
fn on_value(cb: Callback<String>) -> Callback<Event> {
    Callback::from(move |e: Event| {
        if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
            cb.emit(input.value());
        }
    })
}

#[component]
pub fn TasksPanel(props: &TasksPanelProps) -> Html {
    let act = props.on_action.clone();
    let add = act.reform(|_| TaskAction::Add);
    let t = &props.tasks;
    let cards = t.others.iter().enumerate().map(|(i, task)| {
        let id = task.id;
        let counts = props.counts.get(i).cloned().unwrap_or_default();
        let labelled: usize = counts.iter().sum();
        let classes = task.classes.iter().zip(counts.iter().chain(std::iter::repeat(&0)));
        let rows = classes.map(|((class, name), &n)| {
            let class = *class;
            let on_files = props.on_label.reform(move |files| (id, class, files));
            let remove = act.reform(move |_| TaskAction::RemoveClass(id, class));
            html! {
                <li class="task-class" key={class} data-class={name.clone()} data-count={n.to_string()}>
                    <strong>{ name }</strong>
                    <span class="count">{ format!("{n} photo{}", if n == 1 { "" } else { "s" }) }</span>
                    <PhotoDrop label={format!("Give photos the class {name} in {}", task.name)} multiple={true}
                               disabled={!props.ready} {on_files} />
                    <button class="danger" aria-label={format!("Delete class {name} of {}", task.name)}
                            onclick={remove}>{ "Delete" }</button>
                </li>
            }
        });
        let new_class = NodeRef::default();
        let add_class = {
            let (act, input) = (act.clone(), new_class.clone());
            Callback::from(move |_| {
                if let Some(el) = input.cast::<HtmlInputElement>() {
                    act.emit(TaskAction::AddClass(id, el.value()));
                    el.set_value("");
                }
            })
        };
        let rename = on_value(act.reform(move |name| TaskAction::Rename(Some(id), name)));
        let remove = act.reform(move |_| TaskAction::Remove(id));
        html! {
            <div class="task-card" key={id} data-task={task.name.clone()} data-labelled={labelled.to_string()}>
                <div class="row">
                    <input type="text" class="task-name" aria-label="Task name" maxlength="60"
                           value={task.name.clone()} onchange={rename} />
                    <span class="muted">{ format!("{labelled} of {} photos have a class here", props.photos) }</span>
                    <button class="danger" aria-label={format!("Delete task {}", task.name)} onclick={remove}>{ "Delete task" }</button>
                </div>
                <ul class="task-classes">{ for rows }</ul>
                <div class="row">
                    <input type="text" class="task-new-class" ref={new_class} maxlength="60"
                           placeholder="New class" aria-label={format!("New class of {}", task.name)} />
                    <button onclick={add_class}>{ "Add class" }</button>
                </div>
            </div>
        }
    });
    let rename_first = on_value(act.reform(|name| TaskAction::Rename(None, name)));
    html! {
        <section class="card tasks" id="tasks" aria-labelledby="tasks-title">
            <h2 id="tasks-title">{ "Tasks" }</h2>
            <p class="muted">{ "Ask more than one question about the same photos (\"which leaf\" and \"healthy or not\"): each task has its own classes and the model answers every one, from one pass of each photo through the backbone." }</p>
            if !t.others.is_empty() {
                <label class="row">{ "The class cards' task: " }
                    <input type="text" id="task-first" maxlength="60" value={t.first.clone()} onchange={rename_first} />
                </label>
                { for cards }
                <p class="muted">{ "A photo gets a class in a task when you drop or pick the same file again on that class: photos are matched to the project's by their content." }</p>
            }
            <button id="add-task" onclick={add} disabled={!props.ready}>{ if t.others.is_empty() { "Add a task" } else { "Add another task" } }</button>
        </section>
    }
}
