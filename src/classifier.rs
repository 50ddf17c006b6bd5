//! A trained classifier and its file: safetensors head weights (and, when blocks were
//! fine-tuned, those blocks' weights) plus JSON metadata.
//!
//! The same file is written and read by the page and by `graft train` / `graft predict`
//! (format documented in docs/model-format.md). Files come from users: every field is
//! checked and every failure is a `ModelFileError` saying what is wrong.

use crate::data::preprocess::{MEAN, RESIZE_SHORT_SIDE, STD};
use crate::inference::softmax_row;
use crate::model::batchnorm::{Adaptation, AdaptedConv};
use crate::model::head::HeadWeights;
use crate::model::keys;
use crate::model::tail::{MAX_TUNED_BLOCKS, TailConfig, TailWeights};
use crate::model::weights::BACKBONE_ID;
use crate::model::{EfficientNetLite0Config, INPUT_SIZE};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const MODEL_FORMAT: &str = "graft-model/1";
/// The most classes a project may have (issue 4).
pub const MAX_CLASSES: usize = 50;
/// Hidden units accepted from a file; larger heads are not something graft makes.
pub const MAX_HIDDEN: usize = 4096;

/// The JSON in the file's `graft` metadata entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format: String,
    /// `efficientnet-lite0/imagenet` and the sha256 of the backbone weight file's tensor data
    /// (`WeightFile::id`): a head only makes sense on the exact features it was trained on.
    pub backbone: String,
    pub backbone_weights_sha256: String,
    pub preprocessing: Preprocessing,
    pub classes: Vec<String>,
    pub hidden: usize,
    /// The backbone's last blocks this model fine-tuned (0: it uses the backbone as it is);
    /// their weights are the file's `tail.*` tensors.
    #[serde(default)]
    pub tuned_blocks: usize,
    /// The backbone's BatchNorm statistics were measured again on the training photos
    /// (AdaBN, `adapt`): the file's `adapt.{conv}.{scale,shift}` tensors re-fold every
    /// convolution, and the features come from the adapted backbone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adapted_batchnorm: bool,
    /// The head reads L2-normalised features: a prototype head (`train::prototypes`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub normalized_features: bool,
    /// How it was trained (free-form, for people reading the file).
    #[serde(default)]
    pub training: serde_json::Value,
    /// The first task's name, in a model of several tasks (`other_tasks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The model's other tasks on the same features: each its classes and head.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_tasks: Vec<TaskMeta>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    pub resize_short_side: usize,
    pub center_crop: usize,
    pub mean: f32,
    pub std: f32,
    pub channels: String,
}

impl Preprocessing {
    /// What `data::backbone_input` does.
    pub fn graft() -> Self {
        Self {
            resize_short_side: RESIZE_SHORT_SIDE,
            center_crop: INPUT_SIZE,
            mean: MEAN,
            std: STD,
            channels: "RGB".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Classifier {
    pub meta: ModelMeta,
    pub head: HeadWeights,
    pub tail: Option<TailWeights>,
    /// The adaptation of the backbone it was trained on (`meta.adapted_batchnorm`).
    pub adaptation: Option<Adaptation>,
    /// The heads of `meta.other_tasks`, in that order.
    pub other_heads: Vec<HeadWeights>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelFileError {
    #[error("this is not a graft model file ({0})")]
    NotAModel(String),
    #[error("this model file is version '{0}'; this graft reads {MODEL_FORMAT}")]
    Version(String),
    #[error("this model was made for another backbone ({0}); graft uses {BACKBONE_ID}")]
    OtherBackbone(String),
    #[error(
        "this model was trained on different backbone weights (sha256 {found}…, expected {expected}…)"
    )]
    OtherWeights { found: String, expected: String },
    #[error("the model file is damaged: {0}")]
    Damaged(String),
}

impl Classifier {
    pub fn new(
        classes: Vec<String>,
        head: HeadWeights,
        backbone_weights_sha256: &str,
        training: serde_json::Value,
    ) -> Self {
        Self {
            meta: ModelMeta {
                format: MODEL_FORMAT.into(),
                backbone: BACKBONE_ID.into(),
                backbone_weights_sha256: backbone_weights_sha256.into(),
                preprocessing: Preprocessing::graft(),
                hidden: head.hidden(),
                tuned_blocks: 0,
                adapted_batchnorm: false,
                normalized_features: head.normalize,
                classes,
                training,
                task: None,
                other_tasks: Vec::new(),
            },
            head,
            tail: None,
            adaptation: None,
            other_heads: Vec::new(),
        }
    }

    /// The same classifier with the backbone blocks it fine-tuned.
    pub fn with_tail(mut self, tail: Option<TailWeights>) -> Self {
        self.meta.tuned_blocks = tail.as_ref().map_or(0, |t| t.config.blocks);
        self.tail = tail;
        self
    }

    /// The same classifier on a backbone adapted to its photos (AdaBN), or not.
    pub fn with_adaptation(mut self, adaptation: Option<Adaptation>) -> Self {
        self.meta.adapted_batchnorm = adaptation.is_some();
        self.adaptation = adaptation;
        self
    }

    /// Class probabilities for one 1280-d feature vector, in `meta.classes` order. For a
    /// fine-tuned model the features must come through its tail (`inference::Backbone::features_through`).
    pub fn probs(&self, features: &[f32]) -> Vec<f32> {
        softmax_row(&self.head.logits(features))
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelFileError> {
        let mut bytes: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        let heads = tasks::head_tensors("", &self.head)
            .into_iter()
            .chain(tasks::other_tensors(&self.other_heads));
        for (name, shape, values) in heads {
            let le: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
            bytes.push((name, shape, le));
        }
        for (name, shape, values) in self.tail.iter().flat_map(TailWeights::named) {
            let le: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
            bytes.push((format!("tail.{name}"), shape, le));
        }
        for conv in self.adaptation.iter().flat_map(|a| &a.convs) {
            let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
            let shape = vec![conv.scale.len()];
            bytes.push((
                format!("adapt.{}.scale", conv.name),
                shape.clone(),
                le(&conv.scale),
            ));
            bytes.push((format!("adapt.{}.shift", conv.name), shape, le(&conv.shift)));
        }
        let views = bytes
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| ModelFileError::Damaged(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let json = serde_json::to_string(&self.meta)
            .map_err(|e| ModelFileError::Damaged(e.to_string()))?;
        let metadata = HashMap::from([
            ("format".to_string(), MODEL_FORMAT.to_string()),
            ("graft".to_string(), json),
        ]);
        safetensors::serialize(views, Some(metadata))
            .map_err(|e| ModelFileError::Damaged(e.to_string()))
    }

    /// Read and check a model file. `backbone_weights_sha256` is the weights this graft runs.
    pub fn from_bytes(bytes: &[u8], backbone_weights_sha256: &str) -> Result<Self, ModelFileError> {
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| {
            if looks_like_model_header(bytes) {
                ModelFileError::Damaged(format!("it is truncated or corrupt ({e})"))
            } else {
                ModelFileError::NotAModel(e.to_string())
            }
        })?;
        let entries = header.metadata().clone().unwrap_or_default();
        let format = entries
            .get("format")
            .ok_or_else(|| ModelFileError::NotAModel("no graft metadata".into()))?;
        if format != MODEL_FORMAT {
            return Err(if format.starts_with("graft-model/") {
                ModelFileError::Version(format.clone())
            } else {
                ModelFileError::NotAModel(format!("it says it is '{format}'"))
            });
        }
        let meta: ModelMeta = entries
            .get("graft")
            .ok_or_else(|| ModelFileError::Damaged("the 'graft' metadata is missing".into()))
            .and_then(|j| {
                serde_json::from_str(j).map_err(|e| ModelFileError::Damaged(e.to_string()))
            })?;
        if meta.backbone != BACKBONE_ID {
            return Err(ModelFileError::OtherBackbone(meta.backbone));
        }
        if meta.backbone_weights_sha256 != backbone_weights_sha256 {
            let short = |s: &str| s.chars().take(12).collect::<String>();
            return Err(ModelFileError::OtherWeights {
                found: short(&meta.backbone_weights_sha256),
                expected: short(backbone_weights_sha256),
            });
        }
        if meta.preprocessing != Preprocessing::graft() {
            return Err(ModelFileError::Damaged(
                "it asks for preprocessing graft does not do".into(),
            ));
        }
        check_class_names(&meta.classes).map_err(ModelFileError::Damaged)?;
        let file =
            SafeTensors::deserialize(bytes).map_err(|e| ModelFileError::Damaged(e.to_string()))?;
        let (classes, normalize) = (meta.classes.len(), meta.normalized_features);
        let head = tasks::read_head(&file, "", classes, meta.hidden, normalize)?;
        let other_heads = tasks::read_others(&file, meta.task.as_deref(), &meta.other_tasks)?;
        let tail = match meta.tuned_blocks {
            0 => None,
            k => {
                let config = TailConfig::new(k).ok_or_else(|| {
                    ModelFileError::Damaged(format!(
                        "{k} fine-tuned blocks (at most {MAX_TUNED_BLOCKS})"
                    ))
                })?;
                let mut flat = Vec::new();
                for (name, shape) in config.tensors() {
                    flat.extend(tensor(&file, &format!("tail.{name}"), &shape)?);
                }
                Some(TailWeights::from_flat(config, flat).ok_or_else(|| {
                    ModelFileError::Damaged("the tuned blocks are incomplete".into())
                })?)
            }
        };
        let adaptation = match meta.adapted_batchnorm {
            false => None,
            true => {
                let mut convs = Vec::new();
                for conv in keys::all(&EfficientNetLite0Config::default()) {
                    let shape = [conv.config.channels_out];
                    let scale = tensor(&file, &format!("adapt.{}.scale", conv.name), &shape)?;
                    let shift = tensor(&file, &format!("adapt.{}.shift", conv.name), &shape)?;
                    convs.push(AdaptedConv {
                        name: conv.name,
                        scale,
                        shift,
                    });
                }
                Some(Adaptation { convs })
            }
        };
        let expected = (std::iter::once(&head).chain(&other_heads))
            .map(|h| 2 * h.layers.len())
            .sum::<usize>()
            + tail.as_ref().map_or(0, |t| t.config.tensors().len())
            + adaptation.as_ref().map_or(0, |a| 2 * a.convs.len());
        if file.len() != expected {
            return Err(ModelFileError::Damaged(format!(
                "{} tensors, expected {expected}",
                file.len(),
            )));
        }
        Ok(Self {
            meta,
            head,
            tail,
            adaptation,
            other_heads,
        })
    }
}

/// Class names a project or file may have: 2 to 50, each non-empty and distinct.
pub fn check_class_names(classes: &[String]) -> Result<(), String> {
    if !(2..=MAX_CLASSES).contains(&classes.len()) {
        return Err(format!(
            "{} classes (a model has 2 to {MAX_CLASSES})",
            classes.len()
        ));
    }
    for (i, name) in classes.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(format!("class {} has no name", i + 1));
        }
        if classes[..i].contains(name) {
            return Err(format!("class name '{name}' appears twice"));
        }
    }
    Ok(())
}

/// Whether the safetensors header (8-byte length, then JSON) names graft's model format, so a
/// cut-off download is called damaged rather than "not a model".
fn looks_like_model_header(bytes: &[u8]) -> bool {
    let Some(len) = bytes.get(..8) else {
        return false;
    };
    let len = u64::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
    let header = &bytes[8..bytes.len().min(8usize.saturating_add(len))];
    header.windows(12).any(|w| w == b"graft-model/")
}

fn tensor(file: &SafeTensors, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelFileError> {
    let view = file
        .tensor(name)
        .map_err(|_| ModelFileError::Damaged(format!("tensor '{name}' is missing")))?;
    if view.dtype() != Dtype::F32 || view.shape() != shape {
        return Err(ModelFileError::Damaged(format!(
            "tensor '{name}' is {:?} {:?}, expected F32 {shape:?}",
            view.dtype(),
            view.shape()
        )));
    }
    let values: Vec<f32> = view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(ModelFileError::Damaged(format!(
            "tensor '{name}' holds NaN or infinite values"
        )));
    }
    Ok(values)
}

#[path = "classifier_tasks.rs"]
mod tasks;
pub use tasks::{MAX_TASKS, TaskAnswer, TaskMeta};

#[cfg(test)]
#[path = "classifier_tests.rs"]
mod tests;
