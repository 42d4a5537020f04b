//! The Open311 function: the GeoReport v2 standard, so that the
//! street-reporting apps citizens already have (FixMyStreet and every
//! Open311 client) list the services a city offers them, send reports with
//! the key an admin issued to the app, and follow each report's status. A
//! report becomes a request of channel `open311`, validated by the service's
//! form and instructed in the agents' inbox like any other. See
//! docs/open311.md.
//!
//! Routes (all under [`PREFIX`]; every resource in XML or JSON by its
//! extension; errors are the standard's list of `{code, description}`):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /discovery.xml` | anyone | the endpoint, its formats, how to get a key |
//! | `GET /discovery.json` | anyone | the same, in JSON |
//! | `GET /services.xml` `?jurisdiction_id` | anyone | the services offered to apps |
//! | `GET /services.json` `?jurisdiction_id` | anyone | the same, in JSON |
//! | `GET /services/{file}` `?jurisdiction_id` | anyone | `<code>.xml` or `.json`: the service's attributes; 404 unknown |
//! | `POST /requests.xml` | an application's key (`api_key`; 403 otherwise) | form-encoded report: its `service_request_id`; 400 naming each argument at fault |
//! | `POST /requests.json` | an application's key (`api_key`; 403 otherwise) | the same, in JSON |
//! | `GET /requests.xml` `?service_request_id&service_code&start_date&end_date&status&jurisdiction_id` | anyone | reports sent by apps: 90 days and 1,000 at most, no personal data |
//! | `GET /requests.json` `?service_request_id&service_code&start_date&end_date&status&jurisdiction_id` | anyone | the same, in JSON |
//! | `GET /requests/{file}` `?jurisdiction_id` | anyone | `<service_request_id>.xml` or `.json`: one report's status; 404 unknown |
//! | `GET /tokens/{file}` `?jurisdiction_id` | anyone | every report gets its id at once (services are `realtime`): 404, no token is pending |

mod api;
mod format;
mod reports;

pub use api::router;

/// Where the standard's endpoint is served (one API Gateway route, one
/// CloudFront behaviour), outside `/api/`: apps are given this address.
pub const PREFIX: &str = "/open311/v2";
