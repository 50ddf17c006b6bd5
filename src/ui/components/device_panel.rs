//! Shows which device runs the tensors, the self-test result, or why start-up failed.

use crate::state::Startup;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DevicePanelProps {
    pub startup: Startup,
}

/// The "Compute device" setting: reloads the page with `?device=` (the same switch tests use).
fn device_setting() -> Html {
    let current = crate::web::query_param("device").unwrap_or_default();
    let on_change = Callback::from(|e: Event| {
        if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            let value = input.value();
            crate::web::reload_with_param("device", (value != "auto").then_some(value.as_str()));
        }
    });
    let choice = |value: &'static str, label: &'static str| {
        let checked = current == value || (value == "auto" && current.is_empty());
        html! {
            <label>
                <input type="radio" name="device" {value} {checked} onchange={on_change.clone()} />
                { label }
            </label>
        }
    };
    html! {
        <fieldset class="setting">
            <legend>{ "Compute device" }</legend>
            { choice("auto", "Automatic (a hardware GPU, else the CPU)") }
            { choice("webgpu", "WebGPU, even a software adapter") }
            { choice("cpu", "CPU") }
        </fieldset>
    }
}

#[component]
pub fn DevicePanel(props: &DevicePanelProps) -> Html {
    let setting = device_setting();
    let body = match &props.startup {
        Startup::Starting => html! {
            <section class="device" aria-busy="true">
                <p id="device-status" data-device="starting">{ "Starting the compute device…" }</p>
            </section>
        },
        Startup::Ready { info, report } => {
            let verdict = if report.passed { "passed" } else { "FAILED" };
            html! {
                <section class="device">
                    <p id="device-status" data-device={info.short_name()}>
                        <span class="label">{ "Device: " }</span>{ info.to_string() }
                    </p>
                    <p id="selftest" data-passed={report.passed.to_string()}
                       data-max-error={report.max_abs_error.to_string()}
                       data-checksum={report.checksum.to_string()}>
                        { format!("Self-test {verdict}: {}, max error {:.1e} (tolerance {:.0e})",
                                  report.description, report.max_abs_error, report.tolerance) }
                    </p>
                </section>
            }
        }
        Startup::Failed { message, hint } => html! {
            <section class="device error" role="alert" id="startup-error">
                <p id="device-status" data-device="failed"><strong>{ "Could not start: " }</strong>{ message }</p>
                <p>{ hint }</p>
            </section>
        },
    };
    html! { <>{ body }{ setting }</> }
}
