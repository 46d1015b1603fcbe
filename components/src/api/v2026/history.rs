//! `event.query`'s answer: the records found, as that release's log lines read.

use super::Source;
use crate::history::HistoryRecord;
use crate::time::Timestamp;
use crate::universe::SectorId;
use schemars::JsonSchema;
use serde::Serialize;

/// `event.query`'s reply.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventQueryResult {
    pub success: bool,
    pub events: Vec<HistoryRecord>,
    pub truncated: bool,
    pub count: usize,
    /// `personal`, or `corporation` when a corporation's events were asked for.
    pub scope: &'static str,
}

/// The filters a query ran with, echoed in the `event.query` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EventQueryFilters {
    pub start: Timestamp,
    pub end: Timestamp,
    pub max_rows: usize,
    pub sort_direction: &'static str,
    pub scope: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector: Option<SectorId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corporation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_match: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
}

/// The `event.query` event: the same records, to the one who asked.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EventsFound {
    pub events: Vec<HistoryRecord>,
    pub count: usize,
    pub truncated: bool,
    pub filters: EventQueryFilters,
    pub source: Source,
    pub scope: &'static str,
}
