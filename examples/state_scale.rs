//! Benchmark (prints a table): what one reducer action costs the page as the project grows,
//! natively (the reducer is plain Rust). For projects of 10, 1 000 and 10 000 samples in 50
//! classes, the mean time of: adding a sample, renaming a class, setting a sample aside,
//! an epoch's report during training, and comparing one class's samples as a card's props
//! do. Issue 14 asks that each cost the same at 10 and at 10 000.
//!
//! `cargo run --release --example state_scale`. Embeddings are zeros here: what is measured
//! is the state's bookkeeping, not the features (the real ones come from real photos).

use graft::project::{ClassRef, Sample};
use graft::state::teach::TeachAction;
use graft::state::training::{Progress, TrainAction};
use graft::state::{Action, State};
use graft::thumb::Thumb;
use graft::train::EpochStats;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Instant;

const CLASSES: usize = 50;

fn sample(id: u64) -> Sample {
    Sample {
        id,
        name: format!("IMG_{id:05}.jpg"),
        hash: format!("{id:064x}"),
        embedding: Rc::new(vec![0.0; 1280]),
        thumb: Thumb::default(),
    }
}

fn teach(state: &State, action: TeachAction) -> State {
    state.reduced(Action::Teach(action))
}

/// A project of `n` samples spread over `CLASSES` classes.
fn project(n: usize) -> State {
    let mut state = State::default();
    while state.teach.project.classes.len() < CLASSES {
        state = teach(&state, TeachAction::AddClass);
    }
    let ids: Vec<u32> = state.teach.project.classes.iter().map(|c| c.id).collect();
    for i in 0..n {
        let class = ClassRef::Id(ids[i % CLASSES]);
        state = teach(&state, TeachAction::SampleReady(class, sample(i as u64)));
    }
    state
}

/// Mean microseconds of `f` over `reps` calls.
fn time(reps: usize, mut f: impl FnMut(usize)) -> f64 {
    let started = Instant::now();
    for i in 0..reps {
        f(i);
    }
    started.elapsed().as_secs_f64() * 1e6 / reps as f64
}

fn main() {
    println!("samples  add (us)  rename (us)  set aside (us)  epoch report (us)  card props (us)");
    for n in [10, 1_000, 10_000] {
        let state = project(n);
        let class = state.teach.project.classes[0].id;
        let first = state.teach.project.classes[0].samples[0].id;
        let reps = 200;
        let add = time(reps, |i| {
            let s = sample(1_000_000 + i as u64);
            black_box(teach(
                &state,
                TeachAction::SampleReady(ClassRef::Id(class), s),
            ));
        });
        let rename = time(reps, |i| {
            black_box(teach(
                &state,
                TeachAction::Rename(class, format!("name {i}")),
            ));
        });
        let aside = time(reps, |_| {
            black_box(teach(&state, TeachAction::ToggleHeldOut(first)));
        });
        let stats = EpochStats {
            epoch: 1,
            loss: 0.5,
            accuracy: 0.5,
            val_loss: None,
            val_accuracy: None,
        };
        let progress = Progress::Epochs(vec![stats]);
        let report = time(reps, |_| {
            let action = TeachAction::Train(TrainAction::Progress(progress.clone()));
            black_box(teach(&state, action));
        });
        let copy = state.clone();
        let props = time(reps, |_| {
            black_box(
                copy.teach.project.classes[0].samples == state.teach.project.classes[0].samples,
            );
        });
        println!(
            "{n:>7}  {add:>8.1}  {rename:>11.1}  {aside:>14.1}  {report:>17.1}  {props:>15.2}"
        );
    }
}
