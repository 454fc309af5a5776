//! The live state of a certification run, shared by the server's tap (observations), the
//! driver (steps), the tester's channels (console, `--auto` answers, the self-test) and
//! the console's view. One std `Mutex`, held for short sections and never across an
//! `.await`; every change bumps a version on a `watch` channel that waiters and the
//! console's long poll follow.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::conformance::Conformance;
use super::observe::{Observed, Seen};
use super::plan::Plan;
use crate::profile::WireProfile;
use crate::report::CaseReport;
use swivel_reference_server::domain::Core;

/// Screenshots kept per step, and the largest one.
pub const MAX_SCREENSHOTS: usize = 5;
/// Largest screenshot accepted, bytes.
pub const MAX_SCREENSHOT_BYTES: usize = 5 * 1024 * 1024;

/// What the tester saw when the app refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "seen", content = "text")]
pub enum MessageSeen {
    /// Exactly the §8 message the step names.
    Shown,
    /// Another message (its text).
    Other(String),
    /// No message; the app seemed to carry on.
    Nothing,
}

/// One answer of the tester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Answer {
    /// The OTC the app showed (with its two-digit index).
    Otc(String),
    /// The app showed no OTC when asked.
    NoOtc,
    /// What the app showed.
    Message(MessageSeen),
    /// The tester is done with the step.
    Done,
}

/// An answer as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerRecord {
    /// Milliseconds since the run started.
    pub at_ms: u64,
    /// Observations recorded before it (it came after observation `after_seq - 1`).
    pub after_seq: u64,
    /// The answer.
    pub answer: Answer,
    /// `console`, `auto` or `self-test`.
    pub source: String,
    /// For an OTC: what the server said when it was presented (as a login would).
    pub server: Option<String>,
}

/// A screenshot the tester uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screenshot {
    /// File name in the bundle.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Where a step stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "reason")]
pub enum StepStatus {
    /// Not reached.
    Waiting,
    /// Being done.
    Active,
    /// Finished and judged.
    Done,
    /// Not run (an unclaimed feature).
    Skipped(String),
}

/// What the tester is shown for a step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Presentation {
    /// The instruction with its placeholders filled.
    pub instruction: String,
    /// The code to enter, if any.
    pub code: Option<String>,
    /// The complete Provision URL, if the step gives one.
    pub link: Option<String>,
    /// The §8 message to confirm.
    pub message: Option<String>,
    /// OTCs asked.
    pub otcs: u32,
    /// What the server did to prepare the step.
    pub notes: Vec<String>,
}

/// One step's record.
#[derive(Debug, Clone)]
pub struct StepState {
    /// Where it stands.
    pub status: StepStatus,
    /// When it started and ended (ms since the run started).
    pub started_ms: Option<u64>,
    /// End.
    pub ended_ms: Option<u64>,
    /// What the tester was shown.
    pub presentation: Presentation,
    /// The answers.
    pub answers: Vec<AnswerRecord>,
    /// Uploaded screenshots.
    pub screenshots: Vec<Screenshot>,
}

/// Facts of the run the judges and the console need.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The run id.
    pub run_id: String,
    /// The user the app provisions.
    pub username: String,
    /// Their PIN.
    pub pin: String,
    /// Their e-mail address.
    pub email: String,
    /// The agent secret (never in a report).
    pub agent_secret: String,
    /// The Site ID of the app's server.
    pub site_id: String,
    /// The Site ID whose server is the untrusted port.
    pub untrusted_site_id: String,
    /// `https` or `http` (`--http`): what the SSD tells the app.
    pub scheme: String,
    /// Host the SSD names.
    pub host: String,
    /// The app's port.
    pub port: u16,
    /// The context.
    pub context: String,
    /// The untrusted port.
    pub untrusted_port: u16,
    /// `<scheme>://<host>:<port>`: where the SSD lives.
    pub ssd_root: String,
    /// Base of complete URLs.
    pub complete_url_base: String,
    /// The wire profile.
    pub profile: Arc<WireProfile>,
}

impl Facts {
    /// The app's node base URL.
    pub fn base_url(&self) -> String {
        format!("{}/{}", self.ssd_root, self.context)
    }

    /// The untrusted port's node base URL (always https).
    pub fn untrusted_url(&self) -> String {
        format!(
            "https://{}:{}/{}",
            self.host, self.untrusted_port, self.context
        )
    }
}

/// Everything behind the lock.
#[derive(Debug)]
pub struct SessionState {
    /// One per plan step.
    pub steps: Vec<StepState>,
    /// Every observation, in order.
    pub observed: Vec<Observed>,
    /// The active step.
    pub active: Option<usize>,
    /// Cases judged so far.
    pub cases: Vec<CaseReport>,
    /// Answers for steps not active yet (`--auto` files give them ahead).
    pub queued: Vec<(String, Answer, String)>,
    /// Whether the run has ended.
    pub finished: bool,
    /// Self-test only: the emulated phone's screen.
    pub phone: Option<PhoneView>,
}

/// What the self-test phone shows, for the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneView {
    /// The step it acted for.
    pub step: String,
    /// Its screen.
    pub screen: String,
    /// Whether it waits for the tester now.
    pub ready: bool,
    /// Bumped on every change.
    pub seq: u64,
}

/// A refused answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnswerError {
    /// No such step.
    #[error("no step {0:?} in the plan")]
    UnknownStep(String),
    /// The step was judged already.
    #[error("step {0:?} is over")]
    StepOver(String),
    /// Too many or too large screenshots.
    #[error("screenshot refused: {0}")]
    Screenshot(String),
}

/// The shared run.
#[derive(Debug)]
pub struct Session {
    state: Mutex<SessionState>,
    version: watch::Sender<u64>,
    started: Instant,
    /// The plan.
    pub plan: Plan,
    /// The statement.
    pub conformance: Conformance,
    /// The run's facts.
    pub facts: Facts,
    core: Core,
}

impl Session {
    /// A run of `plan` for `conformance`; OTC answers are presented to `core`.
    pub fn new(plan: Plan, conformance: Conformance, facts: Facts, core: Core) -> Arc<Self> {
        let steps = plan
            .steps
            .iter()
            .map(|_| StepState {
                status: StepStatus::Waiting,
                started_ms: None,
                ended_ms: None,
                presentation: Presentation::default(),
                answers: Vec::new(),
                screenshots: Vec::new(),
            })
            .collect();
        // From 1, so that a reader asking for anything newer than 0 gets the state at once.
        let (version, _) = watch::channel(1);
        Arc::new(Self {
            state: Mutex::new(SessionState {
                steps,
                observed: Vec::new(),
                active: None,
                cases: Vec::new(),
                queued: Vec::new(),
                finished: false,
                phone: None,
            }),
            version,
            started: Instant::now(),
            plan,
            conformance,
            facts,
            core,
        })
    }

    /// The server's core.
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// The state, locked (keep the guard short; never across an `.await`).
    pub fn lock(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Milliseconds since the run started.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// How long the run has taken.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Tells waiters something changed.
    pub fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// Follows changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Records what the server saw.
    pub fn observe(&self, seen: Seen) {
        let at_ms = self.now_ms();
        {
            let mut state = self.lock();
            let seq = state.observed.len() as u64;
            let step = state.active;
            state.observed.push(Observed {
                seq,
                at_ms,
                step,
                seen,
            });
        }
        self.bump();
    }

    /// The index of step `id`.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.plan.steps.iter().position(|s| s.id == id)
    }

    /// Records an answer for step `step_id`: applied at once when the step is active,
    /// queued when it is still to come. An OTC is also presented to the server as a login
    /// would present it, and what the server said is kept with it.
    pub fn answer(&self, step_id: &str, answer: Answer, source: &str) -> Result<(), AnswerError> {
        let index = self
            .step_index(step_id)
            .ok_or_else(|| AnswerError::UnknownStep(step_id.to_string()))?;
        {
            let mut state = self.lock();
            match state.steps.get(index).map(|s| &s.status) {
                Some(StepStatus::Waiting) => {
                    state
                        .queued
                        .push((step_id.to_string(), answer, source.to_string()));
                    return Ok(());
                }
                Some(StepStatus::Active) => {}
                _ => return Err(AnswerError::StepOver(step_id.to_string())),
            }
        }
        self.apply(index, answer, source);
        Ok(())
    }

    fn apply(&self, index: usize, answer: Answer, source: &str) {
        let server = match &answer {
            Answer::Otc(otc) => {
                let otc: String = otc.chars().filter(|c| !c.is_whitespace()).collect();
                Some(
                    match self.core.agent_login(1u16, &self.facts.username, &otc) {
                        Ok(()) => "the server accepted it (login PASS)".to_string(),
                        Err(e) => format!("the server refused it: {e}"),
                    },
                )
            }
            _ => None,
        };
        let at_ms = self.now_ms();
        {
            let mut state = self.lock();
            let after_seq = state.observed.len() as u64;
            if let Some(step) = state.steps.get_mut(index) {
                step.answers.push(AnswerRecord {
                    at_ms,
                    after_seq,
                    answer,
                    source: source.to_string(),
                    server,
                });
            }
        }
        self.bump();
    }

    /// Starts step `index` with what the tester is shown; queued answers for it apply.
    pub fn activate(&self, index: usize, presentation: Presentation) {
        let at = self.now_ms();
        let queued = {
            let mut state = self.lock();
            state.active = Some(index);
            if let Some(step) = state.steps.get_mut(index) {
                step.status = StepStatus::Active;
                step.started_ms = Some(at);
                step.presentation = presentation;
            }
            let id = self.plan.steps.get(index).map(|s| s.id.clone());
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut state.queued)
                .into_iter()
                .partition(|(s, _, _)| Some(s) == id.as_ref());
            state.queued = rest;
            mine
        };
        self.bump();
        for (_, answer, source) in queued {
            self.apply(index, answer, &source);
        }
    }

    /// Ends step `index` with its judged cases.
    pub fn complete(&self, index: usize, status: StepStatus, cases: Vec<CaseReport>) {
        let at = self.now_ms();
        {
            let mut state = self.lock();
            if state.active == Some(index) {
                state.active = None;
            }
            if let Some(step) = state.steps.get_mut(index) {
                step.status = status;
                step.ended_ms = Some(at);
            }
            state.cases.extend(cases);
        }
        self.bump();
    }

    /// Keeps a screenshot for step `step_id`.
    pub fn screenshot(&self, step_id: &str, bytes: Vec<u8>) -> Result<String, AnswerError> {
        let index = self
            .step_index(step_id)
            .ok_or_else(|| AnswerError::UnknownStep(step_id.to_string()))?;
        let ext = if bytes.starts_with(b"\x89PNG") {
            "png"
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            "jpg"
        } else {
            return Err(AnswerError::Screenshot("only PNG or JPEG images".into()));
        };
        if bytes.len() > MAX_SCREENSHOT_BYTES {
            return Err(AnswerError::Screenshot(format!(
                "larger than {MAX_SCREENSHOT_BYTES} bytes"
            )));
        }
        let name = {
            let mut state = self.lock();
            let Some(step) = state.steps.get_mut(index) else {
                return Err(AnswerError::UnknownStep(step_id.to_string()));
            };
            if step.screenshots.len() >= MAX_SCREENSHOTS {
                return Err(AnswerError::Screenshot(format!(
                    "at most {MAX_SCREENSHOTS} per step"
                )));
            }
            let name = format!("{step_id}-{}.{ext}", step.screenshots.len() + 1);
            step.screenshots.push(Screenshot {
                name: name.clone(),
                bytes,
            });
            name
        };
        self.bump();
        Ok(name)
    }

    /// Self-test: what the emulated phone shows now, for step `step`; `ready` when it
    /// waits for the tester.
    pub fn set_phone(&self, step: &str, screen: &str, ready: bool) {
        {
            let mut state = self.lock();
            let seq = state.phone.as_ref().map_or(1, |p| p.seq + 1);
            state.phone = Some(PhoneView {
                step: step.to_string(),
                screen: screen.to_string(),
                ready,
                seq,
            });
        }
        self.bump();
    }

    /// Marks the run ended.
    pub fn finish(&self, cases: Vec<CaseReport>) {
        {
            let mut state = self.lock();
            state.cases.extend(cases);
            state.finished = true;
            state.active = None;
        }
        self.bump();
    }
}
