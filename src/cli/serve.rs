//! `bang serve`: the server's settings from its flags and config file.

use super::{CliError, balance_source, world_source};
use bang::config::ConfigFile;
use bang::server::ServerSettings;
use bang_components::session::WireDialect;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8000]
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Directory with universe_structure.json and sector_contents.json [default: ./world-data
    /// if present, else the universe built into the binary]
    #[arg(long)]
    world_data: Option<PathBuf>,
    /// Directory for the SQLite store and the action log's files [default: ./data]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where the game's tables are kept: `sqlite` (bang.db in the data directory) or a
    /// PostgreSQL database, `postgres://user[:password]@host[:port]/database` [default: sqlite]
    #[arg(long, value_name = "URL")]
    store: Option<bang::store::StoreUrl>,
    /// Configuration file (TOML)
    #[arg(long)]
    config: Option<PathBuf>,
    /// Fixed-clock rate in Hz [default: 20]
    #[arg(long)]
    tick_hz: Option<f64>,
    /// Balance file (TOML) [default: ./world-data/balance.toml if present, else built in]
    #[arg(long)]
    balance: Option<PathBuf>,
    /// Dialect of a connection that does not name one (`/ws?dialect=`): 2025-10 or 2026-01
    /// [default: 2025-10]
    #[arg(long)]
    dialect: Option<WireDialect>,
    /// World rules: 2025-10 (the seed's) or 2026-01 (registration required, hyperspace travel,
    /// seeding characters from the world-data directory's files) [default: the dialect's]
    #[arg(long)]
    rules: Option<WireDialect>,
    /// Serve `test.reset` (the 2026-01 integration suite's): for test deployments only
    #[arg(long)]
    test_endpoints: bool,
    /// Do not write characters' files back into a 2026-01-format world-data directory
    #[arg(long)]
    no_mirror_world_files: bool,
    /// `open` (anyone joins any character: local play, the reference clients) or `accounts`
    /// (characters belong to accounts; joining needs the owner's login) [default: open]
    #[arg(long, value_enum)]
    auth: Option<AuthArg>,
    /// Allow `auth = open` on an address other than loopback (anyone who can reach the port
    /// can play, and take over, every character)
    #[arg(long)]
    insecure_open: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum AuthArg {
    Open,
    Accounts,
}

impl From<AuthArg> for bang_components::account::AuthMode {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::Open => bang_components::account::AuthMode::Open,
            AuthArg::Accounts => bang_components::account::AuthMode::Accounts,
        }
    }
}

/// Refused at start: open play on an address others can reach, without `--insecure-open`.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to serve auth = \"open\" on {0}: anyone who reaches it can join and play every \
     character. Use --auth accounts (see docs/security.md), listen on 127.0.0.1, or pass \
     --insecure-open if this network is trusted"
)]
pub(crate) struct OpenExposed(SocketAddr);

/// The auth mode and account settings, from the flags and the config file.
pub(crate) fn apply_auth(
    s: &mut ServerSettings,
    args: &ServeArgs,
    file: &ConfigFile,
) -> Result<(), CliError> {
    s.auth = args.auth.map(Into::into).or(file.auth).unwrap_or_default();
    if let Some(accounts) = &file.accounts {
        accounts
            .check()
            .map_err(|(key, must)| bang::config::ConfigError::out_of_range(key, must))?;
        s.accounts = accounts.clone();
    }
    let ip = s.net.listen.ip();
    if s.auth == bang_components::account::AuthMode::Open
        && !ip.is_loopback()
        && !args.insecure_open
    {
        return Err(Box::new(OpenExposed(s.net.listen)));
    }
    Ok(())
}

pub(crate) fn settings(args: ServeArgs) -> Result<ServerSettings, CliError> {
    let file = match &args.config {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let mut s = ServerSettings::default();
    if let Some(listen) = args.listen.or(file.listen) {
        s.net.listen = listen;
    }
    apply_auth(&mut s, &args, &file)?;
    let named_world = args.world_data.is_some() || file.world_data.is_some();
    s.world = world_source(args.world_data.or(file.world_data));
    s.balance = balance_source(args.balance.or(file.balance));
    s.admin_token = file.admin_token.filter(|t| !t.is_empty());
    if let Some(dialect) = args.dialect {
        s.net.dialect = dialect;
    } else if let Some(name) = &file.dialect {
        s.net.dialect = name.parse()?;
    }
    let rules = match (args.rules, &file.rules) {
        (Some(rules), _) => rules,
        (None, Some(name)) => name.parse()?,
        (None, None) => s.net.dialect,
    };
    if rules == WireDialect::V2026_01 {
        s.rules = bang_components::rules::WorldRules::release_2026();
        s.registration_required = true;
    }
    s.rules.test_endpoints = args.test_endpoints;
    // Files are written back only into a directory the operator named: the ./world-data found
    // by default is the bundled universe's, checked in, not a game's.
    s.mirror_world_files =
        !args.no_mirror_world_files && file.mirror_world_files.unwrap_or(named_world);
    s.keep_history = file.event_history;
    if let Some(secs) = file
        .leaderboard_refresh_secs
        .filter(|s| s.is_finite() && *s >= 0.0)
    {
        s.leaderboard_refresh_secs = secs;
    }
    s.character_tokens = file.character_tokens.clone();
    if let Some(rng) = file.combat_rng {
        s.combat_rng = rng.into();
    }
    if let Some(data) = args.data.or(file.data) {
        s.data = data;
    }
    if let Some(hz) = args.tick_hz.or(file.tick_hz) {
        s.tick_hz = hz;
    }
    file.limits.apply(&mut s.net)?;
    if let Some(v) = file.limits.inbox_requests {
        s.inbox_requests = v.max(1);
    }
    if let Some(retention) = file.retention {
        retention.validate()?;
        s.retention = retention;
    }
    if let Some(limits) = file.rate_limits {
        limits
            .check()
            .map_err(bang::config::ConfigError::RateLimits)?;
        s.rate_limits = limits;
    }
    if let Some(url) = args.store {
        s.store = url;
    } else if let Some(url) = &file.store.url {
        s.store = url.parse().map_err(|_: String| {
            bang::config::ConfigError::out_of_range(
                "store.url",
                "`sqlite` or a postgres://user@host:port/database URL",
            )
        })?;
    }
    if let Some(d) = file.store.durability {
        s.durability = d;
    }
    Ok(s)
}
