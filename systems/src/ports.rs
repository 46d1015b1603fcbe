//! Port inventories over time: the operator's `reset_ports` and `regenerate_ports`, and the
//! fixed-clock drift of every port back toward its starting stock.

use crate::action_log::log_action;
use crate::outbox::record;
use bang_components::api::Endpoint;
use bang_components::api::events::{PortRegenerated, PortReset};
use bang_components::api::payloads::{RegeneratePortsResult, ResetPortsResult};
use bang_components::api::requests::{AdminRequest, RegeneratePortsRequest};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::balance::Balance;
use bang_components::economy::{Commodity, PortSide, PortStates};
use bang_components::game_events::GameEvent;
use bang_components::messages::Audience;
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;
use bevy_time::prelude::*;
use serde_json::json;

/// `reset_ports`: every port back to its starting stock.
pub fn reset_ports(
    world: &mut World,
    conn: ConnectionId,
    req: AdminRequest,
) -> ApiResult<ResetPortsResult> {
    let by = crate::operator::check_operator(world, conn, req.admin_token.as_deref())?;
    let universe = world.resource::<UniverseRes>().clone();
    let mut count = 0u32;
    {
        let mut ports = world.resource_mut::<PortStates>();
        for (sector, info) in universe.sectors.iter().enumerate() {
            if let Some(initial) = &info.port
                && let Some(()) = ports.update(sector as u32, |live| {
                    live.stock = initial.stock;
                    (true, ())
                })
            {
                count += 1;
            }
        }
    }
    let now = world.resource::<GameClock>().now();
    log_action(
        world,
        "port.reset",
        by.as_deref(),
        Some(conn),
        &json!({"ports_reset": count}),
    );
    let reset = PortReset {
        ports_reset: count,
        timestamp: now,
    };
    record(world, GameEvent::PortsReset(reset), Audience::Everyone);
    Ok(ResetPortsResult {
        success: true,
        message: format!("Reset {count} ports to initial state"),
        ports_reset: count,
    })
}

/// Restocks one port by `amount` units per commodity: sellers gain stock, buyers gain room.
/// `limit` caps each commodity (the starting stock for the slow drift, none for the operator).
fn restock(
    port: &mut bang_components::economy::PortState,
    fraction: f64,
    limit: Option<[i64; 3]>,
) -> bool {
    let mut changed = false;
    for c in Commodity::ALL {
        let i = c.index();
        let cap = port.max_capacity[i];
        let amount = (cap as f64 * fraction).floor() as i64;
        if amount <= 0 {
            continue;
        }
        let before = port.stock[i];
        port.stock[i] = match (port.side(c), limit) {
            (PortSide::Sells, None) => (before + amount).min(cap),
            (PortSide::Buys, None) => (before - amount).max(0),
            (PortSide::Sells, Some(l)) if before < l[i] => (before + amount).min(l[i]),
            (PortSide::Buys, Some(l)) if before > l[i] => (before - amount).max(l[i]),
            _ => before,
        };
        changed |= port.stock[i] != before;
    }
    changed
}

/// `regenerate_ports`: restock every port by `fraction` of its capacity.
pub fn regenerate_ports(
    world: &mut World,
    conn: ConnectionId,
    req: RegeneratePortsRequest,
) -> ApiResult<RegeneratePortsResult> {
    let by = crate::operator::check_operator(world, conn, req.admin_token.as_deref())?;
    let fraction = req.fraction.unwrap_or(
        world
            .resource::<Balance>()
            .economy
            .regenerate_ports_default_fraction,
    );
    // -0.0 is inside the range numerically, but no operator means it (and it echoes as "-0.0%").
    if !(0.0..=1.0).contains(&fraction) || fraction.is_sign_negative() {
        return Err(ApiError::bad_request(
            "Fraction must be between 0.0 and 1.0",
        ));
    }
    let mut count = 0u32;
    {
        let mut ports = world.resource_mut::<PortStates>();
        for sector in ports.sectors() {
            count += 1;
            ports.update(sector, |port| (restock(port, fraction, None), ()));
        }
    }
    let now = world.resource::<GameClock>().now();
    log_action(
        world,
        "port.regenerated",
        by.as_deref(),
        Some(conn),
        &json!({"ports_regenerated": count, "fraction": fraction}),
    );
    let event = PortRegenerated {
        ports_regenerated: count,
        fraction,
        timestamp: now,
    };
    record(
        world,
        GameEvent::PortsRegenerated(event),
        Audience::Everyone,
    );
    Ok(RegeneratePortsResult {
        success: true,
        message: format!(
            "Regenerated {count} ports with {:.1}% of max capacity",
            fraction * 100.0
        ),
        ports_regenerated: count,
        fraction,
    })
}

/// Fixed-clock time since ports last drifted (a Duration: exact, unlike summed floats).
#[derive(Resource, Debug, Default)]
pub struct PortRegenClock(pub std::time::Duration);

/// Every `port_regen_interval_secs`, each port moves `port_regen_fraction` of its capacity back
/// toward its starting stock (the reference had no such timer: an exhausted port stayed so).
pub fn regenerate_ports_over_time(
    time: Res<Time<Fixed>>,
    balance: Res<Balance>,
    universe: Res<UniverseRes>,
    mut clock: ResMut<PortRegenClock>,
    mut ports: ResMut<PortStates>,
) {
    clock.0 += time.delta();
    let interval = std::time::Duration::from_secs_f64(balance.economy.port_regen_interval_secs);
    if clock.0 < interval {
        return;
    }
    clock.0 -= interval;
    let fraction = balance.economy.port_regen_fraction;
    for sector in ports.sectors() {
        let Some(initial) = &universe.sectors[sector as usize].port else {
            continue;
        };
        ports.update(sector, |port| {
            (restock(port, fraction, Some(initial.stock)), ())
        });
    }
}

/// `reset_ports`: Operator: every port back to its initial stock.
pub struct ResetPorts;

impl Endpoint for ResetPorts {
    const NAME: &'static str = "reset_ports";
    type Request = AdminRequest;
    type Result = ResetPortsResult;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: AdminRequest,
    ) -> ApiResult<ResetPortsResult> {
        reset_ports(world, conn, request)
    }
}

/// `regenerate_ports`: Operator: every port a fraction of the way back.
pub struct RegeneratePorts;

impl Endpoint for RegeneratePorts {
    const NAME: &'static str = "regenerate_ports";
    type Request = RegeneratePortsRequest;
    type Result = RegeneratePortsResult;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: RegeneratePortsRequest,
    ) -> ApiResult<RegeneratePortsResult> {
        regenerate_ports(world, conn, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bang_components::economy::PortState;

    fn port() -> PortState {
        PortState {
            class: 1,
            code: "BBS".into(),
            stock: [300, 300, 700],
            max_capacity: [1000; 3],
        }
    }

    #[test]
    fn operator_regeneration_can_pass_the_starting_stock() {
        let mut p = port();
        p.stock = [100, 950, 680];
        assert!(restock(&mut p, 0.25, None));
        // Buyers gain room (stock falls), the seller gains stock up to capacity.
        assert_eq!(p.stock, [0, 700, 930]);
    }

    #[test]
    fn drift_stops_at_the_starting_stock() {
        let start = port().stock;
        let mut p = port();
        p.stock = [310, 1000, 0];
        assert!(restock(&mut p, 0.02, Some(start)));
        assert_eq!(p.stock, [300, 980, 20]);
        let mut settled = port();
        assert!(
            !restock(&mut settled, 0.02, Some(start)),
            "a port at its start does not move"
        );
    }
}
