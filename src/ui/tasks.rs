//! The page's side of the project's further tasks (issue 18): the panel's figures, and
//! files dropped on a task's class matched to the project's photos by content.

use super::components::tasks_panel::TasksPanel;
use crate::project::{Project, sample_hash};
use crate::state::teach::TeachAction;
use crate::tasks::TaskAction;
use crate::web::files;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use yew::prelude::*;

/// Each further task's labelled photos per class, among the project's photos. Worked out
/// again only when the tasks or the photos change, not on every render nor when a
/// thumbnail comes in: O(photos) then; else O(classes), or a comparison of ids (a few
/// microseconds at 10 000 photos) for a class whose list was remade for its thumbnails.
#[hook]
pub fn use_task_counts(project: &Project) -> Rc<Vec<Vec<usize>>> {
    let lists: Vec<_> = (project.classes.iter())
        .map(|c| SamePhotos(c.samples.clone()))
        .collect();
    use_memo((project.tasks.clone(), lists), |(tasks, _)| {
        if tasks.others.is_empty() {
            return Vec::new();
        }
        let ids: HashSet<u64> = project.sample_ids().into_iter().collect();
        tasks.others.iter().map(|t| t.counts(&ids)).collect()
    })
}

/// A class's photo list, equal to another holding the same photos whatever their
/// thumbnails: the shared list's pointer while the class is unchanged, else its ids (a
/// thumbnail drawn makes a new list of the same photos).
#[derive(Clone)]
struct SamePhotos(Rc<Vec<crate::project::Sample>>);

impl PartialEq for SamePhotos {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
            || (self.0.iter().map(|s| s.id)).eq(other.0.iter().map(|s| s.id))
    }
}

/// The tasks panel of `project`, with `counts` from `use_task_counts`; `act` applies what
/// it reports.
pub fn panel(
    project: &Project,
    counts: Rc<Vec<Vec<usize>>>,
    act: Rc<dyn Fn(TeachAction)>,
    ready: bool,
) -> Html {
    let tasks = project.tasks.clone();
    let on_action = {
        let act = act.clone();
        Callback::from(move |a| act(TeachAction::Task(a)))
    };
    let on_label = {
        let project = project.clone();
        Callback::from(move |(task, class, list): (u32, u32, Vec<web_sys::File>)| {
            let (act, project) = (act.clone(), project.clone());
            yew::platform::spawn_local(
                async move { label(&project, &act, (task, class), list).await },
            )
        })
    };
    html! {
        <TasksPanel {tasks} photos={project.sample_count()} {counts} {ready} {on_action} {on_label} />
    }
}

/// Give the photos of `list` that are the project's (same bytes as a class card's photo)
/// `class` in `task`; each other file is named once, with why.
async fn label(
    project: &Project,
    act: &Rc<dyn Fn(TeachAction)>,
    (task, class): (u32, u32),
    list: Vec<web_sys::File>,
) {
    let by_hash: HashMap<&str, u64> = (project.classes.iter())
        .flat_map(|c| c.samples.iter())
        .map(|s| (s.hash.as_str(), s.id))
        .collect();
    let mut ids = Vec::new();
    for file in list {
        let name = file.name();
        let reason = match files::read(&file).await {
            Ok(bytes) => match by_hash.get(sample_hash(&bytes).as_str()) {
                Some(&id) => {
                    ids.push(id);
                    continue;
                }
                None => "not one of the project's photos: add it to a class card first".into(),
            },
            Err(e) => e,
        };
        act(TeachAction::NotAdded { name, reason });
    }
    if !ids.is_empty() {
        act(TeachAction::Task(TaskAction::Label { task, class, ids }));
    }
}
