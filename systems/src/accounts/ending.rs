//! Ending what a connection may do: a character joined elsewhere, a login logged out, expired
//! or voided by a password change, a character given to another account. The connection is
//! told (`session.ended`, to it alone) and stops receiving the character's events and acting
//! for it; it stays open, free to log in or join again.

use crate::outbox::record;
use bang_components::account::{Accounts, EndReason, Login};
use bang_components::api::account::SessionEnded;
use bang_components::game_events::GameEvent;
use bang_components::messages::Audience;
use bang_components::session::{ConnectionId, Sessions};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;

/// Takes a character from one connection and tells it why.
pub fn end_session(world: &mut World, conn: ConnectionId, character: &str, reason: EndReason) {
    world.resource_mut::<Sessions>().release(conn, character);
    let ended = SessionEnded {
        character_id: character.to_string(),
        reason,
        detail: reason.explain().to_string(),
    };
    let audience = Audience::Connection(conn, vec![character.to_string()]);
    record(world, GameEvent::SessionEnded(ended), audience);
}

/// A character joined on `conn`: any other connection that had joined it loses it.
pub fn end_other_sessions(world: &mut World, character: &str, conn: ConnectionId) {
    let others: Vec<ConnectionId> = world
        .resource::<Sessions>()
        .controllers(character)
        .into_iter()
        .filter(|c| *c != conn)
        .collect();
    for other in others {
        end_session(world, other, character, EndReason::JoinedElsewhere);
    }
}

/// Ends one login: forgotten, despawned, and every connection using it loses the characters it
/// joined (except `keep`, the connection that proved the password anew). Returns whether it
/// existed.
pub fn end_login(
    world: &mut World,
    hash: &str,
    reason: EndReason,
    keep: Option<ConnectionId>,
) -> bool {
    let Some(entity) = world.resource_mut::<Accounts>().forget_login(hash) else {
        return false;
    };
    world.despawn(entity);
    let conns = world.resource::<Sessions>().logged_in_with(hash);
    for conn in conns {
        let joined: Vec<String> = world
            .resource::<Sessions>()
            .get(conn)
            .map(|s| s.controlled.iter().cloned().collect())
            .unwrap_or_default();
        if let Some(s) = world.resource_mut::<Sessions>().get_mut(conn) {
            s.login = None;
            s.proved_login = false;
        }
        // The kept connection gets its new login next, its characters untouched.
        if Some(conn) == keep {
            continue;
        }
        for character in joined {
            end_session(world, conn, &character, reason);
        }
    }
    true
}

/// Ends every login of an account; returns how many.
pub fn end_account_logins(
    world: &mut World,
    account: &str,
    reason: EndReason,
    keep: Option<ConnectionId>,
) -> usize {
    let mut query = world.query::<&Login>();
    let mut hashes: Vec<String> = query
        .iter(world)
        .filter(|l| l.account == account)
        .map(|l| l.token_hash.clone())
        .collect();
    hashes.sort();
    hashes
        .iter()
        .filter(|h| end_login(world, h, reason, keep))
        .count()
}

/// Ends an account's oldest logins so that at most `keep` remain (a new one is about to be
/// made): logins cannot pile up without bound for an account that logs in again and again.
pub fn end_oldest_logins(world: &mut World, account: &str, keep: usize) {
    let mut query = world.query::<&Login>();
    let mut mine: Vec<(i64, String)> = query
        .iter(world)
        .filter(|l| l.account == account)
        .map(|l| (l.created_at.0, l.token_hash.clone()))
        .collect();
    if mine.len() <= keep {
        return;
    }
    mine.sort();
    let excess = mine.len() - keep;
    for (_, hash) in mine.into_iter().take(excess) {
        end_login(world, &hash, EndReason::LoggedOut, None);
    }
}

/// Every second of the game clock: logins past their expiry end.
pub fn expire_logins(world: &mut World, mut last: Local<i64>) {
    let now = world.resource::<GameClock>().now().0;
    if now - *last < 1_000_000 {
        return;
    }
    *last = now;
    let mut query = world.query::<&Login>();
    let mut expired: Vec<String> = query
        .iter(world)
        .filter(|l| l.expires_at.0 <= now)
        .map(|l| l.token_hash.clone())
        .collect();
    expired.sort();
    for hash in expired {
        end_login(world, &hash, EndReason::LoginExpired, None);
    }
}
