//! Which domains are never fetched, and how much each fetched domain is trusted.
//!
//! Blocking is decided on the URL's host *before* any request, and again on every redirect
//! target (see `fetch`): user-generated sites are where a question's wording is argued about,
//! not where the number it resolves on is published.

use reqwest::Url;

use super::error::ResearchError;

/// User-generated content: never fetched, whatever the configuration adds.
pub const ALWAYS_BLOCKED: &[&str] = &[
    "wikipedia.org",
    "wikimedia.org",
    "wikiwand.com",
    "fandom.com",
    "reddit.com",
    "redd.it",
    "medium.com",
    "substack.com",
    "twitter.com",
    "x.com",
    "t.co",
    "threads.net",
    "facebook.com",
    "instagram.com",
    "tiktok.com",
    "youtube.com",
    "youtu.be",
    "quora.com",
    "pinterest.com",
    "tumblr.com",
    "blogspot.com",
    "wordpress.com",
    "linkedin.com",
    "stackexchange.com",
    "4chan.org",
    "discord.com",
    "telegram.me",
    "t.me",
    "polymarket.com",
];

/// Wire services and financial press, used by the `News` phase and scored 0.6–0.8.
pub const NEWS_SOURCES: &[(&str, f64)] = &[
    ("reuters.com", 0.8),
    ("apnews.com", 0.8),
    ("bloomberg.com", 0.8),
    ("wsj.com", 0.75),
    ("ft.com", 0.75),
    ("nytimes.com", 0.7),
    ("washingtonpost.com", 0.7),
    ("bbc.co.uk", 0.7),
    ("bbc.com", 0.7),
    ("cnbc.com", 0.65),
    ("theguardian.com", 0.65),
    ("politico.com", 0.65),
    ("axios.com", 0.6),
    ("coindesk.com", 0.6),
];

/// Primary sources that are not government domains but publish the data of record.
const PRIMARY_NON_GOV: &[(&str, f64)] = &[
    ("fred.stlouisfed.org", 1.0),
    ("ecb.europa.eu", 1.0),
    ("bankofengland.co.uk", 1.0),
    ("ballotpedia.org", 0.85),
    ("espn.com", 0.8),
    ("sports-reference.com", 0.85),
    ("coingecko.com", 0.8),
    ("coinmarketcap.com", 0.8),
    ("binance.com", 0.85),
    ("coinbase.com", 0.85),
];

/// What any other domain scores: unknown publishers are weak evidence, not no evidence.
pub const UNKNOWN_AUTHORITY: f64 = 0.4;

/// Lower-case host of `url` without a leading `www.`.
pub fn domain_of(url: &str) -> Result<String, ResearchError> {
    let parsed = Url::parse(url).map_err(|e| ResearchError::BadUrl {
        url: strip_query(url),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ResearchError::BadUrl {
            url: strip_query(url),
            reason: format!("scheme {} is not fetched", parsed.scheme()),
        });
    }
    let host = parsed.host_str().ok_or_else(|| ResearchError::BadUrl {
        url: strip_query(url),
        reason: "no host".into(),
    })?;
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    Ok(host
        .strip_prefix("www.")
        .map_or(host.clone(), str::to_owned))
}

/// Whether `domain` is `pattern` or one of its subdomains (`en.wikipedia.org` matches
/// `wikipedia.org`; `notwikipedia.org` does not).
#[must_use]
pub fn matches(domain: &str, pattern: &str) -> bool {
    let pattern = pattern.trim().trim_start_matches('.').to_ascii_lowercase();
    !pattern.is_empty()
        && (domain == pattern
            || domain
                .strip_suffix(pattern.as_str())
                .is_some_and(|rest| rest.ends_with('.')))
}

/// Whether `domain` is blocked: on [`ALWAYS_BLOCKED`] or on the configured `extra` list.
#[must_use]
pub fn is_blocked_domain(domain: &str, extra: &[String]) -> bool {
    ALWAYS_BLOCKED.iter().any(|p| matches(domain, p)) || extra.iter().any(|p| matches(domain, p))
}

/// `Ok(domain)` when `url` may be fetched, [`ResearchError::Blocked`] or
/// [`ResearchError::BadUrl`] otherwise. Every fetch goes through this first.
pub fn check_fetchable(url: &str, extra_blocked: &[String]) -> Result<String, ResearchError> {
    let domain = domain_of(url)?;
    if is_blocked_domain(&domain, extra_blocked) {
        return Err(ResearchError::Blocked {
            url: strip_query(url),
            domain,
        });
    }
    Ok(domain)
}

/// How far a domain is trusted, in [0, 1]: government and central-bank publishers 1.0, the
/// primary non-government publishers of record 0.8–1.0, wire services and financial press
/// 0.6–0.8, anything else [`UNKNOWN_AUTHORITY`].
#[must_use]
pub fn authority_score(domain: &str) -> f64 {
    if is_government(domain) {
        return 1.0;
    }
    PRIMARY_NON_GOV
        .iter()
        .chain(NEWS_SOURCES)
        .find(|(d, _)| matches(domain, d))
        .map_or(UNKNOWN_AUTHORITY, |(_, s)| *s)
}

/// `.gov`, `.mil`, `gov.uk`, `.gov.<cc>`, `europa.eu` and central banks' own domains.
fn is_government(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    matches!(tld, "gov" | "mil")
        || labels.iter().rev().skip(1).take(1).any(|l| *l == "gov")
        || matches(domain, "europa.eu")
        || matches(domain, "federalreserve.gov")
}

/// A publisher name for a citation: the known name of the domain, or the domain itself.
#[must_use]
pub fn publisher_of(domain: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("bls.gov", "Bureau of Labor Statistics"),
        ("bea.gov", "Bureau of Economic Analysis"),
        ("federalreserve.gov", "Federal Reserve Board"),
        (
            "fred.stlouisfed.org",
            "Federal Reserve Bank of St. Louis (FRED)",
        ),
        ("treasury.gov", "U.S. Department of the Treasury"),
        ("sec.gov", "U.S. Securities and Exchange Commission"),
        ("fec.gov", "Federal Election Commission"),
        ("weather.gov", "National Weather Service"),
        ("nhc.noaa.gov", "National Hurricane Center"),
        ("noaa.gov", "NOAA"),
        ("ecb.europa.eu", "European Central Bank"),
        ("bankofengland.co.uk", "Bank of England"),
        ("ballotpedia.org", "Ballotpedia"),
        ("apnews.com", "Associated Press"),
        ("reuters.com", "Reuters"),
        ("bloomberg.com", "Bloomberg"),
        ("espn.com", "ESPN"),
        ("sports-reference.com", "Sports Reference"),
    ];
    NAMES
        .iter()
        .find(|(d, _)| matches(domain, d))
        .map_or_else(|| domain.to_owned(), |(_, n)| (*n).to_owned())
}

/// `url` without its query string and fragment (where some providers carry keys).
#[must_use]
pub fn strip_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_are_blocked_and_lookalikes_are_not() {
        for url in [
            "https://en.wikipedia.org/wiki/CPI",
            "https://www.reddit.com/r/x",
            "http://old.reddit.com/",
            "https://X.com/someone/status/1",
            "https://mobile.twitter.com/a",
            "https://someone.medium.com/post",
            "https://www.quora.com/q",
        ] {
            assert!(
                matches!(
                    check_fetchable(url, &[]),
                    Err(ResearchError::Blocked { .. })
                ),
                "{url} must be blocked"
            );
        }
        for url in [
            "https://notwikipedia.org/",
            "https://www.bls.gov/cpi/",
            "https://max.com/",
        ] {
            assert!(check_fetchable(url, &[]).is_ok(), "{url} must pass");
        }
        let extra = vec!["example.org".to_owned()];
        assert!(check_fetchable("https://a.example.org/x", &extra).is_err());
    }

    #[test]
    fn non_http_urls_are_refused() {
        for url in [
            "file:///etc/passwd",
            "ftp://bls.gov/x",
            "not a url",
            "data:text/html,x",
        ] {
            assert!(
                matches!(check_fetchable(url, &[]), Err(ResearchError::BadUrl { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn authority_ranks_government_over_press_over_unknown() {
        assert_eq!(authority_score("bls.gov"), 1.0);
        assert_eq!(authority_score("www2.census.gov"), 1.0);
        assert_eq!(authority_score("ons.gov.uk"), 1.0);
        assert_eq!(authority_score("reuters.com"), 0.8);
        assert!(authority_score("cnbc.com") >= 0.6 && authority_score("cnbc.com") < 0.8);
        assert_eq!(authority_score("someblog.net"), UNKNOWN_AUTHORITY);
        assert_eq!(
            domain_of("https://WWW.BLS.gov./cpi?key=1").unwrap(),
            "bls.gov"
        );
        assert_eq!(strip_query("https://a.b/c?api_key=s#f"), "https://a.b/c");
    }
}
