//! Classification of real-looking Polymarket questions.

use polybot_scanner::{Category, Classifier, classify, classify_market};

mod common;

use Category::{Corporate, Crypto, Election, Macro, Sports, Unknown, Weather};

/// Questions in the form Polymarket writes them (many copied from recorded Gamma data).
const QUESTIONS: &[(&str, Category)] = &[
    // The brief's examples.
    ("Will the Fed cut interest rates in March?", Macro),
    ("Will Bitcoin reach $100k by June?", Crypto),
    ("Will Genoa CFC win on 2026-02-07?", Sports),
    ("Peru Presidential Election Winner", Election),
    ("Hurricane landfall in Florida by Sept 30?", Weather),
    ("Will Nvidia's market cap exceed $5T?", Corporate),
    ("Will Taylor Swift release a new album?", Unknown),
    // MACRO
    (
        "Fed decreases interest rates by 25 bps after March 2026 meeting?",
        Macro,
    ),
    ("Will US gain more than 275k jobs in March?", Macro),
    ("US recession in 2026?", Macro),
    ("Will the ECB hike rates in April?", Macro),
    ("Will the Bank of England cut rates in May?", Macro),
    ("Will January CPI come in above 0.3%?", Macro),
    ("Will the 10-year Treasury yield close above 5%?", Macro),
    (
        "Will the S&P 500 have the best performance for the week of November 24?",
        Macro,
    ),
    ("Who will Trump nominate as Fed Chair?", Macro),
    ("Will Q1 GDP growth be negative?", Macro),
    // ELECTION
    ("Will a Democrat win Michigan US Senate Election?", Election),
    ("Will Trump win Alabama Republican Primary?", Election),
    (
        "Will Dan Eubanks win the Mississippi Republican Senate Primary?",
        Election,
    ),
    (
        "Will a Republican win North Dakota Governor Election?",
        Election,
    ),
    (
        "Will the DPK win the most seats in the South Korean election?",
        Election,
    ),
    ("Senegal Presidential Election: Amadou Ba wins?", Election),
    (
        "Will Trump win the Missouri Caucus by between 50-60% of the vote?",
        Election,
    ),
    ("Next Prime Minister of the UK?", Election),
    ("Who will win the NYC mayoral race?", Election),
    // CORPORATE
    ("Will Tesla beat quarterly earnings?", Corporate),
    ("Will OpenAI announce an IPO in 2026?", Corporate),
    ("Will the SEC approve the merger?", Corporate),
    ("Will Sam Altman be CEO of OpenAI on June 30?", Corporate),
    ("Tesla (TSLA) Up or Down on March 3?", Corporate),
    ("Will Apple's revenue exceed $100B?", Corporate),
    // WEATHER
    ("Highest temperature in NYC on June 5?", Weather),
    ("Will it snow in London on Christmas Day?", Weather),
    ("Will a named storm form before June 1?", Weather),
    ("Will 2026 be the hottest year on record?", Weather),
    (
        "California wildfire: more than 10,000 acres burned by August?",
        Weather,
    ),
    ("Amazon rainforest wildfire count above 5,000?", Weather),
    // SPORTS
    (
        "Will Mike Tyson win his boxing match against Jake Paul?",
        Sports,
    ),
    (
        "NBA: Will the Mavericks beat the Grizzlies by more than 5.5 points?",
        Sports,
    ),
    ("Lakers vs. Celtics: O/U 221.5", Sports),
    ("Will the Chiefs win Super Bowl LX?", Sports),
    ("Will Arsenal win the Premier League?", Sports),
    ("Will Carlos Alcaraz win the US Open?", Sports),
    ("Monaco Grand Prix winner?", Sports),
    ("Will Alabama win the SEC Championship?", Sports),
    ("Will the Hurricanes win the Stanley Cup?", Sports),
    (
        "Real Madrid vs. Barcelona: will the match end in a draw?",
        Sports,
    ),
    // CRYPTO
    ("Bitcoin Up or Down - March 3, 9AM ET", Crypto),
    ("Will ETH hit $5,000 in February?", Crypto),
    ("Will SOL reach $300?", Crypto),
    ("Will the SEC approve a Solana ETF?", Crypto),
    (
        "Polymarket token FDV above $1B one day after launch?",
        Crypto,
    ),
    ("Bitcoin market cap above $2T?", Crypto),
    // UNKNOWN: pop culture, geopolitics, and false friends of keywords.
    (
        "Will Noah Kahan have the greatest number of monthly Spotify listeners this month?",
        Unknown,
    ),
    (
        "Will \"Song I\" be the #1 song on US Spotify this week?",
        Unknown,
    ),
    (
        "Will Country E win the televote for Eurovision 2026?",
        Unknown,
    ),
    (
        "Will a contestant numbered 1 - 25 win Beast Games: Season 2?",
        Unknown,
    ),
    ("Will a federal judge block the order?", Unknown),
    ("Will Ethiopia and Eritrea sign a peace deal?", Unknown),
    ("Will Russia and Ukraine agree to a ceasefire?", Unknown),
    ("GPT-5 announced in Q3 2024?", Unknown),
    ("Will a Series A be raised?", Unknown),
    // Entertainment outweighs keywords in titles; quoted text is a title or a word to be said.
    ("Will \"Bitcoin\" be said at the Grammys?", Unknown),
    (
        "Will Let It Snow! Let It Snow! - Dean Martin be the #1 song on US Spotify this week?",
        Unknown,
    ),
    (
        "Will Sleep Token be nominated for Best New Artist at the 68th Annual GRAMMY Awards?",
        Unknown,
    ),
    (
        "Will Joe Webb (‘Hamstrings & Hurricanes’) win the 2025 Mercury Prize?",
        Unknown,
    ),
    ("Will “Hottest” be said at the Oscars?", Unknown),
    ("Will Storm win Melodi Grand Prix 2026?", Unknown),
    ("Will Ermal Meta win Sanremo 2026?", Unknown),
    (
        "Will Biden say \"Bitcoin\" during his State of the Union address?",
        Election,
    ),
    ("Will NYC get 12\" of snow this winter?", Weather),
];

#[test]
fn questions_classify_as_a_human_would() {
    let mut failures = Vec::new();
    for (question, want) in QUESTIONS {
        let got = classify(question, None, &[]);
        if got != *want {
            failures.push(format!("{question:?}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn classifier_reuse_gives_the_same_answers() {
    let mut classifier = Classifier::new();
    for _ in 0..2 {
        for (question, want) in QUESTIONS {
            assert_eq!(
                classifier.classify(question, None, &[]),
                *want,
                "{question}"
            );
        }
    }
}

#[test]
fn matching_is_case_insensitive_and_on_whole_words() {
    assert_eq!(classify("WILL THE FED CUT?", None, &[]), Macro);
    assert_eq!(classify("will the fed cut?", None, &[]), Macro);
    assert_eq!(classify("Federal budget passes?", None, &[]), Unknown);
    assert_eq!(classify("Will Fedora sell?", None, &[]), Unknown);
    assert_eq!(classify("Will Seth Rogen host?", None, &[]), Unknown);
    assert_eq!(classify("Will the polls close early?", None, &[]), Election);
}

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|t| (*t).to_owned()).collect()
}

#[test]
fn labels_decide_only_when_the_question_matches_nothing() {
    let q = "Will the Las Vegas Raiders sign Kirk Cousins?";
    assert_eq!(classify(q, None, &[]), Unknown);
    assert_eq!(classify(q, Some("Sports"), &[]), Sports);
    assert_eq!(classify(q, None, &tags(&["NFL", "Free agency"])), Sports);
    for (label, want) in [
        ("Politics", Election),
        ("Elections", Election),
        ("Crypto", Crypto),
        ("Economy", Macro),
        ("Finance", Macro),
        ("fed-rates", Macro),
        ("Business", Corporate),
        ("Tech", Corporate),
        ("Weather", Weather),
        ("Climate", Weather),
        ("pop-culture", Unknown),
    ] {
        assert_eq!(
            classify("Who will it be?", Some(label), &[]),
            want,
            "{label}"
        );
        assert_eq!(
            classify("Who will it be?", None, &tags(&[label])),
            want,
            "{label}"
        );
    }
    // Text wins over labels.
    assert_eq!(
        classify(
            "Will Bitcoin hit $150k?",
            Some("Sports"),
            &tags(&["Politics"])
        ),
        Crypto
    );
    // Label-only words do not count in the question.
    assert_eq!(classify("Will politics matter?", None, &[]), Unknown);
    // Tags are summed: two sports tags beat one politics tag.
    let mixed = tags(&["pop-culture", "politics", "nfl", "super-bowl"]);
    assert_eq!(classify("Will X attend?", None, &mixed), Sports);
}

#[test]
fn markets_fall_back_to_their_event_title_then_labels() {
    let mut m = common::passing_market();
    m.question = "Will Genoa win?".to_owned();
    assert_eq!(classify_market(&m), Unknown);
    m.tags = vec!["Politics".to_owned()];
    assert_eq!(classify_market(&m), Election);
    m.event_title = Some("Serie A: Genoa vs. Cagliari".to_owned());
    assert_eq!(classify_market(&m), Sports);
    m.question = "Will Genoa's stadium flood?".to_owned();
    assert_eq!(classify_market(&m), Weather);
}
