//! Which store a test's server keeps its tables in: SQLite in the data directory, or a
//! throwaway PostgreSQL cluster of its own (`pg`). Tests that must hold on both run once each.

use super::pg::PgCluster;
use bang::server::{RunningServer, ServerSettings};
use bang::store::{Durability, Store, StoreUrl};

pub enum Backing {
    Sqlite,
    Postgres(PgCluster),
}

impl Backing {
    /// A fresh PostgreSQL cluster, started.
    pub fn postgres() -> Backing {
        Backing::Postgres(PgCluster::start())
    }

    pub fn url(&self) -> StoreUrl {
        match self {
            Backing::Sqlite => StoreUrl::Sqlite,
            Backing::Postgres(c) => StoreUrl::Postgres(c.url()),
        }
    }

    /// `bang serve`'s arguments for this store.
    pub fn serve_args(&self) -> Vec<String> {
        match self {
            Backing::Sqlite => Vec::new(),
            Backing::Postgres(c) => vec!["--store".into(), c.url()],
        }
    }

    /// An in-process server's settings for this store.
    pub fn apply(&self, s: &mut ServerSettings) {
        s.store = self.url();
    }

    /// Runs `f` on the store, opened directly (no server may be running on it), on a thread
    /// of its own: PostgreSQL's blocking client must not run inside the test's runtime.
    pub fn with_store<R: Send>(
        &self,
        data: &std::path::Path,
        f: impl FnOnce(&mut Store) -> R + Send,
    ) -> R {
        let url = self.url();
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut store =
                    Store::open_url(&url, data, Durability::Normal).expect("the store opens");
                f(&mut store)
            })
            .join()
            .expect("the store check ran")
        })
    }

    /// A server in-process on the small world and this store, adjusted by `adjust`; started
    /// off the test's runtime (PostgreSQL's client blocks).
    pub fn start(
        &self,
        data: &std::path::Path,
        adjust: impl FnOnce(&mut ServerSettings) + Send,
    ) -> RunningServer {
        std::thread::scope(|s| {
            s.spawn(|| {
                super::start_with(data, |settings| {
                    self.apply(settings);
                    adjust(settings);
                })
            })
            .join()
            .expect("the server starts")
        })
    }

    pub fn cluster(&self) -> &PgCluster {
        match self {
            Backing::Postgres(c) => c,
            Backing::Sqlite => panic!("not a PostgreSQL test"),
        }
    }
}
