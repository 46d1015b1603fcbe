//! A throwaway PostgreSQL cluster for tests: the machine's server binaries (`scripts/test`
//! installs them when missing), `initdb` in a temporary directory, a free port on loopback,
//! trust authentication for user `bang`, fsync off; run as an unprivileged user when the tests
//! run as root (PostgreSQL refuses root). Stopped at once when dropped. Nothing is mocked.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// The directory holding `initdb` and `pg_ctl`: on PATH, else Debian's versioned directory.
fn server_binaries() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    let debian = || {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|d| d.join("initdb").is_file())
            .collect();
        dirs.sort();
        dirs.pop()
    };
    on_path.or_else(debian).expect(
        "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: run scripts/test, \
         which installs them, or apt-get install postgresql",
    )
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A server binary's command, run as `nobody` when we are root.
fn command(bin: &Path, tool: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

fn run(bin: &Path, tool: &str, args: &[&str]) {
    let out = command(bin, tool)
        .args(args)
        .output()
        .expect("run a PostgreSQL tool");
    assert!(
        out.status.success(),
        "{tool} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let bin = server_binaries();
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let nobody = 65534;
            std::os::unix::fs::chown(dir.path(), Some(nobody), Some(nobody)).unwrap();
        }
        let data = dir.path().join("data");
        let data_s = data.to_str().unwrap();
        run(
            &bin,
            "initdb",
            &[
                "-D",
                data_s,
                "-U",
                "bang",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let cluster = PgCluster {
            dir,
            bin,
            port: free_port(),
        };
        cluster.start_again();
        cluster
    }

    /// Starts the server (again, after `kill`) on its files and port.
    pub fn start_again(&self) {
        let data = self.dir.path().join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        run(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
    }

    /// A connection URL for database `postgres` as user `bang`.
    pub fn url(&self) -> String {
        format!("postgres://bang@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server immediately (as a crash would), keeping its files.
    pub fn kill(&self) {
        let data = self.dir.path().join("data");
        run(
            &self.bin,
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = command(&self.bin, "pg_ctl")
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}
