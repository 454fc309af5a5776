//! What the benches share: the users they create, codes issued through the core, a
//! provisioned device, and the mobile-3.6 request bodies the app sends.

use std::error::Error;

use swivel_reference_server::domain::Core;
use swivel_reference_server::domain::provision::ProvisionRequest;
use swivel_reference_server::domain::users::{Transport, TransportKind, UserSpec};

/// The benches' error type.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// A user with the Mobile Client right and an e-mail alert transport.
pub fn user_spec(name: &str) -> UserSpec {
    UserSpec {
        username: name.to_string(),
        pin: "1234".to_string(),
        mobile_client: true,
        groups: None,
        alert_transport: Some(Transport {
            kind: TransportKind::Email,
            destination: format!("{name}@example.test"),
        }),
        string_transport: None,
    }
}

/// Reprovisions `name` on node 1 and reads the new code from the outbox.
pub fn issue_code(core: &Core, name: &str) -> Result<String, BoxError> {
    core.admin_reprovision(1, name)?;
    core.outbox(Some(name), 8)
        .into_iter()
        .rev()
        .find_map(|m| m.code)
        .ok_or_else(|| format!("no provision code in {name}'s outbox").into())
}

/// Reprovision, then provision through the core with `device_info`; the device id.
pub fn provision(core: &Core, name: &str, device_info: Option<&str>) -> Result<String, BoxError> {
    let code = issue_code(core, name)?;
    let done = core.provision(
        1,
        &ProvisionRequest {
            username: name.to_string(),
            code,
            device_info: device_info.map(str::to_string),
        },
    )?;
    Ok(done.device_id)
}

/// The app's strings request: `<Id>` alone (mobile-3.6).
pub fn strings_xml(device: &str) -> String {
    format!(
        "<SASRequest><Version>3.6</Version><Action>SecurityStrings</Action><Id>{device}</Id></SASRequest>"
    )
}

/// The app's provision request: lowercase action, no DeviceOS (mobile-3.6).
pub fn provision_xml(user: &str, code: &str) -> String {
    format!(
        "<SASRequest><Version>3.6</Version><Action>provision</Action><Username>{user}</Username><ProvisionCode>{code}</ProvisionCode></SASRequest>"
    )
}
