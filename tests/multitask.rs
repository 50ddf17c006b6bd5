//! Several tasks on one backbone (issue 18) on the command line, on a real two-task set
//! (crops of scikit-image photos: which scene, and whether it is upside down): one model
//! file answers both; without fine-tuning each task's head is the one a one-task run
//! trains; with it the shared blocks learn both; bad requests get a message.

mod common;

use common::{Half, graft, scratch, two_task_folders};
use std::path::{Path, PathBuf};

/// Training folders (8 crops a scene) and test folders (4 other crops a scene).
fn folders(name: &str) -> PathBuf {
    let root = scratch(name);
    two_task_folders(&root.join("train"), Half::Top, 8, 3);
    two_task_folders(&root.join("test"), Half::Top, 4, 11);
    root
}

/// The test photos, each with its scene and way up.
fn test_photos(root: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for way in ["upright", "upside down"] {
        let dir = root.join("test/turned").join(way);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let scene = name
                .trim_end_matches(".png")
                .trim_end_matches(char::is_numeric);
            out.push((f.display().to_string(), scene.to_string(), way.to_string()));
        }
    }
    out
}

/// `graft predict --json` on the test photos: each task's accuracy, and the lines.
fn predicted(model: &Path, root: &Path) -> (f32, f32, Vec<serde_json::Value>) {
    let photos = test_photos(root);
    let mut args = vec!["predict", "--json", model.to_str().unwrap()];
    args.extend(photos.iter().map(|(p, _, _)| p.as_str()));
    let (code, lines, err) = graft(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.len(), photos.len());
    let (mut what, mut turned) = (0, 0);
    for (line, (_, scene, way)) in lines.iter().zip(&photos) {
        // The first task's answer stays where a one-task model's is.
        assert_eq!(line["label"], line["tasks"]["what"]["label"]);
        what += usize::from(line["tasks"]["what"]["label"] == scene.as_str());
        turned += usize::from(line["tasks"]["turned"]["label"] == way.as_str());
    }
    let n = photos.len() as f32;
    (what as f32 / n, turned as f32 / n, lines)
}

#[test]
fn two_tasks_on_frozen_features_answer_as_two_separate_models() {
    let root = folders("multitask_frozen");
    let model = root.join("both.graft");
    let (what_dir, turned_dir) = (root.join("train/what"), root.join("train/turned"));
    let turned_arg = format!("turned={}", turned_dir.display());
    let (code, lines, err) = graft(&[
        "train",
        what_dir.to_str().unwrap(),
        "--task",
        &turned_arg,
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("48 distinct photos for 2 tasks embedded once"),
        "{err}"
    );
    let tasks: Vec<&str> = (lines.iter())
        .filter_map(|l| l["validation"]["task"].as_str())
        .collect();
    assert_eq!(tasks, ["what", "turned"]);
    let (what, turned, lines) = predicted(&model, &root);
    println!("frozen features: scene {what:.3}, upside down {turned:.3}");
    assert!(what >= 0.8, "scene accuracy {what}");
    assert!(turned >= 0.7, "upside-down accuracy {turned}");
    // The second task's head is the one `graft train` fits on that folder alone (same
    // features, same fit): the same probabilities, to float rounding.
    let alone = root.join("turned.graft");
    let (code, _, err) = graft(&[
        "train",
        turned_dir.to_str().unwrap(),
        "--out",
        alone.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, err, single) = predicted_one(&alone, &root);
    assert_eq!(code, 0, "{err}");
    assert_eq!(single.len(), lines.len());
    for (both, one) in lines.iter().zip(&single) {
        for way in ["upright", "upside down"] {
            let a = both["tasks"]["turned"]["probs"][way].as_f64().unwrap();
            let b = one["probs"][way].as_f64().unwrap();
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
    // The text output names each task's answer.
    let photo = test_photos(&root)[0].0.clone();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_graft"))
        .args(["predict", model.to_str().unwrap(), &photo])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(": what: ") && text.contains("; turned: "),
        "{text}"
    );
}

/// `graft predict --json` with a one-task model (no `tasks`).
fn predicted_one(model: &Path, root: &Path) -> (i32, String, Vec<serde_json::Value>) {
    let photos = test_photos(root);
    let mut args = vec!["predict", "--json", model.to_str().unwrap()];
    args.extend(photos.iter().map(|(p, _, _)| p.as_str()));
    let (code, lines, err) = graft(&args);
    assert!(lines.iter().all(|l| l.get("tasks").is_none()));
    (code, err, lines)
}

#[test]
fn fine_tuning_two_tasks_trains_one_shared_tail() {
    let root = folders("multitask_joint");
    // A photo labelled in one task only still trains that task.
    let extra = root.join("train/turned/upright/extra.png");
    std::fs::copy(common::photo("astronaut.png"), &extra).unwrap();
    let model = root.join("joint.graft");
    let what_dir = root.join("train/what");
    let turned_arg = format!("turned={}", root.join("train/turned").display());
    let (code, lines, err) = graft(&[
        "train",
        what_dir.to_str().unwrap(),
        "--task",
        &turned_arg,
        "--task-name",
        "what",
        "--tuned-blocks",
        "1",
        "--solver",
        "adam",
        "--steps",
        "60",
        "--batch-size",
        "16",
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("49 distinct photos for 2 tasks embedded once"),
        "{err}"
    );
    let losses: Vec<f64> = (lines.iter()).filter_map(|l| l["loss"].as_f64()).collect();
    assert!(
        losses.len() >= 2 && losses.last() < losses.first(),
        "{losses:?}"
    );
    let (what, turned, _) = predicted(&model, &root);
    println!("joint, 1 block: scene {what:.3}, upside down {turned:.3}");
    assert!(what >= 0.8, "scene accuracy {what}");
    assert!(turned >= 0.7, "upside-down accuracy {turned}");
    // The file carries the tuned block once and both heads.
    let bytes = std::fs::read(&model).unwrap();
    let header = String::from_utf8_lossy(&bytes[..8192.min(bytes.len())]).to_string();
    assert!(header.contains("task.1.layers.0.weight") && header.contains("tail.head.weight"));
}

#[test]
fn bad_task_requests_are_refused_with_a_reason() {
    let root = folders("multitask_bad");
    let what = root.join("train/what");
    let what = what.to_str().unwrap();
    let out = root.join("m.graft");
    let out = out.to_str().unwrap();
    let turned = format!("turned={}", root.join("train/turned").display());
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["train", what, "--out", out];
        all.extend(args);
        let (code, _, err) = graft(&all);
        assert_ne!(code, 0);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!Path::new(out).exists());
    };
    refused(&["--task", "turned"], "is not NAME=DIR");
    refused(
        &["--task", &turned, "--task", &turned],
        "task name 'turned' is given twice",
    );
    refused(&["--task", &turned, "--adapt-bn"], "not with");
    refused(&["--task-name", "what"], "add --task NAME=FOLDER");
    refused(
        &["--task", &turned, "--method", "prototypes"],
        "a head per task",
    );
    // A task folder with one class.
    let one = root.join("one");
    std::fs::create_dir_all(one.join("only")).unwrap();
    std::fs::copy(common::photo("astronaut.png"), one.join("only/a.png")).unwrap();
    refused(
        &["--task", &format!("single={}", one.display())],
        "task 'single'",
    );
}
