//! The account endpoints a player calls: `account.register`, `account.login`,
//! `account.logout`, `account.change_password`, `account.info`. Passwords are checked and
//! hashed by the worker (`passwords`), so registering, logging in and changing a password answer
//! on a later update (`finish_password_work`).

use super::authority::{Principal, principal};
use super::passwords::Work;
use super::tokens::{new_token, token_hash};
use super::{Then, audit, submit, view};
use bang_components::account::{Account, AccountRole, AccountSettings, Accounts, EndReason, Login};
use bang_components::api::account::{
    AccountView, ChangePasswordRequest, CredentialsRequest, LoginResult, LogoutRequest,
    LogoutResult,
};
use bang_components::api::endpoint::NoPayload;
use bang_components::api::requests::given;
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::names::{name_key, normalise};
use bang_components::session::{ConnectionId, Sessions};
use bang_components::time::{GameClock, Timestamp};
use bevy_ecs::prelude::*;

/// Logins one account keeps at once; a new one beyond ends the oldest (its connections are
/// told, as for a logout).
pub const MAX_LOGINS_PER_ACCOUNT: usize = 16;

/// The reply of a request that answers later (its handler returns this placeholder).
pub type Deferred = LoginResult;

pub(super) fn required<'a>(value: &'a Option<String>, field: &str) -> ApiResult<&'a str> {
    given(value).ok_or_else(|| ApiError::bad_request(format!("{field} is required")))
}

/// A new password: long enough (the upper bound is the request's).
pub(super) fn check_new_password(world: &World, field: &str, password: &str) -> ApiResult<()> {
    let min = world.resource::<AccountSettings>().min_password_chars;
    if password.chars().count() < min {
        return Err(
            ApiError::unprocessable(format!("{field} must be at least {min} characters"))
                .with_code("invalid_field"),
        );
    }
    Ok(())
}

/// A name no account has, nor one that looks like it.
pub(super) fn check_free_name(world: &World, username: &str) -> ApiResult<()> {
    match world.resource::<Accounts>().find(username) {
        Some(_) => Err(ApiError::conflict(format!(
            "username '{username}' is taken (or looks like a name that is)"
        ))
        .with_code("name_taken")),
        None => Ok(()),
    }
}

fn peer(world: &World, conn: ConnectionId) -> Option<std::net::IpAddr> {
    world.resource::<Sessions>().get(conn).and_then(|s| s.peer)
}

pub(super) fn placeholder() -> Deferred {
    LoginResult {
        account: AccountView {
            username: String::new(),
            role: AccountRole::Player,
            characters: Vec::new(),
            max_characters: 0,
            created_at: Timestamp(0),
        },
        token: String::new(),
        expires_at: Timestamp(0),
    }
}

/// `account.register`: checks the name and password and the address's registration rate, then
/// hashes the password on the worker.
pub fn register(
    world: &mut World,
    conn: ConnectionId,
    req: CredentialsRequest,
) -> ApiResult<Deferred> {
    let username = normalise(required(&req.username, "username")?);
    let password = required(&req.password, "password")?.to_string();
    if req.role.is_some() {
        return Err(ApiError::new(
            403,
            "role may be set only by an operator (account.create)",
        ));
    }
    if !world.resource::<AccountSettings>().open_registration {
        return Err(ApiError::new(
            403,
            "Registration is closed; ask an operator for an account",
        ));
    }
    check_free_name(world, &username)?;
    check_new_password(world, "password", &password)?;
    let now = world.resource::<GameClock>().now();
    let settings = world.resource::<AccountSettings>().clone();
    let peer = peer(world, conn);
    world
        .resource_mut::<super::limits::AuthLimits>()
        .check_registration(&settings, peer, now)?;
    let then = |reply| Then::Register {
        reply,
        username,
        role: AccountRole::Player,
        by: None,
        peer,
    };
    submit(world, Work::Hash { password }, then)?;
    Ok(placeholder())
}

/// `account.login`: refused while the account or the address has too many recent failures;
/// otherwise the password is checked on the worker (an unknown name costs the same time).
pub fn login(
    world: &mut World,
    conn: ConnectionId,
    req: CredentialsRequest,
) -> ApiResult<Deferred> {
    let username = required(&req.username, "username")?.to_string();
    let password = required(&req.password, "password")?.to_string();
    let key = name_key(&username);
    let now = world.resource::<GameClock>().now();
    let settings = world.resource::<AccountSettings>().clone();
    let peer = peer(world, conn);
    world
        .resource_mut::<super::limits::AuthLimits>()
        .check_login(&settings, &key, peer, now)?;
    let hash = world
        .resource::<Accounts>()
        .find(&username)
        .and_then(|e| world.get::<Account>(e))
        .map(|a| a.password_hash.clone());
    let then = |reply| Then::Login {
        reply,
        username,
        key,
        peer,
    };
    submit(world, Work::Verify { password, hash }, then)?;
    Ok(placeholder())
}

/// A new login for an account, bound to `conn` if given: the token (shown once) and expiry.
pub fn issue_login(
    world: &mut World,
    account: &str,
    conn: Option<ConnectionId>,
) -> ApiResult<(String, Timestamp)> {
    let token = new_token().ok_or_else(|| ApiError::new(503, "No randomness for a token"))?;
    super::ending::end_oldest_logins(world, account, MAX_LOGINS_PER_ACCOUNT - 1);
    let now = world.resource::<GameClock>().now();
    let ttl = world.resource::<AccountSettings>().session_ttl_micros();
    let login = Login {
        token_hash: token_hash(&token),
        account: account.to_string(),
        created_at: now,
        expires_at: Timestamp(now.0.saturating_add(ttl)),
    };
    let expires = login.expires_at;
    let entity = world.spawn(login.clone()).id();
    world.resource_mut::<Accounts>().index_login(&login, entity);
    if let Some(conn) = conn {
        super::authority::switch_login(world, conn, login.token_hash, true);
    }
    Ok((token, expires))
}

/// `account.logout`: ends this connection's login (or the given token's), or every login of
/// the account with `all`.
pub fn logout(
    world: &mut World,
    conn: ConnectionId,
    req: LogoutRequest,
) -> ApiResult<LogoutResult> {
    if let Some(token) = given(&req.token) {
        super::authority::present_token(world, conn, token);
    }
    let who = principal(world, conn)?;
    let hash = world
        .resource::<Sessions>()
        .get(conn)
        .and_then(|s| s.login.clone());
    let logged_out = match (req.all.unwrap_or(false), hash) {
        (true, _) => {
            super::ending::end_account_logins(world, &who.account, EndReason::LoggedOut, None)
        }
        (false, Some(h)) => usize::from(super::ending::end_login(
            world,
            &h,
            EndReason::LoggedOut,
            None,
        )),
        (false, None) => 0,
    };
    audit(
        world,
        "account.logged_out",
        &who.account,
        Some(conn),
        serde_json::json!({ "logins": logged_out }),
    );
    Ok(LogoutResult { logged_out })
}

/// `account.change_password`: the current password checked, the new one hashed, then every
/// login of the account ends and this connection gets a new one.
pub fn change_password(
    world: &mut World,
    conn: ConnectionId,
    req: ChangePasswordRequest,
) -> ApiResult<Deferred> {
    let who: Principal = principal(world, conn)?;
    let password = required(&req.password, "password")?.to_string();
    let new_password = required(&req.new_password, "new_password")?.to_string();
    check_new_password(world, "new_password", &new_password)?;
    let hash = world
        .get::<Account>(who.entity)
        .expect("account")
        .password_hash
        .clone();
    let account = who.account;
    let then = |reply| Then::ChangePassword { reply, account };
    submit(
        world,
        Work::Change {
            password,
            hash,
            new_password,
        },
        then,
    )?;
    Ok(placeholder())
}

/// `account.info`: the logged-in account.
pub fn info(world: &mut World, conn: ConnectionId) -> ApiResult<AccountView> {
    let who = principal(world, conn)?;
    Ok(view(world, who.entity))
}

/// `account.register`.
pub struct Register;

impl Endpoint for Register {
    const NAME: &'static str = "account.register";
    type Request = CredentialsRequest;
    type Result = Deferred;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        req: CredentialsRequest,
    ) -> ApiResult<Deferred> {
        register(world, conn, req)
    }
}

/// `account.login`.
pub struct LogIn;

impl Endpoint for LogIn {
    const NAME: &'static str = "account.login";
    type Request = CredentialsRequest;
    type Result = Deferred;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        req: CredentialsRequest,
    ) -> ApiResult<Deferred> {
        login(world, conn, req)
    }
}

/// `account.logout`.
pub struct LogOut;

impl Endpoint for LogOut {
    const NAME: &'static str = "account.logout";
    type Request = LogoutRequest;
    type Result = LogoutResult;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        req: LogoutRequest,
    ) -> ApiResult<LogoutResult> {
        logout(world, conn, req)
    }
}

/// `account.change_password`.
pub struct ChangePassword;

impl Endpoint for ChangePassword {
    const NAME: &'static str = "account.change_password";
    type Request = ChangePasswordRequest;
    type Result = Deferred;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        req: ChangePasswordRequest,
    ) -> ApiResult<Deferred> {
        change_password(world, conn, req)
    }
}

/// `account.info`.
pub struct Info;

impl Endpoint for Info {
    const NAME: &'static str = "account.info";
    const IGNORES_PAYLOAD: bool = true;
    type Request = NoPayload;
    type Result = AccountView;

    fn handle(world: &mut World, conn: ConnectionId, _: NoPayload) -> ApiResult<AccountView> {
        info(world, conn)
    }
}
