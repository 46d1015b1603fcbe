//! Accounts: registering, logging in and out, passwords, and the operator's account
//! administration (issue 21). `authority` answers who a connection is and what it may join;
//! `ending` takes characters from connections that may no longer act for them; `passwords`
//! hashes off the game loop; `limits` holds back password guessing and mass registration.
//! Every account and operator action is written to the action log with who did it.

pub mod authority;
pub mod ending;
pub mod limits;
pub mod operator;
pub mod passwords;
pub mod player;
pub mod tokens;

use crate::action_log::{log_action, log_outcome};
use crate::dispatch::{answer, answer_later};
use bang_components::account::{Account, AccountRole, AccountSettings, Accounts, EndReason};
use bang_components::api::account::{AccountChanged, AccountView, LoginResult};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::messages::{CurrentRequest, PendingReply};
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use std::net::IpAddr;

/// What the game does once the worker is done with a password.
#[derive(Debug)]
pub enum Then {
    /// A new account (a player's registration, or an operator's `account.create`).
    Register {
        reply: PendingReply,
        username: String,
        role: AccountRole,
        by: Option<String>,
        peer: Option<IpAddr>,
    },
    Login {
        reply: PendingReply,
        username: String,
        key: String,
        peer: Option<IpAddr>,
    },
    ChangePassword {
        reply: PendingReply,
        account: String,
    },
    ResetPassword {
        reply: PendingReply,
        account: String,
        by: String,
    },
}

/// The password worker the account endpoints use.
pub type PasswordQueue = passwords::PasswordWork<Then>;

/// Operators' logins (token hash → expiry, microseconds), for the routes the network thread
/// answers without asking the game (`/metrics`, `/api/firehose`).
#[derive(Resource, Clone, Default)]
pub struct PublishedOperators(
    pub std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, i64>>>,
);

/// A login or an account changed this update.
type AccountsChanged = Or<(Changed<bang_components::account::Login>, Changed<Account>)>;

/// Republishes operators' logins when logins or accounts changed.
pub fn publish_operator_logins(
    published: Option<Res<PublishedOperators>>,
    changed: Query<(), AccountsChanged>,
    mut removed: RemovedComponents<bang_components::account::Login>,
    logins: Query<&bang_components::account::Login>,
    accounts: Query<&Account>,
    index: Res<Accounts>,
) {
    let Some(published) = published else { return };
    let removed_any = removed.read().count() > 0;
    if changed.is_empty() && !removed_any {
        return;
    }
    let operator = |name: &str| {
        index
            .find(name)
            .and_then(|e| accounts.get(e).ok())
            .is_some_and(|a| a.role == AccountRole::Operator)
    };
    let map = logins
        .iter()
        .filter(|l| operator(&l.account))
        .map(|l| (l.token_hash.clone(), l.expires_at.0))
        .collect();
    *published.0.write().unwrap_or_else(|p| p.into_inner()) = map;
}

/// Inserts what the account rules need (the worker thread starts here).
pub fn install(world: &mut World) {
    world.init_resource::<Accounts>();
    world.init_resource::<AccountSettings>();
    world.init_resource::<limits::AuthLimits>();
    world.insert_resource(PasswordQueue::start());
}

/// Defers the current request's reply until the worker is done (503 when it is too busy).
pub(crate) fn submit(
    world: &mut World,
    work: passwords::Work,
    then: impl FnOnce(PendingReply) -> Then,
) -> ApiResult<()> {
    let reply = answer_later(world).ok_or_else(|| ApiError::new(500, "No request to defer"))?;
    if world
        .resource_mut::<PasswordQueue>()
        .submit(work, then(reply))
        .is_err()
    {
        if let Some(cause) = world.resource_mut::<CurrentRequest>().0.as_mut() {
            cause.deferred = false;
        }
        return Err(ApiError::new(
            503,
            "Too many logins in progress; retry shortly",
        ));
    }
    Ok(())
}

/// An account as its owner sees it.
pub fn view(world: &World, entity: Entity) -> AccountView {
    let a = world.get::<Account>(entity).expect("account");
    AccountView {
        username: a.name.clone(),
        role: a.role,
        characters: a.characters.iter().cloned().collect(),
        max_characters: world.resource::<AccountSettings>().max_characters,
        created_at: a.created_at,
    }
}

/// Writes an account or operator action to the action log, `by` the account that did it.
pub(crate) fn audit(
    world: &mut World,
    event_type: &'static str,
    by: &str,
    conn: Option<ConnectionId>,
    mut data: serde_json::Value,
) {
    if let Some(map) = data.as_object_mut() {
        map.insert("by".into(), by.into());
    }
    log_action(world, event_type, Some(by), conn, &data);
}

/// Each update: answers the requests whose passwords the worker is done with.
pub fn finish_password_work(world: &mut World) {
    let Some(mut queue) = world.get_resource_mut::<PasswordQueue>() else {
        return;
    };
    for (then, outcome) in queue.finished() {
        finish(world, then, outcome);
    }
}

fn finish(world: &mut World, then: Then, outcome: passwords::Outcome) {
    use passwords::Outcome;
    match (then, outcome) {
        (
            Then::Register {
                reply,
                username,
                role,
                by,
                peer,
            },
            Outcome::Hashed(hash),
        ) => {
            let made = finish_register(world, &reply, &username, role, by.as_deref(), peer, hash);
            match (made, by) {
                // The operator gets the account, not a login to it.
                (Ok(entity), Some(_)) => {
                    let account = view(world, entity);
                    answer(
                        world,
                        reply,
                        Ok(AccountChanged {
                            account,
                            logged_out: 0,
                        }),
                    );
                }
                (Ok(entity), None) => {
                    let result = login_result(world, entity, Some(reply.conn));
                    answer(world, reply, result);
                }
                (Err(e), _) => answer::<LoginResult>(world, reply, Err(e)),
            }
        }
        (
            Then::Login {
                reply,
                username,
                key,
                peer,
            },
            Outcome::Verified(ok),
        ) => {
            let result = finish_login(world, &reply, &username, &key, peer, ok);
            answer(world, reply, result);
        }
        (Then::ChangePassword { reply, account }, Outcome::Changed(hash)) => {
            let result = finish_change(world, &reply, &account, hash);
            answer(world, reply, result);
        }
        (Then::ResetPassword { reply, account, by }, Outcome::Hashed(hash)) => {
            let result = operator::finish_reset(world, &account, &by, hash);
            answer::<AccountChanged>(world, reply, result);
        }
        (then, _) => fail(world, then),
    }
}

fn fail(world: &mut World, then: Then) {
    let reply = match then {
        Then::Register { reply, .. }
        | Then::Login { reply, .. }
        | Then::ChangePassword { reply, .. }
        | Then::ResetPassword { reply, .. } => reply,
    };
    let error = ApiError::new(503, "Password hashing failed; retry shortly");
    answer::<LoginResult>(world, reply, Err(error));
}

fn login_result(
    world: &mut World,
    entity: Entity,
    conn: Option<ConnectionId>,
) -> ApiResult<LoginResult> {
    let name = world.get::<Account>(entity).expect("account").name.clone();
    let (token, expires_at) = player::issue_login(world, &name, conn)?;
    Ok(LoginResult {
        account: view(world, entity),
        token,
        expires_at,
    })
}

/// A hashed registration becomes an account (unless its name was taken meanwhile).
fn finish_register(
    world: &mut World,
    reply: &PendingReply,
    username: &str,
    role: AccountRole,
    by: Option<&str>,
    peer: Option<IpAddr>,
    hash: String,
) -> ApiResult<Entity> {
    player::check_free_name(world, username)?;
    let now = world.resource::<GameClock>().now();
    let account = Account {
        name: username.to_string(),
        role,
        password_hash: hash,
        characters: Default::default(),
        created_at: now,
        password_changed_at: now,
    };
    let entity = world.spawn(account.clone()).id();
    world.resource_mut::<Accounts>().index(&account, entity);
    let settings = world.resource::<AccountSettings>().clone();
    world
        .resource_mut::<limits::AuthLimits>()
        .registered(&settings, peer, now);
    let data = serde_json::json!({ "account": username, "role": role, "address": peer });
    match by {
        Some(op) => audit(
            world,
            "operator.account_created",
            op,
            Some(reply.conn),
            data,
        ),
        None => audit(
            world,
            "account.registered",
            username,
            Some(reply.conn),
            data,
        ),
    }
    Ok(entity)
}

fn finish_login(
    world: &mut World,
    reply: &PendingReply,
    username: &str,
    key: &str,
    peer: Option<IpAddr>,
    ok: bool,
) -> ApiResult<LoginResult> {
    let entity = world.resource::<Accounts>().find(username).filter(|_| ok);
    let now = world.resource::<GameClock>().now();
    let settings = world.resource::<AccountSettings>().clone();
    let data = serde_json::json!({ "username": username, "address": peer });
    let Some(entity) = entity else {
        world
            .resource_mut::<limits::AuthLimits>()
            .login_failed(&settings, key, peer, now);
        log_outcome(
            world,
            "account.login_failed",
            None,
            Some(reply.conn),
            &data,
            "failure",
        );
        return Err(ApiError::new(401, "Invalid username or password").with_code("bad_credentials"));
    };
    world
        .resource_mut::<limits::AuthLimits>()
        .login_succeeded(key);
    let name = world.get::<Account>(entity).expect("account").name.clone();
    audit(world, "account.logged_in", &name, Some(reply.conn), data);
    login_result(world, entity, Some(reply.conn))
}

fn finish_change(
    world: &mut World,
    reply: &PendingReply,
    account: &str,
    hash: Option<String>,
) -> ApiResult<LoginResult> {
    let entity = world
        .resource::<Accounts>()
        .find(account)
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    let Some(hash) = hash else {
        let data = serde_json::json!({ "account": account });
        log_outcome(
            world,
            "account.password_change_failed",
            Some(account),
            Some(reply.conn),
            &data,
            "failure",
        );
        return Err(ApiError::new(401, "Wrong password").with_code("bad_credentials"));
    };
    let now = world.resource::<GameClock>().now();
    {
        let mut a = world.get_mut::<Account>(entity).expect("account");
        a.password_hash = hash;
        a.password_changed_at = now;
    }
    let ended = ending::end_account_logins(world, account, EndReason::LoggedOut, Some(reply.conn));
    let data = serde_json::json!({ "account": account, "logins_ended": ended });
    audit(
        world,
        "account.password_changed",
        account,
        Some(reply.conn),
        data,
    );
    login_result(world, entity, Some(reply.conn))
}
