//! A connection's outbox and the byte budgets that bound what waits in outboxes: per connection
//! (a client that does not read is cut once its backlog passes it) and for all of them together
//! (past it, any connection with a real backlog is cut). Frames are counted from the moment they
//! are queued until the writer has flushed them to the socket, so tungstenite's buffer is inside
//! the budget too.

use axum::extract::ws::Utf8Bytes;
use bang_components::session::ConnectionId;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Notify, mpsc, watch};

/// Why the server closes a WebSocket, as its close frame says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    pub const NORMAL: Close = Close {
        code: 1000,
        reason: "",
    };
    pub const TOO_SLOW: Close = Close {
        code: 1008,
        reason: "client too slow: its unread frames passed the server's budget",
    };
    pub const NOT_JOINED: Close = Close {
        code: 1008,
        reason: "no join, identify or subscribe in time",
    };
    pub const SILENT: Close = Close {
        code: 1001,
        reason: "peer silent",
    };
    pub const TOO_BIG: Close = Close {
        code: 1009,
        reason: "message too big",
    };
    pub const BAD_UTF8: Close = Close {
        code: 1007,
        reason: "text frame is not valid UTF-8",
    };
    pub const PROTOCOL: Close = Close {
        code: 1002,
        reason: "WebSocket protocol error",
    };
}

/// What both ends of a connection share: its backlog in bytes, whether it has bound a character
/// (or chat), and the request to close it.
pub struct Link {
    pub queued_bytes: AtomicUsize,
    /// Requests handed to the game loop and not yet answered: the reader stops reading at the
    /// limit (`NetConfig::max_in_flight`), so a client that pipelines without reading cannot
    /// make the server build replies faster than they leave.
    pub in_flight: AtomicUsize,
    /// Woken when a reply goes out.
    pub answered: Notify,
    pub joined: AtomicBool,
    pub close: watch::Sender<Option<Close>>,
}

impl Link {
    pub fn new(joined: bool) -> (Arc<Link>, watch::Receiver<Option<Close>>) {
        let (close, rx) = watch::channel(None);
        let link = Link {
            queued_bytes: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            answered: Notify::new(),
            joined: AtomicBool::new(joined),
            close,
        };
        (Arc::new(link), rx)
    }

    /// Asks the connection to close; the first reason given wins. Returns whether this call
    /// was the first.
    pub fn close(&self, why: Close) -> bool {
        self.close.send_if_modified(|c| {
            if c.is_some() {
                return false;
            }
            *c = Some(why);
            true
        })
    }

    /// A request's reply left the game loop (delivered or dropped).
    pub fn answered(&self) {
        // Saturating: a reply never exceeds its request, but a miscount must not wrap.
        let _ = self
            .in_flight
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        self.answered.notify_one();
    }

    pub fn closing(&self) -> bool {
        self.close.borrow().is_some()
    }
}

/// One frame on its way out, and whether it answers a request (the request stops counting as
/// in flight once its reply is written to the socket, not when it is queued: a client that does
/// not read keeps its requests in flight, and its socket is not read any further).
pub struct Outgoing {
    pub text: Utf8Bytes,
    pub reply: bool,
}

/// The ECS's handle on one connection's outgoing frames.
pub struct Outbox {
    pub frames: mpsc::Sender<Outgoing>,
    pub link: Arc<Link>,
}

/// The byte budgets, and the bytes waiting in every outbox now.
#[derive(Debug, Default)]
pub struct OutboundBudget {
    pub per_connection: usize,
    pub total_limit: usize,
    /// Past the total, a connection is cut only with at least this much waiting (a client that
    /// keeps up holds far less), so readers are not punished for the others.
    pub backlog_floor: usize,
    pub queued: AtomicUsize,
    /// Connections cut for their backlog, since start.
    pub slow_disconnects: AtomicU64,
}

impl OutboundBudget {
    pub fn new(per_connection: usize, total_limit: usize) -> OutboundBudget {
        OutboundBudget {
            per_connection,
            total_limit,
            backlog_floor: (per_connection / 16).clamp(16 * 1024, 256 * 1024),
            ..Default::default()
        }
    }

    /// Whether one more frame of `size` bytes for a connection with `backlog` bytes waiting
    /// breaks a budget. A frame for an empty outbox always fits, so any frame can be sent.
    fn over(&self, backlog: usize, size: usize) -> bool {
        if backlog == 0 {
            return false;
        }
        backlog + size > self.per_connection
            || (self.queued.load(Ordering::Relaxed) + size > self.total_limit
                && backlog >= self.backlog_floor)
    }

    /// The writer flushed `bytes` of this connection's frames.
    pub fn written(&self, link: &Link, bytes: usize) {
        link.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
        self.queued.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// A closed connection's frames that were never written leave the budget.
    pub fn forget(&self, link: &Link) {
        let left = link.queued_bytes.swap(0, Ordering::Relaxed);
        self.queued.fetch_sub(left, Ordering::Relaxed);
    }

    /// Queues a frame on one outbox, or cuts the client (close 1008, counted once) if it would
    /// break a budget or the frame-count cap. Frames for a closing connection are dropped; a
    /// dropped reply no longer counts as in flight.
    pub fn deliver(&self, conn: ConnectionId, outbox: &Outbox, text: Utf8Bytes, reply: bool) {
        let link = &outbox.link;
        let queued = !link.closing() && self.queue(conn, outbox, text, reply);
        if reply && !queued {
            link.answered();
        }
    }

    fn queue(&self, conn: ConnectionId, outbox: &Outbox, text: Utf8Bytes, reply: bool) -> bool {
        let link = &outbox.link;
        let size = text.len();
        let backlog = link.queued_bytes.load(Ordering::Relaxed);
        let fits = !self.over(backlog, size);
        // Counted before the send: the writer may take the frame at once and subtract it.
        if fits {
            link.queued_bytes.fetch_add(size, Ordering::Relaxed);
            self.queued.fetch_add(size, Ordering::Relaxed);
        }
        let (queued, too_slow) =
            match fits.then(|| outbox.frames.try_send(Outgoing { text, reply })) {
                Some(Ok(())) => (true, false),
                Some(Err(e)) => {
                    self.written(link, size);
                    (false, matches!(e, TrySendError::Full(_)))
                }
                None => (false, true),
            };
        if too_slow {
            self.cut(conn, link, backlog);
        }
        queued
    }

    /// Closes a client that does not keep up (1008), counting it once.
    pub fn cut(&self, conn: ConnectionId, link: &Link, backlog: usize) {
        if link.close(Close::TOO_SLOW) {
            tracing::warn!(conn = conn.0, backlog, "client too slow; disconnecting it");
            self.slow_disconnects.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox(frames: usize) -> (Outbox, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(frames);
        let (link, _) = Link::new(false);
        (Outbox { frames: tx, link }, rx)
    }

    fn bytes(n: usize) -> Utf8Bytes {
        Utf8Bytes::from("x".repeat(n))
    }

    #[test]
    fn a_client_whose_outbox_is_full_is_cut_and_counted_once() {
        let budget = OutboundBudget::new(1 << 20, 1 << 30);
        let (o, mut rx) = outbox(2);
        let conn = ConnectionId(1);
        budget.deliver(conn, &o, bytes(2), false);
        budget.deliver(conn, &o, bytes(2), false);
        assert!(!o.link.closing(), "two frames fit");
        budget.deliver(conn, &o, bytes(2), false);
        assert_eq!(*o.link.close.borrow(), Some(Close::TOO_SLOW));
        assert_eq!(budget.slow_disconnects.load(Ordering::Relaxed), 1);
        budget.deliver(conn, &o, bytes(2), false);
        assert_eq!(budget.slow_disconnects.load(Ordering::Relaxed), 1);
        assert_eq!(
            budget.queued.load(Ordering::Relaxed),
            4,
            "the refused frame is not counted"
        );
        assert!(rx.try_recv().is_ok() && rx.try_recv().is_ok() && rx.try_recv().is_err());
    }

    #[test]
    fn the_per_connection_budget_counts_bytes_not_frames() {
        let budget = OutboundBudget::new(1000, 1 << 30);
        let (o, _rx) = outbox(1024);
        // One frame bigger than the budget still goes: an empty outbox takes anything.
        budget.deliver(ConnectionId(1), &o, bytes(5000), false);
        assert!(!o.link.closing());
        budget.deliver(ConnectionId(1), &o, bytes(10), false);
        assert!(o.link.closing(), "a backlog of 5000 bytes is over 1000");
        budget.forget(&o.link);
        assert_eq!(budget.queued.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn past_the_total_only_connections_with_a_backlog_are_cut() {
        let budget = OutboundBudget::new(1 << 20, 200_000);
        assert_eq!(budget.backlog_floor, 64 * 1024);
        let (hog, _a) = outbox(1024);
        let (reader, _b) = outbox(1024);
        for _ in 0..6 {
            budget.deliver(ConnectionId(1), &hog, bytes(30_000), false);
        }
        assert!(!hog.link.closing(), "180 KB is under both budgets");
        // Past the total, the reader (nothing waiting) still gets its frames; the hog, with
        // 180 KB waiting, is cut.
        budget.deliver(ConnectionId(2), &reader, bytes(30_000), false);
        budget.deliver(ConnectionId(2), &reader, bytes(30_000), false);
        assert!(!reader.link.closing());
        assert!(budget.queued.load(Ordering::Relaxed) > 200_000);
        budget.deliver(ConnectionId(1), &hog, bytes(100), false);
        assert!(hog.link.closing());
    }

    #[test]
    fn a_closed_outbox_is_not_counted_as_slow() {
        let budget = OutboundBudget::new(1 << 20, 1 << 30);
        let (o, rx) = outbox(2);
        drop(rx);
        budget.deliver(ConnectionId(1), &o, bytes(2), false);
        assert_eq!(budget.slow_disconnects.load(Ordering::Relaxed), 0);
        assert_eq!(budget.queued.load(Ordering::Relaxed), 0);
    }
}
