//! The step actions, one module per action (as mini-redis's `cmd/`): `<name>.rs` holds
//! the action's fields (read by serde), what it needs of the target, the nodes it
//! addresses, its load-time checks, its run and its grading. [`actions!`] turns the list
//! below into the [`Action`] enum and everything dispatched on it (name, parse, needs,
//! nodes, checks, run), so adding an action is one new file and one line in that list.
//! [`common`] holds what several actions share (grading an exchange, control-API errors).

pub(crate) mod common;

use serde::de::DeserializeOwned;

use super::case::{CaseRun, StepResult};
use crate::report::TranscriptEntry;
use crate::scenario::Capability;
use crate::scenario::step::{Shared, Step, parse_as};
use crate::verdict::Verdict;

/// What every action provides besides its fields. Defaults fit an action that takes no
/// envelope field, needs nothing of the target and addresses `node` (if it takes it).
pub(crate) trait StepAction: DeserializeOwned + Into<Action> {
    /// The envelope fields the action takes, beyond its own (`node`, `expect`, …).
    const SHARED: &'static [Shared] = &[];
    /// `expect` when the step gives none, for an action that takes it.
    const DEFAULT_EXPECT: &'static str = "PASS";
    /// What the target must offer for the step to run; a case needing what its target
    /// lacks is SKIPPED.
    const NEEDS: &'static [Capability] = &[];

    /// What this step needs of the target: [`Self::NEEDS`], unless what it needs depends
    /// on its fields (a refusal to see, a log line only one route writes).
    fn needs(&self, _step: &Step) -> Vec<Capability> {
        Self::NEEDS.to_vec()
    }

    /// Every node the step addresses, checked against the case's server at load.
    fn nodes(&self, step: &Step) -> Vec<u16> {
        step.node.into_iter().collect()
    }

    /// Checks at load beyond the fields' types.
    fn check(&self, _step: &Step) -> Result<(), String> {
        Ok(())
    }

    /// Takes the step and grades it; `Err` ends the step early with its result (so `?`
    /// works on unset variables and unreachable targets).
    async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> Result<StepResult, StepResult>;
}

/// Declares the action modules and the [`Action`] enum over them, and dispatches every
/// [`StepAction`] item through it. Each line is `module => Type,`; the module's name is
/// the action's name in a suite (`do = "module"`).
macro_rules! actions {
    ($($module:ident => $action:ident,)+) => {
        $(pub mod $module;)+

        /// What a step does: one variant per action, each the action's own fields.
        #[derive(Debug, Clone)]
        pub enum Action {
            $(
                #[doc = concat!("`do = \"", stringify!($module), "\"`")]
                $action($module::$action),
            )+
        }

        $(
            impl From<$module::$action> for Action {
                fn from(action: $module::$action) -> Self {
                    Action::$action(action)
                }
            }
        )+

        impl Action {
            /// Every action's name, as `do =` spells it.
            pub const NAMES: &[&str] = &[$(stringify!($module)),+];

            /// The action's name, as `do =` spells it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Action::$action(_) => stringify!($module),)+
                }
            }

            /// What the target must offer for the step to run.
            pub fn needs(&self, step: &Step) -> Vec<Capability> {
                match self {
                    $(Action::$action(a) => a.needs(step),)+
                }
            }

            /// Reads the step of action `name` from its other fields; `None` when no
            /// action has that name.
            pub(crate) fn parse(name: &str, table: toml::Table) -> Option<Result<Step, String>> {
                match name {
                    $(stringify!($module) => Some(parse_as::<$module::$action>(name, table)),)+
                    _ => None,
                }
            }

            pub(crate) fn nodes(&self, step: &Step) -> Vec<u16> {
                match self {
                    $(Action::$action(a) => a.nodes(step),)+
                }
            }

            pub(crate) fn check(&self, step: &Step) -> Result<(), String> {
                match self {
                    $(Action::$action(a) => a.check(step),)+
                }
            }

            async fn run(&self, step: &Step, run: &mut CaseRun<'_>) -> StepResult {
                let result = match self {
                    $(Action::$action(a) => a.run(step, run).await,)+
                };
                result.unwrap_or_else(|early| early)
            }
        }
    };
}

actions! {
    // control actions, through the target's control API
    delete_user => DeleteUser,
    set_policy => SetPolicy,
    expect_policy => ExpectPolicy,
    reprovision => Reprovision,
    read_code => ReadCode,
    expect_outbox => ExpectOutbox,
    advance => Advance,
    expect_log => ExpectLog,
    expect_log_explained => ExpectLogExplained,
    mark_log => MarkLog,
    expect_syslog => ExpectSyslog,
    // mobile actions, through the emulator
    provision => Provision,
    strings => Strings,
    token_index => TokenIndex,
    login => Login,
    ping => Ping,
    ssd => Ssd,
    self_provision => SelfProvision,
    qr_code => QrCode,
    get => Get,
    raw => Raw,
    concurrent_provision => ConcurrentProvision,
    concurrently => Concurrently,
    // checks on captured values
    check_strings => CheckStrings,
    check_policies_shape => CheckPoliciesShape,
    check_policy => CheckPolicy,
    check_codes => CheckCodes,
    contains => Contains,
    oracle => Oracle,
}

impl CaseRun<'_> {
    /// Runs one step, grades it and records the grading.
    pub(crate) async fn run_step(&mut self, step: &Step) -> StepResult {
        let result = step.action.run(step, self).await;
        self.record_check(step.name(), &result);
        result
    }

    /// Adds the step's grading to the transcript.
    fn record_check(&mut self, what: &str, result: &StepResult) {
        let (expected, actual, verdict) = match result {
            StepResult::Pass { expected, actual } => (expected, actual, Verdict::Pass),
            StepResult::NonStrict { expected, actual } => (expected, actual, Verdict::NonStrict),
            StepResult::Violation { expected, actual } => {
                (expected, actual, Verdict::violation_at(self.case.level))
            }
            StepResult::Inconclusive(_) | StepResult::Unset(_) => return,
        };
        self.transcript.push(TranscriptEntry::Check {
            step: self.step,
            what: what.to_string(),
            expected: expected.clone(),
            actual: actual.clone(),
            verdict,
        });
    }
}
