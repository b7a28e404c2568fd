//! Creating encrypted Web3 v3 JSON keystores, so the trading key can sit on disk encrypted
//! instead of in a plain environment variable (for a `polybot keystore` command).

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};

use super::{SecretsError, describe_signer_error, parse_private_key};

/// A keystore that was written; the address lets the operator check it is the intended wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedKeystore {
    pub path: PathBuf,
    pub address: Address,
}

/// Encrypts `private_key` (`0x` + 64 hex digits) with `password` into `dir/file_name`.
///
/// Refuses to overwrite an existing file: overwriting a keystore can destroy the only copy of a
/// funded key.
pub fn create_keystore(
    dir: &Path,
    file_name: &str,
    private_key: &SecretString,
    password: &SecretString,
) -> Result<CreatedKeystore, SecretsError> {
    let signer = parse_private_key(private_key.expose_secret(), "private key")?;
    write_keystore(dir, file_name, &signer, password)
}

/// Generates a fresh random key and stores it encrypted in `dir/file_name`.
pub fn create_random_keystore(
    dir: &Path,
    file_name: &str,
    password: &SecretString,
) -> Result<CreatedKeystore, SecretsError> {
    write_keystore(dir, file_name, &PrivateKeySigner::random(), password)
}

fn write_keystore(
    dir: &Path,
    file_name: &str,
    signer: &PrivateKeySigner,
    password: &SecretString,
) -> Result<CreatedKeystore, SecretsError> {
    let path = dir.join(file_name);
    let fail = |reason: String| SecretsError::Keystore {
        path: path.clone(),
        reason,
    };
    if file_name.is_empty()
        || file_name == "."
        || file_name == ".."
        || file_name.contains(['/', '\\'])
    {
        return Err(fail(
            "the file name must be a plain name, not a path".into(),
        ));
    }
    if password.expose_secret().is_empty() {
        return Err(fail("refusing to encrypt with an empty password".into()));
    }
    if path.exists() {
        return Err(fail("already exists; refusing to overwrite it".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create directory: {e}")))?;
    let mut bytes = signer.to_bytes();
    let written = PrivateKeySigner::encrypt_keystore(
        dir,
        &mut rand_08::thread_rng(),
        bytes.as_slice(),
        password.expose_secret(),
        Some(file_name),
    );
    bytes.0.zeroize();
    let (written, _uuid) = written.map_err(|e| fail(describe_signer_error(&e)))?;
    restrict_permissions(&path).map_err(|e| fail(format!("cannot restrict permissions: {e}")))?;
    Ok(CreatedKeystore {
        path,
        address: written.address(),
    })
}

/// The file is encrypted, but there is no reason for other users to be able to copy it and
/// attack the password offline.
#[cfg(unix)]
fn restrict_permissions(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::Config;
    use crate::secrets::{ENV_KEYSTORE_PASSWORD, Secrets, canonical_hex};

    /// One test, because each scrypt derivation costs real time in a debug build: create a
    /// keystore from a fresh random key, decrypt it through `Secrets::load`, then check that a
    /// wrong password and an existing file are refused.
    #[test]
    fn keystore_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let signer = PrivateKeySigner::random();
        let key = canonical_hex(&signer);
        let password = SecretString::from("test-password-not-real");

        let created = create_keystore(dir.path(), "trader.json", &key, &password).unwrap();
        assert_eq!(created.address, signer.address());
        assert_eq!(created.path, dir.path().join("trader.json"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&created.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let on_disk = std::fs::read_to_string(&created.path).unwrap();
        assert!(
            !on_disk.contains(&key.expose_secret()[2..]),
            "key stored in clear"
        );

        let mut config = Config::default();
        config.secrets.keystore_path = Some(created.path.clone());
        let env = |pw: &str| BTreeMap::from([(ENV_KEYSTORE_PASSWORD.to_owned(), pw.to_owned())]);
        let secrets = Secrets::load(&config, &env("test-password-not-real")).unwrap();
        assert_eq!(
            secrets.private_key.as_ref().unwrap().expose_secret(),
            key.expose_secret()
        );
        assert_eq!(
            secrets.signer().unwrap().unwrap().address(),
            signer.address()
        );

        let e = Secrets::load(&config, &env("wrong")).unwrap_err();
        assert!(e.to_string().contains("MAC mismatch"), "{e}");

        let e = create_keystore(dir.path(), "trader.json", &key, &password).unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
    }

    #[test]
    fn bad_arguments_are_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let key = canonical_hex(&PrivateKeySigner::random());
        let pw = SecretString::from("pw");
        for name in ["", "..", "a/b"] {
            assert!(
                create_keystore(dir.path(), name, &key, &pw).is_err(),
                "{name}"
            );
        }
        let empty = SecretString::from("");
        assert!(create_keystore(dir.path(), "k.json", &key, &empty).is_err());
        let bad = SecretString::from("0x1234");
        let e = create_keystore(dir.path(), "k.json", &bad, &pw).unwrap_err();
        assert!(matches!(e, SecretsError::InvalidPrivateKey { .. }), "{e}");
    }
}
