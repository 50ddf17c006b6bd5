//! `graft train --method auto` (issue 17) on real photos: every method in its table, the
//! best kept, within its budget.

mod common;

use common::{Half, graft, scratch};
use std::path::Path;

/// `graft train DIR --method auto --budget BUDGET --json --out MODEL` and `extra`, which
/// must succeed: its `auto` report and its stderr.
fn auto_run(dir: &Path, model: &Path, budget: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let mut args = vec![
        "train",
        dir.to_str().unwrap(),
        "--method",
        "auto",
        "--budget",
        budget,
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--json", "--out", model.to_str().unwrap()]);
    let (code, lines, err) = graft(&args);
    assert_eq!(code, 0, "{err}");
    let auto = lines.iter().find(|l| l.get("auto").is_some()).expect(&err)["auto"].clone();
    (auto, err)
}

/// `--method auto` (issue 17): every candidate is in the table, run (with its accuracy on
/// the photos' own figures) or skipped with the reason; the best is kept (ties go to the
/// head, then the cheaper), the model file is the kept one's, and the whole stays near its
/// budget; with no time at all, only prototypes and the head run, and the rest say why.
#[test]
fn auto_tries_each_method_within_its_budget_and_keeps_the_best() {
    let dir = scratch("auto");
    let scenes = dir.join("scenes");
    common::crop_folder(&scenes, &common::SCENES, Half::Top, 4, 41);
    let model = dir.join("auto.graft");
    let started = std::time::Instant::now();
    // Fine-tuning's settings are Adam's (the other candidates set their own solver).
    let (auto, err) = auto_run(
        &scenes,
        &model,
        "45",
        &["--solver", "adam", "--steps", "40"],
    );
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("{err}");
    let tried = auto["tried"].as_array().unwrap();
    let methods: Vec<&str> = tried
        .iter()
        .map(|t| t["method"].as_str().unwrap())
        .collect();
    let all = [
        "prototypes",
        "head",
        "head + 4 views",
        "adabn + head",
        "lp-ft, 1 block",
        "lp-ft, 2 blocks",
        "lp-ft, 3 blocks",
    ];
    assert_eq!(methods, all, "{auto}");
    let ran: Vec<(&str, f64)> = (tried.iter())
        .filter(|t| t["skipped"].is_null())
        .map(|t| {
            (
                t["method"].as_str().unwrap(),
                t["accuracy"].as_f64().unwrap(),
            )
        })
        .collect();
    for t in tried.iter().filter(|t| !t["skipped"].is_null()) {
        let why = t["skipped"].as_str().unwrap();
        assert!(why.contains("45 s budget"), "{t}");
    }
    // At 4 photos a class the head and its views always fit; so did fine-tuning's first
    // candidate here (measured: ~2 s of embedding for 24 photos).
    for m in ["prototypes", "head", "head + 4 views", "lp-ft, 1 block"] {
        assert!(ran.iter().any(|r| r.0 == m), "{m} did not run: {auto}");
    }
    // The best; ties go to the earlier in this order: the head, the others by cost, and
    // prototypes last.
    let order = [&all[1..], &all[..1]].concat();
    let score = |m: &str| ran.iter().find(|r| r.0 == m).map(|r| r.1);
    let want = (order.iter())
        .filter_map(|m| score(m).map(|s| (*m, s)))
        .fold(None, |best: Option<(&str, f64)>, (m, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((m, s)),
        })
        .unwrap()
        .0;
    assert_eq!(auto["chosen"], want, "{auto}");
    let kept: Vec<&str> = (tried.iter())
        .filter(|t| t["kept"] == true)
        .map(|t| t["method"].as_str().unwrap())
        .collect();
    assert_eq!(kept, [want], "{auto}");
    assert!(err.contains(&format!("auto: kept {want}")), "{err}");
    let bytes = std::fs::read(&model).unwrap();
    let header = String::from_utf8_lossy(&bytes[..4096.min(bytes.len())]).to_string();
    assert_eq!(
        header.contains(r#"\"normalized_features\":true"#),
        want == "prototypes",
        "{header}"
    );
    assert_eq!(
        header.contains(r#"\"adapted_batchnorm\":true"#),
        want == "adabn + head",
        "{header}"
    );
    // Within the budget, with room for loading the backbone and a last epoch's overrun.
    assert!(seconds < 45.0 * 1.5 + 10.0, "{seconds:.0} s");

    // No time at all: prototypes and the head (well under a second), the rest skipped.
    let (auto, err) = auto_run(&scenes, &model, "0", &[]);
    let tried = auto["tried"].as_array().unwrap();
    let ran: Vec<&str> = (tried.iter())
        .filter(|t| t["skipped"].is_null())
        .map(|t| t["method"].as_str().unwrap())
        .collect();
    assert_eq!(ran, ["prototypes", "head"], "{auto}");
    assert!(err.contains("adabn + head     skipped: ~"), "{err}");
    assert!(err.contains("pass the 0 s budget"), "{err}");
}
