//! The evidence grade, computed from the bullets and their sources alone.
//!
//! The extracting LLM's own confidence is deliberately left out: a model that invents a
//! number is usually sure of it. What is measured instead is what a careful reader checks —
//! how fresh the numbers are, who published them, whether independent publishers agree, and
//! whether the evidence is concrete — and contradictions between publishers are found and
//! reported rather than averaged away.
//!
//! `score = clamp(0.25·recency + 0.35·authority + 0.20·agreement + 0.20·numeric_density
//! − contradiction_penalty, 0, 1)`. Authority weighs most because the seed's whole research
//! design is source-first; recency next because a stale release is the commonest way good
//! sources mislead; agreement and density are corroboration, worth less on their own.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::domains::{UNKNOWN_AUTHORITY, authority_score, domain_of};
use super::{Contradiction, EvidenceBullet, EvidenceQuality, ResearchConfig, Source};

mod parse;

use parse::normalise_unit;
pub use parse::{normalise_name, parse_any_date, parse_iso_date, parse_value};

pub const W_RECENCY: f64 = 0.25;
pub const W_AUTHORITY: f64 = 0.35;
pub const W_AGREEMENT: f64 = 0.20;
pub const W_DENSITY: f64 = 0.20;

/// Two values of one metric within this relative difference agree; beyond it they contradict.
/// Official figures are often rounded differently by the press (3.1 vs 3.06), never by 5%.
pub const VALUE_TOLERANCE: f64 = 0.05;
/// Subtracted per contradiction...
pub const PENALTY_PER_CONTRADICTION: f64 = 0.10;
/// ...up to this much, so a noisy page cannot zero out otherwise good evidence.
pub const MAX_CONTRADICTION_PENALTY: f64 = 0.30;
/// Recency of a bullet whose date is unknown: neither trusted as fresh nor condemned as stale.
pub const UNKNOWN_RECENCY: f64 = 0.5;

const MS_PER_DAY: f64 = 86_400_000.0;

/// Grades `bullets` (citing `sources`) at `now_ms`; returns the grade and every contradiction
/// found. Pure: the same inputs always give the same grade, and no component is ever NaN.
#[must_use]
pub fn evidence_quality(
    bullets: &[EvidenceBullet],
    sources: &[Source],
    now_ms: i64,
    cfg: &ResearchConfig,
) -> (EvidenceQuality, Vec<Contradiction>) {
    if bullets.is_empty() {
        return (empty_quality(), Vec::new());
    }
    let facts: Vec<Fact> = bullets.iter().map(|b| Fact::of(b, sources)).collect();
    let recency = mean(facts.iter().map(|f| recency_of(f.date, now_ms, cfg)));
    let authority = authority_component(&facts);
    let groups = metric_groups(&facts);
    let min_corroborating = cfg.min_corroborating_sources.max(1);
    let agreement = agreement_component(&groups, min_corroborating);
    let numeric_density = mean(facts.iter().map(Fact::concreteness));
    let contradictions = find_contradictions(&groups);
    let contradiction_penalty =
        (contradictions.len() as f64 * PENALTY_PER_CONTRADICTION).min(MAX_CONTRADICTION_PENALTY);
    let weighted = W_RECENCY * recency
        + W_AUTHORITY * authority
        + W_AGREEMENT * agreement
        + W_DENSITY * numeric_density;
    let mut domains: Vec<&str> = facts.iter().map(|f| f.domain.as_str()).collect();
    domains.sort_unstable();
    domains.dedup();
    let quality = EvidenceQuality {
        score: unit(weighted - contradiction_penalty),
        recency: unit(recency),
        authority: unit(authority),
        agreement: unit(agreement),
        numeric_density: unit(numeric_density),
        contradiction_penalty: unit(contradiction_penalty),
        bullets: bullets.len(),
        distinct_domains: domains.len(),
    };
    (quality, contradictions)
}

fn empty_quality() -> EvidenceQuality {
    EvidenceQuality {
        score: 0.0,
        recency: 0.0,
        authority: 0.0,
        agreement: 0.0,
        numeric_density: 0.0,
        contradiction_penalty: 0.0,
        bullets: 0,
        distinct_domains: 0,
    }
}

/// What the grade needs of one bullet, parsed once.
struct Fact<'a> {
    bullet: &'a EvidenceBullet,
    domain: String,
    authority: f64,
    /// The metric's own date, else its source's publication date.
    date: Option<NaiveDate>,
    metric_date: Option<NaiveDate>,
    value: Option<f64>,
    unit: Option<String>,
}

impl<'a> Fact<'a> {
    fn of(bullet: &'a EvidenceBullet, sources: &[Source]) -> Self {
        let url = bullet.citation.url.as_str();
        let source = sources.iter().find(|s| s.url == url);
        // Authority is recomputed from the URL, not read from the citation, so a bullet built
        // anywhere else cannot raise its own grade.
        let (domain, authority) = match domain_of(url) {
            Ok(d) => {
                let a = authority_score(&d);
                (d, a)
            }
            Err(_) => (
                source.map_or_else(|| url.to_owned(), |s| s.domain.clone()),
                UNKNOWN_AUTHORITY,
            ),
        };
        let metric_date = bullet.metric_date.as_deref().and_then(parse_iso_date);
        let published = source
            .and_then(|s| s.published.as_deref())
            .and_then(parse_any_date);
        Fact {
            bullet,
            domain,
            authority,
            date: metric_date.or(published),
            metric_date,
            value: bullet.metric_value.as_deref().and_then(parse_value),
            unit: bullet.metric_unit.as_deref().and_then(normalise_unit),
        }
    }

    /// 1 for a value with a unit and a date, ½ for a value with one of them, else 0.
    fn concreteness(&self) -> f64 {
        if self.value.is_none() {
            return 0.0;
        }
        match (self.unit.is_some(), self.metric_date.is_some()) {
            (true, true) => 1.0,
            (false, false) => 0.0,
            _ => 0.5,
        }
    }
}

/// Full score up to `stale_days` old, falling linearly to ½ at `severe_stale_days`, then at
/// most 0.2 and decaying further: a month-old release has usually been superseded.
fn recency_of(date: Option<NaiveDate>, now_ms: i64, cfg: &ResearchConfig) -> f64 {
    let Some(date) = date else {
        return UNKNOWN_RECENCY;
    };
    let date_ms = date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp_millis());
    let age = (now_ms.saturating_sub(date_ms) as f64 / MS_PER_DAY).max(0.0);
    let stale = finite_non_negative(cfg.stale_days, 7.0);
    let severe = finite_non_negative(cfg.severe_stale_days, 30.0).max(stale);
    if age <= stale {
        1.0
    } else if age <= severe {
        let span = (severe - stale).max(f64::MIN_POSITIVE);
        1.0 - 0.5 * (age - stale) / span
    } else {
        let scale = severe.max(1.0);
        0.2 * (-(age - severe) / scale).exp()
    }
}

fn finite_non_negative(v: f64, default: f64) -> f64 {
    if v.is_finite() && v >= 0.0 {
        v
    } else {
        default
    }
}

/// `0.6·best + 0.4·(authority-weighted mean)` over distinct domains. The best publisher
/// dominates, so one government release is not drowned by many blogs repeating it, while a
/// set made only of weak publishers stays weak.
fn authority_component(facts: &[Fact<'_>]) -> f64 {
    let mut by_domain: BTreeMap<&str, f64> = BTreeMap::new();
    for f in facts {
        by_domain.insert(&f.domain, unit(f.authority));
    }
    let best = by_domain.values().copied().fold(0.0, f64::max);
    let (num, den) = by_domain
        .values()
        .fold((0.0, 0.0), |(n, d), a| (n + a * a, d + a));
    let weighted = if den > 0.0 { num / den } else { 0.0 };
    0.6 * best + 0.4 * weighted
}

/// Bullets reporting the same normalised metric for the same date, by domain (the first value
/// each domain gives). The date is part of the key because a price on two days is two facts.
type Groups<'a> = BTreeMap<(String, Option<NaiveDate>), Vec<&'a Fact<'a>>>;

fn metric_groups<'a>(facts: &'a [Fact<'a>]) -> Groups<'a> {
    let mut groups: Groups<'a> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.value.is_some()) {
        let Some(name) = f.bullet.metric_name.as_deref().map(normalise_name) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let members = groups.entry((name, f.metric_date)).or_default();
        if !members.iter().any(|m| m.domain == f.domain) {
            members.push(f);
        }
    }
    groups
}

/// Mean over metrics of `min(1, agreeing domains / min_corroborating)`, where the agreeing
/// domains are the largest set within [`VALUE_TOLERANCE`] of one of them. Evidence without
/// named numeric metrics has nothing to corroborate and scores 0.
fn agreement_component(groups: &Groups<'_>, min_corroborating: usize) -> f64 {
    mean(groups.values().map(|members| {
        let best = members
            .iter()
            .map(|a| members.iter().filter(|b| agree(a, b)).count())
            .max()
            .unwrap_or(0);
        (best as f64 / min_corroborating as f64).min(1.0)
    }))
}

fn agree(a: &Fact<'_>, b: &Fact<'_>) -> bool {
    comparable(a, b) && relative_gap(a, b).is_some_and(|g| g <= VALUE_TOLERANCE)
}

/// Units must match when both are given: 3.1 percent and 3.1 index points are different facts.
fn comparable(a: &Fact<'_>, b: &Fact<'_>) -> bool {
    match (&a.unit, &b.unit) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

fn relative_gap(a: &Fact<'_>, b: &Fact<'_>) -> Option<f64> {
    let (x, y) = (a.value?, b.value?);
    let diff = (x - y).abs();
    if diff <= 1e-12 {
        return Some(0.0);
    }
    let gap = diff / x.abs().max(y.abs());
    gap.is_finite().then_some(gap)
}

/// Pairs of domains giving values more than [`VALUE_TOLERANCE`] apart for the same dated
/// metric. Undated values are not compared: without a period, two different numbers may both
/// be right.
fn find_contradictions(groups: &Groups<'_>) -> Vec<Contradiction> {
    let mut out = Vec::new();
    for ((_, date), members) in groups {
        if date.is_none() {
            continue;
        }
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                let Some(gap) = relative_gap(a, b) else {
                    continue;
                };
                if comparable(a, b) && gap > VALUE_TOLERANCE {
                    out.push(Contradiction {
                        metric: a.bullet.metric_name.clone().unwrap_or_default(),
                        first: describe(a),
                        second: describe(b),
                        relative_gap: Some(gap),
                    });
                }
            }
        }
    }
    out
}

fn describe(f: &Fact<'_>) -> String {
    let b = f.bullet;
    let mut s = b.metric_value.clone().unwrap_or_default();
    if let Some(unit) = &b.metric_unit {
        s.push(' ');
        s.push_str(unit);
    }
    s.push_str(&format!(" ({}", f.domain));
    if let Some(d) = f.metric_date {
        s.push_str(&format!(", {d}"));
    }
    s.push(')');
    s
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Clamped to [0, 1], NaN to 0.
fn unit(v: f64) -> f64 {
    if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::research::{Citation, Phase};
    use proptest::prelude::*;

    /// 2026-02-20T00:00:00Z.
    const NOW: i64 = 1_771_545_600_000;

    fn bullet(url: &str, name: &str, value: &str, unit: &str, date: &str) -> EvidenceBullet {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        EvidenceBullet {
            text: format!("{name} was {value} {unit} on {date}"),
            metric_name: some(name),
            metric_value: some(value),
            metric_unit: some(unit),
            metric_date: some(date),
            confidence: 0.9,
            citation: Citation {
                url: url.to_owned(),
                publisher: "x".into(),
                authority_score: 0.0,
            },
        }
    }

    fn grade(bullets: &[EvidenceBullet]) -> (EvidenceQuality, Vec<Contradiction>) {
        evidence_quality(bullets, &[], NOW, &ResearchConfig::default())
    }

    #[test]
    fn empty_evidence_scores_zero() {
        let (q, c) = grade(&[]);
        assert_eq!(q, empty_quality());
        assert!(c.is_empty());
    }

    #[test]
    fn fresh_government_numbers_beat_stale_blog_text() {
        let gov = [bullet(
            "https://www.bls.gov/news.release/cpi.nr0.htm",
            "CPI-U YoY",
            "3.1",
            "percent",
            "2026-02-15",
        )];
        let blog = [EvidenceBullet {
            metric_value: None,
            metric_unit: None,
            ..bullet(
                "https://someblog.net/cpi",
                "CPI-U YoY",
                "",
                "",
                "2025-06-30",
            )
        }];
        let (g, _) = grade(&gov);
        let (b, _) = grade(&blog);
        assert!(g.score > b.score + 0.3, "{g:?} vs {b:?}");
        assert_eq!(g.authority, 1.0);
        assert_eq!(g.recency, 1.0);
        assert_eq!(g.numeric_density, 1.0);
        assert!(b.recency < 0.2 && b.authority < 0.5 && b.numeric_density == 0.0);
    }

    #[test]
    fn two_agreeing_sources_beat_one() {
        let one = [bullet(
            "https://bls.gov/cpi",
            "CPI-U YoY",
            "3.1",
            "%",
            "2026-01",
        )];
        let two = [
            one[0].clone(),
            bullet(
                "https://www.bea.gov/x",
                "cpi-u yoy",
                "3.08",
                "percent",
                "2026-01-31",
            ),
        ];
        let (q1, _) = grade(&one);
        let (q2, c2) = grade(&two);
        assert_eq!(q1.agreement, 0.5);
        assert_eq!(q2.agreement, 1.0);
        assert!(q2.score > q1.score);
        assert!(c2.is_empty());
        assert_eq!(q2.distinct_domains, 2);
    }

    #[test]
    fn contradiction_is_reported_and_lowers_the_score() {
        let agree = [
            bullet(
                "https://bls.gov/cpi",
                "CPI-U YoY",
                "3.1",
                "percent",
                "2026-01-31",
            ),
            bullet(
                "https://reuters.com/a",
                "CPI-U YoY",
                "3.1",
                "percent",
                "2026-01-31",
            ),
        ];
        let disagree = [
            agree[0].clone(),
            bullet(
                "https://reuters.com/a",
                "CPI-U YoY",
                "2.6",
                "percent",
                "2026-01-31",
            ),
        ];
        let (qa, ca) = grade(&agree);
        let (qd, cd) = grade(&disagree);
        assert!(ca.is_empty());
        assert_eq!(cd.len(), 1);
        let gap = cd[0].relative_gap.unwrap();
        assert!((gap - 0.5 / 3.1).abs() < 1e-9, "{gap}");
        assert!(cd[0].first.contains("bls.gov") && cd[0].second.contains("reuters.com"));
        assert_eq!(qd.contradiction_penalty, PENALTY_PER_CONTRADICTION);
        assert!(qd.score < qa.score - 0.1, "{qd:?} vs {qa:?}");
    }

    #[test]
    fn different_dates_or_units_are_not_contradictions() {
        let bullets = [
            bullet(
                "https://coinbase.com/p",
                "BTC price",
                "97,000",
                "USD",
                "2026-02-18",
            ),
            bullet(
                "https://binance.com/p",
                "BTC price",
                "$88k",
                "USD",
                "2026-02-19",
            ),
            bullet("https://bls.gov/a", "CPI", "3.1", "percent", "2026-01"),
            bullet("https://bea.gov/a", "CPI", "320.1", "index", "2026-01"),
        ];
        let (_, c) = grade(&bullets);
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn recency_falls_with_age_and_uses_the_source_date_when_the_metric_has_none() {
        let cfg = ResearchConfig::default();
        let day = |d: &str| parse_iso_date(d);
        assert_eq!(recency_of(day("2026-02-15"), NOW, &cfg), 1.0);
        let mid = recency_of(day("2026-02-01"), NOW, &cfg);
        assert!(mid > 0.5 && mid < 1.0, "{mid}");
        assert!(recency_of(day("2025-10-01"), NOW, &cfg) < 0.2);
        assert_eq!(recency_of(None, NOW, &cfg), UNKNOWN_RECENCY);
        let b = bullet("https://bls.gov/x", "CPI", "3", "percent", "");
        let source = Source {
            url: b.citation.url.clone(),
            domain: "bls.gov".into(),
            title: String::new(),
            text: String::new(),
            published: Some("Wed, 18 Feb 2026 13:30:00 +0000".into()),
            fetched_ms: NOW,
            bytes: 0,
            from_cache: false,
            phase: Phase::Primary,
        };
        let (q, _) = evidence_quality(&[b], &[source], NOW, &cfg);
        assert_eq!(q.recency, 1.0);
        assert_eq!(q.numeric_density, 0.5);
    }

    fn arb_bullet() -> impl Strategy<Value = EvidenceBullet> {
        let opt = || proptest::option::of(".{0,12}");
        (
            (opt(), proptest::option::of("[-0-9.,e$%k]{0,10}"), opt()),
            proptest::option::of("[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?|.{0,6}"),
            any::<f64>(),
            "(https?://[a-z]{1,6}\\.(gov|com|org)/x)|.{0,10}",
            any::<f64>(),
        )
            .prop_map(|((name, value, unit), date, confidence, url, authority)| {
                EvidenceBullet {
                    text: "t".into(),
                    metric_name: name,
                    metric_value: value,
                    metric_unit: unit,
                    metric_date: date,
                    confidence,
                    citation: Citation {
                        url,
                        publisher: String::new(),
                        authority_score: authority,
                    },
                }
            })
    }

    proptest! {
        #[test]
        fn grade_is_always_finite_and_in_range(
            bullets in proptest::collection::vec(arb_bullet(), 0..12),
            now_ms in any::<i64>(),
            stale in any::<f64>(),
            severe in any::<f64>(),
            min_corroborating in 0usize..5,
        ) {
            let cfg = ResearchConfig {
                stale_days: stale,
                severe_stale_days: severe,
                min_corroborating_sources: min_corroborating,
                ..ResearchConfig::default()
            };
            let (q, contradictions) = evidence_quality(&bullets, &[], now_ms, &cfg);
            for v in [q.score, q.recency, q.authority, q.agreement, q.numeric_density,
                      q.contradiction_penalty] {
                prop_assert!(v.is_finite() && (0.0..=1.0).contains(&v), "{q:?}");
            }
            for c in contradictions {
                prop_assert!(c.relative_gap.is_some_and(f64::is_finite));
            }
            prop_assert_eq!(q.bullets, bullets.len());
            if bullets.is_empty() {
                prop_assert_eq!(q.score, 0.0);
            }
        }
    }
}
