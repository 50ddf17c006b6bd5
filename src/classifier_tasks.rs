//! A model's other tasks (multi-task, issue 18): each has its own name, classes and head,
//! on the same backbone features (and tuned blocks) as the first task; in the file as
//! `task.{t}.layers.{i}.{weight,bias}` (t from 1) with `other_tasks` in the metadata.

use super::{MAX_HIDDEN, ModelFileError, check_class_names, tensor};
use crate::inference::softmax_row;
use crate::model::FEATURE_DIM;
use crate::model::head::{HeadWeights, LayerWeights};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

/// Tasks one model file may carry: enough for the projects graft makes (a few related
/// questions about the same photos), few enough that a hostile file cannot ask for
/// thousands of heads.
pub const MAX_TASKS: usize = 8;

/// One of a model's other tasks, as its metadata says (the first task's are the model's
/// own `classes`, `hidden`, `normalized_features` and `training`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskMeta {
    pub name: String,
    pub classes: Vec<String>,
    pub hidden: usize,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub normalized_features: bool,
    /// How this task's head was trained (free-form, as the model's `training`).
    #[serde(default)]
    pub training: serde_json::Value,
}

/// One task's answer for one photo: the task's name (`None` for a one-task model), its
/// classes and their probabilities.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskAnswer<'a> {
    pub name: Option<&'a str>,
    pub classes: &'a [String],
    pub probs: Vec<f32>,
}

impl TaskAnswer<'_> {
    /// The most probable class (the first of equals) and its probability.
    pub fn best(&self) -> (usize, f32) {
        let best = (0..self.probs.len())
            .max_by(|&a, &b| self.probs[a].total_cmp(&self.probs[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        (best, self.probs.get(best).copied().unwrap_or(0.0))
    }
}

impl super::Classifier {
    /// The same model with one more task: `first` names the model's first task (its own
    /// classes) when this is the first task added. The head must read 1280-d features.
    pub fn with_task(mut self, first: &str, task: TaskMeta, head: HeadWeights) -> Self {
        if self.meta.task.is_none() {
            self.meta.task = Some(first.to_string());
        }
        self.meta.other_tasks.push(task);
        self.other_heads.push(head);
        self
    }

    /// How many tasks the model answers (1 for a model without `other_tasks`).
    pub fn task_count(&self) -> usize {
        1 + self.other_heads.len()
    }

    /// Every task's answer for one 1280-d feature vector (through the model's tuned blocks,
    /// as `probs`): the first task, then the others in the file's order.
    pub fn answers(&self, features: &[f32]) -> Vec<TaskAnswer<'_>> {
        let first = TaskAnswer {
            name: self.meta.task.as_deref(),
            classes: &self.meta.classes,
            probs: self.probs(features),
        };
        let others =
            (self.meta.other_tasks.iter().zip(&self.other_heads)).map(|(t, head)| TaskAnswer {
                name: Some(t.name.as_str()),
                classes: &t.classes,
                probs: softmax_row(&head.logits(features)),
            });
        std::iter::once(first).chain(others).collect()
    }
}

/// The other tasks' tensors, as `to_bytes` writes them.
pub(super) fn other_tensors(heads: &[HeadWeights]) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let mut out = Vec::new();
    for (t, head) in heads.iter().enumerate() {
        out.extend(head_tensors(&format!("task.{}.", t + 1), head));
    }
    out
}

/// A head's tensors, named `{prefix}layers.{i}.{weight,bias}`.
pub(super) fn head_tensors(
    prefix: &str,
    head: &HeadWeights,
) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let mut out = Vec::new();
    for (i, l) in head.layers.iter().enumerate() {
        let weight = (l.inputs, l.outputs);
        out.push((
            format!("{prefix}layers.{i}.weight"),
            vec![weight.0, weight.1],
            l.weight.clone(),
        ));
        out.push((
            format!("{prefix}layers.{i}.bias"),
            vec![l.outputs],
            l.bias.clone(),
        ));
    }
    out
}

/// Read the head named `{prefix}layers.*` for `classes` classes and `hidden` units (0: a
/// linear head), checking every shape.
pub(super) fn read_head(
    file: &SafeTensors,
    prefix: &str,
    classes: usize,
    hidden: usize,
    normalize: bool,
) -> Result<HeadWeights, ModelFileError> {
    if hidden > MAX_HIDDEN {
        return Err(ModelFileError::Damaged(format!(
            "{hidden} hidden units (at most {MAX_HIDDEN})"
        )));
    }
    let shapes = match hidden {
        0 => vec![(FEATURE_DIM, classes)],
        h => vec![(FEATURE_DIM, h), (h, classes)],
    };
    let mut layers = Vec::new();
    for (i, &(inputs, outputs)) in shapes.iter().enumerate() {
        let weight = tensor(
            file,
            &format!("{prefix}layers.{i}.weight"),
            &[inputs, outputs],
        )?;
        let bias = tensor(file, &format!("{prefix}layers.{i}.bias"), &[outputs])?;
        layers.push(LayerWeights {
            inputs,
            outputs,
            weight,
            bias,
        });
    }
    Ok(HeadWeights { layers, normalize })
}

/// The other tasks' heads, after their metadata is checked: names given and distinct (the
/// first task's too), classes as any model's, at most `MAX_TASKS` in all.
pub(super) fn read_others(
    file: &SafeTensors,
    first: Option<&str>,
    tasks: &[TaskMeta],
) -> Result<Vec<HeadWeights>, ModelFileError> {
    let damaged = ModelFileError::Damaged;
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    if 1 + tasks.len() > MAX_TASKS {
        return Err(damaged(format!(
            "{} tasks (a model has at most {MAX_TASKS})",
            1 + tasks.len()
        )));
    }
    let mut names = vec![first.ok_or_else(|| damaged("its first task has no name".into()))?];
    let mut heads = Vec::new();
    for task in tasks {
        let name = task.name.as_str();
        if names.iter().any(|n| n.trim().is_empty()) || name.trim().is_empty() {
            return Err(damaged("a task has no name".into()));
        }
        if names.contains(&name) {
            return Err(damaged(format!("task name '{name}' appears twice")));
        }
        names.push(name);
        check_class_names(&task.classes).map_err(|e| damaged(format!("task '{name}': {e}")))?;
        let prefix = format!("task.{}.", heads.len() + 1);
        let classes = task.classes.len();
        heads.push(read_head(
            file,
            &prefix,
            classes,
            task.hidden,
            task.normalized_features,
        )?);
    }
    Ok(heads)
}
