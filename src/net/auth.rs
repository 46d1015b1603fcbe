//! Credentials on the HTTP side: the token a request presents (`?token=`, `Authorization:
//! Bearer`, or the password of HTTP basic auth, which clients send for a server URL written
//! `http://name:TOKEN@host`), and whether it makes the caller an operator.

use super::Shared;
use axum::http::HeaderMap;
use bang_components::account::AuthMode;

/// Operators' logins (token hash → expiry in microseconds since the epoch), published by the
/// game loop for the routes that are not requests (`/metrics`, `/api/firehose`).
pub type OperatorLogins = bang_systems::accounts::PublishedOperators;

/// The token a request presents, if any.
pub fn presented(headers: &HeaderMap, query_token: Option<&str>) -> Option<String> {
    if let Some(t) = query_token.filter(|t| !t.is_empty()) {
        return Some(t.to_string());
    }
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Some(token.trim().to_string());
    }
    let decoded = base64_decode(value.strip_prefix("Basic ")?.trim())?;
    let (_, password) = decoded.split_once(':')?;
    Some(password.to_string()).filter(|p| !p.is_empty())
}

/// Whether the caller may use an operator's route. Open mode: the admin token, once one is
/// configured (else anyone). Accounts mode: an operator's login that has not expired.
pub(crate) fn operator(shared: &Shared, headers: &HeaderMap, query_token: Option<&str>) -> bool {
    let given = presented(headers, query_token);
    match shared.config.auth {
        AuthMode::Open => match shared.config.admin_token.as_deref() {
            None => true,
            Some(want) => given.is_some_and(|g| constant_time_eq(g.as_bytes(), want.as_bytes())),
        },
        AuthMode::Accounts => given.is_some_and(|g| operator_login(shared, &g)),
    }
}

fn operator_login(shared: &Shared, token: &str) -> bool {
    let hash = bang_systems::accounts::tokens::token_hash(token);
    let now = bang_components::time::GameClock::System.now().0;
    let logins = shared.operators.0.read().unwrap_or_else(|p| p.into_inner());
    logins.get(&hash).is_some_and(|expires| *expires > now)
}

/// `/metrics`: open in open mode; in accounts mode the metrics token or an operator's login.
pub(crate) fn metrics(shared: &Shared, headers: &HeaderMap) -> bool {
    if shared.config.auth == AuthMode::Open {
        return true;
    }
    let given = presented(headers, None);
    let by_token = match (&shared.config.metrics_token, &given) {
        (Some(want), Some(g)) => constant_time_eq(g.as_bytes(), want.as_bytes()),
        _ => false,
    };
    by_token || given.is_some_and(|g| operator_login(shared, &g))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Standard base64 to text; `None` if it is not valid base64 or not UTF-8.
fn base64_decode(text: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_in_the_query_a_bearer_or_a_basic_password() {
        let mut h = HeaderMap::new();
        assert_eq!(presented(&h, Some("q")).as_deref(), Some("q"));
        assert_eq!(presented(&h, None), None);
        h.insert("authorization", "Bearer abc".parse().unwrap());
        assert_eq!(presented(&h, None).as_deref(), Some("abc"));
        // "op:s3cret"
        h.insert("authorization", "Basic b3A6czNjcmV0".parse().unwrap());
        assert_eq!(presented(&h, None).as_deref(), Some("s3cret"));
        h.insert("authorization", "Basic not base64!".parse().unwrap());
        assert_eq!(presented(&h, None), None);
    }
}
