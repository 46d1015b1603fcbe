//! Holding a character's requests to their configured rate (`RateLimits`): a request over its
//! endpoint's limit waits, in its character's order, until the window lets it through, and is
//! answered 429 if it waited longer than the limit's queue timeout. With no limits configured
//! nothing here runs.

use crate::endpoints::RequestReceived;
use crate::outbox::reply;
use bang_components::api::ApiError;
use bang_components::rate_limits::{Limit, MAX_WAITING_PER_CHARACTER, RateLimits};
use bang_components::time::{GameClock, Timestamp};
use bevy_ecs::prelude::*;
use std::collections::{HashMap, VecDeque};

/// A request waiting for its character's turn, and since when.
struct Waiting {
    since: Timestamp,
    request: RequestReceived,
}

/// Requests waiting, in arrival order, and when each character's recent requests started.
#[derive(Resource, Default)]
pub struct HeldRequests {
    waiting: VecDeque<Waiting>,
    started: HashMap<(String, &'static str), VecDeque<Timestamp>>,
}

fn micros(secs: f64) -> i64 {
    (secs * 1_000_000.0) as i64
}

impl HeldRequests {
    /// Whether a request may start now under `limit`; if so, it is counted.
    fn admit(
        &mut self,
        character: &str,
        endpoint: &'static str,
        limit: Limit,
        now: Timestamp,
    ) -> bool {
        let starts = self
            .started
            .entry((character.to_string(), endpoint))
            .or_default();
        while starts
            .front()
            .is_some_and(|t| now.0 - t.0 >= micros(limit.window))
        {
            starts.pop_front();
        }
        if starts.len() >= limit.limit as usize {
            return false;
        }
        starts.push_back(now);
        true
    }
}

/// What becomes of one request this update.
enum Turn {
    Run(RequestReceived),
    Wait(Waiting),
    Refuse(RequestReceived, ApiError),
}

fn turn(
    held: &mut HeldRequests,
    limits: &RateLimits,
    blocked: &mut HashMap<String, usize>,
    w: Waiting,
    now: Timestamp,
) -> Turn {
    let endpoint = w.request.request.endpoint_name();
    let (Some(character), Some(limit)) =
        (w.request.request.acting_character(), limits.of(endpoint))
    else {
        return Turn::Run(w.request);
    };
    let character = character.to_string();
    // A character's requests keep their order: none passes one that is still waiting.
    if let Some(queued) = blocked.get_mut(&character) {
        if *queued >= MAX_WAITING_PER_CHARACTER {
            let e = ApiError::new(429, "Too many requests waiting for this character");
            return Turn::Refuse(w.request, e);
        }
        *queued += 1;
        return Turn::Wait(w);
    }
    if held.admit(&character, endpoint, limit, now) {
        return Turn::Run(w.request);
    }
    let waited = (now.0 - w.since.0) as f64 / 1e6;
    if waited > limit.queue_timeout {
        let e = ApiError::new(
            429,
            format!("Request timed out after {waited:.2}s in queue"),
        );
        return Turn::Refuse(w.request, e);
    }
    blocked.insert(character, 1);
    Turn::Wait(w)
}

/// The requests that may run now, in order: first those that waited, then the new ones; the
/// rest wait (or are refused) under the configured limits.
pub fn take_turns(world: &mut World, arrived: Vec<RequestReceived>) -> Vec<RequestReceived> {
    if world
        .get_resource::<RateLimits>()
        .is_none_or(RateLimits::is_empty)
    {
        return arrived;
    }
    // Taken out for the pass (not copied each update), and put back after it.
    let limits = world
        .remove_resource::<RateLimits>()
        .expect("checked above");
    let now = world.resource::<GameClock>().now();
    let mut held = world.remove_resource::<HeldRequests>().unwrap_or_default();
    let mut all: VecDeque<Waiting> = std::mem::take(&mut held.waiting);
    all.extend(arrived.into_iter().map(|request| Waiting {
        since: now,
        request,
    }));
    let mut blocked = HashMap::new();
    let mut run = Vec::new();
    for w in all {
        match turn(&mut held, &limits, &mut blocked, w, now) {
            Turn::Run(r) => run.push(r),
            Turn::Wait(w) => held.waiting.push_back(w),
            Turn::Refuse(r, e) => {
                let name = r.request.endpoint_name();
                reply(world, r.conn, r.id, name, Err(e), r.received);
            }
        }
    }
    forget_quiet(&mut held, &limits, now);
    world.insert_resource(held);
    world.insert_resource(limits);
    run
}

/// Drops the start times no window still counts, so the table holds only recent characters.
fn forget_quiet(held: &mut HeldRequests, limits: &RateLimits, now: Timestamp) {
    held.started.retain(|(_, endpoint), starts| {
        let window = limits.of(endpoint).map_or(0, |l| micros(l.window));
        starts.back().is_some_and(|t| now.0 - t.0 < window)
    });
}

#[cfg(test)]
mod tests {
    use crate::endpoints::{Request, RequestReceived};
    use crate::harness::{Game, ring, setup};
    use bang_components::api::requests::{CharacterRequest, JoinRequest};
    use bang_components::messages::FrameQueued;
    use bang_components::rate_limits::{Limit, RateLimits};
    use bang_components::session::ConnectionId;

    fn status() -> Request {
        Request::MyStatus(CharacterRequest {
            character_id: Some("a".into()),
        })
    }

    /// Sends the requests in one update; then steps until `ticks` updates have run, returning
    /// each reply's id and status with the update it came in (0: the first).
    fn replies(
        game: &mut Game,
        conn: ConnectionId,
        ids: &[&str],
        ticks: usize,
    ) -> Vec<(String, u16, usize)> {
        for id in ids {
            game.world().write_message(RequestReceived {
                conn,
                id: id.to_string(),
                request: status(),
                actor: None,
                received: None,
            });
        }
        let mut out = Vec::new();
        for tick in 0..ticks {
            for f in game.step() {
                if let FrameQueued::Reply { id, body, .. } = f {
                    out.push((id, body.err().map_or(200, |e| e.status), tick));
                }
            }
        }
        out
    }

    fn joined_game(limit: Limit) -> (Game, ConnectionId) {
        let mut game = Game::new(setup(ring(3)));
        let conn = game.connect();
        let join = JoinRequest {
            character_id: Some("a".into()),
            ..Default::default()
        };
        game.request(conn, Request::Join(join));
        game.world().insert_resource(RateLimits {
            default: None,
            endpoints: [("my_status".to_string(), limit)].into(),
        });
        (game, conn)
    }

    #[test]
    fn requests_over_the_limit_wait_their_turn_in_order() {
        let limit = Limit {
            limit: 1,
            window: 1.0,
            queue_timeout: 30.0,
        };
        let (mut game, conn) = joined_game(limit);
        // 20 updates a second: one request each second gets through.
        let got = replies(&mut game, conn, &["x", "y", "z"], 45);
        let order: Vec<&str> = got.iter().map(|(id, _, _)| id.as_str()).collect();
        assert_eq!(order, ["x", "y", "z"]);
        assert!(got.iter().all(|(_, status, _)| *status == 200), "{got:?}");
        let ticks: Vec<usize> = got.iter().map(|(_, _, t)| *t).collect();
        assert_eq!(ticks[0], 0);
        assert!((19..=21).contains(&ticks[1]), "{ticks:?}");
        assert!((39..=41).contains(&ticks[2]), "{ticks:?}");
        // Another endpoint is not held behind them.
        let other = game.request(conn, Request::ServerStatus(Default::default()));
        assert!(
            other
                .iter()
                .any(|f| matches!(f, FrameQueued::Reply { body: Ok(_), .. }))
        );
    }

    #[test]
    fn a_request_that_waits_past_its_queue_timeout_is_refused() {
        let limit = Limit {
            limit: 1,
            window: 10.0,
            queue_timeout: 0.5,
        };
        let (mut game, conn) = joined_game(limit);
        let got = replies(&mut game, conn, &["x", "y"], 15);
        assert_eq!(got[0], ("x".to_string(), 200, 0));
        let (id, status, tick) = &got[1];
        assert_eq!((id.as_str(), *status), ("y", 429), "{got:?}");
        assert!(
            (10..=12).contains(tick),
            "refused just past half a second: {tick}"
        );
    }
}
