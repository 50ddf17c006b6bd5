//! The session's protocol, one file: `Request`s in, `Event`s out. On the wire each message
//! is a JSON header (these enums, serde) and its bulk data as separate byte buffers, which a
//! worker's `postMessage` transfers instead of copying (`web::worker` does the wire). Every
//! variant says which buffers come with it.

use crate::backend::DeviceChoice;
use crate::project::{ClassRef, Project};
use crate::state::Loading;
use crate::state::suggestions::{Answer, why_none};
use crate::state::training::ModelSummary;
use crate::state::training::{Outcome, Progress};
use crate::train::{TrainConfig, TrainError};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// How a picture comes with a request, in buffer 0.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Picture {
    /// A file's bytes, as dropped or picked (untrusted).
    File,
    /// RGB pixels, 3 bytes each, row by row (a webcam frame).
    Pixels { width: u32, height: u32 },
}

/// One of the picked files sent together with `Request::EmbedFiles`: what `Embed` says of
/// a picture, and its length in the message's blob.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileToEmbed {
    pub id: u64,
    pub class: ClassRef,
    pub name: String,
    pub keep: bool,
    /// Bytes, as the page's `File.size` said.
    pub size: u64,
}

/// Where a model file sent with `Request::UseModel` came from, which says what the page
/// does with the answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ModelFrom {
    /// The project saved in this browser, being restored.
    Saved,
    /// A file the person loaded (its name).
    File(String),
    /// The page's own: its model told again to a restarted worker, or none (a new project).
    Page,
    /// Prototypes of the project's photos, made by the session (`Request::Prototypes`).
    Prototypes,
}

/// What the page asks of the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Request {
    /// Open the device (`device`: the page's `?device=`) and load the backbone: first, once.
    /// Answered by `Loading` events: `DeviceReady`, `ModelProgress`, then `ModelReady`, or
    /// a `StartupFailed` / `ModelFailed`.
    /// `store`: the database the project is kept in (`None`: nothing is kept).
    Start {
        device: DeviceChoice,
        store: Option<String>,
    },
    /// Add a picture to the project as sample `id` of `class`: queued, then `Embedded` or
    /// `NotEmbedded`, in the order asked. `keep`: save it in the store (not
    /// when the page keeps no project: storage unavailable, or the saved one unreadable).
    Embed {
        id: u64,
        class: ClassRef,
        name: String,
        picture: Picture,
        keep: bool,
    },
    /// Add picked files, as `Embed` adds a picture each (`Picture::File`), their bytes one
    /// blob sent with the message, each file's after the one before: the worker reads it
    /// once (a read of Chromium's a folder's few files, not one a file) and saves them in
    /// one write, answering each once all are saved.
    EmbedFiles { files: Vec<FileToEmbed> },
    /// Train on the project's images; buffer 0 their embeddings (f32, in `set`'s order).
    /// `Train` events as it goes, then `Trained` or a `Progress::Failed`.
    /// (Boxed: the largest request by far, and the rarest.)
    Train {
        set: Box<TrainSet>,
        config: TrainConfig,
    },
    /// Stop the run in progress (the previous model stays, or the best epoch so far).
    Stop,
    /// The model the preview uses from now on: buffer 0 its model file (untrusted: checked
    /// here); no buffer, none. Answered by `Model`.
    UseModel { from: ModelFrom },
    /// Classify a picture with the current model: `Predicted` or `PreviewFailed`, with its
    /// `id`; only the newest preview asked for is answered, and it is answered again
    /// whenever the model changes.
    Preview { id: u64, picture: Picture },
    /// ImageNet's five likeliest labels for a file (buffer 0): `Seen` or `SightFailed`.
    Look { name: String },
    /// One of the page's `?bench` measurements: `BenchDone`.
    Bench { bench: Bench },
    /// Before any model is trained: prototypes of `classes` from the images labelled
    /// `labels` (buffer 0 their embeddings, f32) answer the preview. Answered by `Model`
    /// (`ModelFrom::Prototypes`, no file back).
    Prototypes {
        classes: Vec<String>,
        labels: Vec<usize>,
    },
    /// Suggest classes for the Unlabelled tray's photos `ids` by label propagation from the
    /// labelled photos (`labels`, of `classes`): buffer 0 the labelled photos' embeddings
    /// then the tray's (f32). Answered by `Suggested`.
    Suggest {
        classes: Vec<String>,
        labels: Vec<usize>,
        ids: Vec<u64>,
    },
    /// The map of the labelled photos `ids` (of classes `classes`, class ids) and the ones
    /// that look mislabelled (`state::explore`): buffer 0 their embeddings (f32). Answered
    /// by `Explored`.
    Explore {
        classes: Vec<u32>,
        ids: Vec<u64>,
        /// Their content hashes and names: a fine-tuned model maps them by its features.
        #[serde(default)]
        hashes: Vec<String>,
        #[serde(default)]
        names: Vec<String>,
    },
    /// The model file in buffer 0 (untrusted: checked here) as an ONNX file and its model
    /// card dated `date` (`onnx`), or the card alone: `Exported`.
    Export { onnx: bool, date: String },
}

/// The page's benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Bench {
    /// The backbone: `iters` timed batches of `batch` after a warm-up.
    Backbone { batch: usize, iters: usize },
    /// A fresh head on 1 000 feature vectors (`?bench=train`).
    Train,
    /// A fine-tuning step for the last 1 and 2 blocks (`?bench=finetune`).
    Finetune,
}

/// Each image's embedding, shared with the project.
pub type Embeddings = Vec<Rc<Vec<f32>>>;

/// The project's images as a run needs them, in sample order (class by class).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainSet {
    /// The class names, and each image's class (an index into them).
    pub classes: Vec<String>,
    pub labels: Vec<usize>,
    pub ids: Vec<u64>,
    /// File names, for messages; content hashes, which seed each image's augmented views.
    pub names: Vec<String>,
    pub hashes: Vec<String>,
    /// Set aside on its card for validation.
    pub held_out: Vec<bool>,
    /// Photos of the Unlabelled tray whose embeddings follow the labelled ones': training
    /// labels those propagation is sure of (`train::propagation::pseudo_label`).
    /// Each such photo's id and content hash (which seeds its views).
    #[serde(default)]
    pub unlabelled: Vec<(u64, String)>,
    /// The project's further tasks (issue 18), each labelling some of the same images; and
    /// the class cards' task's name.
    #[serde(default)]
    pub tasks: Vec<TaskSet>,
    #[serde(default)]
    pub first_task: String,
}

/// One further task of a training set: its classes, and each image's class in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskSet {
    pub name: String,
    pub classes: Vec<String>,
    /// In the set's image order; `None` where the image has no class in this task.
    pub labels: Vec<Option<usize>>,
}

impl TrainSet {
    /// The project's set, and each image's embedding in the same order (shared, not
    /// copied), the tray's after (while it can make suggestions); why it cannot train (too
    /// few images).
    pub fn of(project: &Project) -> Result<(TrainSet, Embeddings), TrainError> {
        let (classes, labels) = project.labels()?;
        let samples = || project.classes.iter().flat_map(|c| c.samples.iter());
        let tray = match why_none(project) {
            None => project.unlabelled.samples.iter().collect(),
            Some(_) => Vec::new(),
        };
        let ids = project.sample_ids();
        let tasks = (project.tasks.others.iter())
            .map(|t| {
                let (classes, labels) = t.labels_of(&ids);
                TaskSet {
                    name: t.name.clone(),
                    classes,
                    labels,
                }
            })
            .collect();
        let set = TrainSet {
            classes,
            labels,
            tasks,
            first_task: project.tasks.first.clone(),
            ids,
            names: samples().map(|s| s.name.clone()).collect(),
            hashes: samples().map(|s| s.hash.clone()).collect(),
            held_out: project.held_out_mask(),
            unlabelled: tray.iter().map(|s| (s.id, s.hash.clone())).collect(),
        };
        let embeddings = samples().chain(tray).map(|s| s.embedding.clone());
        Ok((set, embeddings.collect()))
    }

    /// The name of image `i`.
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("an image", String::as_str)
    }
}

pub use crate::tasks::TaskProbs;

/// What the session tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// The session listens: sent once, when the worker has started.
    Ready,
    /// How opening the device and loading the backbone goes.
    Loading {
        loading: Loading,
    },
    /// Sample `id` is embedded and saved: buffer 0 its embedding (f32), buffer 1 its kept
    /// copy (JPEG, the thumbnail).
    Embedded {
        id: u64,
        class: ClassRef,
        name: String,
        hash: String,
    },
    /// A picture that was not added, and why (in words a person reads).
    NotEmbedded {
        id: u64,
        name: String,
        reason: String,
    },
    /// Something the person should know (the GPU was lost and the session went on on the CPU).
    Notice {
        message: String,
    },
    /// How the training run goes.
    Train {
        progress: Progress,
    },
    /// The run's model, which the preview uses from now on: buffer 0 its file.
    Trained {
        outcome: Outcome,
        model: ModelSummary,
    },
    /// The answer to `UseModel`: the model now used (`None`: none), with its file back in
    /// buffer 0 (not for `ModelFrom::Page`: the page kept it); or why the file cannot be
    /// used (the model in use stays).
    Model {
        from: ModelFrom,
        result: Result<Option<ModelSummary>, String>,
    },
    /// The preview `id`'s probabilities, `(class, p)` in the model's class order (empty:
    /// no model).
    Predicted {
        id: u64,
        probs: Vec<(String, f32)>,
        /// Where the model looks, for each class (`model::cam`); none without a model.
        #[serde(default)]
        looks: Option<crate::model::cam::ClassMaps>,
        /// A model of several tasks: each further task's name and `(class, p)`.
        #[serde(default)]
        tasks: Vec<TaskProbs>,
    },
    PreviewFailed {
        id: u64,
        message: String,
    },
    /// ImageNet's likeliest labels for a looked-at file.
    Seen {
        name: String,
        top: Vec<crate::inference::Guess>,
        ms: f64,
    },
    SightFailed {
        message: String,
    },
    /// A benchmark's JSON, or why it failed.
    BenchDone {
        result: Result<String, String>,
    },
    /// The answer to `Suggest`.
    Suggested {
        answer: Answer,
    },
    /// The answer to `Explore` (or why there is none).
    Explored {
        result: Result<crate::state::explore::Explored, String>,
    },
    /// The answer to `Export`: the model card (Markdown), with the ONNX file in buffer 0
    /// when it was asked for; or why not.
    Exported {
        onnx: bool,
        result: Result<String, String>,
    },
}

/// Little-endian f32s as bytes, for a buffer.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(values.len() * 4);
    push_f32_bytes(&mut bytes, values);
    bytes
}

/// Append little-endian f32s to a buffer (sized by the caller: `flat_map(..).collect()`
/// would grow it a byte at a time, without a size hint).
pub fn push_f32_bytes(bytes: &mut Vec<u8>, values: &[f32]) {
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
}

/// A buffer of little-endian f32s; `None` if its length is not a whole number of them.
pub fn f32s(bytes: &[u8]) -> Option<Vec<f32>> {
    bytes.len().is_multiple_of(4).then(|| {
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headers survive JSON both ways, and f32 buffers bit for bit.
    #[test]
    fn messages_survive_the_wire() {
        let request = Request::Embed {
            id: 7,
            class: ClassRef::Name("cats".into()),
            name: "a.jpg".into(),
            picture: Picture::Pixels {
                width: 2,
                height: 3,
            },
            keep: true,
        };
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), request);
        let event = Event::Train {
            progress: Progress::Fitting(2, 6),
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        let values = [1.5f32, -0.0, f32::MIN_POSITIVE, 3e38];
        assert_eq!(f32s(&f32_bytes(&values)).unwrap(), values);
        assert!(f32s(&[0; 3]).is_none());
    }
}
