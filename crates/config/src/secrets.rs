//! Secrets: the trading private key and the CLOB API credentials.
//!
//! They come only from the environment or an encrypted keystore, never from the config file, so
//! the file can be shared, committed and printed freely. The values live in [`SecretString`]s,
//! whose memory is wiped on drop, and nothing here ever formats a secret: `Debug` prints
//! `[redacted]` and errors describe what is wrong without quoting the value.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use alloy::hex;
use alloy::primitives::B256;
use alloy::signers::local::{LocalSignerError, PrivateKeySigner};
use polybot_model::FieldError;
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::Config;

mod keystore;

pub use keystore::{CreatedKeystore, create_keystore, create_random_keystore};

pub const ENV_PRIVATE_KEY: &str = "POLYBOT_PRIVATE_KEY";
pub const ENV_KEYSTORE_PASSWORD: &str = "POLYBOT_KEYSTORE_PASSWORD";
pub const ENV_CLOB_API_KEY: &str = "POLYBOT_CLOB_API_KEY";
pub const ENV_CLOB_API_SECRET: &str = "POLYBOT_CLOB_API_SECRET";
pub const ENV_CLOB_API_PASSPHRASE: &str = "POLYBOT_CLOB_API_PASSPHRASE";

/// `[secrets]`: where to find secrets, never the secrets themselves.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    /// Encrypted Web3 v3 JSON keystore holding the trading key; its password comes from
    /// `POLYBOT_KEYSTORE_PASSWORD`. Relative to the working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keystore_path: Option<PathBuf>,
}

impl SecretsConfig {
    /// Checks every field; keys are relative to the section. Existence of the keystore is
    /// checked when it is opened, so a config can be checked on another machine.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        match &self.keystore_path {
            Some(p) if p.as_os_str().is_empty() => Err(vec![FieldError::new(
                "keystore_path",
                "\"\"",
                "must not be empty (remove the key to use POLYBOT_PRIVATE_KEY instead)",
            )]),
            _ => Ok(()),
        }
    }
}

/// The secrets a live trader needs. Either may be absent: paper trading needs neither.
#[derive(Clone, Default)]
pub struct Secrets {
    /// `0x` followed by 64 lowercase hex digits, whichever source it came from.
    pub private_key: Option<SecretString>,
    pub clob_credentials: Option<ClobCredentials>,
}

/// Polymarket CLOB L2 API credentials; all three or none.
#[derive(Clone)]
pub struct ClobCredentials {
    pub api_key: String,
    pub secret: SecretString,
    pub passphrase: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// `reason` describes the shape, never the content, of the bad key.
    #[error("{source_name}: {reason}")]
    InvalidPrivateKey {
        source_name: String,
        reason: &'static str,
    },
    #[error(
        "both {ENV_PRIVATE_KEY} and secrets.keystore_path ({}) are set; use one of them",
        path.display()
    )]
    AmbiguousPrivateKey { path: PathBuf },
    #[error("secrets.keystore_path is {} but {ENV_KEYSTORE_PASSWORD} is not set", path.display())]
    MissingKeystorePassword { path: PathBuf },
    #[error("keystore {}: {reason}", path.display())]
    Keystore { path: PathBuf, reason: String },
    #[error(
        "incomplete CLOB API credentials: {} set but {} missing; set all three or none",
        set.join(", "),
        missing.join(", ")
    )]
    IncompleteClobCredentials {
        set: Vec<&'static str>,
        missing: Vec<&'static str>,
    },
    #[error("environment variable {var} is not valid UTF-8")]
    NotUnicode { var: &'static str },
}

impl Secrets {
    /// Reads the secrets named by `config` from `env` (a map, so tests never touch the process
    /// environment). Fails rather than guessing when sources conflict or are incomplete.
    pub fn load(config: &Config, env: &BTreeMap<String, String>) -> Result<Self, SecretsError> {
        Ok(Secrets {
            private_key: load_private_key(config.secrets.keystore_path.as_deref(), env)?,
            clob_credentials: load_clob_credentials(env)?,
        })
    }

    /// [`Secrets::load`] from the process environment; only the secret variables are read.
    pub fn load_from_process_env(config: &Config) -> Result<Self, SecretsError> {
        let mut env = BTreeMap::new();
        for var in [
            ENV_PRIVATE_KEY,
            ENV_KEYSTORE_PASSWORD,
            ENV_CLOB_API_KEY,
            ENV_CLOB_API_SECRET,
            ENV_CLOB_API_PASSPHRASE,
        ] {
            if let Some(value) = std::env::var_os(var) {
                let value = value
                    .into_string()
                    .map_err(|_| SecretsError::NotUnicode { var })?;
                env.insert(var.to_owned(), value);
            }
        }
        let secrets = Secrets::load(config, &env);
        for value in env.values_mut() {
            value.zeroize();
        }
        secrets
    }

    /// The signer for the private key, if there is one.
    pub fn signer(&self) -> Result<Option<PrivateKeySigner>, SecretsError> {
        self.private_key
            .as_ref()
            .map(|k| parse_private_key(k.expose_secret(), "private key"))
            .transpose()
    }
}

/// Prints only which secrets are present.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("private_key", &self.private_key.as_ref().map(|_| Redacted))
            .field("clob_credentials", &self.clob_credentials)
            .finish()
    }
}

impl fmt::Debug for ClobCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClobCredentials")
            .field("api_key", &Redacted)
            .field("secret", &Redacted)
            .field("passphrase", &Redacted)
            .finish()
    }
}

/// An environment variable's value, treating set-but-empty as unset (the usual shell idiom).
fn non_empty<'a>(env: &'a BTreeMap<String, String>, var: &str) -> Option<&'a str> {
    env.get(var).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn load_private_key(
    keystore: Option<&Path>,
    env: &BTreeMap<String, String>,
) -> Result<Option<SecretString>, SecretsError> {
    let signer = match (non_empty(env, ENV_PRIVATE_KEY), keystore) {
        (Some(_), Some(path)) => {
            return Err(SecretsError::AmbiguousPrivateKey {
                path: path.to_owned(),
            });
        }
        (Some(text), None) => parse_private_key(text, ENV_PRIVATE_KEY)?,
        (None, Some(path)) => {
            let password = env.get(ENV_KEYSTORE_PASSWORD).ok_or_else(|| {
                SecretsError::MissingKeystorePassword {
                    path: path.to_owned(),
                }
            })?;
            decrypt_keystore(path, password)?
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(canonical_hex(&signer)))
}

/// `0x` + lowercase hex of the signer's key, with the intermediate bytes wiped.
fn canonical_hex(signer: &PrivateKeySigner) -> SecretString {
    let mut bytes = signer.to_bytes();
    let text = SecretString::from(hex::encode_prefixed(bytes));
    bytes.0.zeroize();
    text
}

/// Validates the shape of a private key before handing it to the curve library, whose errors
/// could otherwise quote a character of it.
pub(crate) fn parse_private_key(
    text: &str,
    source_name: &str,
) -> Result<PrivateKeySigner, SecretsError> {
    let invalid = |reason| SecretsError::InvalidPrivateKey {
        source_name: source_name.to_owned(),
        reason,
    };
    let digits = text.strip_prefix("0x").ok_or_else(|| {
        invalid("must start with 0x (0x followed by 64 hex digits); the value is not shown")
    })?;
    if digits.len() != 64 {
        return Err(invalid(
            "must be 0x followed by exactly 64 hex digits; the value is not shown",
        ));
    }
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(
            "must contain only hex digits after 0x; the value is not shown",
        ));
    }
    let mut bytes = [0u8; 32];
    let decoded = hex::decode_to_slice(digits, &mut bytes);
    let signer = decoded
        .ok()
        .and_then(|()| PrivateKeySigner::from_bytes(&B256::from(bytes)).ok());
    bytes.zeroize();
    signer.ok_or_else(|| invalid("is not a valid secp256k1 private key (zero or out of range)"))
}

fn decrypt_keystore(path: &Path, password: &str) -> Result<PrivateKeySigner, SecretsError> {
    if !path.is_file() {
        return Err(SecretsError::Keystore {
            path: path.to_owned(),
            reason: "file not found (check secrets.keystore_path)".into(),
        });
    }
    PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| SecretsError::Keystore {
        path: path.to_owned(),
        reason: describe_signer_error(&e),
    })
}

/// A description of a keystore failure that says what to do about it.
pub(crate) fn describe_signer_error(e: &LocalSignerError) -> String {
    match e {
        LocalSignerError::EthKeystoreError(inner) => {
            let text = inner.to_string();
            if text.contains("Mac Mismatch") {
                format!("wrong {ENV_KEYSTORE_PASSWORD} or corrupted keystore (MAC mismatch)")
            } else {
                format!("not a readable Web3 v3 keystore: {text}")
            }
        }
        LocalSignerError::IoError(io) => io.to_string(),
        LocalSignerError::EcdsaError(_) => {
            "the stored key is not a valid secp256k1 private key".into()
        }
        _ => "not a readable Web3 v3 keystore".into(),
    }
}

fn load_clob_credentials(
    env: &BTreeMap<String, String>,
) -> Result<Option<ClobCredentials>, SecretsError> {
    let vars = [
        ENV_CLOB_API_KEY,
        ENV_CLOB_API_SECRET,
        ENV_CLOB_API_PASSPHRASE,
    ];
    let (set, missing): (Vec<&'static str>, Vec<&'static str>) =
        vars.iter().partition(|v| non_empty(env, v).is_some());
    match (
        non_empty(env, vars[0]),
        non_empty(env, vars[1]),
        non_empty(env, vars[2]),
    ) {
        (Some(api_key), Some(secret), Some(passphrase)) => Ok(Some(ClobCredentials {
            api_key: api_key.to_owned(),
            secret: SecretString::from(secret),
            passphrase: SecretString::from(passphrase),
        })),
        (None, None, None) => Ok(None),
        _ => Err(SecretsError::IncompleteClobCredentials { set, missing }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh random key: tests never use a real or well-known key.
    fn random_key() -> String {
        canonical_hex(&PrivateKeySigner::random())
            .expose_secret()
            .to_owned()
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn private_key_from_env() {
        let key = random_key();
        let s = Secrets::load(&Config::default(), &env(&[(ENV_PRIVATE_KEY, &key)])).unwrap();
        assert_eq!(s.private_key.as_ref().unwrap().expose_secret(), key);
        assert!(s.clob_credentials.is_none());
        assert!(s.signer().unwrap().is_some());
        let none = Secrets::load(&Config::default(), &env(&[])).unwrap();
        assert!(none.private_key.is_none() && none.signer().unwrap().is_none());
    }

    #[test]
    fn malformed_private_keys_are_rejected_without_echo() {
        let key = random_key();
        let digits = &key[2..];
        let zero = format!("0x{}", "0".repeat(64));
        let bad_char = format!("0x{}z", &digits[..63]);
        let short = format!("0x{}", &digits[..62]);
        for bad in [digits, bad_char.as_str(), short.as_str(), zero.as_str()] {
            let e = Secrets::load(&Config::default(), &env(&[(ENV_PRIVATE_KEY, bad)])).unwrap_err();
            let msg = format!("{e} {e:?}");
            assert!(matches!(e, SecretsError::InvalidPrivateKey { .. }), "{msg}");
            assert!(msg.contains(ENV_PRIVATE_KEY), "{msg}");
            assert!(!msg.contains(&digits[..16]), "secret echoed: {msg}");
        }
    }

    #[test]
    fn env_key_and_keystore_together_are_ambiguous() {
        let mut config = Config::default();
        config.secrets.keystore_path = Some(PathBuf::from("/nonexistent/key.json"));
        let e = Secrets::load(&config, &env(&[(ENV_PRIVATE_KEY, &random_key())])).unwrap_err();
        assert!(matches!(e, SecretsError::AmbiguousPrivateKey { .. }), "{e}");
        let e = Secrets::load(&config, &env(&[])).unwrap_err();
        assert!(
            matches!(e, SecretsError::MissingKeystorePassword { .. }),
            "{e}"
        );
        let e = Secrets::load(&config, &env(&[(ENV_KEYSTORE_PASSWORD, "pw")])).unwrap_err();
        assert!(e.to_string().contains("file not found"), "{e}");
    }

    #[test]
    fn clob_credentials_all_or_none() {
        let all = env(&[
            (ENV_CLOB_API_KEY, "key-id"),
            (ENV_CLOB_API_SECRET, "c2VjcmV0LXZhbHVl"),
            (ENV_CLOB_API_PASSPHRASE, "pass-value"),
        ]);
        let s = Secrets::load(&Config::default(), &all).unwrap();
        let c = s.clob_credentials.as_ref().unwrap();
        assert_eq!(c.api_key, "key-id");
        assert_eq!(c.secret.expose_secret(), "c2VjcmV0LXZhbHVl");
        assert_eq!(c.passphrase.expose_secret(), "pass-value");

        let partial = env(&[
            (ENV_CLOB_API_KEY, "key-id"),
            (ENV_CLOB_API_SECRET, "c2VjcmV0LXZhbHVl"),
        ]);
        let e = Secrets::load(&Config::default(), &partial).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(ENV_CLOB_API_PASSPHRASE), "{msg}");
        assert!(!msg.contains("c2VjcmV0LXZhbHVl"), "{msg}");
    }

    #[test]
    fn debug_is_redacted() {
        let key = random_key();
        let s = Secrets {
            private_key: Some(SecretString::from(key.clone())),
            clob_credentials: Some(ClobCredentials {
                api_key: "key-id-1234".into(),
                secret: SecretString::from("c2VjcmV0LXZhbHVl"),
                passphrase: SecretString::from("pass-value"),
            }),
        };
        let dbg = format!("{s:?} {s:#?}");
        for secret in [
            key.as_str(),
            &key[2..],
            "key-id-1234",
            "c2VjcmV0LXZhbHVl",
            "pass-value",
        ] {
            assert!(!dbg.contains(secret), "leaked in {dbg}");
        }
        assert!(dbg.contains("[redacted]"));
        assert_eq!(
            format!("{:?}", Secrets::default()),
            "Secrets { private_key: None, clob_credentials: None }"
        );
    }

    #[test]
    fn empty_keystore_path_is_invalid() {
        let e = SecretsConfig {
            keystore_path: Some(PathBuf::new()),
        }
        .validate()
        .unwrap_err();
        assert_eq!(e[0].key, "keystore_path");
    }
}
