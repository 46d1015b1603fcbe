//! `event.query` (the 2026-01 release's): the told events of a time window, read back from the
//! history the store keeps. A player sees the events it sent or received; an operator (the admin
//! token, or that release's `admin_password`) sees everyone's, or one character's when it names
//! an `actor_character_id`.

use super::tell::tell;
use super::views::source;
use crate::operator::is_operator;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::{MAX_ID_LEN, MAX_SHORT_TEXT, Validate, check_len};
use bang_components::api::requests::given;
use bang_components::api::v2026::Event2026;
use bang_components::api::v2026::history::{EventQueryFilters, EventQueryResult, EventsFound};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::history::{History, HistoryQuery};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::Timestamp;
use bevy_ecs::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

/// The most records one query answers (that release's bound).
pub const MAX_ROWS: i64 = 1024;

/// `event.query`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct EventQueryRequest {
    pub character_id: Option<String>,
    pub actor_character_id: Option<String>,
    /// The rest, boxed: a request is moved through the inbox by value.
    #[serde(flatten)]
    pub window: Box<QueryWindow>,
}

/// What `event.query` asks for, besides who asks.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct QueryWindow {
    /// The window, ISO 8601 (a time without a zone is UTC).
    pub start: Option<String>,
    pub end: Option<String>,
    /// `personal` (default) or `corporation`.
    pub event_scope: Option<String>,
    pub corporation_id: Option<String>,
    /// (`filter_sector`, as that release's client sends it, is the same.)
    #[serde(alias = "filter_sector")]
    pub sector: Option<i64>,
    /// A substring of the event's payload (or `filter_string_match`).
    #[serde(alias = "filter_string_match")]
    pub string_match: Option<String>,
    /// Only events of this name, e.g. `trade.executed` (or `filter_event_type`).
    #[serde(alias = "filter_event_type")]
    pub event_type: Option<String>,
    /// 1–1024 (default 1000).
    pub max_rows: Option<i64>,
    /// `forward` (default, oldest first) or `reverse`.
    pub sort_direction: Option<String>,
    pub admin_token: Option<String>,
    /// That release's name for the admin token.
    pub admin_password: Option<String>,
}

impl Validate for EventQueryRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("start", &self.window.start, MAX_SHORT_TEXT)?;
        check_len("end", &self.window.end, MAX_SHORT_TEXT)?;
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("actor_character_id", &self.actor_character_id, MAX_ID_LEN)?;
        check_len("corporation_id", &self.window.corporation_id, MAX_ID_LEN)?;
        check_len("event_type", &self.window.event_type, MAX_SHORT_TEXT)?;
        check_len("string_match", &self.window.string_match, 256)
    }
}

fn moment(value: &Option<String>, label: &str) -> ApiResult<Timestamp> {
    let text = value
        .as_deref()
        .ok_or_else(|| ApiError::bad_request(format!("Missing {label}")))?;
    Timestamp::parse(text).ok_or_else(|| ApiError::bad_request(format!("Invalid {label} format")))
}

/// Whether the request carries operator rights: it offered a token and the token holds.
fn as_operator(world: &World, conn: ConnectionId, req: &EventQueryRequest) -> ApiResult<bool> {
    let offered = req
        .window
        .admin_token
        .as_deref()
        .or(req.window.admin_password.as_deref());
    is_operator(world, conn, offered)
}

/// The query the request asks for, checked as that release checks it.
fn query_of(
    world: &World,
    conn: ConnectionId,
    req: &EventQueryRequest,
) -> ApiResult<(HistoryQuery, bool)> {
    let (start, end) = (
        moment(&req.window.start, "start")?,
        moment(&req.window.end, "end")?,
    );
    if start > end {
        return Err(ApiError::bad_request("start must be before end"));
    }
    let scope = req
        .window
        .event_scope
        .as_deref()
        .unwrap_or("personal")
        .to_lowercase();
    if scope != "personal" && scope != "corporation" {
        return Err(ApiError::bad_request(
            "event_scope must be 'personal' or 'corporation'",
        ));
    }
    let operator = as_operator(world, conn, req)?;
    let actor = given(&req.actor_character_id).or(given(&req.character_id));
    if !operator && actor.is_none() {
        return Err(ApiError::new(
            403,
            "character_id or actor_character_id required for non-admin queries",
        ));
    }
    let corporation = corporation_asked(world, req, scope == "corporation", actor, operator)?;
    let limit = req.window.max_rows.unwrap_or(1000);
    if limit <= 0 {
        return Err(ApiError::bad_request("max_rows must be positive"));
    }
    if limit > MAX_ROWS {
        return Err(ApiError::bad_request(format!(
            "max_rows cannot exceed {MAX_ROWS}"
        )));
    }
    let reverse = match req
        .window
        .sort_direction
        .as_deref()
        .map(str::to_lowercase)
        .as_deref()
    {
        None | Some("forward") => false,
        Some("reverse") => true,
        Some(_) => {
            return Err(ApiError::bad_request(
                "sort_direction must be 'forward' or 'reverse'",
            ));
        }
    };
    if req.window.string_match.as_deref() == Some("") {
        return Err(ApiError::bad_request("string_match cannot be empty"));
    }
    // (bang) An operator's query is everyone's unless it names the actor explicitly; that
    // release filtered it by the `character_id` its own client always adds.
    let character = match operator {
        true => given(&req.actor_character_id),
        false => actor,
    };
    let query = HistoryQuery {
        start,
        end,
        character: character
            .filter(|_| corporation.is_none())
            .map(str::to_string),
        sector: req.window.sector.map(|s| s.max(0) as _),
        corporation,
        text: req.window.string_match.clone(),
        event: given(&req.window.event_type).map(str::to_string),
        limit: limit as usize,
        reverse,
    };
    Ok((query, reverse))
}

/// The corporation whose events are asked for: the one named, or with the `corporation` scope
/// the actor's own. A player may read only its own corporation's.
fn corporation_asked(
    world: &World,
    req: &EventQueryRequest,
    corporation_scope: bool,
    actor: Option<&str>,
    operator: bool,
) -> ApiResult<Option<String>> {
    let corps = world.resource::<bang_components::corporation::Corporations>();
    let actors = actor.and_then(|a| corps.of(a));
    let asked = match given(&req.window.corporation_id) {
        Some(c) => Some(c),
        None if corporation_scope => actors,
        None => None,
    };
    if asked.is_some() && !operator && asked != actors {
        return Err(ApiError::new(
            403,
            "Actor is not authorized to view this corporation's events",
        ));
    }
    Ok(asked.map(str::to_string))
}

fn event_query(
    world: &mut World,
    conn: ConnectionId,
    req: EventQueryRequest,
) -> ApiResult<EventQueryResult> {
    let (query, reverse) = query_of(world, conn, &req)?;
    let history = world
        .get_resource::<History>()
        .cloned()
        .ok_or_else(|| ApiError::new(503, "The event history is not kept on this server"))?;
    let page = history.0.query(&query).map_err(|e| {
        tracing::error!(error = %e, "event.query failed");
        ApiError::new(503, "The event history could not be read")
    })?;
    let scope = if query.corporation.is_some() {
        "corporation"
    } else {
        "personal"
    };
    let result = EventQueryResult {
        success: true,
        count: page.records.len(),
        events: page.records,
        truncated: page.truncated,
        scope,
    };
    let recipient = given(&req.character_id).or(given(&req.actor_character_id));
    if let Some(to) = recipient.map(str::to_string) {
        let found = EventsFound {
            events: result.events.clone(),
            count: result.count,
            truncated: result.truncated,
            filters: EventQueryFilters {
                start: query.start,
                end: query.end,
                max_rows: query.limit,
                sort_direction: if reverse { "reverse" } else { "forward" },
                scope,
                character_id: query.character.clone(),
                sector: query.sector,
                corporation_id: query.corporation.clone(),
                string_match: query.text.clone(),
                event_type: query.event.clone(),
            },
            source: source(world),
            scope,
        };
        tell(world, &to, Event2026::EventQuery(Box::new(found)));
    }
    Ok(result)
}

/// `event.query` (2026-01).
pub struct EventQuery;

impl Endpoint for EventQuery {
    const NAME: &'static str = "event.query";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = EventQueryRequest;
    type Result = EventQueryResult;

    fn acting_for(request: &EventQueryRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: EventQueryRequest,
    ) -> ApiResult<EventQueryResult> {
        event_query(world, conn, request)
    }
}
