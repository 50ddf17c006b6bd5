//! Every action on the teaching state: what the page, the session's events and the tests
//! hand `Teach::apply` (state/teach.rs).

use super::storage::StorageUse;
use super::suggestions::Answer;
use super::teach::{Prediction, Queue};
use super::training::{ModelSummary, TrainAction};
use crate::project::{ClassRef, Project, Sample};
use crate::thumb::Thumb;

pub enum TeachAction {
    /// The saved project (or a fresh one, saying why), shown while the backbone loads; its
    /// model, if it has one, comes with `SavedModel` once checked.
    Restored {
        project: Box<Project>,
        error: Option<String>,
        checking_model: bool,
    },
    /// The saved model, checked by the session (or why it cannot be used).
    SavedModel {
        model: Option<ModelSummary>,
        error: Option<String>,
    },
    AddClass,
    Rename(u32, String),
    DeleteClass(u32),
    Undo,
    SampleReady(ClassRef, Sample),
    /// Thumbnails of samples restored without one (`Teach::thumbs_wanted`).
    Thumbs(Vec<(u64, Thumb)>),
    /// Classes named after dropped or picked folders, made before their images arrive.
    EnsureClasses(Vec<String>),
    RemoveSample(u64),
    MoveSample(u64, u32),
    /// Set a sample aside for validation, or back.
    ToggleHeldOut(u64),
    /// Set a sample aside for validation (one an opened project file marks so), if it was
    /// added.
    SetAside(u64),
    /// A project file was opened: a new project of these classes, empty (its images follow
    /// through the embedding queue).
    Opened(Vec<String>),
    Queue(Option<Queue>),
    Notice(String),
    /// A file was not added (`name`, `reason`): grouped with others for the same reason.
    NotAdded {
        name: String,
        reason: String,
    },
    DismissNotices,
    Train(TrainAction),
    /// A model file was loaded: its classes that the project lacks are added, empty.
    ModelLoaded(ModelSummary),
    /// The prototypes now answering the preview before any model (`None`: none do).
    Prototypes(Option<ModelSummary>),
    /// The session's suggestions for the Unlabelled tray (`None`: none hold now).
    Suggested(Option<Answer>),
    /// The map of the photos: asked for, answered, a suspect kept (issue 18).
    Map(super::explore::MapAction),
    /// The project's further tasks (issue 18).
    Task(crate::tasks::TaskAction),
    /// Move every tray photo suggested at or above this confidence into its class.
    AcceptAbove(f32),
    Predicted(Box<Prediction>),
    PreviewFailed(String),
    Storage(Option<String>),
    StorageUse(StorageUse),
    /// The browser answered the request for persistent storage (`None`: it has no answer).
    PersistAsked(Option<bool>),
    NewProject,
    /// The session's worker stopped (`why`) and a new one started: what it was doing (the
    /// run, the pictures in flight) is lost, and the page says so.
    SessionStopped(String),
}
