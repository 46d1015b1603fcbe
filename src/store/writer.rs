//! The store's writer thread. The game loop hands it each update's changes together with what
//! may happen once they are on disk (the update's replies and events going out); the writer
//! commits and then runs that, strictly in update order. The game loop does not wait for the
//! commit, and while one commit runs the next updates queue up and go into a single transaction
//! (group commit): the busier the server, the fewer commits per update.

use super::action_log::ActionLogFiles;
use super::{Changes, Store};
use crate::metrics::Metrics;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What runs once an update's changes are committed.
pub type AfterCommit = Box<dyn FnOnce() + Send + Sync>;

/// Something outside the store that follows what it committed (a world-data directory's files,
/// for the tools that read them). It sees each commit's changes before that commit's replies
/// leave, so a client that reads it after a reply finds the change.
pub trait CommitObserver: Send + Sync {
    fn committed(&self, changes: &[Changes]);
}

/// One update's work for the writer.
pub struct Batch {
    pub changes: Changes,
    pub then: Vec<AfterCommit>,
    /// When the game loop handed it over.
    pub queued: Instant,
}

/// Most updates merged into one transaction (bounds one commit's size and latency).
const MAX_MERGED: usize = 256;

/// Why the store stopped taking the game's changes: nothing more may be acknowledged, and the
/// server stops. Cloned to everyone who asks, so the sources are shared.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreWriteError {
    #[error("commit failed: {0}")]
    Commit(#[source] Arc<super::StoreError>),
    #[error("the store writer stopped")]
    Stopped,
    #[error("the store is gone")]
    StoreGone,
    #[error("cannot start the store writer: {0}")]
    Start(#[source] Arc<std::io::Error>),
}

pub struct Writer {
    tx: Option<crossbeam_channel::Sender<Batch>>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    failed: Arc<Mutex<Option<StoreWriteError>>>,
}

/// Commits the batches' changes in one transaction, in order, then runs what waited for them.
/// On failure nothing of theirs runs.
fn commit_batches(
    store: &mut Store,
    files: &mut ActionLogFiles,
    batches: Vec<Batch>,
    follow: &Followers,
    stop: &AtomicBool,
) -> Result<(), StoreWriteError> {
    let metrics = follow.metrics.as_deref();
    let started = Instant::now();
    let updates = batches.len();
    if let Some(m) = metrics {
        for b in &batches {
            m.commit_wait
                .observe(started.duration_since(b.queued).as_secs_f64());
        }
    }
    let mut changes = Vec::with_capacity(batches.len());
    let mut then = Vec::new();
    let prune = batches.iter().rev().find_map(|b| b.changes.prune.clone());
    for b in batches {
        if !b.changes.is_empty() {
            changes.push(b.changes);
        }
        then.extend(b.then);
    }
    if !changes.is_empty() {
        commit_durably(store, &mut changes, stop, metrics)?;
        // The files follow the table; if this write fails they catch up at the next start.
        if let Err(e) = files.append(changes.iter().flat_map(|c| &c.actions)) {
            tracing::error!(error = %e, "action log file write failed (the store has the entries)");
        }
        if let Some(p) = prune
            && let Err(e) = files.prune(p.log_before, p.files_max_bytes)
        {
            tracing::warn!(error = %e, "pruning the action log files failed");
        }
        if let Some(m) = metrics {
            m.commit_duration.observe(started.elapsed().as_secs_f64());
            m.updates_per_commit.observe(updates as f64);
        }
        if let Some(o) = &follow.observer {
            o.committed(&changes);
        }
    }
    for f in then {
        f();
    }
    Ok(())
}

/// How long a writer asked to stop keeps retrying a commit the database did not take.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(10);
/// The longest wait between two reconnections.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Commits; while the database is out of reach (PostgreSQL restarting, the network cut), keeps
/// reconnecting with backoff and writing the same changes again, holding everything that waits
/// on them. Writing them again is safe even if the lost commit went through (see
/// `Store::commit_in_order`). Any other failure stops the writer.
fn commit_durably(
    store: &mut Store,
    changes: &mut [Changes],
    stopping: &AtomicBool,
    metrics: Option<&Metrics>,
) -> Result<(), StoreWriteError> {
    let health = store.health();
    let fatal = |e: super::StoreError| {
        tracing::error!(error = %e, "store commit failed; refusing to acknowledge anything more");
        StoreWriteError::Commit(Arc::new(e))
    };
    let mut backoff = Duration::from_millis(50);
    let mut stop_seen: Option<Instant> = None;
    loop {
        match store.commit_in_order(changes) {
            Ok(()) => {
                if let Some(lasted) = health.committed() {
                    if let Some(m) = metrics {
                        m.store_unreachable.set(0);
                    }
                    tracing::warn!(
                        secs = lasted.as_secs_f64(),
                        "the store is reachable again; held replies are going out"
                    );
                }
                return Ok(());
            }
            Err(e) if e.is_unreachable() => {
                if health.is_reachable() {
                    if let Some(m) = metrics {
                        m.store_unreachable.set(1);
                    }
                    tracing::error!(error = %e, "the store is unreachable: holding replies and retrying");
                }
                health.failed(&e);
            }
            Err(e) => return Err(fatal(e)),
        }
        loop {
            if stopping.load(Ordering::Relaxed)
                && stop_seen.get_or_insert_with(Instant::now).elapsed() > SHUTDOWN_PATIENCE
            {
                return Err(fatal(super::StoreError::Other(
                    "stopping with the store still unreachable".into(),
                )));
            }
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
            match store.reconnect() {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "store reconnection failed");
                    health.failed(&e);
                    if let Some(m) = metrics {
                        m.store_reconnect_failures.inc();
                    }
                }
            }
        }
    }
}

/// Who hears of the writer's commits besides the store.
#[derive(Clone, Default)]
pub struct Followers {
    pub metrics: Option<Arc<Metrics>>,
    pub observer: Option<Arc<dyn CommitObserver>>,
}

impl Writer {
    pub fn start(
        mut store: Store,
        mut files: ActionLogFiles,
        follow: Followers,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = crossbeam_channel::unbounded::<Batch>();
        let failed = Arc::new(Mutex::new(None));
        let failure = failed.clone();
        // Set when the writer is asked to stop (it then gives up on an unreachable store).
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let thread = std::thread::Builder::new()
            .name("bang-store".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batches = vec![first];
                    while batches.len() < MAX_MERGED {
                        match rx.try_recv() {
                            Ok(b) => batches.push(b),
                            Err(_) => break,
                        }
                    }
                    if let Err(e) = commit_batches(&mut store, &mut files, batches, &follow, &stop)
                    {
                        *failure.lock().expect("failure lock") = Some(e);
                        // Nothing after a failed commit may be acknowledged: stop here.
                        return;
                    }
                }
            })?;
        Ok(Writer {
            tx: Some(tx),
            stopping,
            thread: Some(thread),
            failed,
        })
    }

    /// Queues an update's work. Returns the failure that stopped the writer, if one did.
    pub fn submit(&self, batch: Batch) -> Result<(), StoreWriteError> {
        if let Some(reason) = self.failure() {
            return Err(reason);
        }
        let tx = self.tx.as_ref().expect("writer running");
        if tx.send(batch).is_err() {
            return Err(self.failure().unwrap_or(StoreWriteError::Stopped));
        }
        Ok(())
    }

    pub fn failure(&self) -> Option<StoreWriteError> {
        self.failed.lock().expect("failure lock").clone()
    }
}

impl Drop for Writer {
    /// Commits and delivers everything already handed over before the store closes.
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Durability;
    use crate::store::action_log::tests::entry;

    #[test]
    fn work_after_a_commit_runs_in_order_once_the_changes_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Durability::Normal).unwrap();
        let files = ActionLogFiles::open(&dir.path().join("action-log")).unwrap();
        let writer = Writer::start(store, files, Followers::default()).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        for i in 0..50 {
            let seen = seen.clone();
            let path = dir.path().to_path_buf();
            writer
                .submit(Batch {
                    changes: Changes {
                        // The commit numbers it.
                        actions: vec![entry(0, 1)],
                        ..Default::default()
                    },
                    then: vec![Box::new(move || {
                        // By now this batch's entry is in the table (read on a connection of
                        // its own: the store itself holds the directory's lock).
                        let db = rusqlite::Connection::open(path.join("bang.db")).unwrap();
                        let stored: i64 = db
                            .query_row("SELECT COUNT(*) FROM action_log", [], |r| r.get(0))
                            .unwrap();
                        seen.lock().unwrap().push((i, stored));
                    })],
                    queued: Instant::now(),
                })
                .unwrap();
        }
        drop(writer);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 50, "every batch's work ran");
        for (n, (i, stored)) in seen.iter().enumerate() {
            assert_eq!(*i, n, "in submission order");
            assert!(
                *stored > n as i64,
                "batch {i} ran after its entry was committed"
            );
        }
    }

    #[test]
    fn the_writer_reports_how_long_updates_wait_and_commits_take() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Durability::Normal).unwrap();
        let files = ActionLogFiles::open(&dir.path().join("action-log")).unwrap();
        let metrics = Arc::new(Metrics::new());
        let follow = Followers {
            metrics: Some(metrics.clone()),
            observer: None,
        };
        let writer = Writer::start(store, files, follow).unwrap();
        for _ in 0..5 {
            let batch = Batch {
                changes: Changes {
                    actions: vec![entry(0, 1)],
                    ..Default::default()
                },
                then: Vec::new(),
                queued: Instant::now(),
            };
            writer.submit(batch).unwrap();
        }
        drop(writer);
        let text = metrics.render();
        let value = |name: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
        };
        // However the five updates were grouped, each was counted once, in one commit or more.
        assert_eq!(value("store_commit_updates_sum"), 5.0);
        assert_eq!(value("store_commit_wait_seconds_count"), 5.0);
        let commits = value("store_commit_duration_seconds_count");
        assert!((1.0..=5.0).contains(&commits), "{commits} commits");
        assert_eq!(value("store_commit_updates_count"), commits);
    }
}
