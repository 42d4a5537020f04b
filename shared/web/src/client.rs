//! The client's network address, for per-address rate limits only.
//!
//! It is personal data: it is never logged nor stored as is (rate-limit
//! keys hold its hash).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The address the request came from, when the deployment tells it: on
/// Lambda, API Gateway's `requestContext.http.sourceIp`; in the portal, the
/// TCP peer (it serves with `into_make_service_with_connect_info`).
/// `None` otherwise (e.g. a router driven directly in tests).
///
/// No `Debug`, so it cannot end up in a log by accident.
#[derive(Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    /// The subject for per-address rate limits: an IPv4 address, or the
    /// /64 network of an IPv6 address, since one subscriber is usually given
    /// a whole /64 and could otherwise change address at every request.
    pub fn rate_limit_subject(&self) -> Option<String> {
        match self.0?.to_canonical() {
            IpAddr::V4(v4) => Some(v4.to_string()),
            IpAddr::V6(v6) => {
                let segments = v6.segments();
                Some(format!("{:x}:{:x}:{:x}:{:x}::/64", segments[0], segments[1], segments[2], segments[3]))
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let from_api_gateway = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(context)) => {
                context.http.source_ip.as_deref().and_then(|ip| ip.parse().ok())
            }
            _ => None,
        };
        let from_peer =
            || parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
        Ok(Self(from_api_gateway.or_else(from_peer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn extract(request: axum::http::Request<()>) -> Option<IpAddr> {
        let (mut parts, ()) = request.into_parts();
        ClientAddress::from_request_parts(&mut parts, &()).await.unwrap().0
    }

    #[tokio::test]
    async fn the_address_comes_from_api_gateway_or_the_tcp_peer() {
        let event = serde_json::json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/api/accounts/me", "rawQueryString": "",
            "headers": {"host": "example.fr"},
            "requestContext": {
                "accountId": "1", "apiId": "a", "domainName": "example.fr", "domainPrefix": "example",
                "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "", "timeEpoch": 0,
                "http": {"method": "GET", "path": "/api/accounts/me", "protocol": "HTTP/1.1",
                         "sourceIp": "203.0.113.7", "userAgent": "test"}
            },
            "isBase64Encoded": false
        });
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let (parts, _) = request.into_parts();
        let lambda = axum::http::Request::from_parts(parts, ());
        assert_eq!(extract(lambda).await, Some("203.0.113.7".parse().unwrap()));

        let mut portal = axum::http::Request::new(());
        portal.extensions_mut().insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 4242))));
        assert_eq!(extract(portal).await, Some("192.0.2.1".parse().unwrap()));

        assert_eq!(extract(axum::http::Request::new(())).await, None);
    }

    #[test]
    fn ipv6_clients_are_limited_by_network() {
        let subject = |ip: &str| ClientAddress(Some(ip.parse().unwrap())).rate_limit_subject();
        assert_eq!(subject("2001:db8:1:2:aaaa::1"), subject("2001:db8:1:2:bbbb::2"));
        assert_eq!(subject("2001:db8:1:2:aaaa::1").as_deref(), Some("2001:db8:1:2::/64"));
        assert_eq!(subject("::ffff:192.0.2.1").as_deref(), Some("192.0.2.1"));
        assert_eq!(ClientAddress(None).rate_limit_subject(), None);
    }
}
