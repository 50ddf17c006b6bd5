//! Export project and Open project: the whole project as one file (project_file.rs), and
//! such a file opened in place of the project in this browser, after it has been checked.

use super::jobs::Jobs;
use super::pending::{Marks, Pending};
use crate::project::{ClassRef, Project};
use crate::project_file::{ProjectFile, ProjectWriter, TaskEntry};
use crate::session::protocol::ModelFrom;
use crate::state::teach::{Teach, TeachAction};
use crate::state::training::TrainAction;
use crate::tasks::TaskAction;
use crate::train::TrainConfig;
use crate::web::files;
use js_sys::{Array, Uint8Array};
use std::rc::Rc;
use yew::Callback;

/// The name the exported file is offered under (a zip: any archive tool opens it).
const FILE_NAME: &str = "graft-project.zip";
/// A project file larger than this is refused before it is read: opening reads it whole.
const OPEN_LIMIT: f64 = 1e9;

/// The project bar's Export and Open callbacks: what they did, or why not, is a notice.
pub fn callbacks(
    t: &Teach,
    jobs: &Rc<Jobs>,
    act: &Rc<dyn Fn(TeachAction)>,
) -> (Callback<()>, Callback<web_sys::File>) {
    let on_export = {
        let (jobs, act) = (jobs.clone(), act.clone());
        let (project, config) = (t.project.clone(), t.settings.config.clone());
        let key = t.model.as_ref().map(|m| m.key.clone());
        Callback::from(move |_| {
            let (jobs, act) = (jobs.clone(), act.clone());
            let (project, config, key) = (project.clone(), config.clone(), key.clone());
            yew::platform::spawn_local(async move {
                let done = export(&jobs, &project, &config, key.as_deref());
                act(TeachAction::Notice(match done.await {
                    Ok(n) => format!("The project was exported with its {n} images."),
                    Err(e) => format!("The project could not be exported: {e}"),
                }));
            });
        })
    };
    let on_open = {
        let (jobs, act) = (jobs.clone(), act.clone());
        let has_photos = t.project.sample_count() > 0;
        Callback::from(move |file: web_sys::File| {
            if has_photos
                && !files::confirm(
                    "Open this project in place of the one here? Its classes, images and model in this browser will be replaced.",
                )
            {
                return;
            }
            let (jobs, act) = (jobs.clone(), act.clone());
            yew::platform::spawn_local(async move {
                if let Err(e) = open(&jobs, file).await {
                    act(TeachAction::Notice(format!("{e}. Nothing was changed.")));
                }
            });
        })
    };
    (on_export, on_open)
}

/// Write the project (its kept copies, read from the store), its settings and its model (by
/// `model_key`) as one file, offered as a download. Each part goes to the browser as it is
/// made, so a large project is never one buffer here.
pub async fn export(
    jobs: &Jobs,
    project: &Project,
    config: &TrainConfig,
    model_key: Option<&str>,
) -> Result<usize, String> {
    if !jobs.saved.saving() {
        return Err(
            "this browser does not keep the photos (see above), so they cannot be exported".into(),
        );
    }
    let names: Vec<String> = project.classes.iter().map(|c| c.name.clone()).collect();
    let mut w = ProjectWriter::new("graft project", &names, Some(config.clone()));
    let tasks = &project.tasks.others;
    if !tasks.is_empty() {
        let entries = (tasks.iter())
            .map(|t| TaskEntry {
                name: t.name.clone(),
                classes: t.classes.iter().map(|(_, n)| n.clone()).collect(),
            })
            .collect();
        w.tasks(&project.tasks.first, entries);
    }
    let parts = Array::new();
    let push = |bytes: &[u8]| {
        parts.push(&Uint8Array::from(bytes));
    };
    if let Some(file) = model_key.and_then(|k| jobs.saved.model_file(k)) {
        push(&w.model(&file).map_err(|e| e.to_string())?);
        push(&file);
    }
    let mut count = 0;
    for (index, class) in project.classes.iter().enumerate() {
        for sample in class.samples.iter() {
            let copy = jobs.saved.copy(sample.id).await?;
            let copy = copy.ok_or_else(|| format!("{}: its kept copy is missing", sample.name))?;
            let aside = project.held_out.contains(&sample.id);
            push(
                &w.image(index, &sample.name, aside, &copy)
                    .map_err(|e| e.to_string())?,
            );
            push(&copy);
            // Its class in each further task that gives it one.
            let labels = (tasks.iter())
                .filter_map(|t| {
                    let class = t.labels.get(&sample.id)?;
                    let (_, name) = t.classes.iter().find(|(c, _)| c == class)?;
                    Some((t.name.clone(), name.clone()))
                })
                .collect();
            w.label_last(index, labels);
            count += 1;
        }
    }
    for sample in project.unlabelled.samples.iter() {
        let copy = jobs.saved.copy(sample.id).await?;
        let copy = copy.ok_or_else(|| format!("{}: its kept copy is missing", sample.name))?;
        push(
            &w.unlabelled(&sample.name, &copy)
                .map_err(|e| e.to_string())?,
        );
        push(&copy);
        count += 1;
    }
    push(&w.finish().map_err(|e| e.to_string())?);
    files::download_parts(&parts, FILE_NAME)?;
    Ok(count)
}

/// Open the project file `file` in place of the project here: checked whole first, so a
/// file that cannot be opened changes nothing. Its images go through the embedding queue
/// (an image that cannot be read is named, the rest load), then its model is checked by
/// the session like a loaded model file.
pub async fn open(jobs: &Rc<Jobs>, file: web_sys::File) -> Result<(), String> {
    let name = file.name();
    if file.size() > OPEN_LIMIT {
        return Err(format!(
            "{name} is larger than 1 GB; graft opens project files up to that"
        ));
    }
    let bytes = files::read(&file)
        .await
        .map_err(|e| format!("{name} {e}"))?;
    open_bytes(jobs, name, bytes).await
}

/// A project read from a project file or a preset, to go into an empty project.
pub struct Incoming {
    pub classes: Vec<String>,
    pub settings: Option<TrainConfig>,
    /// Its images, for the embedding queue.
    pub images: Vec<Pending>,
    /// Images that could not be read, and why.
    pub unread: Vec<(String, String)>,
    /// Its model file, and where it came from.
    pub model: Option<(String, Vec<u8>)>,
    /// Its further tasks: the class cards' task's name, each task's name and classes.
    pub tasks: Option<(String, crate::tasks::Named)>,
}

impl Incoming {
    /// Put it in the (empty) project: its classes and settings, those it could not read
    /// named, its images through the embedding queue, then its model, checked by the
    /// session like a loaded model file.
    pub fn put(self, jobs: &Rc<Jobs>) {
        if let Some(config) = self.settings {
            jobs.act(TeachAction::Train(TrainAction::SettingsRestored(config)));
        }
        jobs.act(TeachAction::Opened(self.classes));
        if let Some((first, tasks)) = self.tasks {
            jobs.act(TeachAction::Task(TaskAction::Adopt(Some(first), tasks)));
        }
        for (name, reason) in self.unread {
            jobs.act(TeachAction::NotAdded { name, reason });
        }
        jobs.enqueue(self.images, 0);
        if let Some((from, model)) = self.model {
            jobs.use_model(ModelFrom::File(from), Some(model));
        }
    }
}

/// Open the project file `bytes` (named `name`) in place of the project here, as `open`.
pub async fn open_bytes(jobs: &Rc<Jobs>, name: String, bytes: Vec<u8>) -> Result<(), String> {
    let opened = ProjectFile::open(&bytes).map_err(|e| format!("{name}: {e}"))?;
    let model = opened.model().map_err(|e| format!("{name}: {e}"))?;
    let (mut images, mut unread) = (Vec::new(), Vec::new());
    for class in &opened.manifest.classes {
        for image in &class.images {
            let marks = Marks {
                validation: image.validation,
                tasks: image.tasks.clone().into_iter().collect(),
            };
            match opened.image(&image.file) {
                Ok(data) => images.push(Pending::Opened(
                    ClassRef::Name(class.name.clone()),
                    image.name.clone(),
                    data,
                    marks,
                )),
                Err(reason) => unread.push((image.name.clone(), reason)),
            }
        }
    }
    for image in &opened.manifest.unlabelled {
        match opened.image(&image.file) {
            Ok(data) => images.push(Pending::Opened(
                ClassRef::Unlabelled,
                image.name.clone(),
                data,
                Marks::default(),
            )),
            Err(reason) => unread.push((image.name.clone(), reason)),
        }
    }
    let manifest = &opened.manifest;
    let incoming = Incoming {
        classes: manifest.classes.iter().map(|c| c.name.clone()).collect(),
        settings: manifest.settings.clone(),
        images,
        unread,
        model: model.map(|m| (name, m)),
        tasks: (!manifest.tasks.is_empty()).then(|| {
            let tasks = manifest
                .tasks
                .iter()
                .map(|t| (t.name.clone(), t.classes.clone()));
            (manifest.first_task.clone(), tasks.collect())
        }),
    };
    drop(opened);
    drop(bytes);
    jobs.saved
        .clear()
        .await
        .map_err(|e| format!("the project here could not be cleared: {e}"))?;
    jobs.use_model(ModelFrom::Page, None);
    jobs.act(TeachAction::NewProject);
    incoming.put(jobs);
    Ok(())
}
