//! A trained classifier as one ONNX file (opset 13): the input's scaling, the backbone (its
//! fine-tuned blocks from the model file), the head and the softmax, so that a program
//! given the resized and cropped pixels gets what graft's preview shows. docs/export.md.

use super::proto::{self, Attribute, Dim, Message};
use crate::classifier::Classifier;
use crate::data::preprocess::{MEAN, STD};
use crate::model::conv::same_padding;
use crate::model::head::HeadWeights;
use crate::model::keys::{self, BlockConvs, NamedConv};
use crate::model::weights::shaped;
use crate::model::{EfficientNetLite0Config, FEATURE_DIM, INPUT_SIZE, WeightFile, WeightsError};
use std::collections::HashMap;

/// The operator set the graph uses (Conv, Clip with min/max inputs, Gemm, Softmax on one
/// axis, GlobalAveragePool): ONNX Runtime and onnxruntime-web run every opset from 7 to 21.
pub const OPSET: i64 = 13;
/// ONNX IR version 8 (onnx 1.10+), which opset 13 needs at least 7 of.
const IR_VERSION: i64 = 8;
pub const INPUT: &str = "pixels";
pub const PROBABILITIES: &str = "probabilities";
pub const FEATURES: &str = "features";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "this model was trained on other backbone weights (sha256 {found}…) than these ({expected}…): export it where it was trained"
    )]
    OtherWeights { found: String, expected: String },
    #[error("the backbone weights: {0}")]
    Weights(#[from] WeightsError),
}

/// The graph being built: nodes in order, and the initializers (weights) they read.
#[derive(Default)]
struct Graph {
    nodes: Vec<Message>,
    initializers: Vec<Message>,
    made: usize,
}

impl Graph {
    fn constant(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        self.initializers
            .push(proto::float_tensor(name, dims, values));
        name.to_string()
    }

    /// A node of `op` on `inputs`; its output is named `out`, or after the node.
    fn op(&mut self, op: &str, inputs: &[&str], attrs: &[Attribute], out: Option<&str>) -> String {
        self.made += 1;
        let name = format!("{op}_{}", self.made);
        let output = out.map_or_else(|| name.clone(), str::to_string);
        self.nodes
            .push(proto::node(op, &name, inputs, &[&output], attrs));
        output
    }
}

/// Where each convolution's weights come from: the model's tuned tail where it has one,
/// else the backbone.
struct Weights<'a> {
    backbone: &'a WeightFile,
    tuned: HashMap<String, (Vec<usize>, &'a [f32])>,
}

impl Weights<'_> {
    fn get(&self, name: &str, shape: &[usize]) -> Result<&[f32], WeightsError> {
        match self.tuned.get(name) {
            Some((found, values)) => shaped(name, shape, (found, values)),
            None => self.backbone.values(name, shape),
        }
    }
}

/// A folded convolution with TF "SAME" padding on a `size` x `size` input (`same_padding`:
/// the odd pixel after), then ReLU6 unless it is a block's linear projection.
fn conv(
    g: &mut Graph,
    w: &Weights,
    x: &str,
    c: &NamedConv,
    size: usize,
    relu6: bool,
) -> Result<(String, usize), WeightsError> {
    let (weight, w_shape) = c.weight();
    let (bias, b_shape) = c.bias();
    let weight = g.constant(&weight, &w_shape, w.get(&weight, &w_shape)?);
    let bias = g.constant(&bias, &b_shape, w.get(&bias, &b_shape)?);
    let (k, s) = (c.config.kernel, c.config.stride);
    let (before, after) = same_padding(size, k, s);
    let (before, after) = (before as i64, after as i64);
    let attrs = [
        Attribute::Ints("kernel_shape", vec![k as i64; 2]),
        Attribute::Ints("strides", vec![s as i64; 2]),
        Attribute::Ints("pads", vec![before, before, after, after]),
        Attribute::Ints("dilations", vec![1, 1]),
        Attribute::Int("group", c.config.groups as i64),
    ];
    let y = g.op("Conv", &[x, &weight, &bias], &attrs, None);
    let y = if relu6 {
        g.op("Clip", &[&y, "zero", "six"], &[], None)
    } else {
        y
    };
    Ok((y, size.div_ceil(s)))
}

/// The whole classifier as an ONNX model's bytes. `backbone` must be the weights `model`
/// was trained on.
pub fn to_onnx(backbone: &WeightFile, model: &Classifier) -> Result<Vec<u8>, ExportError> {
    if model.meta.backbone_weights_sha256 != backbone.id() {
        return Err(ExportError::OtherWeights {
            found: model
                .meta
                .backbone_weights_sha256
                .chars()
                .take(12)
                .collect(),
            expected: backbone.id().chars().take(12).collect(),
        });
    }
    let tuned = model.tail.as_ref().map(|t| t.named()).unwrap_or_default();
    let w = Weights {
        backbone,
        tuned: tuned.into_iter().map(|(n, s, v)| (n, (s, v))).collect(),
    };
    let cfg = EfficientNetLite0Config::default();
    let mut g = Graph::default();
    g.constant("zero", &[], &[0.0]);
    g.constant("six", &[], &[6.0]);
    // (pixels - 127) / 128: data::preprocess's scaling, inside the graph.
    let mean = g.constant("mean", &[], &[MEAN]);
    let std = g.constant("std", &[], &[STD]);
    let x = g.op("Sub", &[INPUT, &mean], &[], None);
    let x = g.op("Div", &[&x, &std], &[], None);
    let (mut x, mut size) = conv(&mut g, &w, &x, &keys::stem(&cfg), INPUT_SIZE, true)?;
    for (i, block) in cfg.blocks().iter().enumerate() {
        let convs = BlockConvs::of(i, block);
        let input = x.clone();
        let mut h = x;
        if let Some(expand) = &convs.expand {
            h = conv(&mut g, &w, &h, expand, size, true)?.0;
        }
        let (h, out_size) = conv(&mut g, &w, &h, &convs.depthwise, size, true)?;
        let (h, _) = conv(&mut g, &w, &h, &convs.project, out_size, false)?;
        x = if block.residual() {
            g.op("Add", &[&h, &input], &[], None)
        } else {
            h
        };
        size = out_size;
    }
    let (x, _) = conv(&mut g, &w, &x, &keys::head(&cfg), size, true)?;
    let x = g.op("GlobalAveragePool", &[&x], &[], None);
    let x = g.op(
        "Flatten",
        &[&x],
        &[Attribute::Int("axis", 1)],
        Some(FEATURES),
    );
    head(&mut g, &x, &model.head, "", PROBABILITIES);
    // A model of several tasks: each further task's head on the same features.
    for (t, other) in model.other_heads.iter().enumerate() {
        head(
            &mut g,
            &x,
            other,
            &format!("task.{}.", t + 1),
            &task_output(t + 1),
        );
    }
    Ok(encode(g, model))
}

/// The output of task `t` (the first task's is `probabilities`).
pub fn task_output(t: usize) -> String {
    match t {
        0 => PROBABILITIES.to_string(),
        t => format!("{PROBABILITIES}.{t}"),
    }
}

/// A head on `features` and its softmax, named `out`; its weights named `{prefix}layers.*`.
fn head(g: &mut Graph, features: &str, head: &HeadWeights, prefix: &str, out: &str) {
    let mut x = features.to_string();
    if head.normalize {
        // A prototype head scores cosines: the features' direction only.
        let l2 = [Attribute::Int("axis", 1), Attribute::Int("p", 2)];
        x = g.op("LpNormalization", &[&x], &l2, None);
    }
    for (i, layer) in head.layers.iter().enumerate() {
        let weight = g.constant(
            &format!("{prefix}layers.{i}.weight"),
            &[layer.inputs, layer.outputs],
            &layer.weight,
        );
        let bias = g.constant(
            &format!("{prefix}layers.{i}.bias"),
            &[layer.outputs],
            &layer.bias,
        );
        x = g.op("Gemm", &[&x, &weight, &bias], &[], None);
        if i + 1 < head.layers.len() {
            x = g.op("Relu", &[&x], &[], None);
        }
    }
    let softmax = [Attribute::Int("axis", 1)];
    g.op("Softmax", &[&x], &softmax, Some(out));
}

/// The model around the graph: inputs, outputs, opset and metadata.
fn encode(g: Graph, model: &Classifier) -> Vec<u8> {
    let classes = model.head.classes();
    let mut graph = Message::default();
    for node in &g.nodes {
        graph.message(1, node);
    }
    graph.string(2, "graft classifier");
    for init in &g.initializers {
        graph.message(5, init);
    }
    let batch = Dim::Named("N");
    let image = [
        batch,
        Dim::Fixed(3),
        Dim::Fixed(INPUT_SIZE),
        Dim::Fixed(INPUT_SIZE),
    ];
    graph.message(11, &proto::float_value(INPUT, &image));
    let probabilities = [Dim::Named("N"), Dim::Fixed(classes)];
    graph.message(12, &proto::float_value(PROBABILITIES, &probabilities));
    for (t, other) in model.other_heads.iter().enumerate() {
        let probabilities = [Dim::Named("N"), Dim::Fixed(other.classes())];
        graph.message(12, &proto::float_value(&task_output(t + 1), &probabilities));
    }
    let features = [Dim::Named("N"), Dim::Fixed(FEATURE_DIM)];
    graph.message(12, &proto::float_value(FEATURES, &features));

    let mut m = Message::default();
    m.int(1, IR_VERSION)
        .string(2, "graft")
        .string(3, env!("CARGO_PKG_VERSION"))
        .string(6, DOC);
    m.message(7, &graph);
    let mut opset = Message::default();
    opset.string(1, "").int(2, OPSET);
    m.message(8, &opset);
    for (key, value) in metadata(model) {
        let mut entry = Message::default();
        entry.string(1, key).string(2, &value);
        m.message(14, &entry);
    }
    m.into_bytes()
}

const DOC: &str = "A graft image classifier. Input `pixels`: float32 [N, 3, 224, 224], RGB, 0-255, \
    the photo resized so its shorter side is 256 (bilinear, half-pixel centres, no \
    antialiasing) and centre-cropped to 224 (docs/export.md). Outputs: `probabilities` \
    [N, classes] in the order of the `classes` metadata, and `features` [N, 1280]; a model of \
    several tasks adds `probabilities.1`, ... (the `tasks` metadata names each task's output).";

/// `metadata_props`: the class names, the preprocessing, graft's version and the model
/// file's own record (`graft_model`), each a string (JSON where structured).
fn metadata(model: &Classifier) -> Vec<(&'static str, String)> {
    let json = |v: serde_json::Result<String>| v.unwrap_or_default();
    let mut tasks = Vec::new();
    if let Some(first) = &model.meta.task {
        let others = (model.meta.other_tasks.iter()).map(|t| (&t.name, &t.classes));
        let all = std::iter::once((first, &model.meta.classes)).chain(others);
        let list: Vec<serde_json::Value> = (all.enumerate())
            .map(|(t, (name, classes))| {
                serde_json::json!({ "name": name, "classes": classes, "output": task_output(t) })
            })
            .collect();
        tasks.push(("tasks", json(serde_json::to_string(&list))));
    }
    let mut props = vec![
        ("classes", json(serde_json::to_string(&model.meta.classes))),
        (
            "preprocessing",
            json(serde_json::to_string(&model.meta.preprocessing)),
        ),
        ("graft_version", env!("CARGO_PKG_VERSION").into()),
        ("graft_model", json(serde_json::to_string(&model.meta))),
    ];
    props.extend(tasks);
    props
}
