use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use polybot_alerts::{
    Alert, AlertDispatcher, AlertKind, BuildError, ChannelFilter, ChannelOptions, ConsoleNotifier,
    DiscordNotifier, SecretString, Severity, SlackNotifier, TelegramNotifier,
};

use crate::fake_http::{FakeHttp, Reply, TEXT, slack_ok, telegram};
use crate::{TS, WITHIN, quick_retry, sample};

fn slack(base: &str) -> Arc<SlackNotifier> {
    let url = SecretString::from(format!("{base}/services/T1/B1/slackSECRETtoken"));
    Arc::new(SlackNotifier::new(url, Duration::from_secs(30)).unwrap())
}

fn options(f: impl FnOnce(&mut ChannelOptions)) -> ChannelOptions {
    let mut o = ChannelOptions {
        retry: quick_retry(0),
        ..Default::default()
    };
    f(&mut o);
    o
}

/// Polls until `done` holds or `WITHIN` passes.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + WITHIN;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done()
}

#[tokio::test]
async fn a_hanging_channel_blocks_neither_dispatch_nor_the_others() {
    let hanging = FakeHttp::start(|_: &_, _| Reply::Hang).await;
    let good = FakeHttp::start(slack_ok).await;
    let tg = TelegramNotifier::new(
        &hanging.base,
        SecretString::from("1:hangTOKENxyz"),
        "1",
        Duration::from_secs(60),
    )
    .unwrap();
    let d = AlertDispatcher::builder()
        .channel(
            "telegram",
            Arc::new(tg),
            options(|o| o.send_timeout = Duration::from_secs(60)),
        )
        .channel("slack", slack(&good.base), options(|_| {}))
        .build()
        .unwrap();

    let start = Instant::now();
    for i in 0..3 {
        assert_eq!(d.dispatch(sample(&format!("alert {i}"))), 2);
    }
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "dispatch waited: {:?}",
        start.elapsed()
    );
    assert_eq!(
        good.wait_for(3, WITHIN).await.len(),
        3,
        "the healthy channel was held up"
    );
    assert_eq!(hanging.wait_for(1, WITHIN).await.len(), 1);

    let start = Instant::now();
    let report = d.shutdown(Duration::from_millis(300)).await;
    assert!(start.elapsed() < WITHIN);
    let tg = report.iter().find(|c| c.name == "telegram").unwrap();
    assert!(!tg.flushed);
    assert_eq!(tg.abandoned, 3);
    assert!(report.iter().find(|c| c.name == "slack").unwrap().flushed);
    let s = d.channel_stats("telegram").unwrap();
    assert_eq!((s.sent, s.dropped, s.pending), (0, 3, 0), "{s:?}");
    assert_eq!(d.channel_stats("slack").unwrap().sent, 3);
}

#[tokio::test]
async fn a_failing_channel_retries_then_counts_a_failure_without_delaying_others() {
    let failing = FakeHttp::start(|_: &_, _| Reply::Send(500, TEXT, "upstream down".into())).await;
    let good = FakeHttp::start(slack_ok).await;
    let url = SecretString::from(format!(
        "{}/api/webhooks/42/discordSECRETtoken0123456789",
        failing.base
    ));
    let discord = DiscordNotifier::new(url, None, Duration::from_secs(5)).unwrap();
    let d = AlertDispatcher::builder()
        .channel(
            "discord",
            Arc::new(discord),
            options(|o| o.retry = quick_retry(2)),
        )
        .channel("slack", slack(&good.base), options(|_| {}))
        .build()
        .unwrap();

    d.dispatch(sample("server error"));
    assert_eq!(good.wait_for(1, WITHIN).await.len(), 1);
    assert!(eventually(|| d.channel_stats("discord").unwrap().failed == 1).await);
    let s = d.channel_stats("discord").unwrap();
    assert_eq!((s.sent, s.retries, s.pending), (0, 2, 0), "{s:?}");
    assert_eq!(failing.requests().len(), 3);
    let last = s.last_error.unwrap();
    assert!(
        last.contains("HTTP 500") && last.contains("upstream down"),
        "{last}"
    );
    assert!(
        !last.contains("discordSECRETtoken") && !last.contains("/api/webhooks"),
        "{last}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_queue_drops_and_counts() {
    let hanging = FakeHttp::start(|_: &_, _| Reply::Hang).await;
    let d = AlertDispatcher::builder()
        .channel(
            "slack",
            slack(&hanging.base),
            options(|o| o.queue_capacity = 2),
        )
        .build()
        .unwrap();
    // No await between the calls: the channel task cannot take anything off the queue.
    let queued: Vec<usize> = (0..10)
        .map(|i| d.dispatch(sample(&format!("burst {i}"))))
        .collect();
    assert_eq!(queued, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    let s = d.channel_stats("slack").unwrap();
    assert_eq!((s.dropped, s.pending, s.sent), (8, 2, 0), "{s:?}");
}

#[tokio::test]
async fn repeated_titles_collapse_within_the_window() {
    let server = FakeHttp::start(slack_ok).await;
    let d = AlertDispatcher::builder()
        .channel(
            "slack",
            slack(&server.base),
            options(|o| {
                o.dedup_window = Duration::from_millis(300);
                o.max_per_minute = 0;
            }),
        )
        .build()
        .unwrap();
    let queued: usize = (0..4).map(|_| d.dispatch(sample("same title"))).sum();
    assert_eq!(queued, 1);
    assert_eq!(d.dispatch(sample("another title")), 1);
    assert_eq!(d.channel_stats("slack").unwrap().suppressed, 3);

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(d.dispatch(sample("same title")), 1);
    let got = server.wait_for(3, WITHIN).await;
    assert_eq!(got.len(), 3);
    let last = got
        .iter()
        .find(|r| r.body.contains("repeats suppressed"))
        .expect("count attached");
    assert!(
        last.body.contains(r"*repeats suppressed*\n3"),
        "{}",
        last.body
    );
}

#[tokio::test]
async fn rate_limit_holds_back_all_but_critical() {
    let server = FakeHttp::start(slack_ok).await;
    let d = AlertDispatcher::builder()
        .channel(
            "slack",
            slack(&server.base),
            options(|o| {
                o.dedup_window = Duration::ZERO;
                o.max_per_minute = 2;
            }),
        )
        .build()
        .unwrap();
    let queued: usize = (0..4).map(|i| d.dispatch(sample(&format!("n{i}")))).sum();
    assert_eq!(queued, 2);
    let kill = Alert::new(AlertKind::Kill, "Trading halted", TS);
    assert_eq!(d.dispatch(kill), 1);
    assert_eq!(server.wait_for(3, WITHIN).await.len(), 3);
    assert_eq!(d.channel_stats("slack").unwrap().rate_limited, 2);
}

#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn filters_by_severity_and_kind() {
    let buf = SharedBuf::default();
    let filter = ChannelFilter {
        min_severity: Severity::Warning,
        by_kind: BTreeMap::from([(AlertKind::DailySummary, Severity::Info)]),
        exclude: BTreeSet::from([AlertKind::Trade]),
    };
    let d = AlertDispatcher::builder()
        .channel(
            "console",
            Arc::new(ConsoleNotifier::with_writer(buf.clone())),
            options(|o| o.filter = filter),
        )
        .build()
        .unwrap();
    let sent = [
        d.dispatch(Alert::new(AlertKind::Info, "started", TS)),
        d.dispatch(sample("drawdown")),
        d.dispatch(Alert::new(
            AlertKind::DailySummary,
            "Daily summary 2025-11-24",
            TS,
        )),
        d.dispatch(Alert::new(AlertKind::Trade, "BUY", TS).with_severity(Severity::Critical)),
    ];
    assert_eq!(sent, [0, 1, 1, 0]);
    d.shutdown(WITHIN).await;
    let out = buf.text();
    assert!(
        out.contains("[WARNING] Drawdown warning: drawdown"),
        "{out}"
    );
    assert!(
        out.contains("[INFO] Daily summary: Daily summary 2025-11-24"),
        "{out}"
    );
    assert!(!out.contains("started") && !out.contains("BUY"), "{out}");
}

#[tokio::test]
async fn shutdown_flushes_queues_then_refuses_new_alerts() {
    let server =
        FakeHttp::start(|_: &_, _| Reply::After(Duration::from_millis(50), 200, TEXT, "ok".into()))
            .await;
    let tg_server = FakeHttp::start(telegram("7:flushTOKEN")).await;
    let tg = TelegramNotifier::new(
        &tg_server.base,
        SecretString::from("7:flushTOKEN"),
        "7",
        Duration::from_secs(5),
    )
    .unwrap();
    let d = AlertDispatcher::builder()
        .channel("slack", slack(&server.base), options(|_| {}))
        .channel("telegram", Arc::new(tg), options(|_| {}))
        .build()
        .unwrap();
    for i in 0..5 {
        d.dispatch(sample(&format!("flush {i}")));
    }
    let report = d.shutdown(WITHIN).await;
    assert!(
        report.iter().all(|c| c.flushed && c.abandoned == 0),
        "{report:?}"
    );
    assert_eq!(server.requests().len(), 5);
    assert_eq!(tg_server.requests().len(), 5);
    assert_eq!(d.dispatch(sample("too late")), 0);
    let s = d.channel_stats("slack").unwrap();
    assert_eq!((s.sent, s.dropped, s.pending), (5, 1, 0), "{s:?}");
    assert!(d.shutdown(WITHIN).await.iter().all(|c| c.flushed));
}

#[test]
fn building_needs_a_runtime_and_disabled_needs_nothing() {
    let sink = Arc::new(ConsoleNotifier::with_writer(std::io::sink()));
    let err = AlertDispatcher::builder()
        .channel("console", sink, ChannelOptions::default())
        .build();
    assert!(matches!(err, Err(BuildError::NoRuntime)));
    let d = AlertDispatcher::disabled();
    assert_eq!(d.dispatch(sample("nobody listens")), 0);
    assert!(d.stats().is_empty());
}
