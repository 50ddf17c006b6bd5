//! Tests of `classifier.rs`.
use super::*;
use crate::model::head::HeadConfig;

const SHA: &str = "936a2479a2bfefcae4de7e7b2ba5e74e1394912eec6889d66afb029df4982ac9";

fn model(hidden: usize) -> Classifier {
    let head = HeadConfig::new(3).with_hidden(hidden).init_weights(7);
    let names = ["cat", "dog", "teapot"].map(String::from).to_vec();
    Classifier::new(names, head, SHA, serde_json::json!({"epochs": 1}))
}

#[test]
fn round_trips() {
    for hidden in [0, 16] {
        let m = model(hidden);
        let back = Classifier::from_bytes(&m.to_bytes().unwrap(), SHA).unwrap();
        assert_eq!(back, m);
        let p = back.probs(&vec![0.5; FEATURE_DIM]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}

#[test]
fn refuses_what_is_not_a_model() {
    let bytes = model(0).to_bytes().unwrap();
    let err = |b: &[u8], sha: &str| Classifier::from_bytes(b, sha).unwrap_err();
    assert!(matches!(err(b"", SHA), ModelFileError::NotAModel(_)));
    assert!(matches!(
        err(b"\x89PNG\r\n", SHA),
        ModelFileError::NotAModel(_)
    ));
    assert!(matches!(
        err(&bytes[..bytes.len() - 9], SHA),
        ModelFileError::Damaged(_)
    ));
    assert!(matches!(
        err(&bytes, "00ff"),
        ModelFileError::OtherWeights { .. }
    ));
    let weights_file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/static/generated/efficientnet_lite0.safetensors"
    ));
    if let Ok(w) = weights_file {
        assert!(matches!(err(&w, SHA), ModelFileError::NotAModel(_)));
    }
    let mut other = model(0);
    other.meta.backbone = "mobilenet-v2/imagenet".into();
    let b = other.to_bytes().unwrap();
    assert!(matches!(err(&b, SHA), ModelFileError::OtherBackbone(_)));
    let mut dup = model(0);
    dup.meta.classes[1] = "cat".into();
    assert!(matches!(
        err(&dup.to_bytes().unwrap(), SHA),
        ModelFileError::Damaged(_)
    ));
}

#[test]
fn a_file_claiming_tuned_blocks_must_hold_them() {
    let mut m = model(0);
    m.meta.tuned_blocks = 1;
    let err = Classifier::from_bytes(&m.to_bytes().unwrap(), SHA).unwrap_err();
    assert_eq!(
        err,
        ModelFileError::Damaged("tensor 'tail.blocks.15.expand.weight' is missing".into())
    );
    m.meta.tuned_blocks = 9;
    let err = Classifier::from_bytes(&m.to_bytes().unwrap(), SHA).unwrap_err();
    assert_eq!(
        err,
        ModelFileError::Damaged("9 fine-tuned blocks (at most 5)".into())
    );
}
