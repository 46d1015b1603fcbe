//! The game's history of told events: every event sent, with who it concerned, kept by the store
//! beside the action log (in the same database, written in the same transaction as the change
//! that told it, pruned by the same retention) and read back by `event.query`.

use crate::time::Timestamp;
use crate::universe::SectorId;
use bevy_ecs::prelude::{Message, Resource};
use serde::Serialize;
use serde_json::value::RawValue;
use std::sync::Arc;

/// Whether told events are kept (the server turns it on; the sim and bare Worlds keep none).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct KeepHistory;

/// An event was told: what the store keeps of it.
#[derive(Message, Debug, Clone)]
pub struct EventTold {
    pub at: Timestamp,
    pub event: &'static str,
    /// As the 2026-01 dialect shows it where it does, else as the seed's does.
    pub payload: Box<RawValue>,
    /// The character it is about: the one acting, or its only recipient.
    pub sender: Option<String>,
    /// The characters it was addressed to (none for a broadcast).
    pub receivers: Vec<String>,
    pub sector: Option<SectorId>,
    pub corporation_id: Option<String>,
}

/// The history was emptied (a test reset): the store deletes what it kept before this update's
/// events.
#[derive(Message, Debug, Clone, Copy)]
pub struct HistoryCleared;

/// What `event.query` asks the history for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryQuery {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Only events this character sent or received.
    pub character: Option<String>,
    pub sector: Option<SectorId>,
    pub corporation: Option<String>,
    /// A substring of the payload's JSON.
    pub text: Option<String>,
    /// Only events of this name.
    pub event: Option<String>,
    pub limit: usize,
    /// Newest first.
    pub reverse: bool,
}

/// One record of a query's answer, as that release's log lines read: an event once as `sent`
/// (no receiver) and once per receiver as `received`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HistoryRecord {
    pub timestamp: Timestamp,
    pub direction: &'static str,
    pub event: String,
    #[schemars(with = "serde_json::Value")]
    pub payload: Box<RawValue>,
    pub sender: Option<String>,
    pub receiver: Option<String>,
    pub sector: Option<SectorId>,
    pub corporation_id: Option<String>,
    pub meta: Option<serde_json::Value>,
}

/// A page of records, and whether more matched than it holds.
#[derive(Debug, Clone, Default)]
pub struct HistoryPage {
    pub records: Vec<HistoryRecord>,
    pub truncated: bool,
}

/// Reads the kept history (the store implements it over its own connection).
pub trait HistoryReader: Send + Sync {
    fn query(&self, query: &HistoryQuery) -> Result<HistoryPage, String>;
}

/// The installed history reader; `event.query` answers 503 without one.
#[derive(Resource, Clone)]
pub struct History(pub Arc<dyn HistoryReader>);

impl PartialEq for HistoryRecord {
    fn eq(&self, other: &Self) -> bool {
        (
            self.timestamp,
            self.direction,
            &self.event,
            self.payload.get(),
            &self.sender,
            &self.receiver,
            self.sector,
            &self.corporation_id,
            &self.meta,
        ) == (
            other.timestamp,
            other.direction,
            &other.event,
            other.payload.get(),
            &other.sender,
            &other.receiver,
            other.sector,
            &other.corporation_id,
            &other.meta,
        )
    }
}
