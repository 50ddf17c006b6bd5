//! The `graft` command line on real photos and bad files.

mod common;

use common::graft;

#[test]
fn imagenet_json_names_the_cat_and_the_espresso() {
    let chelsea = common::photo("chelsea.png");
    let coffee = common::photo("coffee.png");
    let (code, lines, err) = graft(&[
        "imagenet",
        "--json",
        "--top",
        "3",
        chelsea.to_str().unwrap(),
        coffee.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["image"], chelsea.to_str().unwrap());
    let top = lines[0]["top"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    assert!(
        (281..=285).contains(&top[0]["id"].as_u64().unwrap()),
        "{top:?}"
    );
    assert_eq!(lines[1]["top"][0]["id"], 967);
    assert_eq!(lines[1]["top"][0]["label"], "espresso");
    let p = lines[1]["top"][0]["p"].as_f64().unwrap();
    assert!((0.9..=1.0).contains(&p), "p = {p}");
}

#[test]
fn bad_files_get_a_message_each_and_the_rest_proceed() {
    let dir = std::env::temp_dir().join(format!("graft-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let notes = dir.join("notes.png");
    std::fs::write(&notes, b"not an image at all").unwrap();
    // A 196 KB PNG of 65 535 x 1 pixels (a real photo's row, stretched) used to abort the
    // whole command asking for 51 GB; now it is refused by name and the rest go on.
    let thin = dir.join("thin.png");
    let photo = image::open(common::photo("coffee.png")).unwrap();
    photo
        .resize_exact(65_535, 1, image::imageops::FilterType::Nearest)
        .save(&thin)
        .unwrap();
    let coffee = common::photo("coffee.png");
    let (code, lines, err) = graft(&[
        "imagenet",
        "--json",
        empty.to_str().unwrap(),
        notes.to_str().unwrap(),
        thin.to_str().unwrap(),
        coffee.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "a failed file must make the exit status non-zero");
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0]["image"], empty.to_str().unwrap());
    assert!(lines[0]["error"].as_str().unwrap().contains("empty"));
    assert!(lines[1]["error"].as_str().unwrap().contains("not an image"));
    assert_eq!(
        lines[2]["error"],
        "the image is 65535x1: over 20 times as long as it is wide, too thin to classify"
    );
    assert_eq!(lines[3]["top"][0]["id"], 967);
    assert!(err.contains("empty.jpg"), "stderr names the file: {err}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn embed_prints_1280_features_per_image() {
    let chelsea = common::photo("chelsea.png");
    let (code, lines, err) = graft(&["embed", "--json", chelsea.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let features = lines[0]["features"].as_array().unwrap();
    assert_eq!(features.len(), 1280);
    // Post-ReLU6 averages: in [0, 6], and not all zero.
    let values: Vec<f64> = features.iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(values.iter().all(|v| (0.0..=6.0).contains(v)));
    assert!(values.iter().sum::<f64>() > 10.0);
}

#[test]
fn bench_prints_its_figures() {
    let (code, lines, err) = graft(&["bench", "--batch", "2", "--iters", "1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines[0]["device"], "cpu");
    assert_eq!(lines[0]["engine"], "fused-cpu");
    assert_eq!(lines[0]["batch"], 2);
    assert!(lines[0]["ms_per_image"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_batch_of_only_bad_files_reports_each_and_does_not_crash() {
    let dir = std::env::temp_dir().join(format!("graft-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<String> = (0..3)
        .map(|i| {
            let p = dir.join(format!("broken-{i}.png"));
            std::fs::write(&p, b"\x89PNG\r\n\x1a\ngarbage").unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect();
    let mut args = vec!["embed", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let (code, lines, err) = graft(&args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|l| l["error"].is_string() && l.get("features").is_none())
    );
    std::fs::remove_dir_all(dir).ok();
}
