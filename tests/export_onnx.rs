//! `graft export --onnx` (issue 16): the exported file, run by ONNX Runtime through
//! docs/export.md's script (scripts/onnx_predict.py: its own resize, Pillow's decoding),
//! answers as `graft predict` does on held-out real photos: every label equal,
//! probabilities within 1e-4; `onnx.checker` passes; bad input is refused, nothing written.

mod common;

use common::{Half, graft, python, root, scratch, texture_folder};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// ONNX Runtime and graft compute in f32 in different orders: measured 6e-8 (head) and
/// 2e-7 (two tuned blocks) on these photos; the issue asks for 1e-4.
const TOLERANCE: f64 = 1e-4;

fn images(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|class| std::fs::read_dir(class.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path().display().to_string())
        .collect();
    out.sort();
    out
}

/// Each photo's answers: the first task's (`""`), then every task's by name when the
/// model has several.
type Answers = BTreeMap<String, BTreeMap<String, (String, BTreeMap<String, f64>)>>;

fn answers(lines: Vec<serde_json::Value>) -> Answers {
    let one = |l: &serde_json::Value| {
        let probs = serde_json::from_value(l["probs"].clone()).unwrap();
        (l["label"].as_str().unwrap().to_string(), probs)
    };
    lines
        .into_iter()
        .map(|l| {
            let mut tasks = BTreeMap::from([(String::new(), one(&l))]);
            for (name, answer) in l["tasks"].as_object().into_iter().flatten() {
                tasks.insert(name.clone(), one(answer));
            }
            (l["image"].as_str().unwrap().to_string(), tasks)
        })
        .collect()
}

/// Run python `args`: its JSON lines, or a panic with its stderr.
fn run_python(args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(python()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python {args:?}: {stderr}");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Export `model`, check the file, and compare ONNX Runtime's answers with `graft predict`'s
/// on `held_out`; returns ONNX Runtime's features of the first photo.
fn exported_agrees(model: &Path, held_out: &Path) -> Vec<f64> {
    let onnx = model.with_extension("onnx");
    let (code, _, err) = graft(&[
        "export",
        model.to_str().unwrap(),
        "--onnx",
        onnx.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let card = std::fs::read_to_string(model.with_extension("md")).unwrap();
    assert!(
        card.contains("| brick | 6 |"),
        "the card counts the images: {card}"
    );
    let check = "import onnx, json, sys; m = onnx.load(sys.argv[1]); \
        onnx.checker.check_model(m, full_check=True); print(json.dumps({'opset': \
        m.opset_import[0].version, 'meta': {p.key: p.value for p in m.metadata_props}}))";
    let checked = run_python(&["-c", check, onnx.to_str().unwrap()]);
    assert_eq!(checked[0]["opset"], 13);
    let meta = &checked[0]["meta"];
    assert_eq!(meta["classes"], r#"["brick","grass","gravel"]"#);
    assert!(
        meta["preprocessing"]
            .as_str()
            .unwrap()
            .contains(r#""resize_short_side":256"#)
    );

    let photos = images(held_out);
    let script = root().join("scripts/onnx_predict.py");
    let mut args = vec![script.to_str().unwrap(), onnx.to_str().unwrap()];
    args.extend(photos.iter().map(String::as_str));
    let theirs = answers(run_python(&args));
    let mut args = vec!["predict", model.to_str().unwrap(), "--json"];
    args.extend(photos.iter().map(String::as_str));
    let (code, lines, err) = graft(&args);
    assert_eq!(code, 0, "{err}");
    let ours = answers(lines);
    assert_eq!(ours.len(), photos.len());
    let mut worst = 0f64;
    for (photo, tasks) in &ours {
        assert_eq!(tasks.len(), theirs[photo].len(), "{photo}: the same tasks");
        for (task, (label, probs)) in tasks {
            let (their_label, their_probs) = &theirs[photo][task];
            assert_eq!(label, their_label, "{photo} {task}");
            for (class, p) in probs {
                worst = worst.max((p - their_probs[class]).abs());
            }
        }
    }
    eprintln!(
        "{}: {} photos, labels equal, probabilities within {worst:.1e}",
        onnx.display(),
        ours.len()
    );
    assert!(worst <= TOLERANCE, "probabilities differ by {worst}");

    let features = "import onnxruntime as ort, json, sys, runpy; \
        p = runpy.run_path(sys.argv[2], run_name='lib')['pixels']; s = ort.InferenceSession(sys.argv[1]); \
        print(json.dumps(s.run(['features'], {'pixels': p(sys.argv[3])[None]})[0][0].tolist()))";
    let f = run_python(&[
        "-c",
        features,
        onnx.to_str().unwrap(),
        script.to_str().unwrap(),
        &photos[0],
    ]);
    serde_json::from_value(f[0].clone()).unwrap()
}

#[test]
fn exports_run_in_onnx_runtime_as_graft_predicts() {
    let dir = scratch("export_onnx");
    let (train, held_out) = (dir.join("train"), dir.join("held_out"));
    texture_folder(&train, Half::Top, 6, 16);
    texture_folder(&held_out, Half::Bottom, 3, 17);

    let head = dir.join("head.graft");
    let (code, _, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--out",
        head.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let frozen = exported_agrees(&head, &held_out);

    // The same model claiming other backbone weights: refused, nothing written.
    let bytes = std::fs::read(&head).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let at =
        text.find("backbone_weights_sha256").unwrap() + r#"backbone_weights_sha256\":\""#.len();
    let mut other = bytes.clone();
    other[at] = if other[at] == b'0' { b'1' } else { b'0' };
    let (other_model, other_onnx) = (dir.join("other.graft"), dir.join("other.onnx"));
    std::fs::write(&other_model, other).unwrap();
    let (code, _, err) = graft(&[
        "export",
        other_model.to_str().unwrap(),
        "--onnx",
        other_onnx.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("different backbone weights"), "{err}");
    assert!(!other_onnx.exists() && !dir.join("other.md").exists());

    // Two fine-tuned blocks, trained on augmented views: a few steps move them, which is all
    // an export needs to show (the features must differ from the frozen backbone's).
    let tuned = dir.join("tuned.graft");
    let (code, _, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--out",
        tuned.to_str().unwrap(),
        "--solver",
        "adam",
        "--tuned-blocks",
        "2",
        "--augment-views",
        "2",
        "--steps",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    let moved = exported_agrees(&tuned, &held_out);

    // Prototypes (issue 17): a cosine head, the features normalised inside the graph.
    let protos = dir.join("protos.graft");
    let (code, _, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--out",
        protos.to_str().unwrap(),
        "--method",
        "prototypes",
    ]);
    assert_eq!(code, 0, "{err}");
    exported_agrees(&protos, &held_out);

    // Two tasks on the same photos (issue 18): the second ("kind": brick is built, grass
    // and gravel natural) is a further output of the same graph.
    let kind = dir.join("kind");
    for (class, way) in [
        ("brick", "built"),
        ("grass", "natural"),
        ("gravel", "natural"),
    ] {
        std::fs::create_dir_all(kind.join(way)).unwrap();
        for f in std::fs::read_dir(train.join(class)).unwrap() {
            let f = f.unwrap().path();
            let name = format!("{class}-{}", f.file_name().unwrap().to_string_lossy());
            std::fs::copy(&f, kind.join(way).join(name)).unwrap();
        }
    }
    let two = dir.join("two.graft");
    let (code, _, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--task",
        &format!("kind={}", kind.display()),
        "--out",
        two.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    exported_agrees(&two, &held_out);
    let card = std::fs::read_to_string(two.with_extension("md")).unwrap();
    for part in [
        "# Model card: 2 tasks (train, kind)",
        "## Classes, task 'kind'",
        "| natural | 12 |",
        "## Confusion matrix (validation, task 'train')",
    ] {
        assert!(card.contains(part), "{part}: {card}");
    }

    // A backbone adapted to the training photos (AdaBN): the export runs the adapted
    // backbone, as graft predict does, and its features are not the frozen backbone's.
    let adapted = dir.join("adapted.graft");
    let (code, _, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--out",
        adapted.to_str().unwrap(),
        "--adapt-bn",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("adapted to 18 of 18 photos"), "{err}");
    let renormalised = exported_agrees(&adapted, &held_out);
    let card = std::fs::read_to_string(adapted.with_extension("md")).unwrap();
    assert!(
        card.contains("BatchNorm statistics measured again"),
        "{card}"
    );
    let shift = (frozen.iter().zip(&renormalised))
        .map(|(a, b)| (a - b).abs())
        .fold(0f64, f64::max);
    assert!(
        shift > 1e-2,
        "the adaptation is in the export: features moved {shift}"
    );
    let change = frozen
        .iter()
        .zip(&moved)
        .map(|(a, b)| (a - b).abs())
        .fold(0f64, f64::max);
    assert!(
        change > 1e-3,
        "the tuned blocks are in the export: features moved {change}"
    );
}

/// docs/export.md shows the script the test runs, verbatim.
#[test]
fn the_documented_script_is_the_tested_one() {
    let doc = std::fs::read_to_string(root().join("docs/export.md")).unwrap();
    let script = std::fs::read_to_string(root().join("scripts/onnx_predict.py")).unwrap();
    assert!(
        doc.contains(script.trim_end()),
        "docs/export.md shows scripts/onnx_predict.py"
    );
}

#[test]
fn bad_exports_are_refused_and_write_nothing() {
    let dir = scratch("export_bad");
    let out = dir.join("out.onnx");
    let not_a_model = common::photo("brick.png");
    let (code, _, err) = graft(&[
        "export",
        not_a_model.to_str().unwrap(),
        "--onnx",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("not a graft model file"), "{err}");
    let (code, _, err) = graft(&[
        "export",
        dir.join("missing.graft").to_str().unwrap(),
        "--onnx",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read"), "{err}");
    let (code, _, err) = graft(&["export", not_a_model.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("--onnx"), "{err}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
}
