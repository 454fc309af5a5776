//! `certify --self-test`: the harness's emulated app ([`EmulatedApp`]) is the phone. For
//! each step it does what the instruction tells a person to do (enter the Site ID or the
//! settings, open the link, scan the QR image, ask for OTCs, update the strings, try the
//! untrusted server), and, unless a console tester answers instead, it also answers as
//! the tester would: the OTCs its screen showed and whether its screen showed the step's
//! message. Its screen is shown on the console too.

use std::sync::Arc;
use std::time::Duration;

use super::plan::{Entry, StepKind};
use super::session::{Answer, MessageSeen, Presentation, Session};
use crate::codec::qr::decode_qr_png;
use crate::emulator::{AppDefects, AppUser, ClientOptions, EmulatedApp, EmulatorError};
use swivel_reference_server::http::qr::qr_png;

/// Who answers for the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// The phone answers for itself.
    Itself,
    /// A person (or a browser) answers on the console; the phone waits for each OTC
    /// to be typed before it shows the next.
    Console,
}

/// The emulated phone.
#[derive(Debug)]
pub struct SelfTestPhone {
    app: EmulatedApp,
    answers: Answers,
    wait: Duration,
}

impl SelfTestPhone {
    /// A phone trusting `ca_pem`, with `defects`.
    pub fn new(
        session: &Session,
        ca_pem: Option<&str>,
        defects: AppDefects,
        answers: Answers,
        wait: Duration,
    ) -> Result<Self, EmulatorError> {
        let f = &session.facts;
        let options = ClientOptions {
            timeout: Duration::from_secs(5),
            ca_cert_pem: ca_pem.map(|p| p.as_bytes().to_vec()),
            ..ClientOptions::default()
        };
        let user = AppUser {
            username: f.username.clone(),
            pin: f.pin.clone(),
            email: f.email.clone(),
        };
        let app = EmulatedApp::new(Arc::clone(&f.profile), options, user, defects, true)?;
        Ok(Self { app, answers, wait })
    }

    fn show(&self, session: &Session, index: usize, ready: bool) {
        let step = session.plan.steps.get(index).map_or("", |s| s.id.as_str());
        session.set_phone(step, self.app.screen(), ready);
    }

    fn answer(&self, session: &Session, index: usize, answer: Answer) {
        if self.answers == Answers::Itself
            && let Some(step) = session.plan.steps.get(index)
        {
            let _ = session.answer(&step.id, answer, "self-test");
        }
    }

    fn answer_message(&self, session: &Session, index: usize, expected: Option<&str>) {
        let screen = self.app.screen();
        let seen = if screen.is_empty() {
            MessageSeen::Nothing
        } else if Some(screen) == expected {
            MessageSeen::Shown
        } else {
            MessageSeen::Other(screen.to_string())
        };
        self.answer(session, index, Answer::Message(seen));
    }

    /// Waits until step `index` holds `count` OTC answers (console testers type them).
    async fn typed(&self, session: &Session, index: usize, count: usize) {
        if self.answers == Answers::Itself {
            return;
        }
        let mut changes = session.subscribe();
        let deadline = tokio::time::Instant::now() + self.wait;
        loop {
            let have = {
                let state = session.lock();
                state.steps.get(index).map_or(usize::MAX, |s| {
                    if s.status != super::session::StepStatus::Active {
                        usize::MAX
                    } else {
                        s.answers
                            .iter()
                            .filter(|a| matches!(a.answer, Answer::Otc(_) | Answer::NoOtc))
                            .count()
                    }
                })
            };
            if have >= count || tokio::time::Instant::now() >= deadline {
                return;
            }
            let _ = tokio::time::timeout_at(deadline, changes.changed()).await;
        }
    }

    async fn otcs(&mut self, session: &Session, index: usize, count: u32) {
        for k in 0..count {
            let otc = self.app.next_otc().await;
            self.show(session, index, true);
            self.answer(session, index, otc.map_or(Answer::NoOtc, Answer::Otc));
            self.typed(session, index, k as usize + 1).await;
        }
    }

    /// Does step `index` as a person with this phone would.
    pub async fn act(&mut self, session: &Session, index: usize, p: &Presentation) {
        let Some(step) = session.plan.steps.get(index) else {
            return;
        };
        let f = &session.facts;
        let code = p.code.clone().unwrap_or_default();
        match step.kind {
            StepKind::Provision => {
                match step.entry {
                    Some(Entry::SiteId) => {
                        if self.app.set_site_id(&f.ssd_root, &f.site_id).await {
                            self.app.provision(&code).await;
                        }
                    }
                    Some(Entry::Manual) | None => {
                        self.app.set_server(&f.base_url());
                        self.app.provision(&code).await;
                    }
                    Some(Entry::ProvisionUrl) => {
                        let link = p.link.clone().unwrap_or_default();
                        self.app.open_complete_url(&f.ssd_root, &link).await;
                    }
                    Some(Entry::Qr) => {
                        let link = p.link.clone().unwrap_or_default();
                        let scanned = qr_png(&link)
                            .ok()
                            .and_then(|png| decode_qr_png(&png).ok())
                            .unwrap_or_default();
                        self.app.open_complete_url(&f.ssd_root, &scanned).await;
                    }
                }
                self.show(session, index, true);
            }
            StepKind::Otcs | StepKind::RunningOut => {
                self.otcs(session, index, step.otc_count()).await;
            }
            StepKind::Refresh => {
                self.app.download_strings().await;
                self.show(session, index, false);
                self.otcs(session, index, step.otc_count()).await;
            }
            StepKind::UnboundDevice => {
                self.app.download_strings().await;
                let otc = self.app.next_otc().await;
                self.show(session, index, true);
                self.answer(session, index, otc.map_or(Answer::NoOtc, Answer::Otc));
                self.answer_message(session, index, p.message.as_deref());
            }
            StepKind::RefusedCode => {
                self.app.provision(&code).await;
                self.show(session, index, true);
                self.answer_message(session, index, p.message.as_deref());
            }
            StepKind::UntrustedCertificate => {
                self.app.try_server(&f.untrusted_url(), &code).await;
                self.show(session, index, true);
                self.answer_message(session, index, p.message.as_deref());
            }
        }
    }
}
