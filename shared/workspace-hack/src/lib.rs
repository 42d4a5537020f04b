//! No code: this crate only turns on, for the portal, the features of shared
//! dependencies that the test build turns on (see its `Cargo.toml`), so both
//! builds share one compiled copy of each dependency.
