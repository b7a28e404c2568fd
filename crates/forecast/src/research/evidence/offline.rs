//! Evidence without an LLM: sentences that state a measurement or a date, quoted as they are.
//!
//! It exists so `polybot research` and the forecast pipeline run end to end without a key;
//! the bullets carry no metric names (nothing here understands what a number measures), so
//! they add authority and recency to the grade but never cross-source agreement.

use rust_decimal::Decimal;

use super::{
    Extraction, OFFLINE_CONFIDENCE, OFFLINE_PER_SOURCE, OFFLINE_SUMMARY, citation_for, rank,
};
use crate::cost::Usage;
use crate::research::quality::parse_iso_date;
use crate::research::{EvidenceBullet, Source};

/// Bullets found without an LLM: sentences stating a number with a unit (`3.1 percent`,
/// `$97,250`, `2.5%`), or a full date. Deterministic; confidence [`OFFLINE_CONFIDENCE`].
#[must_use]
pub fn extract_offline(sources: &[Source], max_bullets: usize) -> Extraction {
    let mut bullets = Vec::new();
    let mut used = 0;
    for source in sources {
        let found: Vec<EvidenceBullet> = sentences(&source.text)
            .filter_map(|s| offline_bullet(s, source))
            .take(OFFLINE_PER_SOURCE)
            .collect();
        used += usize::from(!found.is_empty());
        bullets.extend(found);
    }
    let bullets = rank(bullets, max_bullets);
    let summary = format!(
        "{OFFLINE_SUMMARY}: {} numeric or dated statements quoted from {used} of {} sources; \
         not read for meaning.",
        bullets.len(),
        sources.len()
    );
    Extraction {
        bullets,
        summary,
        contradictions: Vec::new(),
        dropped: 0,
        usage: Usage::default(),
        cost_usd: Decimal::ZERO,
        attempts: 0,
        provider: crate::offline::OFFLINE.to_owned(),
        model: crate::offline::OFFLINE.to_owned(),
    }
}

fn offline_bullet(sentence: &str, source: &Source) -> Option<EvidenceBullet> {
    let len = sentence.chars().count();
    if !(25..=400).contains(&len) {
        return None;
    }
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let measure = find_measure(&words);
    let date = find_date(&words);
    let full_date = date.as_deref().is_some_and(|d| d.len() == 10);
    if measure.is_none() && !full_date {
        return None;
    }
    let (value, unit) = measure.unzip();
    Some(EvidenceBullet {
        text: sentence.to_owned(),
        metric_name: None,
        metric_value: value,
        metric_unit: unit,
        metric_date: date,
        confidence: OFFLINE_CONFIDENCE,
        citation: citation_for(source),
    })
}

/// Sentences: lines, split after `.`, `!` or `?` followed by a space (so `3.1` stays whole).
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.lines().flat_map(|line| {
        let mut parts = Vec::new();
        let mut start = 0;
        let bytes = line.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if matches!(b, b'.' | b'!' | b'?') && bytes.get(i + 1) == Some(&b' ') {
                parts.push(&line[start..=i]);
                start = i + 1;
            }
        }
        parts.push(&line[start..]);
        parts.into_iter().map(str::trim).filter(|s| !s.is_empty())
    })
}

/// Words that make a number a measurement rather than a count of days or a page number.
const UNIT_WORDS: &str = "percent percentage bps basis points degrees °f °c inches mph usd \
dollars jobs votes seats barrels people btc eth";
const SCALE_WORDS: &[&str] = &["thousand", "million", "billion", "trillion"];

/// The first number with a unit: `(value, unit)`.
fn find_measure(words: &[&str]) -> Option<(String, String)> {
    for (i, raw) in words.iter().enumerate() {
        let w = raw.trim_end_matches([',', '.', ';', ':', ')']);
        let w = w.trim_start_matches('(');
        let dollars = w.starts_with('$');
        let percent = w.ends_with('%');
        let number = w.trim_start_matches('$').trim_end_matches('%');
        if number.is_empty()
            || !number.starts_with(|c: char| c.is_ascii_digit())
            || !number
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        {
            continue;
        }
        let mut value = number.to_owned();
        let mut next = i + 1;
        if let Some(scale) = words.get(next).map(|s| s.to_lowercase())
            && SCALE_WORDS.contains(&scale.trim_end_matches([',', '.']))
        {
            value = format!("{value} {}", scale.trim_end_matches([',', '.']));
            next += 1;
        }
        let unit = if percent {
            Some("percent".to_owned())
        } else if dollars {
            Some("USD".to_owned())
        } else {
            words
                .get(next)
                .map(|s| s.trim_end_matches([',', '.', ';', ')']).to_lowercase())
                .filter(|u| UNIT_WORDS.split(' ').any(|w| w == u))
        };
        if let Some(unit) = unit {
            return Some((value, unit));
        }
    }
    None
}

const MONTHS: &str = "january february march april may june july august september october \
november december";

/// The first full date — ISO `2026-01-15`, `January 15, 2026`, `15 January 2026` — as
/// `YYYY-MM-DD`, else the first month — `January 2026` — as `YYYY-MM`. A full date wins
/// because "the February 2026 CPI is released on March 11, 2026" is about the release day.
fn find_date(words: &[&str]) -> Option<String> {
    let clean = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_lowercase()
    };
    let year = |w: Option<&&str>| {
        w.map(|w| clean(w))
            .filter(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
    };
    let day = |w: Option<&&str>| {
        w.map(|w| clean(w))
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|d| (1..=31).contains(d))
    };
    let mut month = None;
    for (i, raw) in words.iter().enumerate() {
        let w = clean(raw);
        if w.len() == 10 && parse_iso_date(&w).is_some() {
            return Some(w);
        }
        let Some(m) = MONTHS
            .split(' ')
            .position(|m| m == w || (w.len() == 3 && m.starts_with(&w)))
        else {
            continue;
        };
        let iso = |y: String, d: Option<u32>| match d {
            Some(d) => format!("{y}-{:02}-{d:02}", m + 1),
            None => format!("{y}-{:02}", m + 1),
        };
        let candidate = if let (Some(d), Some(y)) = (day(words.get(i + 1)), year(words.get(i + 2)))
        {
            iso(y, Some(d))
        } else if let (Some(d), Some(y)) = (
            i.checked_sub(1).and_then(|p| day(words.get(p))),
            year(words.get(i + 1)),
        ) {
            iso(y, Some(d))
        } else if let Some(y) = year(words.get(i + 1)) {
            iso(y, None)
        } else {
            continue;
        };
        if parse_iso_date(&candidate).is_none() {
            continue;
        }
        if candidate.len() == 10 {
            return Some(candidate);
        }
        month.get_or_insert(candidate);
    }
    month
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_measures_are_found_in_prose() {
        let words = |s: &'static str| s.split_whitespace().collect::<Vec<_>>();
        assert_eq!(
            find_date(&words("released on January 15, 2026 at 8:30")),
            Some("2026-01-15".into())
        );
        assert_eq!(
            find_date(&words("on 3 Feb 2026.")),
            Some("2026-02-03".into())
        );
        assert_eq!(
            find_date(&words("for December 2025,")),
            Some("2025-12".into())
        );
        assert_eq!(
            find_date(&words("as of 2026-02-11")),
            Some("2026-02-11".into())
        );
        assert_eq!(find_date(&words("in May we saw")), None);
        assert_eq!(
            find_measure(&words("rose 3.1 percent over the year")),
            Some(("3.1".into(), "percent".into()))
        );
        assert_eq!(
            find_measure(&words("closed at $97,250.")),
            Some(("97,250".into(), "USD".into()))
        );
        assert_eq!(
            find_measure(&words("added 256 thousand jobs")),
            Some(("256 thousand".into(), "jobs".into()))
        );
        assert_eq!(find_measure(&words("in 2025 the index")), None);
    }
}
