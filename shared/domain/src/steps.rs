//! Where a request stands among the steps its service's page announced
//! (« Demande reçue », « Vérification », « Acte envoyé »...), so the
//! follow-up page shows the same steps advancing.
//!
//! A step may name the workflow statuses during which it is the current one
//! (`statuses = ["verification", "piece_demandee"]`). A status no step names
//! falls back on its public phase: received is the first step, in progress
//! or waiting for the citizen the second, decided the last.

use crate::catalogue::Step;
use crate::request::{Phase, Request};
use serde::Serialize;

/// How a presented step stands for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    Current,
    Upcoming,
    /// Never reached: the request was refused or closed before it.
    Skipped,
}

/// The state of each of `steps` for `request`, in order.
pub fn step_states(steps: &[Step], request: &Request) -> Vec<StepState> {
    let Some(last) = steps.len().checked_sub(1) else { return Vec::new() };
    let position = |status: Option<&str>, phase: Phase| {
        status
            .and_then(|status| steps.iter().rposition(|step| step.statuses.iter().any(|s| s == status)))
            .unwrap_or(match phase {
                Phase::Submitted => 0,
                Phase::InProgress | Phase::WaitingForCitizen => 1.min(last),
                Phase::Accepted | Phase::Refused | Phase::Closed => last,
            })
    };
    let current = position(Some(&request.status), request.phase);
    match request.phase {
        Phase::Accepted => vec![StepState::Done; steps.len()],
        Phase::Refused | Phase::Closed => {
            // The furthest step reached before the decision, or the one the
            // decision's status names.
            let named = steps.iter().any(|step| step.statuses.contains(&request.status));
            let reached = request
                .history
                .iter()
                .filter(|entry| !entry.phase.is_final())
                .map(|entry| position(entry.status.as_deref(), entry.phase))
                .chain(named.then_some(current))
                .max()
                .unwrap_or(0);
            (0..steps.len())
                .map(|i| if i <= reached { StepState::Done } else { StepState::Skipped })
                .collect()
        }
        Phase::Submitted | Phase::InProgress | Phase::WaitingForCitizen => (0..steps.len())
            .map(|i| match i.cmp(&current) {
                std::cmp::Ordering::Less => StepState::Done,
                std::cmp::Ordering::Equal => StepState::Current,
                std::cmp::Ordering::Greater => StepState::Upcoming,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{HistoryEntry, HistoryKind};
    use StepState::*;
    use jiff::Timestamp;

    fn steps(statuses: &[&[&str]]) -> Vec<Step> {
        statuses
            .iter()
            .enumerate()
            .map(|(i, names)| Step {
                title: format!("Étape {i}"),
                description: String::new(),
                statuses: names.iter().map(|&s| s.to_owned()).collect(),
            })
            .collect()
    }

    /// The statuses a request went through, and the states its steps then show.
    type Case = (&'static [(&'static str, Phase)], &'static [StepState]);

    /// A request that went through `path` (status, phase), the last one current.
    fn request(path: &[(&str, Phase)]) -> Request {
        let at: Timestamp = "2027-03-01T09:00:00Z".parse().unwrap();
        let history = path
            .iter()
            .map(|&(status, phase)| HistoryEntry {
                status: Some(status.to_owned()),
                ..HistoryEntry::new(HistoryKind::Status, at, phase, "a1")
            })
            .collect();
        let &(status, phase) = path.last().unwrap();
        Request {
            reference: "ABCD-2345".into(),
            service: "s".into(),
            service_title: "S".into(),
            form_version: 1,
            answers: Default::default(),
            documents: vec![],
            email: "anne@example.fr".into(),
            account: None,
            citizen_name: None,
            channel: "online".into(),
            phase,
            status: status.into(),
            submitted_at: at,
            updated_at: at,
            history,
            case: None,
            assignee: None,
            deadline: None,
            resume_status: None,
            decided_due: None,
            open311: None,
            postal_address: None,
        }
    }

    #[test]
    fn steps_without_statuses_follow_the_public_phase() {
        let four = steps(&[&[], &[], &[], &[]]);
        let cases: &[Case] = &[
            (&[("submitted", Phase::Submitted)], &[Current, Upcoming, Upcoming, Upcoming]),
            (
                &[("submitted", Phase::Submitted), ("in_progress", Phase::InProgress)],
                &[Done, Current, Upcoming, Upcoming],
            ),
            (
                &[("submitted", Phase::Submitted), ("waiting", Phase::WaitingForCitizen)],
                &[Done, Current, Upcoming, Upcoming],
            ),
            (&[("submitted", Phase::Submitted), ("accepted", Phase::Accepted)], &[Done, Done, Done, Done]),
            (
                &[("submitted", Phase::Submitted), ("refused", Phase::Refused)],
                &[Done, Skipped, Skipped, Skipped],
            ),
            (
                &[
                    ("submitted", Phase::Submitted),
                    ("in_progress", Phase::InProgress),
                    ("closed", Phase::Closed),
                ],
                &[Done, Done, Skipped, Skipped],
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(step_states(&four, &request(path)), *expected, "{path:?}");
        }
    }

    #[test]
    fn a_step_naming_the_status_is_current_while_the_request_is_in_it() {
        let named = steps(&[&["recue"], &["verification", "piece_demandee"], &["etabli"], &["envoye"]]);
        let cases: &[Case] = &[
            (&[("recue", Phase::Submitted)], &[Current, Upcoming, Upcoming, Upcoming]),
            (
                &[("recue", Phase::Submitted), ("piece_demandee", Phase::WaitingForCitizen)],
                &[Done, Current, Upcoming, Upcoming],
            ),
            (&[("recue", Phase::Submitted), ("etabli", Phase::InProgress)], &[Done, Done, Current, Upcoming]),
            (&[("recue", Phase::Submitted), ("envoye", Phase::Accepted)], &[Done, Done, Done, Done]),
            (
                &[
                    ("recue", Phase::Submitted),
                    ("verification", Phase::InProgress),
                    ("refusee", Phase::Refused),
                ],
                &[Done, Done, Skipped, Skipped],
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(step_states(&named, &request(path)), *expected, "{path:?}");
        }
    }

    #[test]
    fn one_step_or_none_never_panics() {
        let one = steps(&[&[]]);
        assert_eq!(step_states(&one, &request(&[("in_progress", Phase::InProgress)])), [Current]);
        assert_eq!(step_states(&[], &request(&[("in_progress", Phase::InProgress)])), []);
    }
}
