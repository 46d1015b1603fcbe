//! `bang account`: accounts edited while the server is stopped.

use super::CliError;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum AccountCommand {
    /// Add an account to a data directory (the password is read from BANG_PASSWORD, else from
    /// the first line of standard input).
    Add {
        username: String,
        /// Make it an operator
        #[arg(long)]
        operator: bool,
        /// If the account exists, set its password (and role) and end its logins
        #[arg(long)]
        replace: bool,
        /// bang's data directory [default: ./data]
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The store the server uses: `sqlite` or a postgres:// URL [default: sqlite]
        #[arg(long, value_name = "URL", default_value = "sqlite")]
        store: bang::store::StoreUrl,
    },
}

pub(crate) fn run_account(command: AccountCommand) -> Result<(), CliError> {
    let AccountCommand::Add {
        username,
        operator,
        replace,
        data,
        store,
    } = command;
    let password = match std::env::var("BANG_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let role = match operator {
        true => bang_components::account::AccountRole::Operator,
        false => bang_components::account::AccountRole::Player,
    };
    std::fs::create_dir_all(&data)?;
    let account =
        bang::store::accounts::add_account_in(&store, &data, &username, &password, role, replace)?;
    println!(
        "account '{}' ({:?}) saved in {}",
        account.name,
        account.role,
        data.display()
    );
    Ok(())
}
