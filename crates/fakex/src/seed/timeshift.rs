//! Moving recorded data to the present.
//!
//! Recorded payloads describe the venue at capture time. To make markets that were live then
//! live now, with the same time to expiry, every date in a folder is moved by
//! `now − anchor`, where the anchor is the latest timestamp found in that folder (the moment of
//! capture, as well as the data can tell). Dates keep their original textual format (`Z` vs
//! `+00`, space vs `T`, fraction digits, date-only), because the SDK parses some of them into
//! strict types and keeps others as strings.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::{Map, Value};

/// Keys whose values are dates or date-times in Gamma and CLOB objects (at any depth).
const DATE_KEYS: &[&str] = &[
    "endDate",
    "startDate",
    "createdAt",
    "updatedAt",
    "closedTime",
    "creationDate",
    "acceptingOrdersTimestamp",
    "deployingTimestamp",
    "umaEndDate",
    "gameStartTime",
    "eventStartTime",
    "startTime",
    "finishedTimestamp",
    "readyTimestamp",
    "fundedTimestamp",
    "scheduledDeploymentTimestamp",
    "publishedAt",
    "published_at",
    "endDateIso",
    "startDateIso",
    "umaEndDateIso",
    "eventDate",
    "end_date_iso",
    "accepting_order_timestamp",
    "game_start_time",
];

/// Keys whose value is the time the record was last touched: candidates for the anchor.
const ANCHOR_KEYS: &[&str] = &["updatedAt", "accepting_order_timestamp"];

/// A time shift in whole seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shift(pub i64);

impl Shift {
    /// The shift that moves `anchor` to `now` (zero when there is no anchor).
    #[must_use]
    pub fn between(anchor: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Shift {
        anchor.map_or(Shift(0), |a| Shift((now - a).num_seconds()))
    }

    #[must_use]
    pub fn secs(self, t: i64) -> i64 {
        t.saturating_add(self.0)
    }

    /// Shifts every known date field of `value`, recursively.
    pub fn apply(self, value: &mut Value) {
        if self.0 == 0 {
            return;
        }
        match value {
            Value::Object(map) => self.apply_map(map),
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            _ => {}
        }
    }

    fn apply_map(self, map: &mut Map<String, Value>) {
        for (key, v) in map.iter_mut() {
            if DATE_KEYS.contains(&key.as_str()) {
                if let Value::String(text) = v
                    && let Some(shifted) = shift_text(text, self.0)
                {
                    *text = shifted;
                }
            } else {
                self.apply(v);
            }
        }
    }
}

/// The latest "last touched" timestamp (seconds) among the top-level fields of `records`.
#[must_use]
pub fn latest_touch(records: &[Map<String, Value>]) -> Option<i64> {
    records
        .iter()
        .flat_map(|r| ANCHOR_KEYS.iter().filter_map(|k| r.get(*k)))
        .filter_map(Value::as_str)
        .filter_map(crate::util::parse_datetime)
        .map(|d| d.timestamp())
        .max()
}

/// How a date-time was written, so the shifted value is written the same way.
struct Style {
    date_only: bool,
    sep: char,
    frac_digits: usize,
    zone: Zone,
}

enum Zone {
    None,
    Z,
    /// `+00`
    Hours,
    /// `+00:00`
    HoursColon,
    /// `+0000`
    HoursCompact,
}

/// Shifts a date or date-time string by `secs`, keeping its format; `None` if unparseable.
#[must_use]
pub fn shift_text(text: &str, secs: i64) -> Option<String> {
    let (utc, style) = parse_styled(text)?;
    let shifted = utc.checked_add_signed(Duration::seconds(secs))?;
    Some(format_styled(shifted, &style))
}

fn parse_styled(text: &str) -> Option<(NaiveDateTime, Style)> {
    let date = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    if text.len() == 10 {
        // A bare date is taken at noon, so a shift by a fractional number of days moves it to
        // the day most of its hours land on.
        let style = Style {
            date_only: true,
            sep: 'T',
            frac_digits: 0,
            zone: Zone::None,
        };
        return Some((date.and_time(NaiveTime::from_hms_opt(12, 0, 0)?), style));
    }
    let sep = text[10..].chars().next()?;
    if sep != 'T' && sep != ' ' {
        return None;
    }
    let time = NaiveTime::parse_from_str(text.get(11..19)?, "%H:%M:%S").ok()?;
    let mut rest = text.get(19..)?;
    let mut nanos: u32 = 0;
    let mut frac_digits = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        frac_digits = digits.len();
        let padded = format!("{digits:0<9}");
        nanos = padded.get(..9)?.parse().ok()?;
        rest = &frac[digits.len()..];
    }
    let (zone, offset_secs) = parse_zone(rest)?;
    let local = date.and_time(time) + Duration::nanoseconds(i64::from(nanos));
    let utc = local - Duration::seconds(offset_secs);
    Some((
        utc,
        Style {
            date_only: false,
            sep,
            frac_digits,
            zone,
        },
    ))
}

fn parse_zone(text: &str) -> Option<(Zone, i64)> {
    if text.is_empty() {
        return Some((Zone::None, 0));
    }
    if text == "Z" || text == "z" {
        return Some((Zone::Z, 0));
    }
    let sign = match text.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &text[1..];
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let (zone, hh, mm) = match (body.len(), body.contains(':'), digits.len()) {
        (2, false, 2) => (Zone::Hours, digits.get(..2)?, "0"),
        (5, true, 4) => (Zone::HoursColon, digits.get(..2)?, digits.get(2..4)?),
        (4, false, 4) => (Zone::HoursCompact, digits.get(..2)?, digits.get(2..4)?),
        _ => return None,
    };
    let h: i64 = hh.parse().ok()?;
    let m: i64 = mm.parse().ok()?;
    Some((zone, sign * (h * 3600 + m * 60)))
}

fn format_styled(utc: NaiveDateTime, style: &Style) -> String {
    if style.date_only {
        return utc.format("%Y-%m-%d").to_string();
    }
    let mut out = utc.format("%Y-%m-%d").to_string();
    out.push(style.sep);
    out.push_str(&utc.format("%H:%M:%S").to_string());
    if style.frac_digits > 0 {
        let nanos = format!("{:09}", utc.and_utc().timestamp_subsec_nanos());
        out.push('.');
        out.push_str(&nanos[..style.frac_digits.min(9)]);
    }
    out.push_str(match style.zone {
        Zone::None => "",
        Zone::Z => "Z",
        Zone::Hours => "+00",
        Zone::HoursColon => "+00:00",
        Zone::HoursCompact => "+0000",
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shifts_keep_their_format() {
        let day = 86_400;
        assert_eq!(
            shift_text("2026-01-23T18:30:00Z", day).unwrap(),
            "2026-01-24T18:30:00Z"
        );
        assert_eq!(
            shift_text("2026-01-22T00:01:27.770446Z", -day).unwrap(),
            "2026-01-21T00:01:27.770446Z"
        );
        assert_eq!(
            shift_text("2026-01-23 20:56:36+00", 3600).unwrap(),
            "2026-01-23 21:56:36+00"
        );
        assert_eq!(
            shift_text("2024-03-07 20:44:01.258+00", 1).unwrap(),
            "2024-03-07 20:44:02.258+00"
        );
        assert_eq!(shift_text("2026-01-23", day * 2).unwrap(), "2026-01-25");
        assert_eq!(
            shift_text("2026-01-23T20:00:00+02:00", 0).unwrap(),
            "2026-01-23T18:00:00+00:00"
        );
        assert!(shift_text("next tuesday", day).is_none());
    }

    #[test]
    fn applies_recursively_to_known_keys_only() {
        let mut v = json!({
            "endDate": "2026-01-23T18:30:00Z",
            "question": "2026-01-23",
            "events": [{"startDate": "2026-01-22"}],
            "clobRewards": [{"endDate": "2026-02-01"}]
        });
        Shift(86_400).apply(&mut v);
        assert_eq!(v["endDate"], "2026-01-24T18:30:00Z");
        assert_eq!(v["question"], "2026-01-23");
        assert_eq!(v["events"][0]["startDate"], "2026-01-23");
        assert_eq!(v["clobRewards"][0]["endDate"], "2026-02-02");
    }
}
