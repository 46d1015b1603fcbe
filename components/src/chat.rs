//! Chat state the rules keep in memory: the next message id and the per-sender rate limit.

use crate::time::Timestamp;
use bevy_ecs::prelude::Resource;
use std::collections::{HashMap, VecDeque};

/// Message ids and the rate limiter. The limiter only remembers senders seen within the last
/// interval, so its memory is bounded by the message rate, not by the number of senders ever seen.
#[derive(Resource, Debug, Default)]
pub struct ChatLog {
    /// The id the next message gets (ids continue across restarts).
    pub next_id: i64,
    last_sent: HashMap<String, Timestamp>,
    order: VecDeque<(Timestamp, String)>,
}

impl ChatLog {
    pub fn starting_at(next_id: i64) -> ChatLog {
        ChatLog {
            next_id,
            ..Default::default()
        }
    }

    /// Whether `sender` may send at `now`; if so, the send is counted.
    pub fn admit(&mut self, sender: &str, now: Timestamp, min_interval_micros: i64) -> bool {
        // Forget senders whose window has passed.
        while let Some((t, _)) = self.order.front() {
            if now.0 - t.0 < min_interval_micros {
                break;
            }
            let (t, who) = self.order.pop_front().expect("front exists");
            if self.last_sent.get(&who) == Some(&t) {
                self.last_sent.remove(&who);
            }
        }
        if let Some(last) = self.last_sent.get(sender)
            && now.0 - last.0 < min_interval_micros
        {
            return false;
        }
        self.last_sent.insert(sender.to_string(), now);
        self.order.push_back((now, sender.to_string()));
        true
    }

    /// Senders currently remembered by the limiter.
    pub fn tracked_senders(&self) -> usize {
        self.last_sent.len()
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

    #[test]
    fn one_message_per_interval_per_sender() {
        let mut log = ChatLog::default();
        let s = 1_000_000;
        assert!(log.admit("a", Timestamp(0), s));
        assert!(
            !log.admit("a", Timestamp(999_999), s),
            "refusals do not move the window"
        );
        assert!(log.admit("b", Timestamp(500_000), s));
        assert!(log.admit("a", Timestamp(1_000_000), s));
    }

    #[test]
    fn memory_is_bounded_by_the_window_not_by_senders_ever_seen() {
        let mut log = ChatLog::default();
        for i in 0..10_000 {
            assert!(log.admit(&format!("s{i}"), Timestamp(i * 1_000), 1_000_000));
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
