//! Identifiers: outcome tokens (256-bit CTF position ids) and market conditions (bytes32).

use core::fmt;
use core::str::FromStr;

use alloy_primitives::{B256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ModelError;

/// An outcome token (the CLOB's `asset_id` / `token_id`): a 256-bit integer, written in decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(pub U256);

impl TokenId {
    /// Parses a decimal (`"1002"`) or 0x-hex token id.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let parsed = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
        {
            U256::from_str_radix(hex, 16)
        } else {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ModelError::InvalidTokenId(text.to_owned()));
            }
            U256::from_str_radix(text, 10)
        };
        parsed
            .map(TokenId)
            .map_err(|_| ModelError::InvalidTokenId(text.to_owned()))
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for TokenId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TokenId::parse(s)
    }
}

impl Serialize for TokenId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TokenId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        TokenId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A market's CTF condition id: `0x` followed by 64 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConditionId(pub B256);

impl ConditionId {
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let hex = text
            .strip_prefix("0x")
            .ok_or_else(|| ModelError::InvalidConditionId(text.to_owned()))?;
        if hex.len() != 64 {
            return Err(ModelError::InvalidConditionId(text.to_owned()));
        }
        B256::from_str(text)
            .map(ConditionId)
            .map_err(|_| ModelError::InvalidConditionId(text.to_owned()))
    }
}

impl fmt::Display for ConditionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl FromStr for ConditionId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConditionId::parse(s)
    }
}

impl Serialize for ConditionId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ConditionId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        ConditionId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_round_trip() {
        let text = "15871154585880608648532107628464183779895785213830018178010423617714102767076";
        let id = TokenId::parse(text).unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(
            TokenId::parse("0x10").unwrap(),
            TokenId::parse("16").unwrap()
        );
        for bad in ["", "-1", "12a", "1.5", "0xzz"] {
            assert!(TokenId::parse(bad).is_err(), "{bad}");
        }
        // 2^256 overflows.
        let too_big =
            "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert!(TokenId::parse(too_big).is_err());
    }

    #[test]
    fn condition_ids_round_trip() {
        let text = "0x5a8c5193008f76941e75598a31ef2915125ef0a8a7cfcb7369e8c451511c4452";
        assert_eq!(ConditionId::parse(text).unwrap().to_string(), text);
        assert!(ConditionId::parse("0x1234").is_err());
        assert!(ConditionId::parse(&text[2..]).is_err());
    }
}
