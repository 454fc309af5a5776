//! Running one case: prepare the target, create the case's users, run the steps in order
//! grading each, and keep a transcript. The first violation decides the verdict and ends
//! the case (later steps depend on earlier ones); NON-STRICT steps are noted and the case
//! goes on. Transport failures make the case INCONCLUSIVE.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::emulator::{Endpoint, MobileClient};
use crate::redact::{Redactor, SecretKind};
use crate::report::TranscriptEntry;
use crate::scenario::vars::{UnsetVariable, Vars};
use crate::scenario::{Capability, Case, UserDecl};
use crate::sut::backstage::{CreatedUser, NewTransport, NewUser};
use crate::sut::{CaseEnv, PrepareError, TargetSpec};
use crate::verdict::{Level, Verdict};

/// What one step concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepResult {
    /// As required.
    Pass {
        /// What was required.
        expected: String,
        /// What happened.
        actual: String,
    },
    /// Acceptable but lax.
    NonStrict {
        /// What was required.
        expected: String,
        /// What happened.
        actual: String,
    },
    /// The rule was broken.
    Violation {
        /// What was required.
        expected: String,
        /// What happened.
        actual: String,
    },
    /// The step could not be judged (transport error, harness-side problem).
    Inconclusive(String),
    /// The step needs a value an earlier step did not capture.
    Unset(UnsetVariable),
}

impl From<UnsetVariable> for StepResult {
    fn from(e: UnsetVariable) -> Self {
        StepResult::Unset(e)
    }
}

/// The result of one attempt at a case.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// Verdict.
    pub verdict: Verdict,
    /// Why, when not PASS.
    pub reason: Option<String>,
    /// Expected at the deciding step.
    pub expected: String,
    /// Actual at the deciding step.
    pub actual: String,
    /// Redacted transcript.
    pub transcript: Vec<TranscriptEntry>,
    /// Wall time.
    pub duration: Duration,
    /// The step (1-based) whose violation or NON-STRICT outcome decided the verdict.
    pub deciding_step: Option<usize>,
}

/// A user of the running case.
#[derive(Debug, Clone)]
pub struct CaseUser {
    /// Real username on the server.
    pub username: String,
    /// PIN.
    pub pin: String,
}

/// State of a running case.
pub struct CaseRun<'a> {
    pub(crate) case: &'a Case,
    pub(crate) env: &'a CaseEnv,
    pub(crate) client: &'a MobileClient,
    pub(crate) vars: Vars,
    pub(crate) redactor: Redactor,
    pub(crate) transcript: Vec<TranscriptEntry>,
    pub(crate) users: HashMap<String, CaseUser>,
    pub(crate) log_mark: u64,
    /// The log's position when the steps began (after users and policies were set up),
    /// for `expect_log_explained`; 0 when no step needs it.
    pub(crate) steps_log_start: u64,
    /// Log entries (by sequence number) an `expect_log` step matched: the lines the case
    /// expected, which `expect_log_explained` does not count as unexplained.
    pub(crate) log_explained: HashSet<u64>,
    /// The syslog sink's position when the case started: SYS-1 checks read after it.
    pub(crate) syslog_mark: u64,
    /// Messages of each username already read by `read_code`, so the next one waits for
    /// a newer message where delivery takes time.
    pub(crate) messages_read: HashMap<String, usize>,
    pub(crate) step: usize,
    verdict: Verdict,
    decisive: Option<(String, String)>,
    deciding_step: Option<usize>,
    last: Option<(String, String)>,
    reason: Option<String>,
}

/// Runs attempt `attempt` (1-based) at `case` on `target`.
pub async fn run_once(
    target: &TargetSpec,
    client: &MobileClient,
    case: &Case,
    case_index: usize,
    attempt: u32,
) -> CaseOutcome {
    let started = Instant::now();
    let env = match target.prepare(case, case_index, attempt).await {
        Ok(env) => env,
        Err(e) => {
            let verdict = match e {
                PrepareError::Unsupported(_) => Verdict::Skipped,
                PrepareError::Environment(_) => Verdict::Inconclusive,
            };
            return CaseOutcome {
                verdict,
                reason: Some(e.to_string()),
                expected: String::new(),
                actual: String::new(),
                transcript: vec![TranscriptEntry::Note {
                    text: e.to_string(),
                }],
                duration: started.elapsed(),
                deciding_step: None,
            };
        }
    };
    let mut run = CaseRun::new(case, &env, client);
    // Real waiting (a real server) adds to the case's own budget.
    let allowance = case.timeout() + target.time_allowance(case);
    let timed_out = tokio::time::timeout(allowance, run.execute())
        .await
        .is_err();
    if timed_out {
        run.conclude(StepResult::Inconclusive(format!(
            "case timed out after {} s (step {})",
            case.timeout_secs, run.step
        )));
    }
    let outcome = run.finish(started.elapsed());
    env.finish().await;
    outcome
}

impl<'a> CaseRun<'a> {
    fn new(case: &'a Case, env: &'a CaseEnv, client: &'a MobileClient) -> Self {
        let mut redactor = Redactor::new();
        redactor.learn(&env.agent_secret, SecretKind::Credential);
        let mut vars = Vars::default();
        vars.set("agent_secret", env.agent_secret.clone());
        vars.set("site_id", env.site_id.clone());
        Self {
            case,
            env,
            client,
            vars,
            redactor,
            transcript: Vec::new(),
            users: HashMap::new(),
            log_mark: 0,
            steps_log_start: 0,
            log_explained: HashSet::new(),
            syslog_mark: env.syslog.as_ref().map_or(0, |s| s.newest_seq()),
            messages_read: HashMap::new(),
            step: 0,
            verdict: Verdict::Pass,
            decisive: None,
            deciding_step: None,
            last: None,
            reason: None,
        }
    }

    async fn execute(&mut self) {
        // Log steps see only what the case wrote, on a target whose log the harness reads.
        if self.case.needs().capabilities.contains(&Capability::Log)
            && let Some(backstage) = &self.env.backstage
        {
            match backstage.log_position().await {
                Ok(mark) => self.log_mark = mark,
                Err(e) => {
                    self.conclude(StepResult::Inconclusive(e.to_string()));
                    return;
                }
            }
        }
        if let Err(result) = self.apply_policies().await {
            self.conclude(result);
            return;
        }
        for decl in &self.case.users {
            if let Err(result) = self.create_user(decl).await {
                self.conclude(result);
                return;
            }
        }
        // Where the steps' own log lines begin, for a case that asks whether each was
        // expected (setting up users may log lines of its own).
        if self.case.steps.iter().any(|s| {
            matches!(
                s.action,
                crate::runner::steps::Action::ExpectLogExplained(_)
            )
        }) && let Some(backstage) = &self.env.backstage
        {
            match backstage.log_position().await {
                Ok(mark) => self.steps_log_start = mark,
                Err(e) => {
                    self.conclude(StepResult::Inconclusive(e.to_string()));
                    return;
                }
            }
        }
        for step in &self.case.steps {
            self.step += 1;
            let result = self.run_step(step).await;
            if !self.conclude(result) {
                return;
            }
        }
    }

    /// Folds a step result into the case; returns whether the case goes on.
    fn conclude(&mut self, result: StepResult) -> bool {
        let level = self.case.level;
        match result {
            StepResult::Pass { expected, actual } => {
                self.last = Some((expected, actual));
                true
            }
            StepResult::NonStrict { expected, actual } => {
                let v = if level == Level::Info {
                    Verdict::Info
                } else {
                    Verdict::NonStrict
                };
                self.verdict = self.verdict.worst(v);
                self.reason
                    .get_or_insert_with(|| format!("step {}: {actual}", self.step));
                self.decisive.get_or_insert((expected, actual));
                self.deciding_step.get_or_insert(self.step);
                true
            }
            StepResult::Violation { expected, actual } => {
                self.verdict = self.verdict.worst(Verdict::violation_at(level));
                self.reason = Some(format!("step {}: {actual}", self.step));
                self.decisive = Some((expected, actual));
                self.deciding_step = Some(self.step);
                // An INFO case records and goes on; a judged case stops at its violation.
                level == Level::Info
            }
            // After a lax (NON-STRICT) step that captured nothing, the steps that needed
            // its value cannot run: the case ends with the verdict it has.
            StepResult::Unset(e) if self.verdict != Verdict::Pass => {
                self.transcript.push(TranscriptEntry::Note {
                    text: format!(
                        "case stopped at step {}: {e}, as an earlier step did not capture it",
                        self.step
                    ),
                });
                false
            }
            StepResult::Unset(e) => {
                self.conclude(StepResult::Inconclusive(format!("scenario error: {e}")))
            }
            StepResult::Inconclusive(why) => {
                self.verdict = Verdict::Inconclusive;
                self.transcript
                    .push(TranscriptEntry::Note { text: why.clone() });
                self.reason = Some(why);
                false
            }
        }
    }

    fn finish(self, duration: Duration) -> CaseOutcome {
        let verdict = match (self.case.level, self.verdict) {
            (Level::Info, v) if v != Verdict::Inconclusive => Verdict::Info,
            (_, v) => v,
        };
        let (expected, actual) = self.decisive.or(self.last).unwrap_or_default();
        let r = &self.redactor;
        let transcript = self
            .transcript
            .into_iter()
            .map(|e| redact_entry(r, e))
            .collect();
        CaseOutcome {
            verdict,
            reason: self.reason.map(|s| r.redact(&s)),
            expected: r.redact(&expected),
            actual: r.redact(&actual),
            transcript,
            duration,
            deciding_step: self.deciding_step,
        }
    }

    /// Puts the case's `policies` in force (or confirms a real server has them).
    async fn apply_policies(&mut self) -> Result<(), StepResult> {
        let (Some(policies), Some(backstage)) = (&self.case.policies, &self.env.backstage) else {
            return Ok(());
        };
        let patch = serde_json::to_value(policies)
            .map_err(|e| StepResult::Inconclusive(format!("scenario error: policies: {e}")))?;
        backstage
            .set_policies(patch.clone())
            .await
            .map_err(|e| StepResult::Inconclusive(format!("the case's policies: {e}")))?;
        self.transcript.push(TranscriptEntry::Control {
            step: 0,
            action: "policies the case runs under".into(),
            detail: patch.to_string(),
        });
        Ok(())
    }

    async fn create_user(&mut self, decl: &UserDecl) -> Result<(), StepResult> {
        let username = format!("{}{}", decl.name, self.env.user_suffix);
        if !decl.create {
            self.vars.set(&decl.name, username);
            return Ok(());
        }
        let transport = |kind: &str, email: String, phone: String| match kind {
            "email" => Ok(Some(NewTransport::Email(email))),
            "sms" => Ok(Some(NewTransport::Sms(phone))),
            "none" => Ok(None),
            other => Err(StepResult::Inconclusive(format!(
                "scenario error: transport {other:?} of user {} is not email, sms or none",
                decl.name
            ))),
        };
        let phone = format!("+4477009{:05}", self.users.len() + 1);
        let email = format!("{username}@example.test");
        // The string transport's address differs from the alert transport's, so a
        // target that sees only the mail (a real server) can tell which one a message
        // took; LOG-3 and LOG-4 name it as the destination.
        let strings_email = format!("{username}+strings@example.test");
        let user = NewUser {
            username: username.clone(),
            pin: decl.pin.clone(),
            mobile_client: decl.mobile_client,
            alert: transport(&decl.alert, email, phone.clone())?,
            strings: transport(&decl.strings, strings_email, phone)?,
        };
        // Users to create make the case need `users` (`Case::needs`).
        let Some(backstage) = &self.env.backstage else {
            return Err(StepResult::Inconclusive(
                "harness error: users to create but the target cannot create them".into(),
            ));
        };
        self.redactor.learn(&decl.pin, SecretKind::Pin);
        let created = backstage
            .create_user(&user)
            .await
            .map_err(|e| StepResult::Inconclusive(format!("creating user {}: {e}", decl.name)))?;
        let CreatedUser { username, pin, via } = created;
        self.redactor.learn(&pin, SecretKind::Pin);
        self.vars.set(&decl.name, username.clone());
        self.transcript.push(TranscriptEntry::Control {
            step: 0,
            action: format!(
                "create user {} (mobile client right: {})",
                decl.name, decl.mobile_client
            ),
            detail: format!("username {username}, via {via}"),
        });
        self.users
            .insert(decl.name.clone(), CaseUser { username, pin });
        Ok(())
    }

    /// The real username of an alias; an undeclared alias names a user the server does
    /// not hold.
    pub(crate) fn username(&self, alias: &str) -> String {
        self.users.get(alias).map_or_else(
            || format!("{alias}{}", self.env.user_suffix),
            |u| u.username.clone(),
        )
    }

    /// The PIN of an alias ("0000" for undeclared users).
    pub(crate) fn pin(&self, alias: &str) -> String {
        self.users
            .get(alias)
            .map_or_else(|| "0000".into(), |u| u.pin.clone())
    }

    /// The endpoint of node `node`.
    pub(crate) fn node(&self, node: u16) -> Result<&Endpoint, StepResult> {
        self.env
            .nodes
            .get(usize::from(node).wrapping_sub(1))
            .ok_or_else(|| {
                StepResult::Inconclusive(format!(
                    "scenario error: node {node} does not exist on this target"
                ))
            })
    }
}

fn redact_entry(r: &Redactor, entry: TranscriptEntry) -> TranscriptEntry {
    match entry {
        TranscriptEntry::Http {
            step,
            action,
            node,
            method,
            url,
            request,
            status,
            response,
            outcome,
            app_message,
            elapsed_ms,
        } => TranscriptEntry::Http {
            step,
            action: r.redact(&action),
            node,
            method,
            url: r.redact(&url),
            request: r.redact(&request),
            status,
            response: r.redact(&response),
            outcome,
            app_message,
            elapsed_ms,
        },
        TranscriptEntry::Control {
            step,
            action,
            detail,
        } => TranscriptEntry::Control {
            step,
            action: r.redact(&action),
            detail: r.redact(&detail),
        },
        TranscriptEntry::Log { step, lines } => TranscriptEntry::Log {
            step,
            lines: lines.iter().map(|l| r.redact(l)).collect(),
        },
        TranscriptEntry::Check {
            step,
            what,
            expected,
            actual,
            verdict,
        } => TranscriptEntry::Check {
            step,
            what: r.redact(&what),
            expected: r.redact(&expected),
            actual: r.redact(&actual),
            verdict,
        },
        TranscriptEntry::Note { text } => TranscriptEntry::Note {
            text: r.redact(&text),
        },
        other @ TranscriptEntry::Clock { .. } => other,
    }
}
