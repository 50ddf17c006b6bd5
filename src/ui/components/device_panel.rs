//! Shows which device runs the tensors, the self-test result, or why start-up failed.

use crate::ui::state::Startup;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DevicePanelProps {
    pub startup: Startup,
}

#[component]
pub fn DevicePanel(props: &DevicePanelProps) -> Html {
    match &props.startup {
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
    }
}
