//! `graft train` and `graft predict` on real photos: it learns, files round-trip, bad input
//! is refused by name.

mod common;

use common::graft;

use common::{Half, TEXTURES, images_under, scratch, texture_folder};
use std::path::Path;

/// Train on crops of the top halves, predict crops of the bottom halves: chance is 1/3;
/// the test asks for at least 80 % (it measures 100 % with the defaults). The bottom
/// halves are also the validation folder, so the report `graft train` prints must agree
/// with what `graft predict` then says of the same images with the same file.
#[test]
fn train_learns_and_predict_reads_the_file() {
    let dir = scratch("learns");
    let train = dir.join("train");
    let held_out = dir.join("held_out");
    texture_folder(&train, Half::Top, 8, 1);
    texture_folder(&held_out, Half::Bottom, 6, 2);
    let model = dir.join("textures.graft");
    let (code, lines, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--val-dir",
        held_out.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    // A folder of more than a few batches says how embedding goes.
    assert!(err.contains("graft: embedding: 8 of 24 images ("), "{err}");
    // The default head: one L-BFGS fit to convergence on the training folder, no epochs;
    // the validation folder is the held-out set, not cross-validated.
    assert_eq!(lines.len(), 2, "{lines:?}");
    let fit = &lines[0]["fit"];
    assert_eq!(fit["converged"], true, "{fit}");
    assert_eq!(fit["iterations"].as_array().unwrap().len(), 1, "{fit}");
    let report = &lines[1]["validation"];
    assert_eq!(report["cross_validated_folds"], 0);
    for (i, class) in TEXTURES.iter().enumerate() {
        assert_eq!(report["classes"][i]["class"], *class);
        assert_eq!(report["classes"][i]["images"], 6);
        let row: u64 = report["confusion"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(row, 6);
    }

    agrees_with_predict(&model, &held_out, report);
}

/// `graft predict` on every image under `held_out` (one JSON line each: the path as given,
/// probabilities over the 3 classes summing to 1) labels at least 80 % right (chance is a
/// third), as many as the training report says, give or take one image: the report's argmax
/// runs in f32 on the device, predict's head in f64, so a near-tie may fall either way.
fn agrees_with_predict(model: &Path, held_out: &Path, report: &serde_json::Value) {
    let images = images_under(held_out);
    let mut args = vec!["predict", model.to_str().unwrap(), "--json"];
    args.extend(images.iter().map(|(p, _)| p.as_str()));
    let (code, lines, err) = graft(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.len(), images.len());
    let mut right = 0;
    for (line, (path, class)) in lines.iter().zip(&images) {
        assert_eq!(line["image"], path.as_str(), "the path as given");
        let probs = line["probs"].as_object().unwrap();
        assert_eq!(probs.len(), 3);
        let total: f64 = probs.values().map(|p| p.as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-4);
        right += usize::from(line["label"] == class.as_str());
    }
    let accuracy = right as f64 / images.len() as f64;
    assert!(
        accuracy >= 0.8,
        "held-out accuracy {accuracy} ({right}/{})",
        images.len()
    );
    let reported = report["accuracy"].as_f64().unwrap();
    assert!(
        (reported - accuracy).abs() <= 1.0 / images.len() as f64 + 1e-9,
        "report {reported}, predict {accuracy}"
    );
}

#[test]
fn bad_folders_are_refused_saying_what_to_add() {
    let dir = scratch("bad_folders");
    let one = dir.join("one");
    std::fs::create_dir_all(one.join("cats")).unwrap();
    std::fs::copy(common::photo("chelsea.png"), one.join("cats/chelsea.png")).unwrap();
    let out = dir.join("m.graft");
    let train = || {
        graft(&[
            "train",
            one.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (code, _, err) = train();
    assert_eq!(code, 1);
    assert!(err.contains("1 classes (a model has 2 to 50)"), "{err}");

    std::fs::create_dir_all(one.join("empty")).unwrap();
    let (code, _, err) = train();
    assert_eq!(code, 1);
    assert!(err.contains("class 'empty' has no images"), "{err}");

    // A class of one image trains (the other is cross-validated); settings out of range,
    // or of the other solver, are refused with the reason, as the page's fields refuse them.
    std::fs::remove_dir(one.join("empty")).unwrap();
    std::fs::create_dir_all(one.join("coffee")).unwrap();
    std::fs::copy(
        common::photo("astronaut.png"),
        one.join("cats/astronaut.png"),
    )
    .unwrap();
    std::fs::copy(common::photo("coffee.png"), one.join("coffee/coffee.png")).unwrap();
    let (code, _, err) = train();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cross-validated (2 folds"), "{err}");
    std::fs::remove_file(&out).unwrap();
    let flags = |extra: &[&str]| {
        let mut args = vec![
            "train",
            one.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        graft(&args)
    };
    let (code, _, err) = flags(&["--solver", "adam", "--learning-rate", "5"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--learning-rate: Learning rate must be from 0.00001 to 1"),
        "{err}"
    );
    let (code, _, err) = flags(&["--steps", "300"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--steps: Steps is a setting of the Adam solver") && err.contains("--solver"),
        "{err}"
    );
    let val = dir.join("val");
    std::fs::create_dir_all(val.join("dogs")).unwrap();
    std::fs::copy(common::photo("camera.png"), val.join("dogs/camera.png")).unwrap();
    let (code, _, err) = graft(&[
        "train",
        one.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--val-dir",
        val.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("class 'dogs' is not one of the training classes"),
        "{err}"
    );
    assert!(
        !out.exists(),
        "no model file is written for a refused folder"
    );
}

#[test]
fn bad_files_in_a_folder_are_named_and_skipped() {
    let dir = scratch("bad_files");
    let train = dir.join("train");
    texture_folder(&train, Half::Top, 3, 3);
    std::fs::write(train.join("brick/notes.txt"), b"not an image").unwrap();
    std::fs::write(train.join("grass/empty.png"), b"").unwrap();
    std::fs::copy(train.join("gravel/00.png"), train.join("gravel/copy.png")).unwrap();
    let out = dir.join("m.graft");
    let (code, _, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("notes.txt: skipped"), "{err}");
    assert!(err.contains("empty.png: skipped"), "{err}");
    assert!(
        err.contains("copy.png: skipped, the same image is already in 'gravel'"),
        "{err}"
    );
    assert!(err.contains("9 images in 3 classes"), "{err}");

    // Files that are not models: a clear message naming the file, exit code 1.
    let chelsea = common::photo("chelsea.png");
    let weights = common::root().join("static/generated/efficientnet_lite0.safetensors");
    let truncated = dir.join("truncated.graft");
    let bytes = std::fs::read(&out).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    for (file, says) in [
        (weights.as_path(), "not a graft model file"),
        (chelsea.as_path(), "not a graft model file"),
        (truncated.as_path(), "truncated or corrupt"),
    ] {
        let (code, lines, err) =
            graft(&["predict", file.to_str().unwrap(), chelsea.to_str().unwrap()]);
        assert_eq!(code, 1, "{}", file.display());
        assert!(lines.is_empty());
        assert!(
            err.contains(&file.display().to_string()) && err.contains(says),
            "{err}"
        );
    }
}

/// Converting the same weights twice writes the header's metadata in a different order; the
/// identity a model file records must not change with it (it did once: models made on one
/// machine were refused on another).
#[test]
fn weights_identity_ignores_the_header() {
    use safetensors::SafeTensors;
    let bytes = common::weights_bytes();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    meta.insert(
        "note".into(),
        "written again, header in another order".into(),
    );
    let again = safetensors::serialize(file.tensors(), Some(meta)).unwrap();
    assert_ne!(again, bytes);
    let id = |b: &[u8]| graft::model::WeightFile::parse(b).unwrap().id().to_string();
    assert_eq!(id(&again), id(&bytes));
    assert_eq!(id(&bytes).len(), 64);
    // And any change to the tensor data changes it.
    let mut changed = bytes.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    assert_ne!(id(&changed), id(&bytes));
}

/// `--tuned-blocks 2` fine-tunes the backbone's last two blocks with the head: the held-out
/// crops are labelled well above chance (1/3; the test asks for 80 %), the file records the
/// blocks, and `graft predict` runs images through them, agreeing with the report.
#[test]
fn fine_tuning_learns_and_predict_uses_the_tuned_blocks() {
    let dir = scratch("fine_tune");
    let train = dir.join("train");
    let held_out = dir.join("held_out");
    texture_folder(&train, Half::Top, 6, 4);
    texture_folder(&held_out, Half::Bottom, 4, 5);
    let model = dir.join("tuned.graft");
    let (code, lines, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--val-dir",
        held_out.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--solver",
        "adam",
        "--tuned-blocks",
        "2",
        "--steps",
        "12",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let report = &lines.last().unwrap()["validation"];
    let bytes = std::fs::read(&model).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes[..4096.min(bytes.len())]).contains(r#"\"tuned_blocks\":2"#)
    );

    agrees_with_predict(&model, &held_out, report);
}

/// The Adam solver on classes too small to hold a share out (4 photos a class):
/// cross-validated like the default head. Every photo is predicted once by a fold that did
/// not train on it, the folds print no epochs (only the final run on every photo does), and
/// the model file says how it was measured.
#[test]
fn the_adam_head_cross_validates_small_classes() {
    let dir = scratch("adam_folds");
    let train = dir.join("train");
    texture_folder(&train, Half::Top, 4, 3);
    let model = dir.join("adam.graft");
    let (code, lines, err) = graft(&[
        "train",
        train.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--solver",
        "adam",
        "--hidden",
        "16",
        "--steps",
        "60",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    for fold in 1..=4 {
        assert!(
            err.contains(&format!("cross-validating, fold {fold} of 4")),
            "{err}"
        );
    }
    // 12 photos, one batch an epoch: the final run's 60 epochs, then the report.
    assert_eq!(lines.len(), 61, "{err}");
    let report = &lines[60]["validation"];
    assert_eq!(report["cross_validated_folds"], 4, "{report}");
    for i in 0..TEXTURES.len() {
        assert_eq!(report["classes"][i]["images"], 4, "{report}");
    }
    // Chance is a third; crops of one texture's top half are easy to tell apart.
    let accuracy = report["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.75, "cross-validated accuracy {accuracy}");
    let bytes = std::fs::read(&model).unwrap();
    let head = String::from_utf8_lossy(&bytes[..4096.min(bytes.len())]).to_string();
    assert!(head.contains(r#"\"cross_validated_folds\":4"#), "{head}");
    assert!(head.contains(r#"\"samples\":12"#), "{head}");
}
