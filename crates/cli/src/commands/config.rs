//! `polybot config check|show`.

use anyhow::{Context as _, Result};
use polybot_config::Secrets;

use crate::cli::ConfigCommand;
use crate::context::Context;

pub fn run(ctx: &Context, command: &ConfigCommand) -> Result<()> {
    match command {
        ConfigCommand::Check => {
            let secrets = Secrets::load_from_process_env(&ctx.config).context("invalid secrets")?;
            println!("configuration OK");
            println!("  data dir       {}", ctx.config.storage.data_dir.display());
            println!("  database       {}", ctx.config.storage.sqlite_url());
            println!("  CLOB           {}", ctx.config.polymarket.clob_url);
            println!("  Gamma          {}", ctx.config.polymarket.gamma_url);
            println!("  loopback only  {}", ctx.config.polymarket.all_loopback());
            println!(
                "  private key    {}",
                if secrets.private_key.is_some() {
                    "configured"
                } else {
                    "not configured"
                }
            );
            println!(
                "  CLOB API creds {}",
                if secrets.clob_credentials.is_some() {
                    "configured"
                } else {
                    "not configured"
                }
            );
            Ok(())
        }
        ConfigCommand::Show => {
            print!(
                "{}",
                toml::to_string_pretty(&ctx.config).context("cannot render the configuration")?
            );
            Ok(())
        }
    }
}
