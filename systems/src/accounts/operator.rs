//! The account endpoints of operators: `account.create` (any role), `account.reset_password`
//! (ends every login of the account), `account.move_character` (the character's connections are
//! told and lose it). Each needs an operator's login; each is audited with the operator's name.

use super::authority::operator;
use super::ending::{end_account_logins, end_session};
use super::passwords::Work;
use super::player::{check_free_name, check_new_password, required};
use super::{Then, audit, submit, view};
use bang_components::account::{Account, Accounts, AuthMode, EndReason};
use bang_components::api::account::{AccountChanged, CredentialsRequest, MoveCharacterRequest};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::names::normalise;
use bang_components::session::{ConnectionId, Sessions};
use bevy_ecs::prelude::*;

/// The operator making the request: accounts exist only for operators in accounts mode.
fn operator_name(world: &World, conn: ConnectionId) -> ApiResult<String> {
    match operator(world, conn)? {
        Some(op) => Ok(op.account),
        None => Err(ApiError::new(
            403,
            "Account administration needs auth = \"accounts\" and an operator's login",
        )),
    }
}

fn find(world: &World, username: &str) -> ApiResult<Entity> {
    world
        .resource::<Accounts>()
        .find(username)
        .ok_or_else(|| ApiError::not_found(format!("Account '{username}' not found")))
}

/// `account.create`: an account of any role, made by an operator.
pub fn create(
    world: &mut World,
    conn: ConnectionId,
    req: CredentialsRequest,
) -> ApiResult<AccountChanged> {
    let by = operator_name(world, conn)?;
    let username = normalise(required(&req.username, "username")?);
    let password = required(&req.password, "password")?.to_string();
    check_free_name(world, &username)?;
    check_new_password(world, "password", &password)?;
    let role = req.role.unwrap_or_default();
    let then = |reply| Then::Register {
        reply,
        username,
        role,
        by: Some(by),
        peer: None,
    };
    submit(world, Work::Hash { password }, then)?;
    Ok(AccountChanged {
        account: super::player::placeholder().account,
        logged_out: 0,
    })
}

/// `account.reset_password`: a new password set by an operator.
pub fn reset_password(
    world: &mut World,
    conn: ConnectionId,
    req: CredentialsRequest,
) -> ApiResult<AccountChanged> {
    let by = operator_name(world, conn)?;
    let username = required(&req.username, "username")?;
    let entity = find(world, username)?;
    let password = required(&req.password, "password")?.to_string();
    check_new_password(world, "password", &password)?;
    let account = world.get::<Account>(entity).expect("account").name.clone();
    let then = |reply| Then::ResetPassword { reply, account, by };
    submit(world, Work::Hash { password }, then)?;
    Ok(AccountChanged {
        account: super::player::placeholder().account,
        logged_out: 0,
    })
}

/// `account.move_character`: gives a character to an account; whoever had joined it loses it.
pub fn move_character(
    world: &mut World,
    conn: ConnectionId,
    req: MoveCharacterRequest,
) -> ApiResult<AccountChanged> {
    let by = operator_name(world, conn)?;
    let character = required(&req.character_id, "character_id")?.to_string();
    crate::registration::refresh_registry(world);
    if !super::authority::known(world, &character) {
        return Err(ApiError::not_found(format!(
            "Character '{character}' not found"
        )));
    }
    let to = find(world, required(&req.username, "username")?)?;
    let to_name = world.get::<Account>(to).expect("account").name.clone();
    let from = world
        .resource::<Accounts>()
        .owner_of(&character)
        .map(str::to_string);
    if let Some(from) = from
        .as_deref()
        .and_then(|f| world.resource::<Accounts>().find(f))
        && let Some(mut a) = world.get_mut::<Account>(from)
    {
        a.characters.remove(&character);
    }
    world
        .get_mut::<Account>(to)
        .expect("account")
        .characters
        .insert(character.clone());
    world
        .resource_mut::<Accounts>()
        .set_owner(&character, Some(&to_name));
    let holders = world.resource::<Sessions>().controllers(&character);
    for holder in holders {
        end_session(world, holder, &character, EndReason::OwnerChanged);
    }
    let data = serde_json::json!({ "character_id": character, "from": from, "to": to_name });
    audit(world, "operator.character_moved", &by, Some(conn), data);
    Ok(AccountChanged {
        account: view(world, to),
        logged_out: 0,
    })
}

/// After the worker hashed a reset password: the hash stored, every login ended.
pub(super) fn finish_reset(
    world: &mut World,
    account: &str,
    by: &str,
    hash: String,
) -> ApiResult<AccountChanged> {
    let entity = find(world, account)?;
    let now = world.resource::<bang_components::time::GameClock>().now();
    {
        let mut a = world.get_mut::<Account>(entity).expect("account");
        a.password_hash = hash;
        a.password_changed_at = now;
    }
    let logged_out = end_account_logins(world, account, EndReason::LoggedOut, None);
    let data = serde_json::json!({ "account": account, "logins_ended": logged_out });
    audit(world, "operator.password_reset", by, None, data);
    Ok(AccountChanged {
        account: view(world, entity),
        logged_out,
    })
}

/// Whether accounts are enforced (operator endpoints say so when they are not).
pub fn enforced(world: &World) -> bool {
    super::authority::mode(world) == AuthMode::Accounts
}

/// `account.create`.
pub struct Create;

impl Endpoint for Create {
    const NAME: &'static str = "account.create";
    type Request = CredentialsRequest;
    type Result = AccountChanged;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        req: CredentialsRequest,
    ) -> ApiResult<AccountChanged> {
        create(world, conn, req)
    }
}

/// `account.reset_password`.
pub struct ResetPassword;

impl Endpoint for ResetPassword {
    const NAME: &'static str = "account.reset_password";
    type Request = CredentialsRequest;
    type Result = AccountChanged;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        req: CredentialsRequest,
    ) -> ApiResult<AccountChanged> {
        reset_password(world, conn, req)
    }
}

/// `account.move_character`.
pub struct MoveCharacter;

impl Endpoint for MoveCharacter {
    const NAME: &'static str = "account.move_character";
    type Request = MoveCharacterRequest;
    type Result = AccountChanged;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        req: MoveCharacterRequest,
    ) -> ApiResult<AccountChanged> {
        move_character(world, conn, req)
    }
}
