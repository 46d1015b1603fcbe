//! What each WebSocket connection is bound to: the characters whose events it receives, the names
//! direct chat reaches it by, whether chat is on, and the characters it joined. Routing of events
//! to connections reads this; only the systems change it.

use bevy_ecs::prelude::Resource;
use std::collections::{BTreeSet, HashMap};

/// A live connection, numbered by the network thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

/// Most characters (or names) one connection may bind: bindings are per connection and would
/// otherwise grow without limit.
pub const MAX_BINDINGS_PER_CONNECTION: usize = 32;

/// The wire protocol a connection speaks: the seed's (`2025-10`, the default) or Gradient Bang's
/// last WebSocket release (`2026-01`). Both drive the same World; the dialect decides which
/// endpoints a connection may call and how replies and events are framed and shaped for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WireDialect {
    #[default]
    V2025_10,
    V2026_01,
}

impl WireDialect {
    pub const ALL: [WireDialect; 2] = [WireDialect::V2025_10, WireDialect::V2026_01];

    /// The dialect's position in per-dialect arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WireDialect::V2025_10 => "2025-10",
            WireDialect::V2026_01 => "2026-01",
        }
    }
}

impl std::fmt::Display for WireDialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dialect name that is neither `2025-10` nor `2026-01`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDialect(pub String);

impl std::fmt::Display for UnknownDialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown dialect '{}': expected 2025-10 or 2026-01",
            self.0
        )
    }
}

impl std::error::Error for UnknownDialect {}

impl std::str::FromStr for WireDialect {
    type Err = UnknownDialect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WireDialect::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDialect(s.chars().take(64).collect()))
    }
}

#[derive(Debug, Default, Clone)]
pub struct Session {
    pub dialect: WireDialect,
    /// Characters whose targeted events this connection receives.
    pub tracked: BTreeSet<String>,
    /// Names that route direct chat here.
    pub names: BTreeSet<String>,
    pub chat: bool,
    /// Characters joined on this connection.
    pub controlled: BTreeSet<String>,
    /// The peer's address, when known.
    pub peer: Option<std::net::IpAddr>,
    /// The hash of the session token this connection logged in with (checked when used).
    pub login: Option<String>,
    /// Whether that login was made here from a password (`account.login`, `account.register`):
    /// such a connection is past the join deadline, as one that joined (a player may take a while
    /// to pick a character). A token merely presented proves nothing until it is used.
    pub proved_login: bool,
}

#[derive(Resource, Debug, Default)]
pub struct Sessions {
    sessions: HashMap<ConnectionId, Session>,
    /// Open connections per dialect: an event is rendered only for dialects someone speaks.
    per_dialect: [usize; 2],
    by_character: HashMap<String, Vec<ConnectionId>>,
    by_name: HashMap<String, Vec<ConnectionId>>,
}

/// Refused because the connection already holds the maximum number of bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyBindings;

fn add_index(index: &mut HashMap<String, Vec<ConnectionId>>, key: &str, conn: ConnectionId) {
    let list = index.entry(key.to_string()).or_default();
    if !list.contains(&conn) {
        list.push(conn);
    }
}

fn remove_index(index: &mut HashMap<String, Vec<ConnectionId>>, key: &str, conn: ConnectionId) {
    if let Some(list) = index.get_mut(key) {
        list.retain(|c| *c != conn);
        if list.is_empty() {
            index.remove(key);
        }
    }
}

impl Sessions {
    pub fn open(&mut self, conn: ConnectionId, dialect: WireDialect) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.sessions.entry(conn) {
            e.insert(Session {
                dialect,
                ..Session::default()
            });
            self.per_dialect[dialect.index()] += 1;
        }
    }

    /// The dialect a connection speaks (the default for one that is not open).
    pub fn dialect(&self, conn: ConnectionId) -> WireDialect {
        self.sessions
            .get(&conn)
            .map(|s| s.dialect)
            .unwrap_or_default()
    }

    /// Whether any open connection speaks `dialect`.
    pub fn speaks(&self, dialect: WireDialect) -> bool {
        self.per_dialect[dialect.index()] > 0
    }

    /// Whether an event addressed to this character reaches a connection speaking `dialect`.
    pub fn hears(&self, character: &str, dialect: WireDialect) -> bool {
        self.per_dialect[dialect.index()] > 0
            && self
                .by_character
                .get(character)
                .is_some_and(|conns| conns.iter().any(|c| self.sessions[c].dialect == dialect))
    }

    pub fn get_mut(&mut self, conn: ConnectionId) -> Option<&mut Session> {
        self.sessions.get_mut(&conn)
    }

    /// Connections that joined this character, ascending.
    pub fn controllers(&self, character: &str) -> Vec<ConnectionId> {
        let mut out: Vec<ConnectionId> = self
            .by_character
            .get(character)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| self.sessions[c].controlled.contains(character))
            .collect();
        out.sort_unstable();
        out
    }

    /// Connections logged in with this token hash, ascending.
    pub fn logged_in_with(&self, token_hash: &str) -> Vec<ConnectionId> {
        let mut out: Vec<ConnectionId> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.login.as_deref() == Some(token_hash))
            .map(|(c, _)| *c)
            .collect();
        out.sort_unstable();
        out
    }

    /// Unbinds a character (and the name it is known by) from a connection: its events and
    /// messages no longer reach it, and it no longer acts for it.
    pub fn release(&mut self, conn: ConnectionId, character: &str) {
        if let Some(s) = self.sessions.get_mut(&conn) {
            s.controlled.remove(character);
            if s.tracked.remove(character) {
                remove_index(&mut self.by_character, character, conn);
            }
            if s.names.remove(character) {
                remove_index(&mut self.by_name, character, conn);
            }
        }
    }

    /// Connections other than `keep` that receive a character's events or messages without
    /// having joined it (bound to the name before the character existed): unbinds them.
    pub fn release_strays(&mut self, character: &str, keep: ConnectionId) {
        let mut strays: Vec<ConnectionId> = Vec::new();
        for index in [&self.by_character, &self.by_name] {
            strays.extend(index.get(character).into_iter().flatten().copied());
        }
        strays.retain(|c| *c != keep && !self.sessions[c].controlled.contains(character));
        for conn in strays {
            self.release(conn, character);
        }
    }

    pub fn close(&mut self, conn: ConnectionId) {
        if let Some(s) = self.sessions.remove(&conn) {
            self.per_dialect[s.dialect.index()] -= 1;
            for id in &s.tracked {
                remove_index(&mut self.by_character, id, conn);
            }
            for name in &s.names {
                remove_index(&mut self.by_name, name, conn);
            }
        }
    }

    pub fn get(&self, conn: ConnectionId) -> Option<&Session> {
        self.sessions.get(&conn)
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Delivers events addressed to `character` to this connection.
    pub fn track(&mut self, conn: ConnectionId, character: &str) -> Result<(), TooManyBindings> {
        let Some(s) = self.sessions.get_mut(&conn) else {
            return Ok(());
        };
        if !s.tracked.contains(character) {
            if s.tracked.len() >= MAX_BINDINGS_PER_CONNECTION {
                return Err(TooManyBindings);
            }
            s.tracked.insert(character.to_string());
            add_index(&mut self.by_character, character, conn);
        }
        s.chat = true;
        Ok(())
    }

    /// Routes direct chat for `name` to this connection.
    pub fn add_name(&mut self, conn: ConnectionId, name: &str) -> Result<(), TooManyBindings> {
        let Some(s) = self.sessions.get_mut(&conn) else {
            return Ok(());
        };
        if !s.names.contains(name) {
            if s.names.len() >= MAX_BINDINGS_PER_CONNECTION {
                return Err(TooManyBindings);
            }
            s.names.insert(name.to_string());
            add_index(&mut self.by_name, name, conn);
        }
        s.chat = true;
        Ok(())
    }

    pub fn enable_chat(&mut self, conn: ConnectionId) {
        if let Some(s) = self.sessions.get_mut(&conn) {
            s.chat = true;
        }
    }

    /// Binds a character joined on this connection: tracked, named, and controlled.
    pub fn control(&mut self, conn: ConnectionId, character: &str) -> Result<(), TooManyBindings> {
        self.track(conn, character)?;
        self.add_name(conn, character)?;
        if let Some(s) = self.sessions.get_mut(&conn) {
            s.controlled.insert(character.to_string());
        }
        Ok(())
    }

    /// Whether any open connection has joined this character.
    pub fn is_online(&self, character: &str) -> bool {
        self.by_character.get(character).is_some_and(|conns| {
            conns
                .iter()
                .any(|c| self.sessions[c].controlled.contains(character))
        })
    }

    /// Connections that receive an event addressed to these characters, each once, ascending.
    pub fn connections_for_characters(&self, characters: &[String]) -> Vec<ConnectionId> {
        let mut out: Vec<ConnectionId> = characters
            .iter()
            .filter_map(|c| self.by_character.get(c))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Connections that receive a chat message: all chat-on connections for a broadcast (empty
    /// `names`), else those that bound one of the names.
    pub fn connections_for_chat(&self, names: &[String]) -> Vec<ConnectionId> {
        let mut out: Vec<ConnectionId> = if names.is_empty() {
            self.sessions
                .iter()
                .filter(|(_, s)| s.chat)
                .map(|(c, _)| *c)
                .collect()
        } else {
            names
                .iter()
                .filter_map(|n| self.by_name.get(n))
                .flatten()
                .copied()
                .filter(|c| self.sessions[c].chat)
                .collect()
        };
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every open connection, ascending.
    pub fn all(&self) -> Vec<ConnectionId> {
        let mut out: Vec<ConnectionId> = self.sessions.keys().copied().collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_follows_bindings_and_forgets_closed_connections() {
        let mut s = Sessions::default();
        let (a, b, c) = (ConnectionId(1), ConnectionId(2), ConnectionId(3));
        s.open(a, WireDialect::V2025_10);
        s.open(b, WireDialect::V2026_01);
        s.open(c, WireDialect::V2025_10);
        s.control(a, "alice").unwrap();
        s.track(b, "alice").unwrap();
        s.add_name(b, "bob").unwrap();
        let ids = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            s.connections_for_characters(&ids(&["alice", "nobody"])),
            vec![a, b]
        );
        assert_eq!(s.connections_for_chat(&ids(&["bob"])), vec![b]);
        // c never turned chat on, so broadcasts skip it.
        assert_eq!(s.connections_for_chat(&[]), vec![a, b]);
        assert!(s.is_online("alice"));
        assert_eq!(s.dialect(b), WireDialect::V2026_01);
        assert!(s.speaks(WireDialect::V2026_01));
        s.close(a);
        assert!(!s.is_online("alice"));
        assert_eq!(s.connections_for_characters(&ids(&["alice"])), vec![b]);
        s.close(b);
        assert!(
            !s.speaks(WireDialect::V2026_01),
            "the last 2026-01 connection closed"
        );
        assert!(s.speaks(WireDialect::V2025_10));
    }

    #[test]
    fn dialects_are_named_as_on_the_wire() {
        for d in WireDialect::ALL {
            assert_eq!(d.as_str().parse::<WireDialect>(), Ok(d));
        }
        let err = "2024-01".parse::<WireDialect>().unwrap_err();
        assert!(err.to_string().contains("2024-01"));
    }

    #[test]
    fn bindings_per_connection_are_bounded() {
        let mut s = Sessions::default();
        let a = ConnectionId(1);
        s.open(a, WireDialect::V2025_10);
        for i in 0..MAX_BINDINGS_PER_CONNECTION {
            s.track(a, &format!("c{i}")).unwrap();
        }
        assert_eq!(s.track(a, "one-too-many"), Err(TooManyBindings));
        // Re-binding an existing id is not a new binding.
        assert_eq!(s.track(a, "c0"), Ok(()));
    }
}

/// Character tokens from the server config: when any are configured, `join` needs the joined
/// character's token (and characters without one cannot be joined).
#[derive(Resource, Debug, Clone, Default)]
pub struct CharacterTokens(pub std::collections::BTreeMap<String, String>);

/// The operator's secret for `reset_ports` / `regenerate_ports`; `None` leaves them open (as the
/// reference does) — set one in the server config for any public server.
#[derive(Resource, Debug, Clone, Default)]
pub struct AdminToken(pub Option<String>);
