//! Exports of a trained classifier for other programs: ONNX (`onnx`), written by graft's
//! own protobuf encoder (`proto`), and the model card beside it (`card`).

pub mod card;
pub mod onnx;
pub mod proto;

pub use onnx::{ExportError, OPSET, to_onnx};
