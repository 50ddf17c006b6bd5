//! The training part of the teaching state: the settings (and values refused at their
//! field), the run's per-epoch history, and its outcome with the validation report.

use super::teach_state::Teach;
use crate::classifier::Classifier;
use crate::train::settings::Settings;
use crate::train::{EpochStats, Evaluation, TrainConfig};
use std::rc::Rc;

/// The held-out images' verdicts: `evaluation`'s i-th image is sample `samples[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub names: Vec<String>,
    pub evaluation: Evaluation,
    pub samples: Vec<u64>,
}

/// How a finished (or stopped) run went.
#[derive(Clone, Debug, PartialEq)]
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
    Running {
        epochs: usize,
        history: Vec<EpochStats>,
        notice: Option<String>,
    },
    Done(Outcome),
    Failed(String),
}

pub enum TrainAction {
    Preparing(usize, usize),
    Started(usize),
    /// Epochs finished since the last report (the page is told every ~50 ms, not per epoch).
    Epochs(Vec<EpochStats>),
    /// Something the person should know while the run goes on.
    Notice(String),
    Trained(Rc<Classifier>, Outcome),
    Failed(String),
    /// A field's text as typed: taken if it is in range, otherwise refused at the field.
    Setting(String, String),
    ResetSettings,
    SettingsRestored(TrainConfig),
}

impl Teach {
    pub(super) fn apply_train(&mut self, action: TrainAction) {
        match action {
            TrainAction::Preparing(done, total) => {
                self.training = Training::Preparing { done, total }
            }
            TrainAction::Started(epochs) => {
                self.training = Training::Running {
                    epochs,
                    history: Vec::new(),
                    notice: None,
                }
            }
            TrainAction::Notice(text) => {
                if let Training::Running { notice, .. } = &mut self.training {
                    *notice = Some(text);
                }
            }
            TrainAction::Epochs(stats) => {
                if let Training::Running { history, .. } = &mut self.training {
                    history.extend(stats);
                }
            }
            TrainAction::Trained(classifier, outcome) => {
                self.classifier = Some(classifier);
                self.training = Training::Done(outcome);
            }
            TrainAction::Failed(m) => self.training = Training::Failed(m),
            TrainAction::Setting(key, text) => self.settings.enter(&key, &text),
            TrainAction::ResetSettings => self.settings = Settings::default(),
            TrainAction::SettingsRestored(config) => self.settings = Settings::restored(&config),
        }
    }
}
