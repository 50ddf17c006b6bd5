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
    let solver = {
        let refused = props.settings.refusal("solver");
        let onchange = props.on_change.reform(|e: Event| {
            let text = e
                .target_dyn_into::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            ("solver".to_string(), text)
        });
        html! {
            <div class="field" data-key="solver">
                <label for="setting-solver">{ "Solver" }</label>
                <select id="setting-solver" {onchange} disabled={props.disabled}
                        aria-invalid={refused.is_some().to_string()} aria-describedby="help-solver error-solver">
                    { for Solver::ALL.iter().map(|s| html! {
                        <option value={s.key()} selected={*s == config.solver}>{ s.label() }</option>
                    }) }
                </select>
                <small id="help-solver">{ "L-BFGS fits a linear head to convergence (the measured best, and the same answer at 2 photos a class as at 200); Adam trains in epochs, for a hidden layer or fine-tuning." }</small>
                if let Some((_, _, why)) = refused {
                    <small id="error-solver" class="error" role="alert">{ why }</small>
                }
            </div>
        }
    };
    let method = {
        let refused = props.settings.refusal("method");
        let onchange = props.on_change.reform(|e: Event| {
            let text = e
                .target_dyn_into::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            ("method".to_string(), text)
        });
        html! {
            <div class="field" data-key="method">
                <label for="setting-method">{ "Method" }</label>
                <select id="setting-method" {onchange} disabled={props.disabled}
                        aria-invalid={refused.is_some().to_string()} aria-describedby="help-method error-method">
                    { for Method::ALL.iter().map(|m| html! {
                        <option value={m.key()} selected={*m == config.method}>{ m.label() }</option>
                    }) }
                </select>
                <small id="help-method">{ "Prototypes need no training and did best on everyday photos; a fitted head did best on drawings and scans. Auto measures both on your photos and keeps the better." }</small>
                if let Some((_, _, why)) = refused {
                    <small id="error-method" class="error" role="alert">{ why }</small>
                }
            </div>
        }
    };
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
