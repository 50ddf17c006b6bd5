//! Training: settings, the Train and Stop buttons, the fit's progress or live curves per
//! epoch, and the outcome.

use super::auto_table::AutoTable;
use super::curves::Curves;
use super::settings_panel::SettingsPanel;
use crate::state::training::{Outcome, Training};
use crate::train::settings::Settings;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TrainPanelProps {
    pub training: Training,
    pub settings: Settings,
    pub ready: bool,
    pub busy: bool,
    pub device: AttrValue,
    pub on_train: Callback<()>,
    pub on_stop: Callback<()>,
    pub on_setting: Callback<(String, String)>,
    pub on_reset: Callback<()>,
}

#[component]
pub fn TrainPanel(props: &TrainPanelProps) -> Html {
    let running = matches!(
        props.training,
        Training::Running { .. } | Training::Preparing { .. } | Training::Fitting { .. }
    );
    let pct = |v: f32| format!("{:.0} %", v * 100.0);
    let status = match &props.training {
        Training::Idle => html! { <p class="muted">{ "Not trained yet." }</p> },
        Training::Preparing { done, total } => html! {
            <div aria-live="polite">
                <progress max={total.to_string()} value={done.to_string()} aria-label="Preparation progress" />
                <p id="train-preparing">{ format!("Preparing the images (activations for the tuned blocks, augmented views): {done} of {total}…") }</p>
            </div>
        },
        Training::Fitting {
            done,
            total,
            notice,
        } => html! {
            <div aria-live="polite">
                { notice_line(notice) }
                <progress max={total.to_string()} value={done.to_string()} aria-label="Training progress" />
                <p id="train-fitting">{ match total - 1 {
                    0 => "Fitting the head to convergence…".to_string(),
                    k if done < total => format!("Cross-validating: fold {} of {k}…", done + 1),
                    _ => "Fitting the head to every image…".to_string(),
                } }</p>
            </div>
        },
        Training::Running {
            epochs,
            history,
            notice,
        } => {
            let last = history.last();
            html! {
                <div aria-live="polite">
                    { notice_line(notice) }
                    <progress max={epochs.to_string()} value={last.map_or(0, |s| s.epoch).to_string()} aria-label="Training progress" />
                    <p>{ match last {
                        Some(s) => format!("Epoch {} of {epochs}: loss {:.4}, training accuracy {}{}", s.epoch, s.loss, pct(s.accuracy),
                            s.val_accuracy.map(|v| format!(", validation accuracy {}", pct(v))).unwrap_or_default()),
                        None => format!("Training up to {epochs} epochs…"),
                    } }</p>
                    <Curves history={history.clone()} epochs={*epochs} />
                </div>
            }
        }
        Training::Done(o) if o.fit.is_some() => fit_result(o),
        Training::Done(o) if o.temperature.is_some() => prototypes_result(o),
        Training::Done(o) => {
            let how = match (o.stopped, o.early) {
                (true, true) => format!(
                    "Stopped early after {} epochs (no lower validation loss for {} epochs)",
                    o.epochs, props.settings.config.patience
                ),
                (true, false) => format!("Stopped after {} epochs", o.epochs),
                _ => format!("Trained after {} epochs", o.epochs),
            };
            let kept = o.kept().map(|s| match (s.val_loss, s.val_accuracy) {
                (Some(l), Some(a)) => format!("kept epoch {} (lowest validation loss {l:.4}, validation accuracy {}; training accuracy {})", s.epoch, pct(a), pct(s.accuracy)),
                _ => format!("loss {:.4}, training accuracy {}", s.loss, pct(s.accuracy)),
            });
            let folds = o.report.as_ref().map_or(0, |r| r.folds);
            let rows = match folds {
                0 => format!("{} training rows, {} held out", o.rows, o.held_out),
                k => format!(
                    "{} training rows; {} photos cross-validated over {k} folds, then trained on all",
                    o.rows, o.held_out
                ),
            };
            html! {
                <>
                    { notice_line(&o.notice) }
                    <p id="train-result" role="status" data-epochs={o.epochs.to_string()} data-best-epoch={o.best_epoch.to_string()}
                       data-rows={o.rows.to_string()} data-held-out={o.held_out.to_string()}
                       data-early={o.early.to_string()} data-loss={o.kept().map(|s| s.loss.to_string())} data-folds={folds.to_string()}>
                        { format!("{how} in {:.2} s ({rows}): {}.", o.ms / 1e3, kept.unwrap_or_default()) }
                    </p>
                    <Curves history={o.history.clone()} epochs={o.history.last().map_or(1, |s| s.epoch)} best_epoch={Some(o.best_epoch)} />
                </>
            }
        }
        Training::Failed(m) => html! { <p id="train-error" class="error" role="alert">{ m }</p> },
    };
    let auto = match &props.training {
        Training::Done(o) if !o.auto.is_empty() => html! { <AutoTable tried={o.auto.clone()} /> },
        _ => html! {},
    };
    let tasks = match &props.training {
        Training::Done(o) if !o.tasks.is_empty() => html! {
            <ul id="task-figures">{ for o.tasks.iter().map(task_figure) }</ul>
        },
        _ => html! {},
    };
    let refused = !props.settings.refused.is_empty();
    html! {
        <section class="card train" aria-labelledby="train-title">
            <h2 id="train-title">{ "Train" }</h2>
            <p class="muted">{ format!("A new classification head on the photos' features, on {}.", props.device) }</p>
            <SettingsPanel settings={props.settings.clone()} disabled={running}
                on_change={props.on_setting.clone()} on_reset={props.on_reset.clone()} />
            <div class="row">
                <button class="primary" onclick={props.on_train.reform(|_| ())} disabled={!props.ready || running || props.busy || refused}>{ "Train" }</button>
                <button onclick={props.on_stop.reform(|_| ())} disabled={!running}>{ "Stop" }</button>
            </div>
            if refused {
                <p class="error">{ "Fix the settings marked above to train." }</p>
            }
            { status }
            { auto }
            { tasks }
        </section>
    }
}

/// An L-BFGS run's outcome: how the fit ended and what it was measured on.
fn fit_result(o: &Outcome) -> Html {
    let Some(f) = &o.fit else {
        return html! {};
    };
    let ended = match f.converged {
        true => format!("Fitted to convergence in {} iterations", f.iterations),
        false => format!(
            "Stopped at the iteration limit ({}) before converging",
            f.iterations
        ),
    };
    let measured = match (f.folds, o.held_out) {
        (0, 0) => {
            "no validation figures (every class has one image, or Validation % is 0)".to_string()
        }
        (0, n) if f.refitted => {
            format!(
                "{n} held out to measure a head that did not train on them, then the head fitted to all"
            )
        }
        (0, n) => format!("{n} held out"),
        (k, n) => format!(
            "cross-validated over {k} folds: {n} images each predicted by a head that did not train on it, then the head fitted to all"
        ),
    };
    html! {
        <>
            { notice_line(&o.notice) }
            <p id="train-result" role="status" data-solver="lbfgs" data-iterations={f.iterations.to_string()}
               data-folds={f.folds.to_string()} data-converged={f.converged.to_string()}
               data-rows={o.rows.to_string()} data-held-out={o.held_out.to_string()}>
                { format!("{ended} in {:.2} s ({} training rows; {measured}).", o.ms / 1e3, o.rows) }
            </p>
        </>
    }
}

/// Prototypes' outcome: nothing trained, and what they were measured on.
fn prototypes_result(o: &Outcome) -> Html {
    let folds = o.report.as_ref().map_or(0, |r| r.folds);
    let measured = match (folds, o.held_out) {
        (0, 0) => "no validation figures (every class has one image)".to_string(),
        (0, n) => format!("measured on {n} held-out images"),
        (_, n) => format!("{n} images each measured against prototypes made without it"),
    };
    html! {
        <>
            { notice_line(&o.notice) }
            <p id="train-result" role="status" data-method="prototypes" data-rows={o.rows.to_string()}
               data-held-out={o.held_out.to_string()} data-folds={folds.to_string()}>
                { format!("Prototypes of {} images, nothing trained, in {:.2} s ({measured}).", o.rows, o.ms / 1e3) }
            </p>
        </>
    }
}

/// A further task's head after the run: how it did, or why it was not trained.
fn task_figure(f: &crate::state::training::TaskFigure) -> Html {
    let text = match (&f.skipped, f.accuracy) {
        (Some(why), _) => format!("Task '{}': not trained ({why}).", f.name),
        (None, Some(a)) => format!(
            "Task '{}': {:.1} % of its {} photos right ({}).",
            f.name,
            a * 100.0,
            f.photos,
            match f.folds {
                0 => "held out".to_string(),
                k => format!("{k}-fold cross-validation"),
            }
        ),
        (None, None) => format!(
            "Task '{}': trained on {} photos (none to measure on).",
            f.name, f.photos
        ),
    };
    html! { <li class="task-figure" data-task={f.name.clone()} data-accuracy={f.accuracy.map(|a| a.to_string()).unwrap_or_default()}>{ text }</li> }
}

/// A run's notice (the GPU was lost and it went on on the CPU), if it has one.
fn notice_line(notice: &Option<String>) -> Html {
    match notice {
        Some(text) => html! { <p id="train-notice" class="notice" role="alert">{ text }</p> },
        None => html! {},
    }
}
