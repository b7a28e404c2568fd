//! What every command needs: the configuration, logging, the store and the connector.

use anyhow::{Context as _, Result};
use polybot_config::{Config, LogFormat};
use polybot_polymarket::Polymarket;
use polybot_store::Store;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt as _;

use crate::cli::Cli;

pub struct Context {
    pub config: Config,
}

impl Context {
    /// Loads and validates the configuration; the `--data-dir` flag beats file and environment.
    pub fn load(cli: &Cli) -> Result<Self> {
        let mut config =
            Config::load_from_process_env(cli.config.as_deref()).with_context(|| {
                match &cli.config {
                    Some(path) => format!("invalid configuration (file {})", path.display()),
                    None => "invalid configuration (defaults and POLYBOT_* environment)".to_owned(),
                }
            })?;
        if let Some(dir) = &cli.data_dir {
            config.storage.data_dir = dir.clone();
            config.validate().context("invalid --data-dir")?;
        }
        Ok(Context { config })
    }

    /// Logs go to stderr (stdout is for command output such as `--json`), and also to
    /// `<data_dir>/logs/polybot.log` when `[logging] file = true`. `POLYBOT_LOG` overrides the level.
    pub fn init_logging(&self) -> Result<()> {
        let mut directive =
            std::env::var("POLYBOT_LOG").unwrap_or_else(|_| self.config.logging.level.clone());
        // Two SDK targets are noise by default: its socket task logs every disconnect as an error
        // (including the expected ones at shutdown; the market stream logs connection events
        // itself), and it warns about every response field it does not model (Polymarket adds
        // fields often). Naming the SDK in the directive brings them back.
        if !directive.contains("polymarket_client_sdk_v2") {
            directive.push_str(",polymarket_client_sdk_v2::ws::connection=off,polymarket_client_sdk_v2::serde_helpers=error");
        }
        let filter = EnvFilter::try_new(&directive)
            .with_context(|| format!("invalid log filter `{directive}`"))?;
        let file = if self.config.logging.file {
            let path = self.config.storage.log_file();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot open log file {}", path.display()))?;
            Some(std::sync::Arc::new(f))
        } else {
            None
        };
        let builder = tracing_subscriber::fmt().with_env_filter(filter);
        let result = match (self.config.logging.format, file) {
            (LogFormat::Text, None) => builder.with_writer(std::io::stderr).try_init(),
            (LogFormat::Json, None) => builder.json().with_writer(std::io::stderr).try_init(),
            (LogFormat::Text, Some(f)) => builder.with_writer(std::io::stderr.and(f)).try_init(),
            (LogFormat::Json, Some(f)) => builder
                .json()
                .with_writer(std::io::stderr.and(f))
                .try_init(),
        };
        result.map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))
    }

    pub fn connector(&self) -> Result<Polymarket> {
        Polymarket::new(&self.config.polymarket, &self.config.http)
            .context("cannot set up the Polymarket connector")
    }

    /// The secrets, from the environment or the keystore (never printed).
    pub fn secrets(&self) -> Result<polybot_config::Secrets> {
        polybot_config::Secrets::load_from_process_env(&self.config)
            .context("cannot load the secrets")
    }

    pub async fn store(&self) -> Result<Store> {
        let url = self.config.storage.sqlite_url();
        Store::open(&url)
            .await
            .with_context(|| format!("cannot open the database {url}"))
    }
}
