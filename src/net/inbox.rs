//! The inbox as the game loop takes it: per connection, in turns.
//!
//! Arrival order alone lets one burst hold everyone up: 100 connections that each send 17
//! requests the moment they open put 1,700 requests ahead of a player's one. So each update takes
//! first the requests of connections that had nothing waiting (an interactive player's one
//! request), then a bounded number from the connections with a backlog, one per connection in
//! turn. A connection's own requests always keep their order, and its open and close stay where
//! they were among them.

use super::Inbound;
use bang_components::session::ConnectionId;
use std::collections::{HashMap, VecDeque};

/// Backlogged requests taken in one update, in turns over the backlogged connections: small,
/// because each may be as heavy as a crowded sector's status (about 0.15 ms).
pub const BACKLOG_PER_UPDATE: usize = 16;

/// Requests taken in one update at most (fresh and backlogged), so one update and its commit
/// stay short under load.
pub const MAX_PER_UPDATE: usize = 4096;

/// Items read off the channel, queued per connection until their turn.
#[derive(Default)]
pub struct FairQueue {
    queues: HashMap<ConnectionId, VecDeque<Inbound>>,
    /// Connections whose first waiting request arrived since the last update, in arrival order.
    fresh: Vec<ConnectionId>,
    /// Connections with requests left from an earlier update, in the order of their turns.
    backlog: VecDeque<ConnectionId>,
    len: usize,
}

impl FairQueue {
    /// Items waiting (requests, opens and closes).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues one item behind its connection's earlier ones.
    pub fn push(&mut self, item: Inbound) {
        let conn = item.conn();
        let queue = self.queues.entry(conn).or_default();
        if queue.is_empty() {
            self.fresh.push(conn);
        }
        queue.push_back(item);
        self.len += 1;
    }

    /// Takes this update's items, in the order the game handles them: the fresh connections'
    /// first requests in arrival order, then turns over the backlog.
    pub fn take_update(&mut self) -> Vec<Inbound> {
        let mut out = Vec::with_capacity(self.len.min(MAX_PER_UPDATE));
        let mut requests = 0;
        let fresh = std::mem::take(&mut self.fresh);
        let mut newly_backlogged = Vec::new();
        for conn in fresh {
            if requests >= MAX_PER_UPDATE {
                // Not served this update: next in line after the older backlog.
                newly_backlogged.push(conn);
                continue;
            }
            requests += self.take_turn(conn, &mut out);
            if self.waiting(conn) {
                newly_backlogged.push(conn);
            }
        }
        let mut turns = 0;
        let backlogged = self.backlog.len();
        while turns < BACKLOG_PER_UPDATE.min(backlogged) && requests < MAX_PER_UPDATE {
            let Some(conn) = self.backlog.pop_front() else {
                break;
            };
            requests += self.take_turn(conn, &mut out);
            if self.waiting(conn) {
                self.backlog.push_back(conn);
            }
            turns += 1;
        }
        self.backlog.extend(newly_backlogged);
        out
    }

    /// One connection's turn: its next request, with the opens and closes before it (and a
    /// close right after it, so a finished connection does not wait a turn to go). Returns the
    /// requests taken (0 or 1).
    fn take_turn(&mut self, conn: ConnectionId, out: &mut Vec<Inbound>) -> usize {
        let Some(queue) = self.queues.get_mut(&conn) else {
            return 0;
        };
        let mut taken = 0;
        while let Some(front) = queue.front() {
            let is_request = matches!(front, Inbound::Request(_));
            if is_request && taken == 1 {
                break;
            }
            taken += usize::from(is_request);
            out.push(queue.pop_front().expect("front exists"));
            self.len -= 1;
        }
        // An open connection keeps its (empty) queue: most send one request at a time, and
        // making and dropping a queue per request cost a measurable share of the loop.
        if queue.is_empty() && matches!(out.last(), Some(Inbound::Closed { .. })) {
            self.queues.remove(&conn);
        }
        taken
    }

    /// Whether the connection has anything waiting.
    fn waiting(&self, conn: ConnectionId) -> bool {
        self.queues.get(&conn).is_some_and(|q| !q.is_empty())
    }
}

impl Inbound {
    /// The connection the item belongs to.
    pub fn conn(&self) -> ConnectionId {
        match self {
            Inbound::Opened { conn, .. } | Inbound::Closed { conn } => *conn,
            Inbound::Request(r) => r.conn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bang_systems::endpoints::{Request, RequestReceived};

    fn request(conn: u64, n: u32) -> Inbound {
        Inbound::Request(Box::new(RequestReceived {
            conn: ConnectionId(conn),
            id: n.to_string(),
            request: Request::MyStatus(Default::default()),
            actor: None,
            received: None,
        }))
    }

    /// `(connection, request id)` for requests, `(connection, "closed")` for closes.
    fn names(items: &[Inbound]) -> Vec<(u64, String)> {
        items
            .iter()
            .map(|i| match i {
                Inbound::Request(r) => (r.conn.0, r.id.clone()),
                Inbound::Closed { conn } => (conn.0, "closed".into()),
                Inbound::Opened { conn, .. } => (conn.0, "opened".into()),
            })
            .collect()
    }

    #[test]
    fn a_burst_waits_behind_a_fresh_request_but_keeps_its_order() {
        let mut q = FairQueue::default();
        for n in 0..40 {
            q.push(request(1, n));
        }
        q.push(request(2, 0));
        let first = names(&q.take_update());
        // Each connection's first request; connection 1's other 39 wait their turn.
        assert_eq!(first, vec![(1, "0".into()), (2, "0".into())]);
        q.push(request(3, 0));
        let second = names(&q.take_update());
        assert_eq!(second[0], (3, "0".into()), "a fresh request goes first");
        let ones: Vec<u32> = second[1..]
            .iter()
            .map(|(c, id)| {
                assert_eq!(*c, 1);
                id.parse().unwrap()
            })
            .collect();
        assert_eq!(
            ones,
            vec![1],
            "one turn per backlogged connection per round"
        );
        assert_eq!(q.len(), 38);
    }

    #[test]
    fn backlogged_connections_take_turns_within_the_update_budget() {
        let mut q = FairQueue::default();
        for conn in 1..=20 {
            for n in 0..3 {
                q.push(request(conn, n));
            }
        }
        assert_eq!(
            q.take_update().len(),
            20,
            "every connection's first request"
        );
        let second = names(&q.take_update());
        assert_eq!(second.len(), BACKLOG_PER_UPDATE);
        let conns: Vec<u64> = second.iter().map(|(c, _)| *c).collect();
        assert_eq!(conns, (1..=16).collect::<Vec<_>>(), "turns in order");
        let third = names(&q.take_update());
        // Connections 17 to 20 have their turn before 1 comes round again.
        assert_eq!(third[0], (17, "1".into()));
        assert_eq!(third[4], (1, "2".into()));
        let mut all = third.len();
        while !q.is_empty() {
            all += q.take_update().len();
        }
        assert_eq!(all, 40 - BACKLOG_PER_UPDATE, "nothing is lost");
    }

    #[test]
    fn a_close_follows_its_connection_s_last_request() {
        let mut q = FairQueue::default();
        q.push(request(1, 0));
        q.push(request(1, 1));
        q.push(Inbound::Closed {
            conn: ConnectionId(1),
        });
        q.push(request(2, 0));
        assert_eq!(
            names(&q.take_update()),
            vec![(1, "0".into()), (2, "0".into())]
        );
        assert_eq!(
            names(&q.take_update()),
            vec![(1, "1".into()), (1, "closed".into())]
        );
        assert!(q.is_empty());
        assert!(
            !q.queues.contains_key(&ConnectionId(1)),
            "a closed connection leaves no queue behind"
        );
        // An open connection keeps its empty queue for its next request, which is fresh again.
        assert!(q.queues.contains_key(&ConnectionId(2)));
        q.push(request(2, 1));
        assert_eq!(names(&q.take_update()), vec![(2, "1".into())]);
    }
}
