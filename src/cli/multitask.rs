//! `graft train DIR --task NAME=DIR2 ...`: several tasks on one backbone (issue 18). Every
//! task's folder is read, its photos matched by content, and each distinct photo embedded
//! once. Without fine-tuning each task's head trains on those shared features as `graft
//! train` trains one; with `--tuned-blocks K` one shared tail and a head per task train on
//! the tasks' summed losses (`train::joint`). One model file carries every head.

use super::classify::{Rows, embed, load};
use super::trained::{Candidate, Output, report, save_trained};
use super::{CliResult, ModelFiles, open};
use crate::backend::DeviceChoice;
use crate::classifier::{Classifier, MAX_TASKS, TaskMeta, check_class_names};
use crate::data::folder::ImageFolder;
use crate::model::tail::TailConfig;
use crate::project::sample_hash;
use crate::train::data::check_trainable;
use crate::train::split::plan_for;
use crate::train::{Inputs, Method, Solver, TrainConfig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `--task NAME=DIR`: another task's name and its folder of class folders.
#[derive(Clone, Debug)]
pub struct TaskDir {
    pub name: String,
    pub dir: PathBuf,
}

impl TaskDir {
    pub fn parse(text: &str) -> Result<TaskDir, String> {
        match text.split_once('=') {
            Some((name, dir)) if !name.trim().is_empty() && !dir.is_empty() => Ok(TaskDir {
                name: name.trim().to_string(),
                dir: dir.into(),
            }),
            _ => Err(format!(
                "'{text}' is not NAME=DIR (a task's name, then its folder of class folders)"
            )),
        }
    }
}

/// One task: its name, class names, and each photo's class in it (`None`: unlabelled here).
#[derive(Clone)]
struct Task {
    name: String,
    classes: Vec<String>,
    labels: Vec<Option<usize>>,
}

/// A task's name and its photos by class.
type Named = (String, ImageFolder);

/// Every task's folder read: the distinct photos (first path seen) and each task's labels.
fn gather(tasks: &[Named]) -> Result<(Vec<PathBuf>, Vec<Task>), Box<dyn std::error::Error>> {
    if tasks.len() > MAX_TASKS {
        return Err(format!("{} tasks: a model has at most {MAX_TASKS}", tasks.len()).into());
    }
    let mut photos: Vec<PathBuf> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Task> = Vec::new();
    for (name, folder) in tasks {
        if out.iter().any(|o| &o.name == name) {
            return Err(format!("task name '{name}' is given twice").into());
        }
        check_class_names(&folder.classes).map_err(|e| format!("task '{name}': {e}"))?;
        let mut labels = vec![None; photos.len()];
        for (path, class) in &folder.files {
            // Unreadable files are named when the photos are embedded.
            let Ok(bytes) = std::fs::read(path) else {
                photos.push(path.clone());
                labels.push(Some(*class));
                continue;
            };
            let at = *index.entry(sample_hash(&bytes)).or_insert_with(|| {
                photos.push(path.clone());
                photos.len() - 1
            });
            labels.resize(photos.len(), None);
            match labels[at] {
                None => labels[at] = Some(*class),
                Some(c) => eprintln!(
                    "graft: {}: skipped, the same image is already in '{}' of task '{name}'",
                    path.display(),
                    folder.classes[c],
                ),
            }
        }
        out.push(Task {
            name: name.clone(),
            classes: folder.classes.clone(),
            labels,
        });
    }
    for task in &mut out {
        task.labels.resize(photos.len(), None);
    }
    Ok((photos, out))
}

/// What `graft train` was asked with `--task`: DIR, its task's name, the other tasks, and
/// whether no option that trains one task only (`alone`: false) was given too.
pub struct Asked<'a> {
    pub dir: &'a Path,
    pub name: Option<String>,
    pub others: Vec<TaskDir>,
    pub alone: bool,
}

/// `graft train DIR --task NAME=DIR2 ...`: the tasks checked, then `train`.
pub fn command(
    asked: Asked,
    out: &Path,
    args: &super::TrainArgs,
    json: bool,
    device: super::DeviceArgs,
    files: &ModelFiles,
) -> CliResult {
    if asked.others.is_empty() {
        return Err("--task-name names DIR's task among others: add --task NAME=FOLDER".into());
    }
    if !asked.alone {
        return Err(
            "--task trains several tasks on DIR's and the tasks' folders: not with \
                    --val-dir, --unlabeled, --adapt-bn or --lp-ft"
                .into(),
        );
    }
    if asked.dir.is_file() {
        return Err(format!(
            "{}: --task takes folders of class folders, not a project file",
            asked.dir.display()
        )
        .into());
    }
    let first = match asked.name {
        Some(name) if !name.trim().is_empty() => name.trim().to_string(),
        Some(_) => return Err("--task-name is empty".into()),
        None => (asked.dir.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("{}: name its task with --task-name", asked.dir.display()))?,
    };
    let first = TaskDir {
        name: first,
        dir: asked.dir.to_path_buf(),
    };
    let mut tasks = Vec::new();
    for t in std::iter::once(first).chain(asked.others) {
        let folder = ImageFolder::scan(&t.dir).map_err(|e| format!("task '{}': {e}", t.name))?;
        tasks.push((t.name, folder));
    }
    let config = args.config(Solver::default())?;
    train(&tasks, out, &config, json, device.device, files)
}

/// `graft train PROJECT` of a project with further tasks: the class cards' task and every
/// further one. Its photos set aside for validation and its Unlabelled tray are not used
/// (the tasks are measured as `--task` measures them), and it says so; a head is trained
/// whatever method its settings name (the page trains a head for the further tasks too).
pub fn project(
    unpacked: &super::project::Unpacked,
    out: &Path,
    config: &TrainConfig,
    json: bool,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    let mut config = config.clone();
    if config.method != Method::Head {
        eprintln!("graft: a project of several tasks trains a head per task (--method head)");
        config.set_method(Method::Head)?;
    }
    let config = &config;
    if !unpacked.validation.is_empty() || unpacked.unlabelled.is_some() {
        eprintln!(
            "graft: a project of several tasks: its photos set aside for validation train too \
             (a share is measured on), and its Unlabelled photos are not used"
        );
    }
    let first = match unpacked.first_task.trim() {
        "" => "Task 1".to_string(),
        name => name.to_string(),
    };
    let tasks: Vec<Named> = std::iter::once((first, unpacked.folder.clone()))
        .chain(unpacked.tasks.iter().cloned())
        .collect();
    train(&tasks, out, config, json, choice, files)
}

/// Train every task of `tasks` (the first is the class cards', or DIR's) and write one
/// model file: `graft train DIR --task ...` and `graft train PROJECT` of several tasks.
pub fn train(
    tasks: &[Named],
    out: &Path,
    config: &TrainConfig,
    json: bool,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    config.check()?;
    if config.method != Method::Head {
        return Err("--task trains a head per task: not with --method prototypes or auto".into());
    }
    let (photos, mut tasks) = gather(tasks)?;
    let backbone = load(files, choice)?;
    let tail = TailConfig::new(config.tuned_blocks).and_then(|cut| backbone.pretrained_tail(cut));
    let (rows, shape) = match &tail {
        Some(t) => (Rows::cut(&backbone, t.config), t.config.cut_shape()),
        None => (Rows::features(&backbone), [crate::model::FEATURE_DIM, 1, 1]),
    };
    let started = Instant::now();
    let embedded = embed(&rows, &photos, |path, e| {
        eprintln!("graft: {}: skipped: {e}", path.display());
    })?;
    // Photos that could not be read leave every task.
    for task in &mut tasks {
        task.labels = embedded.iter().map(|(i, _)| task.labels[*i]).collect();
    }
    let paths: Vec<PathBuf> = embedded.iter().map(|(i, _)| photos[*i].clone()).collect();
    let values: Vec<f32> = embedded.into_iter().flat_map(|(_, row)| row).collect();
    eprintln!(
        "graft: {} distinct photos for {} tasks embedded once, in {:.1} s",
        paths.len(),
        tasks.len(),
        started.elapsed().as_secs_f64()
    );
    let tasks = trainable(tasks)?;
    let id = backbone.weights_id();
    let compute = open(choice)?;
    let model = match &tail {
        None => {
            let data = (values.as_slice(), shape, &compute.device);
            apart(&tasks, data, (&rows, &paths), config, json, id)?
        }
        Some(t) => joint_run::together(&tasks, (&values, &compute.device), t, config, json, id)?,
    };
    let out = Output {
        path: out,
        adaptation: None,
    };
    save_trained(out, &model, started.elapsed().as_secs_f64())
}

/// The tasks whose photos can train them: the first must (an error naming it); a further
/// one that cannot (a class without photos) is left out, and said so.
fn trainable(tasks: Vec<Task>) -> Result<Vec<Task>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let labels: Vec<usize> = task.labels.iter().flatten().copied().collect();
        match check_trainable(&task.classes, &labels) {
            Ok(()) => out.push(task),
            Err(e) if i == 0 => return Err(format!("task '{}': {e}", task.name).into()),
            Err(e) => eprintln!("graft: task '{}' is left out: {e}", task.name),
        }
    }
    Ok(out)
}

/// Frozen features: each task's head fitted and measured as `graft train` fits one, on the
/// photos it labels; the first task's model, with the others' heads added.
fn apart(
    tasks: &[Task],
    (values, shape, device): (&[f32], [usize; 3], &burn::tensor::Device),
    (rows, paths): (&Rows, &[PathBuf]),
    config: &TrainConfig,
    json: bool,
    id: &str,
) -> Result<Classifier, Box<dyn std::error::Error>> {
    let row = shape.iter().product::<usize>();
    let mut model: Option<Classifier> = None;
    for task in tasks {
        let which: Vec<usize> = (0..task.labels.len())
            .filter(|&i| task.labels[i].is_some())
            .collect();
        let labels: Vec<usize> = which.iter().filter_map(|&i| task.labels[i]).collect();
        let mine: Vec<f32> = (which.iter())
            .flat_map(|&i| &values[i * row..(i + 1) * row])
            .copied()
            .collect();
        let named = |e: String| format!("task '{}': {e}", task.name);
        let plan = check_trainable(&task.classes, &labels)
            .and_then(|()| plan_for(config, &labels, &[], &task.classes))
            .map_err(|e| named(e.to_string()))?;
        let their_paths: Vec<PathBuf> = which.iter().map(|&i| paths[i].clone()).collect();
        let views =
            super::train::augmented_views(rows, &their_paths, &plan.trained(labels.len()), config)?;
        let inputs = Inputs {
            values: &mine,
            shape,
            labels: &labels,
        };
        let names = (task.classes.as_slice(), id);
        let c: Candidate = match config.solver {
            Solver::Lbfgs => super::train_linear::fit(inputs, plan, names, config, &views, json)?,
            Solver::Adam => {
                let job = super::train_adam::Job {
                    device,
                    inputs,
                    plan,
                    names: &task.classes,
                    backbone_id: id,
                    config,
                    views: &views,
                    tail: None,
                    probe_first: false,
                    deadline: None,
                };
                super::train_adam::fit(job, json)?
            }
        };
        let title = format!("task '{}': {}", task.name, c.title);
        let extra = serde_json::json!({ "task": task.name });
        match &c.evaluation {
            Some(e) => report(
                e,
                &task.classes,
                &title,
                merged(c.extra.clone(), extra),
                json,
            )?,
            None => eprintln!("graft: task '{}': no validation figures", task.name),
        }
        model = Some(match model {
            None => c.model,
            Some(first) => first.with_task(&tasks[0].name, meta_of(task, &c.model), c.model.head),
        });
    }
    model.ok_or_else(|| "no task to train".into())
}

/// A task's metadata in the model file, from the one-task model trained for it.
fn meta_of(task: &Task, trained: &Classifier) -> TaskMeta {
    TaskMeta {
        name: task.name.clone(),
        classes: task.classes.clone(),
        hidden: trained.meta.hidden,
        normalized_features: trained.meta.normalized_features,
        training: trained.meta.training.clone(),
    }
}

/// `a`'s fields with `b`'s added.
fn merged(mut a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
    match (a.as_object_mut(), b.as_object()) {
        (Some(a), Some(b)) => a.extend(b.clone()),
        _ => return b,
    }
    a
}

#[path = "multitask_joint.rs"]
mod joint_run;
