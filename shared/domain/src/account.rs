//! A citizen's account as the portal keeps it: the profile that prefills
//! forms. Its validation, which speaks to the citizen, is the accounts
//! function's.

use serde::{Deserialize, Serialize};

/// A validated profile, as stored and as served: absent values are `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<Address>,
}

/// A postal address in France.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub complement: Option<String>,
    pub postcode: String,
    pub city: String,
}
