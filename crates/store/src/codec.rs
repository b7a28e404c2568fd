//! Conversions shared by the engine tables: JSON encoding, integer columns, text tags.

use chrono::{DateTime, SecondsFormat, Utc};
use polybot_model::Side;
use serde::Serialize;

use crate::error::{Result, StoreError};

/// Fixed-width UTC, so that text order is time order.
pub(crate) fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A time in Unix milliseconds written as [`now_text`] writes times, so that `updated_at`
/// columns compare with it as text. Clamped to years 1970..=9999, where the text has a fixed
/// width and so sorts as the time does.
pub(crate) fn ms_text(ts_ms: i64) -> String {
    const MAX_MS: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    DateTime::from_timestamp_millis(ts_ms.clamp(0, MAX_MS))
        .unwrap_or(DateTime::UNIX_EPOCH)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The JSON for a row's `data`; `key` names the row in the error.
pub(crate) fn to_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode {
        key: key.to_owned(),
        source,
    })
}

/// An unsigned engine number as an SQL integer. Values above `i64::MAX` cannot be stored (SQLite
/// and PostgreSQL integers are signed) and are refused rather than wrapped.
pub(crate) fn to_i64(key: &str, what: &str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Encode {
        key: key.to_owned(),
        source: <serde_json::Error as serde::ser::Error>::custom(format!(
            "{what} {value} does not fit a signed 64-bit integer column"
        )),
    })
}

pub(crate) fn side_text(side: Side) -> &'static str {
    side.as_str()
}
