//! `graft train DIR --task NAME=DIR2 ...`: several tasks on one backbone (issue 18). Every
//! task's folder is read, its photos matched by content, and each distinct photo embedded
//! once. Without fine-tuning each task's head trains on those shared features as `graft
//! train` trains one; with `--tuned-blocks K` one shared tail and a head per task train on
//! the tasks' summed losses (`train::joint`). One model file carries every head.

use super::classify::{Rows, embed, load};
use super::trained::{Candidate, Output, report, save_trained, validation_title};
use super::{CliResult, ModelFiles, open};
use crate::backend::DeviceChoice;
use crate::classifier::{Classifier, MAX_TASKS, TaskMeta, check_class_names};
use crate::data::folder::ImageFolder;
use crate::model::tail::TailConfig;
use crate::project::sample_hash;
use crate::rng::SplitMix64;
use crate::train::data::check_trainable;
use crate::train::joint::{self, TaskLabels};
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
struct Task {
    name: String,
    classes: Vec<String>,
    labels: Vec<Option<usize>>,
}

/// Every task's folder read: the distinct photos (first path seen) and each task's labels.
fn gather(tasks: &[TaskDir]) -> Result<(Vec<PathBuf>, Vec<Task>), Box<dyn std::error::Error>> {
    if tasks.len() > MAX_TASKS {
        return Err(format!("{} tasks: a model has at most {MAX_TASKS}", tasks.len()).into());
    }
    let mut photos: Vec<PathBuf> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Task> = Vec::new();
    for t in tasks {
        if out.iter().any(|o| o.name == t.name) {
            return Err(format!("task name '{}' is given twice", t.name).into());
        }
        let folder = ImageFolder::scan(&t.dir)?;
        check_class_names(&folder.classes)
            .map_err(|e| format!("task '{}' ({}): {e}", t.name, t.dir.display()))?;
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
                    "graft: {}: skipped, the same image is already in '{}' of task '{}'",
                    path.display(),
                    folder.classes[c],
                    t.name
                ),
            }
        }
        out.push(Task {
            name: t.name.clone(),
            classes: folder.classes,
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
    let tasks: Vec<TaskDir> = std::iter::once(first).chain(asked.others).collect();
    let config = args.config(Solver::default())?;
    train(&tasks, out, &config, json, device.device, files)
}

/// Train every task of `tasks` (the first is DIR's) and write one model file.
fn train(
    tasks: &[TaskDir],
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
    let id = backbone.weights_id();
    let compute = open(choice)?;
    let model = match &tail {
        None => {
            let data = (values.as_slice(), shape, &compute.device);
            apart(&tasks, data, (&rows, &paths), config, json, id)?
        }
        Some(t) => together(&tasks, (&values, &compute.device), t, config, json, id)?,
    };
    let out = Output {
        path: out,
        adaptation: None,
    };
    save_trained(out, &model, started.elapsed().as_secs_f64())
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

/// Fine-tuning: one shared tail and a head per task on the summed losses, measured on a
/// share of the photos held out (each task's figures on the held photos it labels).
fn together(
    tasks: &[Task],
    (values, device): (&[f32], &burn::tensor::Device),
    tail: &crate::model::tail::TailWeights,
    config: &TrainConfig,
    json: bool,
    id: &str,
) -> Result<Classifier, Box<dyn std::error::Error>> {
    let n = tasks[0].labels.len();
    let (train, held) = held_out(tasks, n, config);
    if held.is_empty() {
        eprintln!("graft: no photos held out (too few, or --validation-percent 0): no figures");
    }
    let labels: Vec<TaskLabels> = (tasks.iter())
        .map(|t| TaskLabels {
            classes: t.classes.len(),
            labels: &t.labels,
        })
        .collect();
    let started = Instant::now();
    // Ten lines of progress on stderr at most; every epoch in JSON.
    let mut on_epoch = |epoch: usize, epochs: usize, loss: f32| match json {
        true => println!("{}", serde_json::json!({ "epoch": epoch, "loss": loss })),
        false if epoch.is_multiple_of(epochs.div_ceil(10)) || epoch == epochs => {
            eprintln!("graft: epoch {epoch} of {epochs}: loss {loss:.4} (summed over the tasks)")
        }
        false => {}
    };
    let fit = pollster::block_on(joint::fit(
        device,
        values,
        tail,
        &labels,
        (&train, &held),
        config,
        &mut on_epoch,
    ))?;
    let seconds = started.elapsed().as_secs_f64();
    let title = validation_title(0, false, None);
    for (task, e) in tasks.iter().zip(&fit.evaluations) {
        if e.accuracy().is_some() {
            let extra = serde_json::json!({ "task": task.name, "joint": true });
            report(
                e,
                &task.classes,
                &format!("task '{}': {title}", task.name),
                extra,
                json,
            )?;
        }
    }
    let training = |t: usize| {
        let task = &tasks[t];
        let per_class: Vec<usize> = (0..task.classes.len())
            .map(|c| train.iter().filter(|&&i| task.labels[i] == Some(c)).count())
            .collect();
        let e = &fit.evaluations[t];
        let confusion = e.accuracy().map(|_| &e.confusion);
        serde_json::json!({ "by": "graft train", "solver": "adam", "joint": true,
            "tasks": tasks.len(), "steps": fit.steps, "samples": train.len(),
            "validation_samples": e.labels.len(), "accuracy": e.accuracy(),
            "images_per_class": per_class, "confusion": confusion,
            "config": config, "seconds": seconds })
    };
    let mut heads = fit.heads.into_iter();
    let first = heads.next().ok_or("no task to train")?;
    let mut model =
        Classifier::new(tasks[0].classes.clone(), first, id, training(0)).with_tail(Some(fit.tail));
    for (t, head) in heads.enumerate() {
        let task = &tasks[t + 1];
        let meta = TaskMeta {
            name: task.name.clone(),
            classes: task.classes.clone(),
            hidden: head.hidden(),
            normalized_features: false,
            training: training(t + 1),
        };
        model = model.with_task(&tasks[0].name, meta, head);
    }
    Ok(model)
}

/// `config.validation_percent` of the photos, drawn by the seed, held out, as long as every
/// class of every task keeps a photo to train on; otherwise none.
fn held_out(tasks: &[Task], n: usize, config: &TrainConfig) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(config.seed);
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let k = (n as f64 * config.validation_percent / 100.0).round() as usize;
    let (held, train) = order.split_at(k.min(n));
    let keeps_every_class = tasks
        .iter()
        .all(|t| (0..t.classes.len()).all(|c| train.iter().any(|&i| t.labels[i] == Some(c))));
    match keeps_every_class && !held.is_empty() {
        true => (train.to_vec(), held.to_vec()),
        false => ((0..n).collect(), Vec::new()),
    }
}
