//! Training settings: one number field per setting, with its range and a line saying what
//! it does; a refused value is shown at its field with the allowed range.

use crate::train::FIELDS;
use crate::train::settings::Settings;
use web_sys::HtmlInputElement;
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
    let fields = FIELDS.iter().map(|f| {
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
                       {step} {value} {onchange} disabled={props.disabled}
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
            <div class="fields">{ for fields }</div>
            <button onclick={props.on_reset.reform(|_| ())} disabled={props.disabled}>{ "Reset settings" }</button>
        </details>
    }
}
