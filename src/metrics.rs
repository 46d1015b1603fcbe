//! The server's metrics, in Prometheus text format at `GET /metrics`: the seed's combat counters,
//! plus connections, RPC latency per endpoint, tick duration, inbox depth and slow-client
//! disconnects. Shared by the ECS thread (which records) and the network thread (which serves).

use bang_components::combat::CombatStats;
use bevy_ecs::prelude::*;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;

type Labels = Vec<(String, String)>;

fn latency_histogram() -> Histogram {
    // 50 µs … 5 s in 1-2-5 steps: 10 ms (the latency and tick budget) is a bucket boundary, so
    // "p99 under 10 ms" can be read off the buckets.
    Histogram::new(LATENCY_BUCKETS)
}

const LATENCY_BUCKETS: [f64; 16] = [
    0.000_05, 0.000_1, 0.000_2, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0,
    2.0, 5.0,
];

pub struct Metrics {
    registry: Registry,
    pub rounds_resolved: Counter,
    pub round_duration: Histogram,
    pub timeouts: Counter,
    pub flee_attempts: Counter,
    pub flee_successes: Counter,
    pub garrison_deployments: Counter,
    pub toll_payments: Counter,
    pub toll_payments_failed: Counter,
    pub connections: Gauge,
    pub rpc_latency: Family<Labels, Histogram, fn() -> Histogram>,
    pub tick_duration: Histogram,
    pub inbox_depth: Gauge,
    pub slow_disconnects: Counter,
    /// WebSockets closed for not joining in time.
    pub unjoined_disconnects: Counter,
    /// Sockets or upgrades refused, by the limit that refused them.
    pub connections_refused: Family<Labels, Counter>,
    /// Bytes waiting in all outboxes.
    pub outbound_queued_bytes: Gauge,
    pub active_encounters: Gauge,
    /// Where a request's time goes before its reply: waiting in the inbox for the game loop,
    /// then (after its update) waiting for the writer, then the commit itself.
    pub inbox_wait: Histogram,
    pub commit_wait: Histogram,
    pub commit_duration: Histogram,
    pub updates_per_commit: Histogram,
    /// 1 while the store's database is out of reach (replies held), else 0.
    pub store_unreachable: Gauge,
    /// Reconnections to the store's database that failed.
    pub store_reconnect_failures: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let m = Metrics {
            rounds_resolved: Counter::default(),
            round_duration: Histogram::new([0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0]),
            timeouts: Counter::default(),
            flee_attempts: Counter::default(),
            flee_successes: Counter::default(),
            garrison_deployments: Counter::default(),
            toll_payments: Counter::default(),
            toll_payments_failed: Counter::default(),
            connections: Gauge::default(),
            rpc_latency: Family::new_with_constructor(latency_histogram),
            tick_duration: latency_histogram(),
            inbox_depth: Gauge::default(),
            slow_disconnects: Counter::default(),
            unjoined_disconnects: Counter::default(),
            connections_refused: Family::default(),
            outbound_queued_bytes: Gauge::default(),
            active_encounters: Gauge::default(),
            inbox_wait: latency_histogram(),
            commit_wait: latency_histogram(),
            commit_duration: latency_histogram(),
            updates_per_commit: Histogram::new([1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 256.0]),
            store_unreachable: Gauge::default(),
            store_reconnect_failures: Counter::default(),
            registry: Registry::default(),
        };
        // Counters get `_total` appended by the encoder. Registration order is the order of
        // the exposition.
        m.register_combat(&mut registry);
        m.register_connections(&mut registry);
        m.register_pipeline(&mut registry);
        Metrics { registry, ..m }
    }

    /// The seed's combat counters, kept under the seed's names.
    fn register_combat(&self, registry: &mut Registry) {
        registry.register(
            "combat_rounds_resolved",
            "Combat rounds resolved",
            self.rounds_resolved.clone(),
        );
        registry.register(
            "combat_round_duration_seconds",
            "How long combat rounds stayed open",
            self.round_duration.clone(),
        );
        registry.register(
            "combat_timeouts",
            "Combat rounds resolved by their deadline",
            self.timeouts.clone(),
        );
        registry.register(
            "combat_flee_attempts",
            "Flee attempts",
            self.flee_attempts.clone(),
        );
        registry.register(
            "combat_flee_success",
            "Successful flee attempts",
            self.flee_successes.clone(),
        );
        registry.register(
            "garrison_deployments",
            "Garrison deployments",
            self.garrison_deployments.clone(),
        );
        registry.register(
            "toll_payments",
            "Toll payments made",
            self.toll_payments.clone(),
        );
        registry.register(
            "toll_payments_failed",
            "Toll payments refused (not enough credits, no demand)",
            self.toll_payments_failed.clone(),
        );
    }

    /// What the network thread sees: sockets, request latency, and the clients it drops or
    /// refuses.
    fn register_connections(&self, registry: &mut Registry) {
        registry.register(
            "websocket_connections",
            "Open WebSocket connections",
            self.connections.clone(),
        );
        registry.register(
            "rpc_latency_seconds",
            "From a request frame read to its reply queued (after the commit)",
            self.rpc_latency.clone(),
        );
        registry.register(
            "tick_duration_seconds",
            "Duration of one game-loop update",
            self.tick_duration.clone(),
        );
        registry.register(
            "inbox_depth",
            "Requests waiting for the game loop",
            self.inbox_depth.clone(),
        );
        registry.register(
            "slow_client_disconnects",
            "Connections dropped for not reading their frames (outbox bytes or frames over budget)",
            self.slow_disconnects.clone(),
        );
        registry.register(
            "unjoined_disconnects",
            "WebSockets closed for not joining, identifying or subscribing in time",
            self.unjoined_disconnects.clone(),
        );
        registry.register(
            "connections_refused",
            "Sockets or WebSocket upgrades refused, by limit (sockets, per_address, websockets)",
            self.connections_refused.clone(),
        );
        registry.register(
            "outbound_queued_bytes",
            "Bytes of frames waiting in all outboxes (not yet written to their sockets)",
            self.outbound_queued_bytes.clone(),
        );
    }

    /// Load on the game loop and the store: fights in progress, and where a request waits
    /// between its read and its reply (inbox, writer, commit).
    fn register_pipeline(&self, registry: &mut Registry) {
        registry.register(
            "combat_active_encounters",
            "Fights in progress",
            self.active_encounters.clone(),
        );
        registry.register(
            "rpc_inbox_wait_seconds",
            "From a request frame read to the game loop taking it",
            self.inbox_wait.clone(),
        );
        registry.register(
            "store_commit_wait_seconds",
            "From the end of an update to the start of the commit that stores it",
            self.commit_wait.clone(),
        );
        registry.register(
            "store_commit_duration_seconds",
            "One group commit (the transaction and the action-log file write)",
            self.commit_duration.clone(),
        );
        registry.register(
            "store_commit_updates",
            "Game-loop updates stored by one group commit",
            self.updates_per_commit.clone(),
        );
        registry.register(
            "store_unreachable",
            "1 while the store's database is out of reach and replies are held",
            self.store_unreachable.clone(),
        );
        registry.register(
            "store_reconnect_failures",
            "Reconnections to the store's database that failed",
            self.store_reconnect_failures.clone(),
        );
    }

    /// Counts a socket or upgrade refused by `limit`.
    pub fn refused(&self, limit: &str) {
        let labels = vec![("limit".to_string(), limit.to_string())];
        self.connections_refused.get_or_create(&labels).inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }

    /// Adds what the combat rules counted since the last drain.
    pub fn absorb(&self, stats: &mut CombatStats) {
        self.rounds_resolved
            .inc_by(std::mem::take(&mut stats.rounds_resolved));
        self.timeouts.inc_by(std::mem::take(&mut stats.timeouts));
        self.flee_attempts
            .inc_by(std::mem::take(&mut stats.flee_attempts));
        self.flee_successes
            .inc_by(std::mem::take(&mut stats.flee_successes));
        self.garrison_deployments
            .inc_by(std::mem::take(&mut stats.garrison_deployments));
        self.toll_payments
            .inc_by(std::mem::take(&mut stats.toll_payments));
        self.toll_payments_failed
            .inc_by(std::mem::take(&mut stats.toll_payments_failed));
        for d in stats.round_durations.drain(..) {
            self.round_duration.observe(d);
        }
    }
}

/// The metrics as an ECS resource.
#[derive(Resource, Clone)]
pub struct MetricsRes(pub Arc<Metrics>);

/// Publishes the update's combat counters and gauges (runs after the flush).
pub fn publish_metrics(
    metrics: Res<MetricsRes>,
    mut stats: ResMut<CombatStats>,
    encounters: Res<bang_components::combat::EncounterIndex>,
) {
    if stats.rounds_resolved > 0
        || stats.garrison_deployments > 0
        || stats.toll_payments > 0
        || stats.toll_payments_failed > 0
    {
        metrics.0.absorb(stats.bypass_change_detection());
    }
    metrics
        .0
        .active_encounters
        .set(encounters.by_sector.len() as i64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_metrics_are_exposed_with_their_names() {
        let m = Metrics::new();
        let mut stats = CombatStats {
            rounds_resolved: 3,
            timeouts: 1,
            flee_attempts: 2,
            flee_successes: 1,
            garrison_deployments: 4,
            toll_payments: 5,
            toll_payments_failed: 6,
            round_durations: vec![0.5, 15.0],
        };
        m.absorb(&mut stats);
        assert_eq!(
            stats,
            CombatStats::default(),
            "absorbing drains the counters"
        );
        let text = m.render();
        for line in [
            "combat_rounds_resolved_total 3",
            "combat_timeouts_total 1",
            "combat_flee_attempts_total 2",
            "combat_flee_success_total 1",
            "garrison_deployments_total 4",
            "toll_payments_total 5",
            "toll_payments_failed_total 6",
            "combat_round_duration_seconds_count 2",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
        m.rpc_latency
            .get_or_create(&vec![("endpoint".into(), "move".into())])
            .observe(0.001);
        assert!(
            m.render()
                .contains("rpc_latency_seconds_count{endpoint=\"move\"} 1")
        );
    }

    #[test]
    fn the_10_ms_budget_can_be_read_off_the_latency_buckets() {
        let m = Metrics::new();
        let move_latency = m
            .rpc_latency
            .get_or_create(&vec![("endpoint".into(), "move".into())]);
        for secs in [0.0004, 0.009, 0.011] {
            move_latency.observe(secs);
        }
        m.tick_duration.observe(0.012);
        let text = m.render();
        for line in [
            "rpc_latency_seconds_bucket{le=\"0.005\",endpoint=\"move\"} 1",
            "rpc_latency_seconds_bucket{le=\"0.01\",endpoint=\"move\"} 2",
            "rpc_latency_seconds_bucket{le=\"0.02\",endpoint=\"move\"} 3",
            "tick_duration_seconds_bucket{le=\"0.01\"} 0",
            "tick_duration_seconds_bucket{le=\"0.02\"} 1",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
    }
}
