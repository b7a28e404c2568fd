//! Signed-order verification: the posted JSON is parsed with the venue's strict types, the
//! EIP-712 digest is recomputed for protocol V2 (the version `/version` advertises) against
//! the exchange contract the token's neg-risk flag selects, and the signature must recover
//! to the order's `signer` — so a client that signs one thing and posts another, or signs
//! against the wrong contract, is rejected exactly as on the venue ("invalid signature").

use std::borrow::Cow;

use alloy::dyn_abi::Eip712Domain;
use alloy::primitives::{Address, B256, Signature, U256, address};
use alloy::sol_types::SolStruct as _;
use polybot_model::{Side, TokenId};
use serde::Deserialize;
use serde_json::Value;

use super::auth::CHAINS;

/// CTF Exchange V2 (Polygon and Amoy).
pub const EXCHANGE_V2: Address = address!("0xE111180000d2663C0091e4f400237545B87B996B");
/// Neg-risk CTF Exchange V2.
pub const NEG_RISK_EXCHANGE_V2: Address = address!("0xe2222d279d744050d28e00520010520000310F59");

mod v2 {
    alloy::sol! {
        struct Order {
            uint256 salt;
            address maker;
            address signer;
            uint256 tokenId;
            uint256 makerAmount;
            uint256 takerAmount;
            uint8   side;
            uint8   signatureType;
            uint256 timestamp;
            bytes32 metadata;
            bytes32 builder;
        }
    }
}

/// The `POST /order` envelope.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub order: Value,
    pub owner: String,
    pub order_type: Option<String>,
    #[serde(default)]
    pub post_only: Option<bool>,
}

/// A signed order whose signature checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The EIP-712 digest, `0x…`: the venue's order id.
    pub hash: String,
    pub maker: String,
    pub signer: String,
    pub token: TokenId,
    pub maker_amount: u64,
    pub taker_amount: u64,
    pub side: Side,
    pub expiration: i64,
}

/// Why an order was refused: a malformed body (HTTP 400) or a venue rejection
/// (`success: false` with this message).
#[derive(Debug)]
pub enum Reject {
    Malformed(String),
    VersionMismatch,
    Invalid(String),
}

fn field<'a>(o: &'a Value, name: &str) -> Result<&'a Value, Reject> {
    o.get(name)
        .ok_or_else(|| Reject::Malformed(format!("order.{name} is required")))
}

/// A uint256 sent as a decimal string (or, for `salt`/`signatureType`, a number).
fn uint(o: &Value, name: &str) -> Result<U256, Reject> {
    let bad = || Reject::Malformed(format!("order.{name} is not an unsigned integer"));
    match field(o, name)? {
        Value::String(s) => s.parse::<U256>().map_err(|_| bad()),
        Value::Number(n) => n.as_u64().map(U256::from).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn small(o: &Value, name: &str) -> Result<u64, Reject> {
    u64::try_from(uint(o, name)?)
        .map_err(|_| Reject::Malformed(format!("order.{name} is out of range")))
}

fn addr(o: &Value, name: &str) -> Result<Address, Reject> {
    field(o, name)?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Reject::Malformed(format!("order.{name} is not an address")))
}

fn bytes32(o: &Value, name: &str) -> Result<B256, Reject> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(B256::ZERO),
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Reject::Malformed(format!("order.{name} is not bytes32"))),
    }
}

fn side(o: &Value) -> Result<Side, Reject> {
    match field(o, "side")? {
        Value::String(s) if s.eq_ignore_ascii_case("BUY") => Ok(Side::Buy),
        Value::String(s) if s.eq_ignore_ascii_case("SELL") => Ok(Side::Sell),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(Side::Buy),
        Value::Number(n) if n.as_u64() == Some(1) => Ok(Side::Sell),
        _ => Err(Reject::Malformed("order.side must be BUY or SELL".into())),
    }
}

/// The EIP-712 digest of a V2 order for a chain and exchange contract.
#[must_use]
pub fn order_hash(order: &v2::Order, chain: u64, exchange: Address) -> B256 {
    let domain = Eip712Domain {
        name: Some(Cow::Borrowed("Polymarket CTF Exchange")),
        version: Some(Cow::Borrowed("2")),
        chain_id: Some(U256::from(chain)),
        verifying_contract: Some(exchange),
        salt: None,
    };
    order.eip712_signing_hash(&domain)
}

fn parse_v2(o: &Value) -> Result<v2::Order, Reject> {
    if o.get("feeRateBps").is_some() || o.get("nonce").is_some() || o.get("taker").is_some() {
        return Err(Reject::VersionMismatch);
    }
    let side = match side(o)? {
        Side::Buy => 0,
        Side::Sell => 1,
    };
    Ok(v2::Order {
        salt: uint(o, "salt")?,
        maker: addr(o, "maker")?,
        signer: addr(o, "signer")?,
        tokenId: uint(o, "tokenId")?,
        makerAmount: uint(o, "makerAmount")?,
        takerAmount: uint(o, "takerAmount")?,
        side,
        signatureType: u8::try_from(small(o, "signatureType")?)
            .map_err(|_| Reject::Malformed("order.signatureType is out of range".into()))?,
        timestamp: uint(o, "timestamp")?,
        metadata: bytes32(o, "metadata")?,
        builder: bytes32(o, "builder")?,
    })
}

/// Parses and verifies the inner `order` object. `neg_risk` picks the exchange contract.
pub fn verify(o: &Value, neg_risk: impl Fn(TokenId) -> Option<bool>) -> Result<Verified, Reject> {
    let order = parse_v2(o)?;
    let token = TokenId(order.tokenId);
    let neg = neg_risk(token)
        .ok_or_else(|| Reject::Invalid(format!("invalid token id {token}: market not found")))?;
    let sig_text = field(o, "signature")?.as_str().unwrap_or_default();
    let sig: Signature = sig_text
        .parse()
        .map_err(|_| Reject::Invalid("invalid signature".into()))?;
    match order.signatureType {
        0 if order.maker != order.signer => {
            return Err(Reject::Invalid(
                "invalid order: an EOA order's maker must be its signer".into(),
            ));
        }
        0..=2 => {}
        3 => {
            return Err(Reject::Invalid(
                "signature type 3 (POLY_1271) is not supported by fakex".into(),
            ));
        }
        t => return Err(Reject::Invalid(format!("invalid signature type {t}"))),
    }
    let exchange = if neg {
        NEG_RISK_EXCHANGE_V2
    } else {
        EXCHANGE_V2
    };
    let hash = CHAINS
        .iter()
        .map(|c| order_hash(&order, *c, exchange))
        .find(|h| {
            sig.recover_address_from_prehash(h)
                .is_ok_and(|a| a == order.signer)
        })
        .ok_or_else(|| Reject::Invalid("invalid signature".into()))?;
    let amount = |v: U256, name: &str| {
        u64::try_from(v).ok().filter(|a| *a > 0).ok_or_else(|| {
            Reject::Invalid(format!("invalid {name}: must be positive and fit 64 bits"))
        })
    };
    let expiration = i64::try_from(small(o, "expiration").unwrap_or(0))
        .map_err(|_| Reject::Malformed("order.expiration is out of range".into()))?;
    Ok(Verified {
        hash: format!("{hash:#x}"),
        maker: format!("{:#x}", order.maker),
        signer: format!("{:#x}", order.signer),
        token,
        maker_amount: amount(order.makerAmount, "makerAmount")?,
        taker_amount: amount(order.takerAmount, "takerAmount")?,
        side: if order.side == 0 {
            Side::Buy
        } else {
            Side::Sell
        },
        expiration,
    })
}
