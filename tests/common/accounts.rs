//! Helpers for tests of accounts mode: a server with an operator, registered players, the
//! operator's login, a bare HTTP request, and the action log's day files.

use super::{Backing, Client};
use bang::server::RunningServer;
use bang_components::account::{AccountRole, AccountSettings, AuthMode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

pub const QUIET: Duration = Duration::from_millis(150);
pub const OPERATOR_PASSWORD: &str = "operator-password";

/// An accounts-mode server with an operator `root` (added offline, as `bang account add` does).
pub fn accounts_server(
    adjust: impl FnOnce(&mut AccountSettings) + Send,
) -> (RunningServer, tempfile::TempDir) {
    accounts_server_on(&Backing::Sqlite, adjust)
}

/// [`accounts_server`] on the store `backing` names.
pub fn accounts_server_on(
    backing: &Backing,
    adjust: impl FnOnce(&mut AccountSettings) + Send,
) -> (RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            bang::store::accounts::add_account_in(
                &backing.url(),
                data.path(),
                "root",
                OPERATOR_PASSWORD,
                AccountRole::Operator,
                false,
            )
        })
        .join()
        .unwrap()
        .unwrap()
    });
    let mut settings = AccountSettings {
        metrics_token: Some("metrics-secret".into()),
        ..AccountSettings::default()
    };
    adjust(&mut settings);
    let server = backing.start(data.path(), |s| {
        s.auth = AuthMode::Accounts;
        s.accounts = settings;
        s.admin_token = Some("shared-admin-token".into());
    });
    (server, data)
}

/// A connection logged in as a new account; returns it and the session token.
pub async fn registered(addr: SocketAddr, username: &str) -> (Client, String) {
    let mut c = Client::connect(addr).await;
    let r = c
        .ok(
            "account.register",
            json!({"username": username, "password": "a long password"}),
        )
        .await;
    assert_eq!(r["account"]["username"], username);
    (c, r["token"].as_str().unwrap().to_string())
}

pub async fn operator(addr: SocketAddr) -> (Client, String) {
    let mut c = Client::connect(addr).await;
    let r = c
        .ok(
            "account.login",
            json!({"username": "root", "password": OPERATOR_PASSWORD}),
        )
        .await;
    assert_eq!(r["account"]["role"], "operator");
    (c, r["token"].as_str().unwrap().to_string())
}

/// A minimal HTTP request; (status, headers, JSON body).
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Value,
) -> (u16, String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.to_string();
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        status,
        head.to_lowercase(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

/// Every action-log line written to the data directory's day files.
pub fn action_log(data: &std::path::Path) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(data.join("action-log")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        out.extend(text.lines().filter_map(|l| serde_json::from_str(l).ok()));
    }
    out
}

/// Seeds a rich 2026-01 character (the registry learns it from the files).
pub fn rich_2026(world: &std::path::Path, id: &str) {
    let knowledge = json!({"character_id": id, "current_sector": 1,
        "credits": 20_000, "credits_in_bank": 500_000});
    super::v2026::seed(world, id, knowledge, None);
}
