//! HTTP fault injection, start-up validation, and robustness against bad seed folders.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use polybot_fakex::{FakexConfig, FakexError, Faults};
use polymarket_client_sdk_v2::clob::{Client, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A raw GET: `(status, headers + body)`.
async fn get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response.to_ascii_lowercase())
}

#[tokio::test]
async fn every_request_fails_at_full_error_rate() {
    let faults = Faults {
        http_error_rate: 1.0,
        ..Faults::default()
    };
    let fx = common::start(FakexConfig {
        faults,
        ..common::manual()
    })
    .await;
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..60 {
        let (status, text) = get(&format!("{}/time", fx.clob_url())).await;
        assert!([425, 429, 500, 502, 503].contains(&status), "{status}");
        if status == 429 {
            assert!(text.contains("retry-after: 1"));
            assert!(text.contains("\"retry_after\":1"));
        }
        seen.insert(status);
    }
    assert_eq!(seen.len(), 5, "all five transient errors occur: {seen:?}");
    for url in [fx.gamma_url(), fx.data_url()] {
        assert_ne!(get(&format!("{url}/")).await.0, 200);
    }
    assert!(fx.exchange().stats().http_requests >= 62);
    fx.shutdown().await;
}

#[tokio::test]
async fn partial_error_rate_and_latency() {
    let faults = Faults {
        http_error_rate: 0.5,
        latency_ms: 120,
        ..Faults::default()
    };
    let fx = common::start(FakexConfig {
        faults,
        ..common::manual()
    })
    .await;
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let started = Instant::now();
    let results: Vec<bool> = futures::future::join_all((0..40).map(|_| client.ok()))
        .await
        .into_iter()
        .map(|r| r.is_ok())
        .collect();
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "latency is added"
    );
    let ok = results.iter().filter(|r| **r).count();
    assert!((5..=35).contains(&ok), "about half succeed: {ok}/40");
    fx.shutdown().await;
}

#[tokio::test]
async fn start_refuses_unsafe_or_invalid_configs() {
    let public = FakexConfig {
        host: "0.0.0.0".parse().unwrap(),
        ..common::manual()
    };
    assert!(matches!(
        polybot_fakex::start(public).await,
        Err(FakexError::NotLoopback(_))
    ));
    let ports = FakexConfig {
        base_port: 65_534,
        ..common::manual()
    };
    assert!(matches!(
        polybot_fakex::start(ports).await,
        Err(FakexError::PortRange(65_534))
    ));
    let rate = FakexConfig {
        faults: Faults {
            http_error_rate: 1.5,
            ..Faults::default()
        },
        ..common::manual()
    };
    assert!(matches!(
        polybot_fakex::start(rate).await,
        Err(FakexError::Config(_))
    ));
    let fx = common::start_generated(5).await;
    let port: u16 = fx.clob_url().rsplit(':').next().unwrap().parse().unwrap();
    let taken = FakexConfig {
        base_port: port,
        ..common::manual()
    };
    assert!(matches!(
        polybot_fakex::start(taken).await,
        Err(FakexError::Bind { .. })
    ));
    fx.shutdown().await;
}

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("fakex-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(dir.join("capture/nested")).unwrap();
    dir
}

/// A capture folder with one valid Gamma market among broken, unknown and placeholder files.
fn write_bad_seed(dir: &std::path::Path) {
    let cid = format!("0x{}", "ab".repeat(32));
    let good = serde_json::json!([{
        "id": 7, "question": "Will the fake work?", "conditionId": cid, "slug": "will-the-fake-work",
        "clobTokenIds": ["111", "222"], "outcomePrices": "[\"0.6\", \"0.4\"]", "active": true,
        "closed": false, "acceptingOrders": true, "orderPriceMinTickSize": 0.01,
        "endDate": "2026-03-01T00:00:00Z", "updatedAt": "2026-02-01T00:00:00Z"
    }]);
    let files: [(&str, String); 6] = [
        ("capture/broken.json", "{\"data\": [".to_owned()),
        ("capture/unknown.json", "{\"hello\": \"world\"}".to_owned()),
        (
            "capture/nested/placeholder_ids.json",
            r#"[{"conditionId": "0xabc", "clobTokenIds": "[\"1\"]"}]"#.to_owned(),
        ),
        ("capture/nested/number.json", "42".to_owned()),
        ("capture/notes.md", "# not data".to_owned()),
        ("capture/good.json", good.to_string()),
    ];
    for (path, text) in &files {
        std::fs::write(dir.join(path), text).unwrap();
    }
}

#[tokio::test]
async fn bad_seed_files_are_skipped_never_fatal() {
    let dir = temp_dir("bad-seed");
    write_bad_seed(&dir);
    let fx = common::start(FakexConfig {
        seed_dir: Some(dir.clone()),
        ..common::manual()
    })
    .await;
    let ex = fx.exchange();
    assert_eq!(ex.token_ids().len(), 2, "the one valid market is served");
    let report = ex.seed_report();
    let folder = report.folder("capture").unwrap();
    assert_eq!((folder.files_loaded, folder.files_skipped), (1, 4));
    let gamma = polymarket_client_sdk_v2::gamma::Client::new(&fx.gamma_url()).unwrap();
    let markets = gamma.markets(&Default::default()).await.unwrap();
    assert_eq!(markets[0].id, "7");
    let end = chrono::Utc::now() + chrono::Duration::days(28);
    let served_end = markets[0].end_date.unwrap();
    assert!(
        (served_end - end).num_seconds().abs() < 60,
        "a month after capture → a month from now"
    );
    fx.shutdown().await;

    let empty = temp_dir("empty-seed");
    let config = FakexConfig {
        seed_dir: Some(empty.clone()),
        generated_markets: 10,
        ..common::manual()
    };
    let fx = common::start(config).await;
    assert_eq!(
        fx.exchange().token_ids().len(),
        20,
        "no markets recorded → generated ones"
    );
    fx.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(empty);
}
