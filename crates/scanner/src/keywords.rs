//! The keyword tables behind [`crate::classify`]: data only.
//!
//! Phrases are written in token form: lower case, words separated by one space, every run of
//! non-alphanumeric characters already turned into a word break ("S&P 500" is `s p 500`,
//! "O/U" is `o u`, "Ballon d'Or" is `ballon d or`), because that is how the question text is
//! tokenized. A test checks every phrase is in that form, so a phrase that could never match
//! fails the build's tests instead of silently doing nothing.
//!
//! Strong phrases (weight 2) name the domain unambiguously (`fomc`, `hurricane`, `nfl`).
//! Weak phrases (weight 1) lean towards a domain but also occur elsewhere (`vote`, `match`,
//! `token`, company names); two weak hints outweigh nothing, one strong hint outweighs a weak one.

use crate::category::Category;

/// Weight of a phrase that names its domain unambiguously.
pub(crate) const STRONG: u8 = 2;
/// Weight of a phrase that only leans towards its domain.
pub(crate) const WEAK: u8 = 1;

/// Phrases of one category and weight.
pub(crate) struct KeywordSet {
    pub category: Category,
    pub weight: u8,
    /// Only used on the venue's category and tags, never on question text: words like
    /// "politics" or "business" are good labels but say little inside a question.
    pub hint_only: bool,
    pub phrases: &'static [&'static str],
}

const fn set(category: Category, weight: u8, phrases: &'static [&'static str]) -> KeywordSet {
    KeywordSet {
        category,
        weight,
        hint_only: false,
        phrases,
    }
}

const fn hint(category: Category, phrases: &'static [&'static str]) -> KeywordSet {
    KeywordSet {
        category,
        weight: WEAK,
        hint_only: true,
        phrases,
    }
}

use Category::{Corporate, Crypto, Election, Macro, Sports, Unknown, Weather};

/// Every keyword set. Plurals are matched by the classifier ("rates" matches `rate`), so only
/// irregular forms are listed. Not rustfmt'ed: one phrase per line would make a 400-line table.
#[rustfmt::skip]
pub(crate) const KEYWORD_SETS: &[KeywordSet] = &[
    set(Macro, STRONG, &[
        "cpi", "inflation", "gdp", "unemployment", "fed", "fomc", "federal reserve",
        "interest rate", "rate cut", "rate hike", "cut rate", "raise rate", "hike rate",
        "lower rate", "recession", "jobs report", "payrolls", "nonfarm", "treasury", "ecb",
        "bank of england", "boe", "bank of japan", "boj", "bank of canada", "central bank",
        "pce", "ppi", "jobless claims", "consumer price index", "producer price index",
        "bps", "basis point", "powell", "fed chair", "debt ceiling", "monetary policy",
        "stagflation", "deflation", "retail sales", "10 year yield",
    ]),
    set(Macro, WEAK, &[
        "jobs", "yield", "tariff", "deficit", "economy", "economic", "oil", "crude", "gold",
        "s p 500", "sp500", "nasdaq", "dow jones", "gas price", "mortgage rate",
        "labor market",
    ]),
    set(Election, STRONG, &[
        "election", "presidential", "senate", "house seat", "house race",
        "house of representatives", "speaker of the house", "primary", "primaries", "caucus",
        "governor", "gubernatorial", "mayor", "mayoral", "parliament", "parliamentary",
        "prime minister", "referendum", "electoral", "popular vote", "runoff", "midterm",
    ]),
    set(Election, WEAK, &[
        "vote", "voter", "poll", "polling", "president", "nominee", "nomination", "ballot",
        "candidate", "democrat", "democratic", "republican", "gop", "swing state", "seat",
        "impeach", "impeached", "impeachment", "inauguration", "chancellor", "coalition",
        "debate", "congress", "congressional", "senator", "white house", "approval rating",
        "elected", "trump", "biden",
    ]),
    set(Corporate, STRONG, &[
        "ipo", "earnings", "sec", "merger", "acquisition", "ceo", "market cap",
        "market capitalization", "revenue", "eps", "dividend", "buyback", "stock split",
        "bankruptcy", "chapter 11", "public offering", "spac", "share price",
    ]),
    set(Corporate, WEAK, &[
        "stock", "shares", "shareholder", "acquire", "acquired", "layoffs", "antitrust",
        "ftc", "valuation", "quarterly", "delisted", "apple", "tesla", "nvidia", "microsoft",
        "amazon", "alphabet", "google", "meta", "openai", "anthropic", "netflix", "spacex",
        "boeing", "intel", "amd", "berkshire", "palantir", "tsmc", "samsung", "disney",
        "coinbase", "microstrategy", "tsla", "nvda", "aapl", "msft", "amzn", "googl",
    ]),
    set(Weather, STRONG, &[
        "hurricane", "temperature", "noaa", "wildfire", "snowfall", "rainfall", "tornado",
        "weather", "heat wave", "heatwave", "tropical storm", "named storm", "cyclone",
        "typhoon", "drought", "blizzard", "landfall", "fahrenheit", "celsius",
        "precipitation", "el nino", "la nina", "nhc", "national weather service",
    ]),
    set(Weather, WEAK, &[
        "snow", "rain", "storm", "flood", "flooding", "hottest", "coldest", "climate",
        "sea ice", "heat index", "extreme heat", "monsoon",
    ]),
    set(Sports, STRONG, &[
        "nfl", "nba", "mlb", "nhl", "mls", "wnba", "ncaa", "ufc", "super bowl",
        "premier league", "la liga", "serie a", "bundesliga", "ligue 1", "champions league",
        "europa league", "uefa", "fifa", "world cup", "stanley cup", "world series",
        "playoff", "tennis", "golf", "pga", "us open", "french open", "australian open",
        "wimbledon", "grand prix", "formula 1", "f1", "nascar", "boxing", "mma", "olympics",
        "olympic", "cricket", "ipl", "rugby", "tour de france", "ballon d or", "mvp",
        "heisman", "march madness", "final four", "sec championship", "big ten",
        "grand slam", "esports", "league of legends", "dota", "valorant", "counter strike",
        "cs2", "touchdown", "over under",
    ]),
    set(Sports, WEAK, &[
        "championship", "match", "vs", "draw", "o u", "soccer", "football", "basketball",
        "baseball", "hockey", "fc", "cfc", "afc", "semifinal", "quarterfinal", "fight",
        "knockout", "chess", "coach", "goal", "home run", "hat trick", "spread", "relegated",
        "relegation",
    ]),
    set(Crypto, STRONG, &[
        "bitcoin", "btc", "ethereum", "eth", "solana", "crypto", "cryptocurrency", "xrp",
        "dogecoin", "cardano", "litecoin", "binance", "stablecoin", "usdt", "usdc", "tether",
        "memecoin", "airdrop", "fdv", "blockchain", "defi", "nft", "altcoin", "halving",
        "satoshi", "hyperliquid", "chainlink", "avax", "bnb", "polkadot", "shiba",
    ]),
    set(Crypto, WEAK, &[
        "sol", "token", "up or down", "etf", "doge", "pepe", "ripple", "onchain",
    ]),
    // Entertainment counts for UNKNOWN: a question about an award show, a chart or a TV show is
    // not researchable from the whitelisted sources even when a title in it contains a keyword
    // ("Let It Snow! - Dean Martin #1 song on Spotify", "Sleep Token ... GRAMMY Awards").
    set(Unknown, STRONG, &[
        "grammy", "oscar", "emmy", "academy award", "golden globe", "tony award", "billboard",
        "spotify", "album", "song", "box office", "eurovision", "rotten tomatoes",
        "halftime show", "american idol", "love island", "big brother", "bachelorette",
        "mercury prize", "mrbeast", "sanremo", "melodi grand prix",
    ]),
    set(Unknown, WEAK, &["searched", "episode", "movie", "youtube", "celebrity"]),
    hint(Unknown, &[
        "pop culture", "celebrities", "music", "movies", "tv", "awards", "entertainment",
        "mention markets",
    ]),
    hint(Election, &["politics", "political"]),
    hint(Macro, &["finance", "macro", "economics"]),
    hint(Corporate, &["business", "tech", "technology", "big tech", "equities", "companies"]),
    hint(Sports, &["sports", "sport"]),
];
