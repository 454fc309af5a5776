//! A property test of the provisioning lifecycle against a small model: random sequences
//! of reprovision, provision (right, stale or wrong code, on either node), strings
//! download, OTC login and clock moves, on a two-node cluster with and without session
//! sharing. After every step the core must answer exactly as the model predicts.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;

const USERS: [&str; 2] = ["alice", "bob"];

#[derive(Debug, Clone)]
enum Which {
    Current,
    Stale,
    Wrong,
}

#[derive(Debug, Clone)]
enum Op {
    Reprovision {
        user: usize,
        node: u16,
    },
    Provision {
        user: usize,
        node: u16,
        which: Which,
    },
    Download {
        user: usize,
    },
    Login {
        user: usize,
        index: usize,
        old: bool,
    },
    Advance {
        secs: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS.len();
    let node = 1u16..=2;
    prop_oneof![
        (user.clone(), node.clone()).prop_map(|(user, node)| Op::Reprovision { user, node }),
        (
            user.clone(),
            node,
            prop_oneof![Just(Which::Current), Just(Which::Stale), Just(Which::Wrong)]
        )
            .prop_map(|(user, node, which)| Op::Provision { user, node, which }),
        user.clone().prop_map(|user| Op::Download { user }),
        (user, 1usize..=99, any::<bool>()).prop_map(|(user, index, old)| Op::Login {
            user,
            index,
            old
        }),
        prop_oneof![0u64..5, 590u64..610].prop_map(|secs| Op::Advance { secs }),
    ]
}

#[derive(Default)]
struct Model {
    /// (store, user) → (code, issued at, in seconds of model time).
    pending: HashMap<(usize, usize), (String, u64)>,
    issued: Vec<String>,
    provisioned: HashSet<usize>,
    device: HashMap<usize, String>,
    /// Valid strings of each user and the indexes already used.
    strings: HashMap<usize, (Vec<String>, HashSet<usize>)>,
    /// Strings that were once valid and no longer are.
    old_strings: HashMap<usize, Vec<String>>,
    now: u64,
}

fn run(sharing: bool, ops: &[Op]) {
    let core = server_with(2, sharing, &[]);
    let mut m = Model::default();
    let store = |node: u16| if sharing { 0 } else { usize::from(node) };
    for op in ops {
        match op.clone() {
            Op::Reprovision { user, node } => {
                let code = code_for(&core, node, USERS[user]);
                m.pending.insert((store(node), user), (code.clone(), m.now));
                m.issued.push(code);
            }
            Op::Provision { user, node, which } => {
                let slot = (store(node), user);
                let code = match which {
                    Which::Current => m.pending.get(&slot).map(|c| c.0.clone()),
                    Which::Stale => m.issued.first().cloned(),
                    Which::Wrong => None,
                }
                .unwrap_or_else(|| "WRONGWRONG".to_string());
                let expect_ok = m
                    .pending
                    .get(&slot)
                    .is_some_and(|(c, at)| *c == code && m.now < at + 600);
                // SS-1 and PC-6: strings end and the slot's code is consumed either way.
                if let Some((s, _)) = m.strings.remove(&user) {
                    m.old_strings.insert(user, s);
                }
                m.pending.remove(&slot);
                let got = core.provision(node, &req(USERS[user], &code));
                assert_eq!(got.is_ok(), expect_ok, "{op:?}: {got:?}");
                match got {
                    Ok(p) => {
                        m.provisioned.insert(user);
                        m.device.insert(user, p.device_id);
                    }
                    Err(e) => assert_eq!(e, MobileError::ProvisionFailure),
                }
            }
            Op::Download { user } => {
                let id = m
                    .device
                    .get(&user)
                    .cloned()
                    .unwrap_or_else(|| "0".repeat(32));
                let got = core.security_strings(1, USERS[user], &id);
                assert_eq!(
                    got.is_ok(),
                    m.provisioned.contains(&user),
                    "{op:?}: {got:?}"
                );
                if let Ok(d) = got
                    && let Some((s, _)) = m.strings.insert(user, (d.strings(), HashSet::new()))
                {
                    m.old_strings.insert(user, s);
                }
            }
            Op::Login { user, index, old } => {
                let otc_of = |strings: &[String]| {
                    let chars: [u8; 10] = strings[index - 1].as_bytes()[..10].try_into().unwrap();
                    format!("{}{:02}", strings::otc_for("3759", &chars).unwrap(), index)
                };
                let current = m
                    .strings
                    .get(&user)
                    .filter(|(_, used)| !used.contains(&index))
                    .map(|(s, _)| otc_of(s));
                let input = match (old, m.strings.get(&user), m.old_strings.get(&user)) {
                    (false, Some((s, _)), _) => otc_of(s),
                    (true, _, Some(s)) => otc_of(s),
                    _ => continue,
                };
                // An old string's OTC can equal the current one at that index by chance
                // (numeric strings: 1 in 10^4); then the server is right to accept it.
                let expect_ok = current.as_deref() == Some(input.as_str());
                let got = core.agent_login(1, USERS[user], &input);
                assert_eq!(got.is_ok(), expect_ok, "{op:?}: {got:?}");
                if got.is_ok()
                    && let Some((_, used)) = m.strings.get_mut(&user)
                {
                    used.insert(index);
                }
            }
            Op::Advance { secs } => {
                core.advance_clock(secs);
                m.now += secs;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn lifecycle_matches_model_without_sharing(ops in prop::collection::vec(op(), 1..40)) {
        run(false, &ops);
    }

    #[test]
    fn lifecycle_matches_model_with_sharing(ops in prop::collection::vec(op(), 1..40)) {
        run(true, &ops);
    }
}
