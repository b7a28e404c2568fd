//! API-key auth: L1 (an EIP-712 `ClobAuth` signature by the wallet) to create or derive
//! credentials, and L2 (an HMAC-SHA256 of each request with the issued secret).
//!
//! Credentials are deterministic per (address, nonce) and fakex seed, like the venue's
//! derive endpoint: a client that loses its keys derives the same ones again.

use std::borrow::Cow;

use alloy::dyn_abi::Eip712Domain;
use alloy::primitives::{Address, Signature, U256};
use alloy::sol;
use alloy::sol_types::SolStruct as _;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::util::{base64_decode, base64_encode};

/// How far a header timestamp may be from the server clock.
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 300;
/// Chains whose `ClobAuth` domain fakex accepts (Polygon, Amoy).
pub const CHAINS: [u64; 2] = [137, 80002];
const ATTESTATION: &str = "This message attests that I control the given wallet";

sol! {
    struct ClobAuth {
        address address;
        string  timestamp;
        uint256 nonce;
        string  message;
    }
}

/// Issued credentials and the wallet they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creds {
    pub api_key: String,
    pub secret: String,
    pub passphrase: String,
    /// Lowercase 0x address of the signer that created them.
    pub address: String,
    pub nonce: u64,
}

fn hmac256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Url-safe base64 with padding, as the SDK decodes secrets and encodes signatures.
#[must_use]
pub fn b64url(bytes: &[u8]) -> String {
    base64_encode(bytes).replace('+', "-").replace('/', "_")
}

fn uuid_from(bytes: &[u8; 32]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The credentials of (address, nonce) for a fakex seed.
#[must_use]
pub fn derive_creds(seed: u64, address: &str, nonce: u64) -> Creds {
    let key = format!("fakex-api-keys-{seed}");
    let base = format!("{}:{nonce}", address.to_ascii_lowercase());
    let h = |label: &str| hmac256(key.as_bytes(), format!("{base}:{label}").as_bytes());
    let pass: String = h("passphrase").iter().map(|x| format!("{x:02x}")).collect();
    Creds {
        api_key: uuid_from(&h("key")),
        secret: b64url(&h("secret")),
        passphrase: pass,
        address: address.to_ascii_lowercase(),
        nonce,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("missing or invalid {name} header"))
}

fn check_timestamp(text: &str, now: i64) -> Result<i64, String> {
    let ts: i64 = text
        .parse()
        .map_err(|_| format!("invalid POLY_TIMESTAMP {text:?}"))?;
    if (now - ts).abs() > TIMESTAMP_TOLERANCE_SECS {
        return Err(format!(
            "POLY_TIMESTAMP {ts} is more than {TIMESTAMP_TOLERANCE_SECS}s from the server time {now}"
        ));
    }
    Ok(ts)
}

/// The EIP-712 digest of a `ClobAuth` message.
#[must_use]
pub fn clob_auth_hash(address: Address, timestamp: &str, nonce: u64, chain: u64) -> [u8; 32] {
    let auth = ClobAuth {
        address,
        timestamp: timestamp.to_owned(),
        nonce: U256::from(nonce),
        message: ATTESTATION.to_owned(),
    };
    let domain = Eip712Domain {
        name: Some(Cow::Borrowed("ClobAuthDomain")),
        version: Some(Cow::Borrowed("1")),
        chain_id: Some(U256::from(chain)),
        ..Eip712Domain::default()
    };
    auth.eip712_signing_hash(&domain).0
}

/// Checks the L1 headers; returns the (lowercase) address and nonce they prove control of.
pub fn verify_l1(headers: &HeaderMap, now: i64) -> Result<(String, u64), String> {
    let addr_text = header(headers, "POLY_ADDRESS")?;
    let address: Address = addr_text
        .parse()
        .map_err(|_| format!("invalid POLY_ADDRESS {addr_text:?}"))?;
    let ts_text = header(headers, "POLY_TIMESTAMP")?;
    check_timestamp(ts_text, now)?;
    let nonce = match headers.get("POLY_NONCE").and_then(|v| v.to_str().ok()) {
        None | Some("") => 0,
        Some(n) => n
            .trim()
            .parse()
            .map_err(|_| format!("invalid POLY_NONCE {n:?}"))?,
    };
    let sig_text = header(headers, "POLY_SIGNATURE")?;
    let sig: Signature = sig_text
        .parse()
        .map_err(|_| "invalid POLY_SIGNATURE: not a 65-byte hex signature".to_owned())?;
    let ok = CHAINS.iter().any(|chain| {
        let hash = clob_auth_hash(address, ts_text, nonce, *chain);
        sig.recover_address_from_prehash(&hash.into())
            .is_ok_and(|a| a == address)
    });
    if !ok {
        return Err("invalid L1 signature: POLY_SIGNATURE does not recover to POLY_ADDRESS".into());
    }
    Ok((format!("{address:#x}"), nonce))
}

/// The L2 signature of a request: url-safe base64 of HMAC-SHA256(secret, ts+METHOD+path+body).
#[must_use]
pub fn l2_signature(
    secret: &str,
    timestamp: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> String {
    let key = base64_decode(secret).unwrap_or_default();
    let mut message = format!("{timestamp}{method}{path}").into_bytes();
    message.extend(String::from_utf8_lossy(body).replace('\'', "\"").as_bytes());
    b64url(&hmac256(&key, &message))
}

/// A request as L2 verification sees it.
pub struct L2Request<'a> {
    pub headers: &'a HeaderMap,
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
}

/// Checks the L2 headers against the issued credentials; returns the credentials used.
pub fn verify_l2<'c>(
    creds: impl Fn(&str) -> Option<&'c Creds>,
    req: &L2Request<'_>,
    now: i64,
) -> Result<&'c Creds, String> {
    let key = header(req.headers, "POLY_API_KEY")?;
    let c = creds(key).ok_or_else(|| format!("unknown or revoked POLY_API_KEY {key}"))?;
    if header(req.headers, "POLY_PASSPHRASE")? != c.passphrase {
        return Err("POLY_PASSPHRASE does not match the API key".into());
    }
    if !header(req.headers, "POLY_ADDRESS")?.eq_ignore_ascii_case(&c.address) {
        return Err("POLY_ADDRESS is not the address the API key was issued to".into());
    }
    let ts = header(req.headers, "POLY_TIMESTAMP")?;
    check_timestamp(ts, now)?;
    let expected = l2_signature(&c.secret, ts, req.method, req.path, req.body);
    let given = header(req.headers, "POLY_SIGNATURE")?;
    let same = base64_decode(given).is_some_and(|g| base64_decode(&expected) == Some(g));
    if !same {
        return Err("invalid POLY_SIGNATURE: HMAC mismatch".into());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SDK's golden L2 vectors (§4.2 of the SDK field guide).
    #[test]
    fn hmac_matches_the_sdk_vectors() {
        let secret = format!("{}=", "A".repeat(43));
        assert_eq!(
            l2_signature(&secret, "1", "GET", "/", b""),
            "eHaylCwqRSOa2LFD77Nt_SaTpbsxzN8eTEI3LryhEj4="
        );
        assert_eq!(
            l2_signature(
                &secret,
                "1000000",
                "test-sign",
                "/orders",
                br#"{"hash":"0x123"}"#
            ),
            "4gJVbox-R6XlDK4nlaicig0_ANVL1qdcahiL8CXfXLM="
        );
    }

    #[test]
    fn creds_are_deterministic_and_well_formed() {
        let a = derive_creds(1, "0xABCDEF0000000000000000000000000000000001", 0);
        assert_eq!(
            a,
            derive_creds(1, "0xabcdef0000000000000000000000000000000001", 0)
        );
        assert_ne!(
            a,
            derive_creds(1, "0xabcdef0000000000000000000000000000000001", 1)
        );
        assert_eq!(a.api_key.len(), 36);
        assert_eq!(a.secret.len(), 44);
        assert!(a.secret.ends_with('='));
        assert_eq!(base64_decode(&a.secret).map(|b| b.len()), Some(32));
    }
}
