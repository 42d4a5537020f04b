//! A request's progress as its citizen follows it: the steps it went
//! through with their dates, where it is now and what happens next, in the
//! citizen's words (the workflow's citizen labels). Agents' comments, their
//! names and assignments stay out: they are the back office's.

use gru_domain::request::Phase;
use gru_domain::request::{HistoryKind, Request};
use gru_domain::workflow::{Status, Workflow};
use jiff::Timestamp;
use serde::Serialize;

/// One step the request went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub at: Timestamp,
    pub phase: Phase,
    /// The status's citizen label (« Pièce complémentaire demandée »).
    pub label: String,
    /// Why the request was refused or closed, as the agent told the citizen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Where a request stands, for its citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub phase: Phase,
    /// The current status's citizen label.
    pub label: String,
    /// What happens next, when the workflow says it.
    pub next_step: Option<String>,
    /// Every step so far, oldest first; the last one is the current step.
    pub timeline: Vec<Step>,
}

/// The status `request` is at in `workflow`. A status the workflow no longer
/// has (the city changed the file since) reads as the first status of the
/// request's phase, or the workflow's first one: the request stays
/// workable instead of stuck.
pub fn status_of<'w>(workflow: &'w Workflow, request: &Request) -> &'w Status {
    workflow
        .status(&request.status)
        .or_else(|| workflow.statuses.iter().find(|s| s.phase == request.phase))
        .unwrap_or_else(|| workflow.initial())
}

/// The steps of `request` its citizen sees: its submission (or recording)
/// and every change of status, with the citizen's labels.
pub fn citizen_timeline(request: &Request, workflow: &Workflow) -> Vec<Step> {
    request
        .history
        .iter()
        .filter(|entry| {
            matches!(entry.kind, HistoryKind::Submitted | HistoryKind::Recorded | HistoryKind::Status)
        })
        .map(|entry| Step {
            at: entry.at,
            phase: entry.phase,
            label: entry
                .status
                .as_deref()
                .and_then(|id| workflow.status(id))
                .map_or_else(|| entry.phase.label().to_owned(), |s| s.citizen_label.clone()),
            reason: entry.reason.clone(),
        })
        .collect()
}

/// Where `request` stands for its citizen, with its timeline.
pub fn progress(request: &Request, workflow: &Workflow) -> Progress {
    let status = status_of(workflow, request);
    Progress {
        phase: request.phase,
        label: status.citizen_label.clone(),
        next_step: status.next_step.clone(),
        timeline: citizen_timeline(request, workflow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gru_domain::request::{Assignee, HistoryEntry};

    fn request(history: Vec<HistoryEntry>, status: &str, phase: Phase) -> Request {
        let at: Timestamp = "2027-03-01T09:00:00Z".parse().unwrap();
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

    fn entry(kind: HistoryKind, minutes: i64, phase: Phase, status: Option<&str>) -> HistoryEntry {
        let at =
            "2027-03-01T09:00:00Z".parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_mins(minutes);
        HistoryEntry { status: status.map(str::to_owned), ..HistoryEntry::new(kind, at, phase, "a1") }
    }

    #[test]
    fn the_citizen_reads_status_changes_in_their_words_without_the_back_office() {
        let workflow = Workflow::standard();
        let mut assigned = entry(HistoryKind::Assigned, 1, Phase::Submitted, None);
        assigned.assignee = Some(Assignee { id: "a1".into(), name: "Claire".into() });
        let mut asked = entry(HistoryKind::Status, 2, Phase::WaitingForCitizen, Some("waiting_for_citizen"));
        asked.comment = Some("pièce d'identité illisible".into());
        let history = vec![
            // Stored before workflows: no status, read by its phase.
            entry(HistoryKind::Submitted, 0, Phase::Submitted, None),
            assigned,
            asked,
        ];
        let request = request(history, "waiting_for_citizen", Phase::WaitingForCitizen);
        let progress = progress(&request, &workflow);
        let labels: Vec<&str> = progress.timeline.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Demande reçue", "En attente de votre réponse"]);
        assert_eq!(progress.label, "En attente de votre réponse");
        assert!(progress.next_step.unwrap().contains("Répondez"));
        let json = serde_json::to_string(&progress.timeline).unwrap();
        assert!(!json.contains("illisible") && !json.contains("Claire"), "{json}");
    }

    #[test]
    fn a_status_the_workflow_lost_reads_as_the_first_of_its_phase() {
        let workflow = Workflow::standard();
        let request = request(vec![], "gone", Phase::InProgress);
        assert_eq!(status_of(&workflow, &request).id, "in_review");
    }
}
