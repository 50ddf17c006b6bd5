//! What the page does to a project's further tasks (`TaskAction`), applied by `Tasks`.

use super::{Named, TaskError, Tasks};

/// What the page does to the tasks.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskAction {
    /// A new task, named `fresh_name`.
    Add,
    /// Rename the class cards' task (`None`) or another.
    Rename(Option<u32>, String),
    Remove(u32),
    AddClass(u32, String),
    RemoveClass(u32, u32),
    /// Photos (by id) given a class of a task.
    Label {
        task: u32,
        class: u32,
        ids: Vec<u64>,
    },
    /// A photo of an opened project file given a class of a task, both by name.
    LabelNamed {
        task: String,
        class: String,
        id: u64,
    },
    /// A loaded model's or an opened project file's tasks (the class cards' task's name,
    /// then each further task's name and classes): those the project lacks are added, and
    /// classes a task lacks; returns what was added.
    Adopt(Option<String>, Named),
}

impl Tasks {
    /// Apply `action`; what it added, for the page to say (`Adopt`).
    pub fn apply(&mut self, action: TaskAction) -> Result<Vec<String>, TaskError> {
        match action {
            TaskAction::Add => self.add(&self.fresh_name()).map(|_| Vec::new()),
            TaskAction::Rename(id, name) => self.rename(id, &name).map(|()| Vec::new()),
            TaskAction::Remove(id) => self.remove(id).map(|_| Vec::new()).ok_or(TaskError::Gone),
            TaskAction::AddClass(task, name) => self.add_class(task, &name).map(|_| Vec::new()),
            TaskAction::RemoveClass(task, class) => {
                self.remove_class(task, class).map(|()| Vec::new())
            }
            TaskAction::Label { task, class, ids } => {
                self.label(task, class, &ids).map(|()| Vec::new())
            }
            TaskAction::LabelNamed { task, class, id } => {
                let t = self
                    .others
                    .iter()
                    .find(|t| t.name == task)
                    .ok_or(TaskError::Gone)?;
                let c = t
                    .classes
                    .iter()
                    .find(|(_, n)| *n == class)
                    .ok_or(TaskError::Gone)?;
                let (task, class) = (t.id, c.0);
                self.label(task, class, &[id]).map(|()| Vec::new())
            }
            TaskAction::Adopt(first, tasks) => Ok(self.adopt(first, tasks)),
        }
    }

    fn adopt(&mut self, first: Option<String>, tasks: Vec<(String, Vec<String>)>) -> Vec<String> {
        let mut said = Vec::new();
        if let Some(first) = first
            && self.first.trim().is_empty()
            && self.others.iter().all(|t| t.name != first)
        {
            self.first = first;
        }
        for (name, classes) in tasks {
            let id = match self.others.iter().find(|t| t.name == name) {
                Some(t) => t.id,
                None => match self.add(&name) {
                    Ok(id) => {
                        // `add` gives Yes and No; the model's classes replace them.
                        if let Ok(t) = self.task_mut(id) {
                            t.classes.clear();
                        }
                        said.push(format!("task '{name}' (from the model file)"));
                        id
                    }
                    Err(e) => {
                        said.push(format!("not task '{name}': {e}"));
                        continue;
                    }
                },
            };
            for class in classes {
                let has = self
                    .task(id)
                    .is_some_and(|t| t.classes.iter().any(|(_, n)| *n == class));
                if !has
                    && self.add_class(id, &class).is_ok()
                    && !said.last().is_some_and(|s| s.contains(&name))
                {
                    said.push(format!("classes of task '{name}' (from the model file)"));
                }
            }
        }
        said
    }
}
