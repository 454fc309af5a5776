//! `ssd`: the app's Site ID lookup at the profile's path; `port_of_node` checks that the
//! base URL an app builds from the reply (scheme, host, port, context) is that node's
//! (CLI-1).

use serde::Deserialize;

use super::StepAction;
use super::common::judge;
use crate::codec::SsdSettings;
use crate::runner::case::{CaseRun, StepResult};
use crate::scenario::step::{Shared, Step};

/// `{ do = "ssd", site_id, port_of_node?, expect?, non_strict? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssd {
    /// The Site ID.
    pub site_id: String,
    /// A PASS must name this node's port.
    #[serde(default)]
    pub port_of_node: Option<u16>,
}

impl StepAction for Ssd {
    const SHARED: &'static [Shared] = &[Shared::Expect, Shared::NonStrict];

    fn nodes(&self, _step: &Step) -> Vec<u16> {
        self.port_of_node.into_iter().collect()
    }

    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult> {
        let site = run.vars.expand(&self.site_id)?;
        let root = run.node(1)?.root_url();
        let x = run.client.ssd_lookup(&root, &site).await;
        let result = run.take_exchange(step, &x, &format!("Site ID lookup of {site}"));
        let (StepResult::Pass { .. }, Some(k)) = (&result, self.port_of_node) else {
            return Ok(result);
        };
        // CLI-1: the app uses exactly the scheme, host, port and context returned, so
        // they must name this node.
        let want = run.node(k)?.base_url.clone();
        let got = x
            .reply
            .as_ref()
            .and_then(|r| r.ssd.as_ref())
            .map(SsdSettings::base_url);
        Ok(judge(
            got.as_deref() == Some(want.as_str()),
            format!("settings from which an app builds {want}"),
            match got {
                Some(url) => format!("settings from which an app builds {url}"),
                None => "no settings".to_string(),
            },
        ))
    }
}
