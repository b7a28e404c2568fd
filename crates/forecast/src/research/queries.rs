//! The search queries for one market, in the seed's four [`Phase`]s.
//!
//! Queries are built from the question's key terms only (the words a publisher of record
//! would print: names, tickers, numbers, months), because search engines rank a page by how
//! many query words it contains and question scaffolding ("Will ... by ...?") matches every
//! forum thread about the market rather than the release it resolves on. Each phase has a
//! cap so one market never costs more than [`MAX_QUERIES`] search requests, and the output
//! is deterministic so the search cache is hit on a re-run.

use std::collections::HashSet;

use chrono::NaiveDate;
use polybot_scanner::Category;

use super::domains::{NEWS_SOURCES, publisher_of};
use super::{Phase, Query, ResearchConfig};

/// `site:` queries on the category's primary sources (the best-matching ones first).
pub const PRIMARY_CAP: usize = 4;
/// Queries asking the primary sources for the resolution data itself.
pub const RESOLUTION_CAP: usize = 3;
/// Wire-service queries.
pub const NEWS_CAP: usize = 3;
/// Unrestricted queries.
pub const BROAD_CAP: usize = 1;
/// Upper bound on the queries of one market.
pub const MAX_QUERIES: usize = PRIMARY_CAP + RESOLUTION_CAP + NEWS_CAP + BROAD_CAP;
/// Key terms kept: beyond this a query matches almost nothing.
pub const MAX_TERMS: usize = 8;
/// `-site:` operators in the broad query (engines cap query length; the blocked-domain filter
/// runs on the hits anyway).
pub const MAX_EXCLUSIONS: usize = 12;

/// Excluded from the broad query first: where discussion of a market's wording ranks highest.
const BROAD_EXCLUDED: &[&str] = &[
    "wikipedia.org",
    "reddit.com",
    "polymarket.com",
    "medium.com",
    "x.com",
    "twitter.com",
    "quora.com",
    "youtube.com",
    "substack.com",
    "facebook.com",
];

/// Question scaffolding and comparison words: they say how the market resolves, not what
/// the evidence is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "an", "and", "any", "are", "as",
    "at", "be", "been", "before", "being", "below", "between", "by", "can", "close", "could",
    "did", "do", "does", "during", "end", "ending", "exceed", "exceeds", "for", "from", "get",
    "go", "greater", "has", "have", "higher", "hit", "how", "if", "in", "into", "is", "it", "its",
    "least", "less", "lower", "more", "most", "next", "no", "not", "of", "on", "or", "over",
    "reach", "reaches", "than", "that", "the", "their", "there", "these", "this", "those",
    "through", "to", "under", "until", "was", "were", "what", "when", "which", "who", "will",
    "win", "with", "would", "yes",
];

/// Words of a question that point at one primary source rather than the category's first.
const SOURCE_HINTS: &[(&str, &[&str])] = &[
    (
        "bls.gov",
        &[
            "cpi",
            "inflation",
            "unemployment",
            "payrolls",
            "nonfarm",
            "jobs",
            "ppi",
        ],
    ),
    (
        "federalreserve.gov",
        &[
            "fed", "fomc", "powell", "rate", "rates", "interest", "hike", "cut", "cuts",
        ],
    ),
    ("bea.gov", &["gdp", "pce", "growth", "recession"]),
    (
        "treasury.gov",
        &["treasury", "yield", "yields", "debt", "bond"],
    ),
    ("ecb.europa.eu", &["ecb", "eurozone", "euro", "lagarde"]),
    ("bankofengland.co.uk", &["boe", "england", "uk", "sterling"]),
    ("fec.gov", &["fec", "fundraising", "campaign", "donations"]),
    (
        "nhc.noaa.gov",
        &["hurricane", "tropical", "storm", "cyclone"],
    ),
    (
        "weather.gov",
        &[
            "temperature",
            "snow",
            "rain",
            "heat",
            "degrees",
            "highest",
            "lowest",
        ],
    ),
    ("binance.com", &["binance", "usdt"]),
    ("coinbase.com", &["coinbase"]),
];

/// How a primary source is asked for the number a market of this type resolves on.
fn resolution_wording(category: Category) -> &'static [&'static str] {
    match category {
        Category::Macro => &["release", "release schedule"],
        Category::Election => &["results", "certified results"],
        Category::Corporate => &["8-K filing", "10-Q"],
        Category::Weather => &["forecast advisory"],
        Category::Sports => &["schedule results"],
        Category::Crypto => &["price"],
        Category::Unknown => &[],
    }
}

/// Every query for one market, phase by phase; empty for UNKNOWN (it is not researched) and
/// for a question without a single key term. `description` only ranks the primary sources
/// (a market that names its resolution source is searched there first); its words are not
/// searched, since resolution boilerplate matches everything.
#[must_use]
pub fn build_queries(
    question: &str,
    description: &str,
    category: Category,
    end_date: Option<NaiveDate>,
    cfg: &ResearchConfig,
) -> Vec<Query> {
    let terms = key_terms(question);
    if category == Category::Unknown || terms.is_empty() {
        return Vec::new();
    }
    let sources = ranked_sources(category, &terms, description);
    let joined = terms.join(" ");
    let mut out = Vec::with_capacity(MAX_QUERIES);
    for site in sources.iter().take(PRIMARY_CAP) {
        out.push(site_query(Phase::Primary, site, &joined));
    }
    out.extend(resolution_queries(category, &sources, &terms, end_date));
    let news = NEWS_SOURCES
        .iter()
        .map(|(d, _)| *d)
        .filter(|d| !category.primary_sources().contains(d))
        .take(NEWS_CAP);
    for site in news {
        out.push(site_query(Phase::News, site, &joined));
    }
    out.push(broad_query(&joined, &cfg.blocked_domains));
    let mut seen = HashSet::new();
    out.retain(|q| seen.insert(q.text.to_lowercase()));
    out
}

fn site_query(phase: Phase, site: &str, terms: &str) -> Query {
    Query {
        phase,
        text: format!("site:{site} {terms}"),
        site: Some(site.to_owned()),
    }
}

/// The primary sources restated with resolution wording and the end date's month, without
/// the question's thresholds: the release page does not contain "3%" because a market asks
/// whether CPI exceeds it.
fn resolution_queries(
    category: Category,
    sources: &[&'static str],
    terms: &[String],
    end_date: Option<NaiveDate>,
) -> Vec<Query> {
    let subject: Vec<&str> = terms
        .iter()
        .map(String::as_str)
        .filter(|t| !is_threshold(t))
        .collect();
    let period = end_date.map(|d| d.format("%B %Y").to_string());
    let mut out = Vec::new();
    for site in sources {
        for wording in resolution_wording(category) {
            let mut words: Vec<&str> = subject.clone();
            words.extend(wording.split(' '));
            if let Some(p) = &period {
                words.extend(p.split(' '));
            }
            out.push(site_query(Phase::Resolution, site, &dedup_words(&words)));
        }
    }
    out.truncate(RESOLUTION_CAP);
    out
}

fn broad_query(terms: &str, extra_blocked: &[String]) -> Query {
    let extra = extra_blocked
        .iter()
        .map(|d| d.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|d| is_domain_like(d));
    let mut excluded: Vec<String> = BROAD_EXCLUDED.iter().map(|d| (*d).to_owned()).collect();
    for d in extra {
        if !excluded.contains(&d) {
            excluded.push(d);
        }
    }
    excluded.truncate(MAX_EXCLUSIONS);
    let mut text = terms.to_owned();
    for d in excluded {
        text.push_str(" -site:");
        text.push_str(&d);
    }
    Query {
        phase: Phase::Broad,
        text,
        site: None,
    }
}

/// Only plain host names reach a query: a configured entry cannot smuggle in operators.
fn is_domain_like(d: &str) -> bool {
    d.contains('.')
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// The category's primary sources, those the question or description points at first;
/// otherwise in the category's own order (most general publisher of record first).
fn ranked_sources(category: Category, terms: &[String], description: &str) -> Vec<&'static str> {
    let lower_terms: HashSet<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    let description = description.to_lowercase();
    let desc_words: HashSet<&str> = description
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let mut ranked: Vec<(usize, &'static str)> = category
        .primary_sources()
        .iter()
        .map(|&site| {
            let hints = SOURCE_HINTS
                .iter()
                .find(|(d, _)| *d == site)
                .map_or(0, |(_, words)| {
                    words.iter().filter(|w| lower_terms.contains(**w)).count()
                });
            let label = site.split('.').next().unwrap_or(site);
            let publisher = publisher_of(site).to_lowercase();
            let named = desc_words.contains(label)
                || description.contains(site)
                || (publisher != site && description.contains(&publisher));
            (hints + if named { 2 } else { 0 }, site)
        })
        .collect();
    ranked.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    ranked.into_iter().map(|(_, site)| site).collect()
}

/// The question's key terms in order, case-insensitively unique, at most [`MAX_TERMS`].
#[must_use]
pub fn key_terms(question: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    question
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"' | '/'))
        .filter_map(clean_token)
        .filter(|t| !STOP_WORDS.contains(&t.to_lowercase().as_str()))
        .filter(|t| seen.insert(t.to_lowercase()))
        .take(MAX_TERMS)
        .collect()
}

/// A token without surrounding punctuation or possessive; `None` when nothing searchable is
/// left or it would read as a search operator (`-x`, `site:x`).
fn clean_token(raw: &str) -> Option<String> {
    let t = raw.trim_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '%' | '$')));
    let t = t
        .strip_suffix("'s")
        .or_else(|| t.strip_suffix("’s"))
        .unwrap_or(t);
    let t = t.trim_end_matches('$');
    let operator = t.contains(':') && !t.chars().all(|c| c.is_ascii_digit() || c == ':');
    (!t.is_empty() && !operator && t.chars().any(char::is_alphanumeric)).then(|| t.to_owned())
}

/// A price or percentage the market compares against, not a name or a date: `3%`, `$100,000`,
/// `2.5`, `100k` and bare numbers are thresholds; `2026`, `31` (a day) and `Q4` are not.
fn is_threshold(term: &str) -> bool {
    let body = term
        .trim_start_matches('$')
        .trim_end_matches(['%', 'k', 'K', 'M']);
    let numeric = body.chars().any(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
    if !numeric {
        return false;
    }
    if body.len() != term.len() || body.contains(['.', ',']) {
        return true;
    }
    body.parse::<u32>()
        .map_or(true, |n| n > 31 && !(1900..=2100).contains(&n))
}

fn dedup_words(words: &[&str]) -> String {
    let mut seen = HashSet::new();
    words
        .iter()
        .filter(|w| seen.insert(w.to_lowercase()))
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn build(question: &str, description: &str, c: Category, end: Option<NaiveDate>) -> Vec<Query> {
        build_queries(question, description, c, end, &ResearchConfig::default())
    }

    fn texts(qs: &[Query], phase: Phase) -> Vec<&str> {
        qs.iter()
            .filter(|q| q.phase == phase)
            .map(|q| q.text.as_str())
            .collect()
    }

    /// Phases in order, texts unique, caps respected, `site` set exactly on restricted ones.
    fn assert_well_formed(qs: &[Query]) {
        assert!(qs.windows(2).all(|w| w[0].phase <= w[1].phase), "{qs:#?}");
        let unique: HashSet<_> = qs.iter().map(|q| &q.text).collect();
        assert_eq!(unique.len(), qs.len());
        assert!(qs.len() <= MAX_QUERIES);
        for (phase, cap) in [
            (Phase::Primary, PRIMARY_CAP),
            (Phase::Resolution, RESOLUTION_CAP),
            (Phase::News, NEWS_CAP),
            (Phase::Broad, BROAD_CAP),
        ] {
            assert!(texts(qs, phase).len() <= cap, "{phase:?}");
        }
        for q in qs {
            match &q.site {
                Some(site) => assert!(q.text.starts_with(&format!("site:{site} "))),
                None => assert!(!q.text.contains(" site:") && !q.text.starts_with("site:")),
            }
        }
    }

    #[test]
    fn cpi_market_searches_bls_first_then_releases_news_and_the_open_web() {
        let q = "Will CPI YoY exceed 3% in January 2026?";
        assert_eq!(key_terms(q), ["CPI", "YoY", "3%", "January", "2026"]);
        let qs = build(q, "", Category::Macro, date(2026, 2, 12));
        assert_well_formed(&qs);
        let primary = texts(&qs, Phase::Primary);
        assert_eq!(primary[0], "site:bls.gov CPI YoY 3% January 2026");
        assert_eq!(primary.len(), PRIMARY_CAP);
        let resolution = texts(&qs, Phase::Resolution);
        assert_eq!(
            resolution[0],
            "site:bls.gov CPI YoY January 2026 release February"
        );
        assert!(resolution.iter().any(|t| t.contains("schedule")));
        assert_eq!(
            texts(&qs, Phase::News),
            [
                "site:reuters.com CPI YoY 3% January 2026",
                "site:apnews.com CPI YoY 3% January 2026",
                "site:bloomberg.com CPI YoY 3% January 2026",
            ]
        );
        let broad = texts(&qs, Phase::Broad);
        assert_eq!(broad.len(), 1);
        assert!(
            broad[0].starts_with("CPI YoY 3% January 2026 -site:wikipedia.org -site:reddit.com")
        );
        assert_eq!(qs, build(q, "", Category::Macro, date(2026, 2, 12)));
    }

    #[test]
    fn election_market_uses_results_wording_and_does_not_repeat_the_ap() {
        let q = "Will Donald Trump win the 2024 US Presidential Election?";
        let qs = build(
            q,
            "Resolves per the Associated Press race call.",
            Category::Election,
            date(2024, 11, 5),
        );
        assert_well_formed(&qs);
        let primary = texts(&qs, Phase::Primary);
        assert_eq!(
            primary[0],
            "site:apnews.com Donald Trump 2024 US Presidential Election"
        );
        assert_eq!(primary.len(), 3);
        let resolution = texts(&qs, Phase::Resolution);
        assert!(
            resolution
                .iter()
                .all(|t| t.contains("results") && t.ends_with("November"))
        );
        assert!(resolution.iter().any(|t| t.contains("certified")));
        let news = texts(&qs, Phase::News);
        assert_eq!(news.len(), NEWS_CAP);
        assert!(news.iter().all(|t| !t.contains("apnews.com")), "{news:?}");
    }

    #[test]
    fn btc_market_keeps_the_ticker_and_ranks_the_named_exchange_first() {
        let q = "Will the price of Bitcoin (BTC) be above $100,000 on December 31, 2025?";
        assert_eq!(
            key_terms(q),
            [
                "price", "Bitcoin", "BTC", "$100,000", "December", "31", "2025"
            ]
        );
        let desc = "Resolves using the Coinbase BTC/USD 1-minute candle close at 12:00 ET.";
        let qs = build(q, desc, Category::Crypto, date(2025, 12, 31));
        assert_well_formed(&qs);
        assert_eq!(qs[0].site.as_deref(), Some("coinbase.com"));
        let resolution = texts(&qs, Phase::Resolution);
        assert_eq!(
            resolution[0],
            "site:coinbase.com price Bitcoin BTC December 31 2025"
        );
        assert!(resolution.iter().all(|t| !t.contains("$100,000")));
    }

    #[test]
    fn thresholds_are_told_from_dates() {
        for t in ["3%", "$100,000", "100k", "2.5", "150", "$1.2M"] {
            assert!(is_threshold(t), "{t}");
        }
        for t in ["2026", "31", "Q4", "CPI", "8-K", "LX"] {
            assert!(!is_threshold(t), "{t}");
        }
    }

    #[test]
    fn unknown_and_empty_questions_are_not_searched() {
        let end = date(2026, 1, 1);
        assert!(
            build(
                "Will Taylor Swift release an album?",
                "",
                Category::Unknown,
                end
            )
            .is_empty()
        );
        assert!(build("Will it be?", "", Category::Macro, end).is_empty());
        assert!(build("", "", Category::Sports, None).is_empty());
    }

    #[test]
    fn operators_and_configured_domains_cannot_inject_query_syntax() {
        assert_eq!(
            key_terms("Will -spam site:evil.com Fed's rate (cut) hit 4.25%?"),
            ["spam", "Fed", "rate", "cut", "4.25%"]
        );
        let cfg = ResearchConfig {
            blocked_domains: vec!["bad.example".into(), "x OR site:y.com".into()],
            ..ResearchConfig::default()
        };
        let qs = build_queries("Fed rate cut in March?", "", Category::Macro, None, &cfg);
        let broad = texts(&qs, Phase::Broad)[0];
        assert!(
            broad.contains("-site:bad.example") && !broad.contains(" OR "),
            "{broad}"
        );
        assert!(
            texts(&qs, Phase::Resolution)
                .iter()
                .all(|t| t.ends_with("release") || t.ends_with("schedule"))
        );
    }
}
