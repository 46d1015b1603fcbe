//! Chat state the rules keep in memory: the next message id and the per-sender rate limit.

use crate::session::ConnectionId;
use crate::time::Timestamp;
use bevy_ecs::prelude::Resource;
use std::collections::{HashMap, VecDeque};

/// Who sent last within the rate-limit window: remembers only keys seen within the last
/// interval, so its memory is bounded by the message rate, not by the keys ever seen.
#[derive(Debug)]
struct Window<K> {
    last_sent: HashMap<K, Timestamp>,
    order: VecDeque<(Timestamp, K)>,
}

impl<K> Default for Window<K> {
    fn default() -> Self {
        Window {
            last_sent: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Window<K> {
    fn forget_before(&mut self, now: Timestamp, interval: i64) {
        while let Some((t, _)) = self.order.front() {
            if now.0 - t.0 < interval {
                break;
            }
            let (t, key) = self.order.pop_front().expect("front exists");
            if self.last_sent.get(&key) == Some(&t) {
                self.last_sent.remove(&key);
            }
        }
    }

    fn blocked(&self, key: &K, now: Timestamp, interval: i64) -> bool {
        self.last_sent
            .get(key)
            .is_some_and(|last| now.0 - last.0 < interval)
    }

    fn record(&mut self, key: K, now: Timestamp) {
        self.last_sent.insert(key.clone(), now);
        self.order.push_back((now, key));
    }
}

/// Message ids and the rate limiter: one message per interval for each sender name and for
/// each connection, so a connection cannot pass the limit by sending under ever-new names.
#[derive(Resource, Debug, Default)]
pub struct ChatLog {
    /// The id the next message gets (ids continue across restarts).
    pub next_id: i64,
    by_name: Window<String>,
    by_connection: Window<ConnectionId>,
}

impl ChatLog {
    pub fn starting_at(next_id: i64) -> ChatLog {
        ChatLog {
            next_id,
            ..Default::default()
        }
    }

    /// Whether `sender` may send from `conn` at `now`; if so, the send is counted against both.
    pub fn admit(
        &mut self,
        sender: &str,
        conn: ConnectionId,
        now: Timestamp,
        min_interval_micros: i64,
    ) -> bool {
        self.by_name.forget_before(now, min_interval_micros);
        self.by_connection.forget_before(now, min_interval_micros);
        let name = sender.to_string();
        if self.by_name.blocked(&name, now, min_interval_micros)
            || self.by_connection.blocked(&conn, now, min_interval_micros)
        {
            return false;
        }
        self.by_name.record(name, now);
        self.by_connection.record(conn, now);
        true
    }

    /// Senders currently remembered by the limiter.
    pub fn tracked_senders(&self) -> usize {
        self.by_name.last_sent.len()
    }

    pub fn take_id(&mut self) -> i64 {
        self.next_id = self.next_id.max(1);
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C1: ConnectionId = ConnectionId(1);
    const C2: ConnectionId = ConnectionId(2);

    #[test]
    fn one_message_per_interval_per_sender() {
        let mut log = ChatLog::default();
        let s = 1_000_000;
        assert!(log.admit("a", C1, Timestamp(0), s));
        assert!(
            !log.admit("a", C2, Timestamp(999_999), s),
            "refusals do not move the window, whatever the connection"
        );
        assert!(log.admit("b", C2, Timestamp(500_000), s));
        assert!(log.admit("a", C1, Timestamp(1_000_000), s));
    }

    #[test]
    fn a_new_name_does_not_pass_the_connection_limit() {
        let mut log = ChatLog::default();
        let s = 1_000_000;
        assert!(log.admit("a", C1, Timestamp(0), s));
        assert!(!log.admit("b", C1, Timestamp(1), s));
        assert!(!log.admit("c", C1, Timestamp(2), s));
        assert!(log.admit("b", C2, Timestamp(3), s), "b was never counted");
        assert!(log.admit("d", C1, Timestamp(1_000_000), s));
    }

    #[test]
    fn memory_is_bounded_by_the_window_not_by_senders_ever_seen() {
        let mut log = ChatLog::default();
        for i in 0..10_000 {
            let conn = ConnectionId(i as u64);
            assert!(log.admit(&format!("s{i}"), conn, Timestamp(i * 1_000), 1_000_000));
        }
        // Only senders of the last second are remembered.
        assert!(log.tracked_senders() <= 1_000, "{}", log.tracked_senders());
    }

    #[test]
    fn ids_start_at_one_and_continue() {
        let mut log = ChatLog::default();
        assert_eq!(log.take_id(), 1);
        assert_eq!(log.take_id(), 2);
        let mut log = ChatLog::starting_at(42);
        assert_eq!(log.take_id(), 42);
    }
}
