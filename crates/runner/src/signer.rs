//! The live order signer from the configured wallet and the secrets: the private key (env or
//! keystore), and the CLOB API credentials — taken from the environment when given, otherwise
//! created or derived with an L1 signature, as Polymarket's own clients do.

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use polybot_config::{Config, Secrets};
use polybot_polymarket::signing::{OrderSigner, Wallet};
use polymarket_client_sdk_v2::auth::{Credentials, Uuid};
use polymarket_client_sdk_v2::clob::{Client, Config as ClobConfig};
use secrecy::ExposeSecret as _;

use crate::{Result, RunError};

/// Builds the signer live trading uses. Never logs a secret.
pub async fn live_signer(
    config: &Config,
    secrets: &Secrets,
) -> Result<OrderSigner<PrivateKeySigner>> {
    let setup = |m: String| RunError::Setup(m);
    let key = secrets
        .signer()
        .map_err(|e| setup(e.to_string()))?
        .ok_or_else(|| {
            setup(
                "live trading needs a private key: set POLYBOT_PRIVATE_KEY or secrets.keystore_path"
                    .into(),
            )
        })?
        .with_chain_id(Some(config.polymarket.chain_id));
    let wallet = wallet(config)?;
    let clob = &config.polymarket.clob_url;
    let credentials = match &secrets.clob_credentials {
        Some(c) => Credentials::new(
            c.api_key
                .parse::<Uuid>()
                .map_err(|_| setup("POLYBOT_CLOB_API_KEY is not a UUID".into()))?,
            c.secret.expose_secret().to_owned(),
            c.passphrase.expose_secret().to_owned(),
        ),
        None => Client::new(clob, ClobConfig::default())
            .map_err(|e| setup(format!("CLOB client: {e}")))?
            .authentication_builder(&key)
            .authenticate()
            .await
            .map_err(|e| setup(format!("cannot create or derive the CLOB API key: {e}")))?
            .credentials()
            .clone(),
    };
    OrderSigner::new(clob, key, wallet, credentials)
        .await
        .map_err(|e| setup(format!("order signer: {e}")))
}

fn wallet(config: &Config) -> Result<Wallet> {
    let exec = &config.execution;
    let funder = if exec.funder.is_empty() {
        None
    } else {
        Some(
            exec.funder
                .parse::<Address>()
                .map_err(|e| RunError::Setup(format!("execution.funder = {}: {e}", exec.funder)))?,
        )
    };
    Ok(match exec.wallet.as_str() {
        "eoa" => Wallet::Eoa,
        "proxy" => Wallet::Proxy { funder },
        "safe" => Wallet::Safe { funder },
        "deposit" => Wallet::DepositWallet {
            funder: funder.ok_or_else(|| {
                RunError::Setup("execution.funder is required for wallet = \"deposit\"".into())
            })?,
        },
        other => {
            return Err(RunError::Setup(format!(
                "execution.wallet = {other:?}: must be eoa, proxy, safe or deposit"
            )));
        }
    })
}
