//! Small pure helpers shared by every module: stable hashing, the CLOB's base64 page cursors,
//! query-string parsing, and number formatting.
//!
//! Hashing is hand-rolled (FNV-1a + splitmix64) rather than `std`'s `DefaultHasher` because the
//! fake must produce the same ids, books and wallets for the same seed on every build and
//! platform; `DefaultHasher` makes no such promise.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// FNV-1a over bytes: a stable, dependency-free 64-bit hash.
#[must_use]
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// splitmix64 finaliser: spreads the bits of `x`, used to derive independent seeds.
#[must_use]
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seed derived from a base seed and a label, e.g. a token id.
#[must_use]
pub fn derive_seed(seed: u64, label: &str) -> u64 {
    mix(seed ^ fnv64(label.as_bytes()))
}

/// `n_bytes` of deterministic pseudo-random hex derived from `key` (no `0x`).
#[must_use]
pub fn hex_digest(key: u64, n_bytes: usize) -> String {
    let mut out = String::with_capacity(n_bytes * 2);
    let mut state = mix(key);
    while out.len() < n_bytes * 2 {
        state = mix(state);
        for b in state.to_be_bytes() {
            if out.len() < n_bytes * 2 {
                out.push_str(&format!("{b:02x}"));
            }
        }
    }
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (the CLOB's cursors are base64 of a decimal offset).
#[must_use]
pub fn base64_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard or url-safe base64, padded or not; `None` on any invalid character.
#[must_use]
pub fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut n_bits = 0;
    let mut out = Vec::new();
    for c in input.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n_bits += 6;
        if n_bits >= 8 {
            n_bits -= 8;
            out.push(((bits >> n_bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The cursor that tells a CLOB client there are no more pages: base64 of `-1`.
pub const END_CURSOR: &str = "LTE=";

#[must_use]
pub fn encode_cursor(offset: usize) -> String {
    base64_encode(offset.to_string().as_bytes())
}

/// Decodes a page cursor into an offset; `Ok(None)` means the terminal cursor.
pub fn decode_cursor(cursor: &str) -> Result<Option<usize>, ()> {
    let bytes = base64_decode(cursor).ok_or(())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ())?;
    if text == "-1" {
        return Ok(None);
    }
    text.parse::<usize>().map(Some).map_err(|_| ())
}

/// Parses a raw query string into ordered `(key, value)` pairs, keeping repeated keys (Gamma
/// takes `id=1&id=2`), which `serde_urlencoded` cannot express.
#[must_use]
pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    let Some(raw) = raw else { return Vec::new() };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Rounds to six decimals, the precision of every amount on the venue, so that JSON numbers do
/// not carry binary noise like `0.30000000000000004`.
#[must_use]
pub fn round6(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    (x * 1e6).round() / 1e6
}

/// A JSON number rounded to six decimals.
#[must_use]
pub fn num(x: f64) -> Value {
    serde_json::Number::from_f64(round6(x)).map_or(Value::from(0), Value::Number)
}

/// A decimal string rounded to six decimals (`0.5`, `0.0095`, `12`), as the venue writes
/// amounts inside strings. `f64`'s `Display` never uses exponent notation.
#[must_use]
pub fn dec_str(x: f64) -> String {
    let r = round6(x);
    if r == 0.0 {
        "0".to_owned()
    } else {
        format!("{r}")
    }
}

/// Reads a JSON number or numeric string as `f64`.
#[must_use]
pub fn as_f64(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

#[must_use]
pub fn as_bool(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[must_use]
pub fn as_str(value: Option<&Value>) -> Option<&str> {
    value?.as_str()
}

/// Parses the date formats seen in venue payloads: RFC 3339, Postgres-style
/// `2026-01-23 20:56:36+00` and bare dates (taken as midnight UTC).
#[must_use]
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(text, fmt) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, fmt) {
            return Some(dt.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// RFC 3339 with a `Z` suffix and whole seconds, the venue's usual form.
#[must_use]
pub fn rfc3339(dt: DateTime<Utc>) -> String {
    dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[must_use]
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Lowercases an address-like string for case-insensitive comparison.
#[must_use]
pub fn lower(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// `true` for `0x` followed by exactly `hex_len` hex digits.
#[must_use]
pub fn is_hex_id(text: &str, hex_len: usize) -> bool {
    text.strip_prefix("0x")
        .is_some_and(|h| h.len() == hex_len && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(encode_cursor(0), "MA==");
        assert_eq!(encode_cursor(1000), "MTAwMA==");
        assert_eq!(decode_cursor("MTAwMA=="), Ok(Some(1000)));
        assert_eq!(decode_cursor(END_CURSOR), Ok(None));
        assert!(decode_cursor("!!").is_err());
        assert_eq!(base64_encode(b"-1"), END_CURSOR);
    }

    #[test]
    fn query_keeps_repeats_and_decodes() {
        let q = parse_query(Some("id=1&id=2&slug=a%20b+c&flag&bad=%zz&end=%4"));
        assert_eq!(q[0], ("id".into(), "1".into()));
        assert_eq!(q[1], ("id".into(), "2".into()));
        assert_eq!(q[2], ("slug".into(), "a b c".into()));
        assert_eq!(q[3], ("flag".into(), String::new()));
        assert_eq!(q[4], ("bad".into(), "%zz".into()));
        assert_eq!(q[5], ("end".into(), "%4".into()));
    }

    #[test]
    fn dates_in_all_venue_formats() {
        for text in [
            "2026-01-23T20:56:36Z",
            "2026-01-23T20:56:36.123456Z",
            "2026-01-23 20:56:36+00",
            "2026-01-23T20:56:36+00:00",
        ] {
            assert_eq!(
                parse_datetime(text).map(|d| d.timestamp()),
                Some(1_769_201_796),
                "{text}"
            );
        }
        assert!(parse_datetime("2026-01-23").is_some());
        assert!(parse_datetime("soon").is_none());
    }

    #[test]
    fn numbers_are_clean() {
        assert_eq!(dec_str(0.1 + 0.2), "0.3");
        assert_eq!(dec_str(0.0095), "0.0095");
        assert_eq!(dec_str(5.0), "5");
        assert_eq!(num(0.1 + 0.2), serde_json::json!(0.3));
    }
}
