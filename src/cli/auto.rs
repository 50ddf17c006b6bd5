//! `graft train --method auto` (issue 17): prototypes and the default head, each measured
//! on the photos' own validation figures (the held-out images; else prototypes' leave-one-
//! out and the head's cross-validation or held-out share), and the better one kept, with a
//! table of what was tried. Neither wins everywhere (docs/benchmarks.md: prototypes on
//! ImageNet-like photos at every size, the head on digits from two photos a class).

use super::CliResult;
use super::trained::{Candidate, Output, finish};
use super::{train_linear, train_prototypes};
use crate::train::split::Plan;
use crate::train::{Inputs, TrainConfig, Views};

pub fn choose(
    inputs: Inputs,
    plan: Plan,
    (names, backbone_id): (&[String], &str),
    config: &TrainConfig,
    (out, json): (Output, bool),
) -> CliResult {
    let model = (names, backbone_id);
    let protos = train_prototypes::fit(inputs, plan.clone(), model, config);
    let head = train_linear::fit(inputs, plan, model, config, &Views::default(), json)?;
    let score = |c: &Candidate| c.evaluation.as_ref().and_then(|e| e.accuracy());
    // Ties go to the head, graft's default; with no figures at all (one photo a class),
    // prototypes, which did as well or better on photos at one a class.
    let chosen = match (score(&protos), score(&head)) {
        (Some(p), Some(h)) if p > h => 0,
        (Some(_), Some(_)) | (None, Some(_)) => 1,
        (Some(_), None) | (None, None) => 0,
    };
    let tried = [&protos, &head];
    let pct = |c: &Candidate| score(c).map_or("-".into(), |a| format!("{:.1} %", a * 100.0));
    if json {
        let rows: Vec<serde_json::Value> = (tried.iter())
            .map(|c| {
                serde_json::json!({ "method": c.method, "accuracy": score(c),
                "validation": c.title, "seconds": c.seconds })
            })
            .collect();
        let line = serde_json::json!({ "auto": { "tried": rows, "chosen": tried[chosen].method } });
        println!("{line}");
    }
    eprintln!("graft: auto: tried, each on its own validation figures:");
    for c in tried {
        eprintln!(
            "  {:<14} {:>8}  {:>6.2} s  ({})",
            c.method,
            pct(c),
            c.seconds,
            c.title
        );
    }
    eprintln!("graft: auto: kept {}", tried[chosen].method);
    let best = if chosen == 0 { protos } else { head };
    finish(best, names, out, json)
}
