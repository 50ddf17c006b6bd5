//! A project's other tasks (multi-task, issue 18): further questions about the same photos
//! ("healthy or not" beside "which leaf"), each with its own classes and its own label for
//! any of the project's photos. Plain data and rules, tested natively; the class cards are
//! the first task.

use crate::classifier::{MAX_CLASSES, MAX_TASKS};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// One further task's answer to a preview: its name and `(class, p)` in its class order.
pub type TaskProbs = (String, Vec<(String, f32)>);

/// Tasks by name, each with its class names.
pub type Named = Vec<(String, Vec<String>)>;

/// One further task: its classes (id, name) and each labelled photo's class id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: u32,
    pub name: String,
    pub classes: Vec<(u32, String)>,
    pub next_class: u32,
    /// Sample id -> class id. Labels of photos since removed are ignored (and not saved).
    pub labels: BTreeMap<u64, u32>,
}

/// The project's tasks beyond the class cards.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tasks {
    /// The class cards' task's name, once there are others.
    pub first: String,
    pub others: Vec<Task>,
    pub next_task: u32,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TaskError {
    #[error("a project has at most {MAX_TASKS} tasks")]
    TooManyTasks,
    #[error("a task needs a name")]
    EmptyName,
    #[error("there is already a task named '{0}'")]
    TaskNameTaken(String),
    #[error("a class needs a name")]
    EmptyClassName,
    #[error("task '{0}' already has a class named '{1}'")]
    ClassNameTaken(String, String),
    #[error("a task has at most {MAX_CLASSES} classes")]
    TooManyClasses,
    #[error("that task or class no longer exists")]
    Gone,
    #[error("task '{0}' keeps two classes at least: delete the task instead")]
    TooFewClasses(String),
}

impl Tasks {
    pub fn task(&self, id: u32) -> Option<&Task> {
        self.others.iter().find(|t| t.id == id)
    }

    fn task_mut(&mut self, id: u32) -> Result<&mut Task, TaskError> {
        self.others
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(TaskError::Gone)
    }

    /// `name` trimmed, if no other task has it (`renaming`: the task being renamed, `None`
    /// for the class cards' task).
    fn check_name(&self, name: &str, renaming: Option<Option<u32>>) -> Result<String, TaskError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(TaskError::EmptyName);
        }
        let first = renaming != Some(None) && self.first == name;
        let other = (self.others.iter()).any(|t| t.name == name && renaming != Some(Some(t.id)));
        match first || other {
            true => Err(TaskError::TaskNameTaken(name.into())),
            false => Ok(name.into()),
        }
    }

    /// A new task with two classes, "Yes" and "No" (the least that trains), after the class
    /// cards' task, which gets the name "Task 1" if it has none.
    pub fn add(&mut self, name: &str) -> Result<u32, TaskError> {
        if 1 + self.others.len() >= MAX_TASKS {
            return Err(TaskError::TooManyTasks);
        }
        if self.first.trim().is_empty() {
            self.first = "Task 1".into();
        }
        let name = self.check_name(name, None)?;
        let id = self.next_task;
        self.next_task = self
            .next_task
            .checked_add(1)
            .ok_or(TaskError::TooManyTasks)?;
        self.others.push(Task {
            id,
            name,
            classes: vec![(0, "Yes".into()), (1, "No".into())],
            next_class: 2,
            labels: BTreeMap::new(),
        });
        Ok(id)
    }

    /// A name no task has: "Task N".
    pub fn fresh_name(&self) -> String {
        (self.others.len() + 2..)
            .map(|n| format!("Task {n}"))
            .find(|n| self.check_name(n, None).is_ok())
            .unwrap_or_default()
    }

    /// Rename the class cards' task (`None`) or another.
    pub fn rename(&mut self, id: Option<u32>, name: &str) -> Result<(), TaskError> {
        let name = self.check_name(name, Some(id))?;
        match id {
            None => self.first = name,
            Some(id) => self.task_mut(id)?.name = name,
        }
        Ok(())
    }

    /// Remove a task, its classes and its labels.
    pub fn remove(&mut self, id: u32) -> Option<Task> {
        let at = self.others.iter().position(|t| t.id == id)?;
        Some(self.others.remove(at))
    }

    pub fn add_class(&mut self, task: u32, name: &str) -> Result<u32, TaskError> {
        let t = self.task_mut(task)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(TaskError::EmptyClassName);
        }
        if t.classes.iter().any(|(_, n)| n == name) {
            return Err(TaskError::ClassNameTaken(t.name.clone(), name.into()));
        }
        if t.classes.len() >= MAX_CLASSES {
            return Err(TaskError::TooManyClasses);
        }
        let id = t.next_class;
        t.next_class = t
            .next_class
            .checked_add(1)
            .ok_or(TaskError::TooManyClasses)?;
        t.classes.push((id, name.into()));
        Ok(id)
    }

    /// Remove a class of a task, and its labels; a task keeps two classes at least (the
    /// least that trains, and what a project file may hold).
    pub fn remove_class(&mut self, task: u32, class: u32) -> Result<(), TaskError> {
        let t = self.task_mut(task)?;
        if t.classes.len() <= 2 {
            return Err(TaskError::TooFewClasses(t.name.clone()));
        }
        t.classes.retain(|(id, _)| *id != class);
        t.labels.retain(|_, c| *c != class);
        Ok(())
    }

    /// Give photos `ids` class `class` in task `task` (a photo has one class a task).
    pub fn label(&mut self, task: u32, class: u32, ids: &[u64]) -> Result<(), TaskError> {
        let t = self.task_mut(task)?;
        if t.classes.iter().all(|(id, _)| *id != class) {
            return Err(TaskError::Gone);
        }
        for &id in ids {
            t.labels.insert(id, class);
        }
        Ok(())
    }

    /// The same tasks without labels of photos the project no longer has (what is saved).
    pub fn kept(&self, samples: &HashSet<u64>) -> Tasks {
        let mut out = self.clone();
        for t in &mut out.others {
            t.labels.retain(|id, _| samples.contains(id));
        }
        out
    }

    /// Read back from a saved project: at most `MAX_TASKS`, names distinct, classes as the
    /// project's rules allow; what does not fit is dropped.
    pub fn checked(mut self) -> Tasks {
        let mut names = vec![self.first.clone()];
        let mut ids = HashSet::new();
        self.others.retain(|t| {
            let class_names: Vec<String> = t.classes.iter().map(|(_, n)| n.clone()).collect();
            let class_ids: HashSet<u32> = t.classes.iter().map(|(id, _)| *id).collect();
            let ok = !t.name.trim().is_empty()
                && !names.contains(&t.name)
                && ids.insert(t.id)
                && class_ids.len() == t.classes.len()
                && crate::classifier::check_class_names(&class_names).is_ok();
            names.push(t.name.clone());
            ok
        });
        self.others.truncate(MAX_TASKS - 1);
        if !self.others.is_empty() && self.first.trim().is_empty() {
            self.first = "Task 1".into();
        }
        // Ids handed out next are above every id held.
        let top = self.others.iter().map(|t| t.id).max();
        self.next_task = self.next_task.max(top.map_or(0, |m| m.saturating_add(1)));
        for t in &mut self.others {
            let classes: HashSet<u32> = t.classes.iter().map(|(id, _)| *id).collect();
            t.labels.retain(|_, c| classes.contains(c));
            let top = classes.iter().max().map_or(0, |m| m.saturating_add(1));
            t.next_class = t.next_class.max(top);
        }
        self
    }
}

impl Task {
    /// Photos labelled in each class, in class order, among `samples`.
    pub fn counts(&self, samples: &HashSet<u64>) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for (id, class) in &self.labels {
            if samples.contains(id)
                && let Some(at) = self.classes.iter().position(|(c, _)| c == class)
            {
                counts[at] += 1;
            }
        }
        counts
    }

    /// The class names, and each of `ids`' class index (`None`: not labelled here).
    pub fn labels_of(&self, ids: &[u64]) -> (Vec<String>, Vec<Option<usize>>) {
        let names = self.classes.iter().map(|(_, n)| n.clone()).collect();
        let labels = (ids.iter())
            .map(|id| {
                let class = self.labels.get(id)?;
                self.classes.iter().position(|(c, _)| c == class)
            })
            .collect();
        (names, labels)
    }
}

#[path = "tasks_action.rs"]
mod action;
pub use action::TaskAction;

#[cfg(test)]
#[path = "tasks_tests.rs"]
mod tests;
