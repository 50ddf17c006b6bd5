//! Training settings: one number field per setting, with its range and a line saying what
//! it does; a refused value is shown at its field with the allowed range.

use crate::train::settings::Settings;
use crate::train::{FIELDS, Method, Solver};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsPanelProps {
    pub settings: Settings,
    pub disabled: bool,
    /// `(field key, text as typed)`.
    pub on_change: Callback<(String, String)>,
    pub on_reset: Callback<()>,
}

#[component]
pub fn SettingsPanel(props: &SettingsPanelProps) -> Html {
    let config = &props.settings.config;
    let solver = choice(
        props,
        ("solver", "Solver"),
        Solver::ALL
            .iter()
            .map(|s| (s.key(), s.label(), *s == config.solver)),
        "L-BFGS fits a linear head to convergence (the measured best, and the same answer at 2 photos a class as at 200); Adam trains in epochs, for a hidden layer or fine-tuning.",
    );
    let method = choice(
        props,
        ("method", "Method"),
        Method::ALL
            .iter()
            .map(|m| (m.key(), m.label(), *m == config.method)),
        "Prototypes need no training and did best on everyday photos; a fitted head did best on drawings and scans. Auto measures prototypes, the head, the head with augmented views and fine-tuning 1 to 3 blocks from the head (LP-FT), cheapest first within its time budget, and keeps the best, showing a table of what it tried.",
    );
    let fields = FIELDS.iter().map(|f| {
        // A setting of the other solver is shown, unused, and cannot be changed.
        let other = f.solver.filter(|s| *s != config.solver);
        let refused = props.settings.refusal(f.key);
        let value = match refused {
            Some((_, text, _)) => text.clone(),
            None => props.settings.config.get(f.key).map(|v| v.to_string()).unwrap_or_default(),
        };
        let key = f.key.to_string();
        let onchange = props.on_change.reform(move |e: Event| {
            let text = e
                .target_dyn_into::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            (key.clone(), text)
        });
        let (help_id, error_id) = (format!("help-{}", f.key), format!("error-{}", f.key));
        let step = if f.integer { "1" } else { "any" };
        html! {
            <div class="field" data-key={f.key}>
                <label for={format!("setting-{}", f.key)}>{ f.label }</label>
                <input id={format!("setting-{}", f.key)} type="number" min={f.min.to_string()} max={f.max.to_string()}
                       {step} {value} {onchange} disabled={props.disabled || other.is_some()}
                       title={other.map(|s| format!("A setting of the {} solver", s.key()))}
                       aria-invalid={refused.is_some().to_string()}
                       aria-describedby={if refused.is_some() { format!("{error_id} {help_id}") } else { help_id.clone() }} />
                <small id={help_id}>{ format!("{} ({} to {})", f.help, f.min, f.max) }</small>
                if let Some((_, _, why)) = refused {
                    <small id={error_id} class="error" role="alert">{ why }</small>
                }
            </div>
        }
    });
    html! {
        <details class="settings">
            <summary>{ "Settings" }</summary>
            <div class="fields">{ method }{ solver }{ for fields }</div>
            <button onclick={props.on_reset.reform(|_| ())} disabled={props.disabled}>{ "Reset settings" }</button>
        </details>
    }
}

/// A setting chosen from a list (`key`, shown as `label`): each option's key, label and
/// whether it is the one set; a refused choice is shown at the field.
fn choice<'a>(
    props: &SettingsPanelProps,
    (key, label): (&'static str, &'static str),
    options: impl Iterator<Item = (&'a str, &'a str, bool)>,
    help: &'static str,
) -> Html {
    let refused = props.settings.refusal(key);
    let onchange = props.on_change.reform(move |e: Event| {
        let text = e
            .target_dyn_into::<HtmlSelectElement>()
            .map(|s| s.value())
            .unwrap_or_default();
        (key.to_string(), text)
    });
    let (id, help_id, error_id) = (
        format!("setting-{key}"),
        format!("help-{key}"),
        format!("error-{key}"),
    );
    html! {
        <div class="field" data-key={key}>
            <label for={id.clone()}>{ label }</label>
            <select {id} {onchange} disabled={props.disabled}
                    aria-invalid={refused.is_some().to_string()} aria-describedby={format!("{help_id} {error_id}")}>
                { for options.map(|(value, text, selected)| html! {
                    <option value={value.to_string()} {selected}>{ text }</option>
                }) }
            </select>
            <small id={help_id}>{ help }</small>
            if let Some((_, _, why)) = refused {
                <small id={error_id} class="error" role="alert">{ why }</small>
            }
        </div>
    }
}
