//! The channels requests come by, in the order the dashboard lists them,
//! with the words agents read.

/// `(id, label)`: the ids are those requests record.
pub const CHANNELS: [(&str, &str); 6] = [
    ("online", "En ligne"),
    ("phone", "Téléphone"),
    ("email", "Courriel"),
    ("counter", "Guichet"),
    ("post", "Courrier"),
    ("open311", "Application (Open311)"),
];

/// What agents read for a channel (its id when unknown).
pub fn label(id: &str) -> &str {
    CHANNELS.iter().find(|(known, _)| *known == id).map_or(id, |(_, label)| label)
}
