//! Reading the loosely formatted values and dates that sources and models write, so that
//! "3.1", "3.1%" and "$97,250" compare as numbers and "2026-01" and "2026-01-31" as one period.

use chrono::{DateTime, Datelike, NaiveDate};

/// Lower-case words of a metric name, so "CPI-U YoY" and "cpi u yoy" are one metric.
#[must_use]
pub fn normalise_name(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn normalise_unit(unit: &str) -> Option<String> {
    let u = unit.trim().to_lowercase();
    let canonical = match u.as_str() {
        "" => return None,
        "%" | "percent" | "pct" | "per cent" | "percentage" => "percent",
        "$" | "usd" | "dollars" | "us dollars" | "us$" => "usd",
        "bp" | "bps" | "basis points" | "basis point" => "bps",
        other => other,
    };
    Some(canonical.to_owned())
}

/// The number in a metric value: `"3.1"`, `"$97,250"`, `"-0.2%"`, `"1.2 million"`, `"100k"`.
#[must_use]
pub fn parse_value(raw: &str) -> Option<f64> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '$' | '€' | '£' | '+' | ' '))
        .collect();
    let end = cleaned
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (c == '-' && i == 0)))
        .map_or(cleaned.len(), |(i, _)| i);
    let number: f64 = cleaned[..end].parse().ok()?;
    let multiplier = match cleaned[end..].to_lowercase().as_str() {
        "k" | "thousand" => 1e3,
        "m" | "mn" | "million" => 1e6,
        "b" | "bn" | "billion" => 1e9,
        "t" | "tn" | "trillion" => 1e12,
        _ => 1.0,
    };
    let v = number * multiplier;
    v.is_finite().then_some(v)
}

/// An ISO-like date as the last day of the period it names: `2026-01-31`, `2026-01` (month),
/// `2025-Q4` (quarter), `2025` (year), or an RFC 3339 date-time.
#[must_use]
pub fn parse_iso_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    // chrono's `%Y` takes any digit count; an ISO date has exactly four.
    if s.len() < 4 || !s.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if s.len() > 4 && s.as_bytes()[4] != b'-' {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    if s.len() > 10 && s.is_char_boundary(10) && matches!(s.as_bytes()[10], b'T' | b' ') {
        return NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok();
    }
    let (year, rest) = match s.split_once('-') {
        Some((y, r)) => (y, Some(r)),
        None => (s, None),
    };
    let year: i32 = year.parse().ok()?;
    let month = match rest {
        None => 12,
        Some(r) if r.len() == 2 && r.bytes().all(|b| b.is_ascii_digit()) => r.parse().ok()?,
        Some(r) => match r.to_ascii_uppercase().as_str() {
            "Q1" => 3,
            "Q2" => 6,
            "Q3" => 9,
            "Q4" => 12,
            _ => return None,
        },
    };
    month_end(year, month)
}

/// [`parse_iso_date`], or an RFC 2822 date as search providers and feeds give it.
#[must_use]
pub fn parse_any_date(raw: &str) -> Option<NaiveDate> {
    parse_iso_date(raw).or_else(|| {
        DateTime::parse_from_rfc2822(raw.trim())
            .ok()
            .map(|d| d.date_naive())
    })
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), month + 1, 1)?
    };
    next.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_values_parse_as_documented() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(parse_iso_date("2026-01"), d(2026, 1, 31));
        assert_eq!(parse_iso_date("2024-02"), d(2024, 2, 29));
        assert_eq!(parse_iso_date("2025-Q4"), d(2025, 12, 31));
        assert_eq!(parse_iso_date("2025"), d(2025, 12, 31));
        assert_eq!(parse_iso_date("2026-01-15T08:30:00Z"), d(2026, 1, 15));
        assert_eq!(parse_iso_date("2026-01-15 08:30"), d(2026, 1, 15));
        for bad in ["January 2026", "26-01-15", "2026-13", "", "2026-1"] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
        assert_eq!(parse_value("$97,250.5"), Some(97_250.5));
        assert_eq!(parse_value("-0.2%"), Some(-0.2));
        assert_eq!(parse_value("1.2 million"), Some(1_200_000.0));
        assert_eq!(parse_value("100k"), Some(100_000.0));
        assert_eq!(parse_value("n/a"), None);
        assert_eq!(parse_value(&"9".repeat(400)), None);
        assert_eq!(normalise_name(" CPI-U  YoY "), "cpi u yoy");
    }
}
