//! The training part of the teaching state: the settings (and values refused at their
//! field), the run's per-epoch history, and its outcome with the validation report.

use crate::train::settings::Settings;
use crate::train::{EpochStats, Evaluation, TrainConfig};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// The held-out images' verdicts: `evaluation`'s i-th image is sample `samples[i]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub names: Vec<String>,
    pub evaluation: Evaluation,
    pub samples: Vec<u64>,
    /// Cross-validated over this many folds (each image predicted by a head that did not
    /// train on it); 0: held-out images.
    pub folds: usize,
}

/// How an L-BFGS fit went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    /// The final head's iterations, and fits in all (folds and the final head).
    pub iterations: usize,
    pub fits: usize,
    pub folds: usize,
    /// The final head also trained on the measured images (see `LinearOutcome`).
    pub refitted: bool,
    pub converged: bool,
    pub objective: f64,
}

/// What the page knows of the model in use; the session holds the model itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// The sha256 of its file: one model, one key.
    pub key: String,
    pub classes: Vec<String>,
    /// The backbone's last blocks it fine-tuned (0: none).
    pub tuned_blocks: usize,
    /// A model of several tasks: the first task's name, and each further task's name and
    /// classes.
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub tasks: Vec<(String, Vec<String>)>,
}

/// How a finished (or stopped) run went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub history: Vec<EpochStats>,
    /// Epochs run, and the one whose weights were kept (lowest validation loss).
    pub epochs: usize,
    pub best_epoch: usize,
    pub ms: f64,
    /// Training rows per epoch (images and their augmented views) and images held out.
    pub rows: usize,
    pub held_out: usize,
    /// Stopped by the person, or by early stopping.
    pub stopped: bool,
    pub early: bool,
    pub report: Option<Rc<Report>>,
    /// What the person should know about the run (the GPU was lost and it went on on the CPU).
    pub notice: Option<String>,
    /// L-BFGS runs: how the fit went (no epochs or history then).
    pub fit: Option<FitSummary>,
    /// Prototypes (nothing trained): their softmax temperature.
    pub temperature: Option<f32>,
    /// Method Auto: what it tried, in order, and which it kept (`train::auto`).
    #[serde(default)]
    pub auto: Vec<crate::train::auto::Tried>,
    /// The project's further tasks: how each one's head did (issue 18).
    #[serde(default)]
    pub tasks: Vec<TaskFigure>,
}

/// A further task's head after a run: the photos it trained on and its validation accuracy
/// (cross-validated over `folds`, or on a share), or why it was not trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskFigure {
    pub name: String,
    pub photos: usize,
    pub accuracy: Option<f32>,
    pub folds: usize,
    pub skipped: Option<String>,
}

impl TaskFigure {
    pub fn skipped(name: &str, why: &str) -> Self {
        Self {
            name: name.into(),
            photos: 0,
            accuracy: None,
            folds: 0,
            skipped: Some(why.into()),
        }
    }
}

impl Outcome {
    pub fn kept(&self) -> Option<&EpochStats> {
        self.history.iter().find(|s| s.epoch == self.best_epoch)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Training {
    Idle,
    /// Embedding augmented views of the training images, before the first epoch.
    Preparing {
        done: usize,
        total: usize,
    },
    /// L-BFGS: fits done of the folds and the final head.
    Fitting {
        done: usize,
        total: usize,
        notice: Option<String>,
    },
    Running {
        epochs: usize,
        history: Vec<EpochStats>,
        notice: Option<String>,
    },
    Done(Outcome),
    Failed(String),
}

/// How a run goes, as the session reports it (`session::Event::Train`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Progress {
    /// Images whose rows (cut activations, views) are made, of those that need them.
    Preparing(usize, usize),
    /// Adam: the run starts, for this many epochs.
    Started(usize),
    /// L-BFGS fits done and planned.
    Fitting(usize, usize),
    /// Epochs finished since the last report (the page is told every ~50 ms, not per epoch).
    Epochs(Vec<EpochStats>),
    /// Something the person should know while the run goes on.
    Notice(String),
    Failed(String),
}

pub enum TrainAction {
    Progress(Progress),
    Trained(Box<(ModelSummary, Outcome)>),
    /// A field's text as typed: taken if it is in range, otherwise refused at the field.
    Setting(String, String),
    ResetSettings,
    SettingsRestored(TrainConfig),
}

/// The parts of the teaching state a training action changes.
pub struct TrainingState<'a> {
    pub training: &'a mut Training,
    pub settings: &'a mut Settings,
    pub model: &'a mut Option<ModelSummary>,
}

impl TrainAction {
    /// Apply to the teaching state's training parts.
    pub fn apply(self, to: TrainingState) {
        let TrainingState {
            training,
            settings,
            model: in_use,
        } = to;
        match self {
            TrainAction::Progress(p) => p.apply(training),
            TrainAction::Trained(trained) => {
                let (model, outcome) = *trained;
                *in_use = Some(model);
                *training = Training::Done(outcome);
            }
            TrainAction::Setting(key, text) => settings.enter(&key, &text),
            TrainAction::ResetSettings => *settings = Settings::default(),
            TrainAction::SettingsRestored(config) => *settings = Settings::restored(&config),
        }
    }
}

impl Progress {
    fn apply(self, training: &mut Training) {
        match self {
            Progress::Preparing(done, total) => *training = Training::Preparing { done, total },
            Progress::Started(epochs) => {
                *training = Training::Running {
                    epochs,
                    history: Vec::new(),
                    notice: None,
                }
            }
            Progress::Fitting(done, total) => {
                let notice = match training {
                    Training::Fitting { notice, .. } => notice.take(),
                    _ => None,
                };
                *training = Training::Fitting {
                    done,
                    total,
                    notice,
                }
            }
            Progress::Notice(text) => match training {
                Training::Running { notice, .. } | Training::Fitting { notice, .. } => {
                    *notice = Some(text)
                }
                _ => {}
            },
            Progress::Epochs(stats) => {
                if let Training::Running { history, .. } = &mut *training {
                    history.extend(stats);
                }
            }
            Progress::Failed(m) => *training = Training::Failed(m),
        }
    }
}
