//! What every service's requests share, whatever its workflow: the public
//! phases a citizen sees.

use serde::{Deserialize, Serialize};

/// The fixed public phase of a request. Each service's workflow maps its own
/// statuses onto these, so citizens and indicators read the same words
/// everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Submitted,
    InProgress,
    WaitingForCitizen,
    Accepted,
    Refused,
    Closed,
}

impl Phase {
    /// The key fragment and JSON name (`submitted`, `in_progress`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Submitted => "submitted",
            Phase::InProgress => "in_progress",
            Phase::WaitingForCitizen => "waiting_for_citizen",
            Phase::Accepted => "accepted",
            Phase::Refused => "refused",
            Phase::Closed => "closed",
        }
    }

    /// What the citizen reads.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Submitted => "Demande reçue",
            Phase::InProgress => "En cours de traitement",
            Phase::WaitingForCitizen => "En attente de votre réponse",
            Phase::Accepted => "Acceptée",
            Phase::Refused => "Refusée",
            Phase::Closed => "Terminée",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_are_the_key_fragments() {
        for phase in [
            Phase::Submitted,
            Phase::InProgress,
            Phase::WaitingForCitizen,
            Phase::Accepted,
            Phase::Refused,
            Phase::Closed,
        ] {
            assert_eq!(serde_json::to_value(phase).unwrap(), phase.as_str());
        }
    }
}
