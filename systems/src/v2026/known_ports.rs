//! `list_known_ports` (the 2026-01 release's): the ports a character has seen, searched breadth
//! first over the sectors it visited, sent as a `ports.list` event.

use super::join::fail;
use super::tell::tell;
use super::views::{port_seen, source};
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, MAX_SHORT_TEXT, Validate, given};
use bang_components::api::v2026::{Event2026, KnownPort, KnownPortSector, PortsList, Success};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, InHyperspace, MapKnowledge, Position};
use bang_components::economy::Commodity;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::GameClock;
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeSet, VecDeque};

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ListKnownPortsRequest {
    pub character_id: Option<String>,
    /// A visited sector to search from; default: where the character is.
    pub from_sector: Option<i64>,
    /// Jumps searched, 0 to 10 (default 5).
    pub max_hops: Option<i64>,
    /// Only ports of this code.
    pub port_type: Option<String>,
    /// With `trade_type`: only ports where this commodity can be traded that way.
    pub commodity: Option<String>,
    /// `buy` (the port sells) or `sell` (the port buys).
    pub trade_type: Option<String>,
    // That release's `mega` is ignored, like any field not named here.
}

impl Validate for ListKnownPortsRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("port_type", &self.port_type, MAX_SHORT_TEXT)?;
        check_len("commodity", &self.commodity, MAX_SHORT_TEXT)?;
        check_len("trade_type", &self.trade_type, MAX_SHORT_TEXT)
    }
}

/// Which ports match: a code, and a commodity with the letter its trade needs (`S`: the port
/// sells, so a player buys; `B`: the port buys).
struct Filter {
    code: Option<String>,
    trade: Option<(Commodity, char)>,
}

fn filter(world: &World, req: &ListKnownPortsRequest) -> ApiResult<Filter> {
    let letter = match given(&req.trade_type) {
        None => None,
        Some("buy") => Some('S'),
        Some("sell") => Some('B'),
        Some(_) => return Err(ApiError::bad_request("trade_type must be 'buy' or 'sell'")),
    };
    let trade = match (letter, given(&req.commodity)) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(ApiError::bad_request(
                "commodity required when trade_type is specified",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::bad_request(
                "trade_type required when commodity is specified",
            ));
        }
        (Some(l), Some(name)) => {
            let names = &world.resource::<UniverseRes>().commodities;
            let c = names
                .find(name)
                .ok_or_else(|| ApiError::bad_request(format!("Unknown commodity: {name}")))?;
            Some((c, l))
        }
    };
    Ok(Filter {
        code: given(&req.port_type).map(str::to_string),
        trade,
    })
}

impl Filter {
    fn matches(&self, code: &str) -> bool {
        self.code.as_deref().is_none_or(|c| c == code)
            && self
                .trade
                .is_none_or(|(c, l)| code.chars().nth(c.index()) == Some(l))
    }
}

/// The visited sectors within `max_hops` of `from` (over the adjacency seen there), with their
/// distance, in the order the search reached them.
fn reachable(knowledge: &MapKnowledge, from: SectorId, max_hops: u32) -> Vec<(SectorId, u32)> {
    let mut seen = BTreeSet::from([from]);
    let mut queue = VecDeque::from([(from, 0)]);
    let mut out = Vec::new();
    while let Some((at, d)) = queue.pop_front() {
        out.push((at, d));
        if d >= max_hops {
            continue;
        }
        let adjacent = knowledge.visit(at).map_or(&[][..], |v| &v.adjacent[..]);
        for &next in adjacent {
            if knowledge.visit(next).is_some() && seen.insert(next) {
                queue.push_back((next, d + 1));
            }
        }
    }
    out
}

fn list(world: &mut World, req: ListKnownPortsRequest) -> ApiResult<Success> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::bad_request("Missing character_id"))?
        .to_string();
    let refuse = |world: &mut World, e: ApiError| Err(fail(world, &id, e));
    let Some(entity) = world.resource::<CharacterIndex>().get(&id) else {
        return refuse(
            world,
            ApiError::not_found(format!("Character not found: {id}")),
        );
    };
    let here = world.get::<Position>(entity).expect("position").0;
    let from = req.from_sector.unwrap_or(here as i64);
    let knowledge = world.get::<MapKnowledge>(entity).expect("knowledge");
    let Some(from) = u32::try_from(from)
        .ok()
        .filter(|s| knowledge.visit(*s).is_some())
    else {
        let e = ApiError::bad_request(format!("Starting sector {from} must be a visited sector"));
        return refuse(world, e);
    };
    let hops = req.max_hops.unwrap_or(5);
    if !(0..=10).contains(&hops) {
        let e = ApiError::bad_request("max_hops must be an integer between 0 and 10");
        return refuse(world, e);
    }
    let wanted = match filter(world, &req) {
        Ok(f) => f,
        Err(e) => return refuse(world, e),
    };
    let there = world.get::<InHyperspace>(entity).is_none();
    let now = world.resource::<GameClock>().now();
    let knowledge = world.get::<MapKnowledge>(entity).expect("knowledge");
    let searched = reachable(knowledge, from, hops as u32);
    let mut ports = Vec::new();
    for &(sector, d) in &searched {
        let visit = knowledge
            .visit(sector)
            .expect("reachable sectors are visited");
        let Some(seen) = visit.port.as_ref().filter(|p| wanted.matches(&p.code)) else {
            continue;
        };
        ports.push(KnownPort {
            sector: KnownPortSector {
                id: sector,
                port: port_seen(world, sector, seen, there && sector == here),
                position: [0, 0],
            },
            updated_at: now,
            hops_from_start: d,
            last_visited: visit.last_visited,
        });
    }
    let listed = PortsList {
        from_sector: from,
        total_ports_found: ports.len(),
        ports,
        searched_sectors: searched.len(),
        source: source(world),
    };
    tell(world, &id, Event2026::PortsList(Box::new(listed)));
    Ok(Success::YES)
}

/// `list_known_ports` (2026-01).
pub struct ListKnownPorts;

impl Endpoint for ListKnownPorts {
    const NAME: &'static str = "list_known_ports";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = ListKnownPortsRequest;
    type Result = Success;

    fn acting_for(request: &ListKnownPortsRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: ListKnownPortsRequest,
    ) -> ApiResult<Success> {
        list(world, request)
    }
}
