//! Fetching against a local fake web (served as a `fetch_mirror`): blocked domains are never
//! requested, not even through redirects; size, time and content-type limits; HTML to text;
//! the TTL page cache on memory and disk. Search lives in `research_search.rs`.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::web::{
    Page, SEARCH_KEY, SearchBehaviour, WebFake, assert_no_key, clocked_cache, query, search_cfg,
    spawn_search, spawn_web,
};
use polybot_forecast::research::cache::{self, ResearchCache};
use polybot_forecast::research::config::{ResearchConfig, SearchKind};
use polybot_forecast::research::fetch::SourceFetcher;
use polybot_forecast::research::search::SearchChain;
use polybot_forecast::research::{Phase, ResearchError, SearchHit};

fn hit(url: &str) -> SearchHit {
    SearchHit {
        url: url.to_owned(),
        title: "From search".into(),
        snippet: String::new(),
        published: None,
        provider: "tavily".into(),
        phase: Phase::News,
    }
}

fn research_cfg(mirror: &str) -> ResearchConfig {
    ResearchConfig {
        fetch_mirror: mirror.to_owned(),
        fetch_timeout_ms: 1_500,
        max_bytes_per_source: 200_000,
        ..ResearchConfig::default()
    }
}

const BLOCKED_HITS: [&str; 5] = [
    "https://en.wikipedia.org/wiki/Consumer_price_index",
    "https://www.reddit.com/r/economics/comments/cpi",
    "https://x.com/someone/status/1",
    "https://medium.com/@econ/cpi-preview",
    "https://www.quora.com/Will-CPI-rise",
];

/// A web where every blocked page exists too, so a request for one would be served (and
/// logged) rather than fail for another reason; two bls.gov pages redirect to reddit, one
/// directly and one through an absolute link into the mirror.
async fn blocked_world() -> WebFake {
    let mut pages: Vec<(String, Page)> = BLOCKED_HITS
        .iter()
        .chain(&[
            "https://www.reddit.com/r/economics/wiki",
            "https://old.reddit.com/r/x",
        ])
        .map(|u| {
            (
                format!("/{}", u.split_once("://").unwrap().1),
                Page::Html("ugc".into()),
            )
        })
        .collect();
    pages.push((
        "/www.bls.gov/cpi/latest.htm".into(),
        Page::Html("<p>CPI rose 0.4%</p>".into()),
    ));
    pages.push((
        "/www.bls.gov/cpi/moved.htm".into(),
        Page::Redirect("https://www.reddit.com/r/economics/wiki".into()),
    ));
    let web = spawn_web(pages.iter().map(|(p, b)| (p.as_str(), b.clone())).collect()).await;
    let into_mirror = format!("{}/old.reddit.com/r/x", web.base_url);
    web.add("/www.bls.gov/cpi/mirror.htm", Page::Redirect(into_mirror));
    web
}

#[tokio::test]
async fn blocked_domains_are_never_fetched_even_through_redirects() {
    let web = blocked_world().await;
    let mut urls: Vec<&str> = BLOCKED_HITS.to_vec();
    urls.extend([
        "https://www.bls.gov/cpi/latest.htm",
        "https://www.bls.gov/cpi/moved.htm",
        "https://www.bls.gov/cpi/mirror.htm",
        "https://www.bls.gov/cpi/latest.htm",
    ]);
    let search = spawn_search(SearchKind::Tavily, SearchBehaviour::hits(&urls)).await;
    let mut cfg = research_cfg(&web.base_url);
    cfg.max_results_per_query = 20;
    cfg.search = vec![search_cfg(SearchKind::Tavily, &search, 2_000)];
    let found = SearchChain::from_config(&cfg, None)
        .run(&[query("CPI")])
        .await
        .unwrap();
    assert_eq!(found.blocked, BLOCKED_HITS);
    assert_eq!(found.hits.len(), 3, "allowed and deduplicated");

    let fetcher = SourceFetcher::new(&cfg).unwrap();
    let mut all_hits = found.hits.clone();
    all_hits.extend(BLOCKED_HITS.iter().map(|u| hit(u)));
    let fetched = fetcher.fetch_all(&all_hits).await;
    assert_eq!(fetched.sources.len(), 1);
    assert_eq!(fetched.sources[0].url, "https://www.bls.gov/cpi/latest.htm");
    assert_eq!(fetched.sources[0].domain, "bls.gov");
    assert_eq!(fetched.failures.len(), 2, "{:?}", fetched.failures);
    assert!(fetched.failures[0].contains("redirect refused"));
    assert!(
        fetched
            .blocked
            .contains(&"https://www.reddit.com/r/economics/wiki".to_owned())
    );
    assert!(
        fetched
            .blocked
            .contains(&"https://old.reddit.com/r/x".to_owned())
    );
    for u in BLOCKED_HITS {
        assert!(fetched.blocked.contains(&u.to_owned()), "{u}");
    }

    let requested = web.paths();
    assert_eq!(requested.len(), 3, "{requested:?}");
    for path in &requested {
        assert!(path.starts_with("/www.bls.gov/"), "{path} was requested");
        for host in ["wikipedia", "reddit", "x.com", "medium", "quora"] {
            assert!(!path.contains(host), "{path}");
        }
    }
}

#[tokio::test]
async fn redirects_are_followed_to_a_limit_and_never_to_other_schemes() {
    let pages = vec![
        ("/www.bls.gov/a", Page::Redirect("/cpi/b?x=1".into())),
        (
            "/www.bls.gov/cpi/b?x=1",
            Page::Html("<title>B</title><p>arrived</p>".into()),
        ),
        (
            "/www.bls.gov/ftp",
            Page::Redirect("ftp://www.bls.gov/f".into()),
        ),
    ];
    let web = spawn_web(pages).await;
    // l0 → l1 → ... → l5 → l6: the sixth redirect is one too many.
    for i in 0..6 {
        let next = format!("https://www.bls.gov/l{}", i + 1);
        web.add(&format!("/www.bls.gov/l{i}"), Page::Redirect(next));
    }
    let fetcher = SourceFetcher::new(&research_cfg(&web.base_url)).unwrap();
    let source = fetcher.fetch(&hit("https://www.bls.gov/a")).await.unwrap();
    assert_eq!(
        (source.title.as_str(), source.text.as_str()),
        ("B", "arrived")
    );
    assert_eq!(source.url, "https://www.bls.gov/a", "the URL as found");
    let e = fetcher
        .fetch(&hit("https://www.bls.gov/ftp"))
        .await
        .unwrap_err();
    assert!(matches!(e, ResearchError::BadUrl { .. }), "{e}");
    let e = fetcher
        .fetch(&hit("https://www.bls.gov/l0"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("more than 5 redirects"), "{e}");
    assert_eq!(web.count("/www.bls.gov/l6"), 0);
    assert!(
        web.user_agents()
            .iter()
            .all(|ua| ua.starts_with("polybot-research/"))
    );
}

#[tokio::test]
async fn oversized_bodies_are_abandoned_announced_or_streamed() {
    let web = spawn_web(vec![
        ("/www.bls.gov/announced", Page::Announced(300_000)),
        ("/www.bls.gov/endless", Page::Endless(512 * 1024 * 1024)),
    ])
    .await;
    let fetcher = SourceFetcher::new(&research_cfg(&web.base_url)).unwrap();
    for path in ["announced", "endless"] {
        let started = Instant::now();
        let url = format!("https://www.bls.gov/{path}");
        let e = fetcher.fetch(&hit(&url)).await.unwrap_err();
        assert!(
            matches!(
                e,
                ResearchError::TooLarge {
                    max_bytes: 200_000,
                    ..
                }
            ),
            "{path}: {e}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{path}");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let streamed = web.streamed.load(Ordering::SeqCst);
    assert!(
        streamed < 32 * 1024 * 1024,
        "the stream was read far past the limit: {streamed} bytes"
    );
}

#[tokio::test]
async fn slow_headers_and_stalled_bodies_time_out() {
    let web = spawn_web(vec![
        (
            "/www.bls.gov/slow",
            Page::SlowHeaders(Duration::from_secs(10)),
        ),
        (
            "/www.bls.gov/stalled",
            Page::StalledBody(Duration::from_secs(10)),
        ),
    ])
    .await;
    let mut cfg = research_cfg(&web.base_url);
    cfg.fetch_timeout_ms = 300;
    let fetcher = SourceFetcher::new(&cfg).unwrap();
    for path in ["slow", "stalled"] {
        let started = Instant::now();
        let e = fetcher
            .fetch(&hit(&format!("https://www.bls.gov/{path}?q=1")))
            .await
            .unwrap_err();
        assert_eq!(
            e,
            ResearchError::FetchTimeout {
                url: format!("https://www.bls.gov/{path}"),
                timeout_ms: 300
            }
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{path}");
    }
}

#[tokio::test]
async fn only_text_content_types_are_read() {
    let web = spawn_web(vec![
        (
            "/www.bls.gov/r.pdf",
            Page::Typed(Some("application/pdf"), "%PDF-1.7".into()),
        ),
        ("/www.bls.gov/none", Page::Typed(None, "raw".into())),
        (
            "/www.bls.gov/t.txt",
            Page::Typed(
                Some("text/plain; charset=utf-8"),
                " CPI\n\n  3.2% \n".into(),
            ),
        ),
        (
            "/www.bls.gov/d.json",
            Page::Typed(Some("application/json"), "{\"cpi\": 3.2}".into()),
        ),
    ])
    .await;
    let fetcher = SourceFetcher::new(&research_cfg(&web.base_url)).unwrap();
    let e = fetcher
        .fetch(&hit("https://www.bls.gov/r.pdf"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ResearchError::Fetch { reason, .. } if reason.contains("application/pdf")),
        "{e}"
    );
    let e = fetcher
        .fetch(&hit("https://www.bls.gov/none"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Content-Type"), "{e}");
    let text = fetcher
        .fetch(&hit("https://www.bls.gov/t.txt"))
        .await
        .unwrap();
    assert_eq!(
        (text.text.as_str(), text.title.as_str()),
        ("CPI\n3.2%", "From search")
    );
    let json = fetcher
        .fetch(&hit("https://www.bls.gov/d.json"))
        .await
        .unwrap();
    assert_eq!(json.text, "{\"cpi\": 3.2}");
    let e = fetcher
        .fetch(&hit("https://www.bls.gov/gone"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("HTTP 404"), "{e}");
}

const RELEASE: &str = r#"<!DOCTYPE html>
<html lang="en"><head>
  <meta charset="utf-8">
  <title>Consumer Price Index &ndash; March 2024</title>
  <meta property="article:published_time" content="2024-04-10T08:30:00-04:00">
  <style>body { font: 12px serif } .x::after { content: "<p>no</p>" }</style>
  <script>window.dataLayer = []; if (1 < 2) { track("</p>"); }</script>
</head>
<body>
  <nav><a href="/">Home</a> &raquo; <a href="/cpi">CPI</a></nav>
  <h1>Consumer Price Index &mdash; March&nbsp;2024</h1>
  <p>The all items index rose 3.5&#37; for the 12 months ending March, up from 3.2&#x25;.</p>
  <noscript><img src="pixel.gif"> Enable JavaScript</noscript>
  <table><tr><th>Index</th><th>Change</th></tr><tr><td>Food</td><td>2.2</td></tr></table>
  <p>AT&amp;T &lt;not a tag&gt; &copy; BLS</p>
  <script type="application/ld+json">{"@type": "NewsArticle"}</script>
</body></html>"#;

#[tokio::test]
async fn html_becomes_text_with_title_and_published_date() {
    let web = spawn_web(vec![
        (
            "/www.bls.gov/news.release/cpi.nr0.htm",
            Page::Html(RELEASE.into()),
        ),
        (
            "/www.bls.gov/plain.htm",
            Page::Html("<p>ééé long text</p>".into()),
        ),
    ])
    .await;
    let mut cfg = research_cfg(&web.base_url);
    cfg.max_chars_per_source = 5;
    let fetcher = SourceFetcher::new(&research_cfg(&web.base_url)).unwrap();
    let source = fetcher
        .fetch(&hit("https://www.bls.gov/news.release/cpi.nr0.htm"))
        .await
        .unwrap();
    assert_eq!(source.title, "Consumer Price Index – March 2024");
    assert_eq!(
        source.published.as_deref(),
        Some("2024-04-10T08:30:00-04:00")
    );
    assert_eq!(
        source.text,
        "Home » CPI\nConsumer Price Index — March 2024\n\
         The all items index rose 3.5% for the 12 months ending March, up from 3.2%.\n\
         Index Change\nFood 2.2\nAT&T <not a tag> © BLS"
    );
    assert_eq!((source.phase, source.from_cache), (Phase::News, false));
    assert_eq!(source.bytes, RELEASE.len());

    let short = SourceFetcher::new(&cfg).unwrap();
    let mut dated = hit("https://www.bls.gov/plain.htm");
    dated.published = Some("2024-01-02".into());
    let source = short.fetch(&dated).await.unwrap();
    assert_eq!(source.text, "ééé l", "cut to 5 characters, not bytes");
    assert_eq!(
        source.published.as_deref(),
        Some("2024-01-02"),
        "the hit's date when the page has none"
    );
    assert_eq!(source.title, "From search");
}

#[tokio::test]
async fn pages_are_reused_within_their_ttl_and_refetched_after() {
    let path = "/www.bls.gov/cpi/latest.htm";
    let web = spawn_web(vec![(path, Page::Html("<title>T</title><p>v1</p>".into()))]).await;
    let (cache, now) = clocked_cache();
    let cfg = research_cfg(&web.base_url);
    let fetcher = SourceFetcher::new(&cfg)
        .unwrap()
        .with_cache(Arc::clone(&cache));
    let h = hit("https://www.bls.gov/cpi/latest.htm");
    let first = fetcher.fetch(&h).await.unwrap();
    assert!(!first.from_cache);
    now.fetch_add(60_000, Ordering::SeqCst);
    let mut other_phase = h.clone();
    other_phase.phase = Phase::Broad;
    let second = fetcher.fetch(&other_phase).await.unwrap();
    assert_eq!(web.count(path), 1, "served from the cache");
    assert!(second.from_cache);
    assert_eq!(
        second.fetched_ms, first.fetched_ms,
        "keeps its download time"
    );
    assert_eq!(second.phase, Phase::Broad);
    assert_eq!(second.text, first.text);
    now.fetch_add(cfg.page_ttl_secs as i64 * 1_000, Ordering::SeqCst);
    let third = fetcher.fetch(&h).await.unwrap();
    assert_eq!(web.count(path), 2, "expired: fetched again");
    assert!(!third.from_cache);
    assert!(third.fetched_ms > first.fetched_ms);
}

#[tokio::test]
async fn a_corrupt_cache_file_is_a_miss_and_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = "/www.bls.gov/cpi/latest.htm";
    let web = spawn_web(vec![(path, Page::Html("<p>fresh</p>".into()))]).await;
    let url = "https://www.bls.gov/cpi/latest.htm";
    let cache = Arc::new(ResearchCache::on_disk(dir.path()).unwrap());
    let file = cache.path_of(&cache::page_key(url)).unwrap();
    std::fs::write(
        &file,
        b"{\"key\": \"page\\nhttps://www.bls.gov/cpi/latest.htm\", \"stored_ms\": ",
    )
    .unwrap();
    let fetcher = SourceFetcher::new(&research_cfg(&web.base_url))
        .unwrap()
        .with_cache(Arc::clone(&cache));
    let source = fetcher.fetch(&hit(url)).await.unwrap();
    assert_eq!((source.text.as_str(), source.from_cache), ("fresh", false));
    assert_eq!(web.count(path), 1);
    // Rewritten whole: a new process reads it back.
    let reopened = Arc::new(ResearchCache::on_disk(dir.path()).unwrap());
    let again = SourceFetcher::new(&research_cfg(&web.base_url))
        .unwrap()
        .with_cache(reopened);
    assert!(again.fetch(&hit(url)).await.unwrap().from_cache);
    assert_eq!(web.count(path), 1);
}

#[tokio::test]
async fn fetch_errors_never_carry_a_query_string() {
    let web = spawn_web(vec![(
        "/www.bls.gov/slow",
        Page::SlowHeaders(Duration::from_secs(5)),
    )])
    .await;
    let mut cfg = research_cfg(&web.base_url);
    cfg.fetch_timeout_ms = 200;
    let fetcher = SourceFetcher::new(&cfg).unwrap();
    let secret_url = format!("https://www.bls.gov/slow?token={SEARCH_KEY}");
    let e = fetcher.fetch(&hit(&secret_url)).await.unwrap_err();
    assert_no_key(&e);
    let dead = SourceFetcher::new(&research_cfg("http://127.0.0.1:9")).unwrap();
    let e = dead.fetch(&hit(&secret_url)).await.unwrap_err();
    assert!(matches!(e, ResearchError::Fetch { .. }), "{e}");
    assert_no_key(&e);
    let outcome = dead.fetch_all(&[hit(&secret_url)]).await;
    assert!(
        !outcome.failures[0].contains(SEARCH_KEY),
        "{:?}",
        outcome.failures
    );
}
