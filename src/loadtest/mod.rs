//! `bang loadtest`: simulated players over real WebSockets (being written).

/// Options of `bang loadtest`.
#[derive(clap::Args, Debug, Clone)]
pub struct LoadtestArgs {
    /// Server address (host:port)
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: String,
}

pub fn run_cli(_args: LoadtestArgs) -> Result<(), String> {
    Err("loadtest is not written yet".into())
}
