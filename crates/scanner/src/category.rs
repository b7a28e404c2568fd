//! [`Category`]: the seed's market types, and where the research stage looks for evidence on each.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The market type, as the seed's "Market Type Classification" table names it.
///
/// The type decides which whitelisted sources the research stage queries, how much the
/// pre-research score trusts that research to find an edge, and (later) which risk limits
/// apply. `Unknown` exists so that an unclassified market is visible and can be blocked
/// (the seed blocks it entirely; see `ScanFilters::exclude_categories`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Macro,
    Election,
    Corporate,
    Weather,
    Sports,
    Crypto,
    Unknown,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 7] = [
        Category::Macro,
        Category::Election,
        Category::Corporate,
        Category::Weather,
        Category::Sports,
        Category::Crypto,
        Category::Unknown,
    ];

    /// The upper-case name used in configuration, JSON and reports (`"MACRO"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Macro => "MACRO",
            Category::Election => "ELECTION",
            Category::Corporate => "CORPORATE",
            Category::Weather => "WEATHER",
            Category::Sports => "SPORTS",
            Category::Crypto => "CRYPTO",
            Category::Unknown => "UNKNOWN",
        }
    }

    /// Position in [`Category::ALL`], for per-category arrays and bit masks.
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The authoritative domains the research stage restricts its queries to (`site:` filters).
    ///
    /// Research is only worth its API credits when a primary source publishes the number the
    /// market resolves on, so these are the publishers of record, not news sites: government
    /// statistics and central banks for MACRO, the FEC and Ballotpedia (plus the AP, whose race
    /// calls Polymarket's election markets resolve on) for ELECTION, EDGAR filings for CORPORATE,
    /// the NWS/NOAA/NHC for WEATHER, and for CRYPTO the exchanges whose candles crypto price
    /// markets resolve on and the two reference aggregators. UNKNOWN has none: it is not
    /// researched.
    #[must_use]
    pub const fn primary_sources(self) -> &'static [&'static str] {
        match self {
            Category::Macro => &[
                "bls.gov",
                "federalreserve.gov",
                "fred.stlouisfed.org",
                "bea.gov",
                "treasury.gov",
                "ecb.europa.eu",
                "bankofengland.co.uk",
            ],
            Category::Election => &["fec.gov", "ballotpedia.org", "apnews.com"],
            Category::Corporate => &["sec.gov"],
            Category::Weather => &["weather.gov", "noaa.gov", "nhc.noaa.gov"],
            Category::Sports => &["espn.com", "sports-reference.com"],
            Category::Crypto => &[
                "binance.com",
                "coinbase.com",
                "coingecko.com",
                "coinmarketcap.com",
            ],
            Category::Unknown => &[],
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category name that is none of [`Category::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseCategoryError(pub String);

impl fmt::Display for ParseCategoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown category {:?}; expected one of ", self.0)?;
        for (i, c) in Category::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(c.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseCategoryError {}

impl FromStr for Category {
    type Err = ParseCategoryError;

    /// Case-insensitive, surrounding whitespace ignored: operators write `macro` or `Macro`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| ParseCategoryError(s.to_owned()))
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), c);
            assert_eq!(c.as_str().to_lowercase().parse::<Category>().unwrap(), c);
            assert_eq!(Category::ALL[c.index()], c);
        }
        assert_eq!(" Sports ".parse::<Category>().unwrap(), Category::Sports);
        let err = "POLITICS".parse::<Category>().unwrap_err();
        assert!(err.to_string().contains("MACRO, ELECTION"), "{err}");
    }

    #[test]
    fn serde_uses_upper_case_names() {
        let json = serde_json::to_string(&Category::Weather).unwrap();
        assert_eq!(json, "\"WEATHER\"");
        let back: Category = serde_json::from_str("\"crypto\"").unwrap();
        assert_eq!(back, Category::Crypto);
        assert!(serde_json::from_str::<Category>("\"nope\"").is_err());
    }

    #[test]
    fn every_researchable_category_has_sources() {
        for c in Category::ALL {
            assert_eq!(
                c.primary_sources().is_empty(),
                c == Category::Unknown,
                "{c}"
            );
            for domain in c.primary_sources() {
                assert!(!domain.contains('/') && domain.contains('.'), "{domain}");
            }
        }
        assert!(Category::Macro.primary_sources().contains(&"bls.gov"));
        assert!(
            Category::Weather
                .primary_sources()
                .contains(&"nhc.noaa.gov")
        );
    }
}
