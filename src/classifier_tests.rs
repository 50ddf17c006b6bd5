//! Tests of `classifier.rs`.
use super::*;
use crate::model::FEATURE_DIM;
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

fn two_tasks(hidden: usize) -> Classifier {
    let turned = TaskMeta {
        name: "turned".into(),
        classes: vec!["upright".into(), "upside down".into()],
        hidden,
        normalized_features: false,
        training: serde_json::json!({"by": "test"}),
    };
    let head = HeadConfig::new(2).with_hidden(hidden).init_weights(9);
    model(0).with_task("what", turned, head)
}

#[test]
fn several_tasks_round_trip_and_each_answers() {
    for hidden in [0, 8] {
        let m = two_tasks(hidden);
        let back = Classifier::from_bytes(&m.to_bytes().unwrap(), SHA).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.task_count(), 2);
        let x: Vec<f32> = (0..FEATURE_DIM).map(|i| (i % 7) as f32 * 0.1).collect();
        let answers = back.answers(&x);
        assert_eq!(answers[0].name, Some("what"));
        assert_eq!(answers[0].probs, back.probs(&x));
        assert_eq!(answers[1].name, Some("turned"));
        assert_eq!(answers[1].classes.len(), 2);
        // The second task's probabilities are its own head's softmax, by hand.
        let z = back.other_heads[0].logits(&x);
        let e: Vec<f32> = z.iter().map(|v| (v - z[0].max(z[1])).exp()).collect();
        let p1 = e[1] / (e[0] + e[1]);
        assert!((answers[1].probs[1] - p1).abs() < 1e-6);
    }
    // A one-task model answers once, unnamed, and its file has no task fields.
    let one = model(0);
    assert_eq!(one.answers(&vec![0.1; FEATURE_DIM])[0].name, None);
    let json = serde_json::to_string(&one.meta).unwrap();
    assert!(!json.contains("other_tasks") && !json.contains("\"task\""));
}

#[test]
fn refuses_tasks_that_do_not_add_up() {
    let err = |m: &Classifier| Classifier::from_bytes(&m.to_bytes().unwrap(), SHA).unwrap_err();
    let damaged = |m: &Classifier| match err(m) {
        ModelFileError::Damaged(why) => why,
        other => panic!("{other:?}"),
    };
    let mut same = two_tasks(0);
    same.meta.other_tasks[0].name = "what".into();
    assert_eq!(damaged(&same), "task name 'what' appears twice");
    let mut unnamed = two_tasks(0);
    unnamed.meta.task = None;
    assert_eq!(damaged(&unnamed), "its first task has no name");
    let mut blank = two_tasks(0);
    blank.meta.other_tasks[0].name = " ".into();
    assert_eq!(damaged(&blank), "a task has no name");
    let mut one_class = two_tasks(0);
    one_class.meta.other_tasks[0].classes.pop();
    assert!(damaged(&one_class).starts_with("task 'turned': 1 classes"));
    // The metadata says 3 hidden units, the tensors are a linear head's.
    let mut shape = two_tasks(0);
    shape.meta.other_tasks[0].hidden = 3;
    assert!(damaged(&shape).contains("task.1.layers.0.weight"));
    // A head the metadata does not declare is an extra tensor.
    let mut extra = two_tasks(0);
    extra.meta.other_tasks.clear();
    extra.meta.task = None;
    assert!(damaged(&extra).contains("tensors, expected"));
    let mut many = model(0);
    for t in 0..MAX_TASKS {
        let task = TaskMeta {
            name: format!("t{t}"),
            classes: vec!["a".into(), "b".into()],
            hidden: 0,
            normalized_features: false,
            training: serde_json::Value::Null,
        };
        many = many.with_task("first", task, HeadConfig::new(2).init_weights(t as u64));
    }
    assert_eq!(
        damaged(&many),
        format!("{} tasks (a model has at most {MAX_TASKS})", MAX_TASKS + 1)
    );
}
