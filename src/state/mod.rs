//! The app's state and the one reducer that changes it: plain Rust, which the page's Yew
//! components draw (src/ui/) and the native tests reduce (`tests.rs`). Tensors never live
//! here.

pub mod explore;
pub mod notices;
pub mod storage;
pub mod suggestions;
pub mod teach;
mod teach_action;
pub mod training;
pub mod uploads;

use crate::backend::DeviceInfo;
use crate::backend::selftest::SelfTestReport;
use crate::inference::Guess;
use serde::{Deserialize, Serialize};
use teach::{Teach, TeachAction};

/// How start-up goes, as the session reports it (`session::Event::Loading`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Loading {
    /// A device is open and passed its self-test (again after a move to the CPU).
    DeviceReady {
        info: DeviceInfo,
        report: SelfTestReport,
    },
    /// No device could be opened; `hint` says what to try.
    StartupFailed {
        message: String,
        hint: String,
    },
    /// Bytes of the weights downloaded so far.
    ModelProgress {
        loaded: u64,
        total: Option<u64>,
    },
    /// The backbone is loaded; `weights_id` is what model files must have been trained on.
    ModelReady {
        from_cache: bool,
        load_ms: f64,
        weights_id: String,
    },
    ModelFailed {
        message: String,
    },
}

/// Where the compute device is in its start-up.
#[derive(Clone, Debug, PartialEq)]
pub enum Startup {
    Starting,
    Ready {
        info: DeviceInfo,
        report: SelfTestReport,
    },
    /// Start-up failed; `hint` tells the user what to do about it.
    Failed {
        message: String,
        hint: String,
    },
}

/// The backbone's weights: waiting for the device, downloading, ready or failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelStatus {
    Waiting,
    Downloading { loaded: u64, total: Option<u64> },
    Ready { from_cache: bool, load_ms: f64 },
    Failed(String),
}

/// What the backbone made of one photo.
#[derive(Clone, Debug, PartialEq)]
pub struct Sight {
    pub file_name: String,
    /// An object URL of the photo, for the thumbnail.
    pub thumbnail: String,
    pub top: Vec<Guess>,
    /// Decode + preprocess + forward pass, in milliseconds.
    pub ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub startup: Startup,
    pub model: ModelStatus,
    pub sight: Option<Sight>,
    /// A message about the last photo that could not be used, naming the file.
    pub sight_error: Option<String>,
    pub looking: bool,
    /// The benchmark's JSON, when the page was opened with `?bench`.
    pub bench: Option<Result<String, String>>,
    pub teach: Teach,
}

impl Default for State {
    fn default() -> Self {
        Self {
            startup: Startup::Starting,
            model: ModelStatus::Waiting,
            sight: None,
            sight_error: None,
            looking: false,
            bench: None,
            teach: Teach::default(),
        }
    }
}

pub enum Action {
    Loading(Loading),
    Looking,
    Seen(Sight),
    SightFailed(String),
    BenchDone(Result<String, String>),
    Teach(TeachAction),
}

/// Yew's hook into the reducer (the page only; `reduced` is plain Rust, tested natively).
#[cfg(target_arch = "wasm32")]
impl yew::Reducible for State {
    type Action = Action;

    fn reduce(self: std::rc::Rc<Self>, action: Action) -> std::rc::Rc<Self> {
        std::rc::Rc::new(self.reduced(action))
    }
}

impl State {
    /// The state after `action`: actions in, state out, nothing else touched.
    pub fn reduced(&self, action: Action) -> State {
        let mut next = self.clone();
        match action {
            Action::Loading(Loading::DeviceReady { info, report }) => {
                next.startup = Startup::Ready { info, report }
            }
            Action::Loading(Loading::StartupFailed { message, hint }) => {
                next.startup = Startup::Failed { message, hint }
            }
            Action::Loading(Loading::ModelProgress { loaded, total }) => {
                next.model = ModelStatus::Downloading { loaded, total }
            }
            Action::Loading(Loading::ModelReady {
                from_cache,
                load_ms,
                ..
            }) => {
                next.model = ModelStatus::Ready {
                    from_cache,
                    load_ms,
                }
            }
            Action::Loading(Loading::ModelFailed { message }) => {
                next.model = ModelStatus::Failed(message)
            }
            Action::Looking => {
                next.looking = true;
                next.sight_error = None;
            }
            Action::Seen(sight) => {
                next.looking = false;
                next.sight = Some(sight);
            }
            Action::SightFailed(message) => {
                next.looking = false;
                next.sight_error = Some(message);
            }
            Action::BenchDone(result) => next.bench = Some(result),
            Action::Teach(action) => next.teach.apply(action),
        }
        next
    }
}

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod restore_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tray_tests;
