use std::sync::Arc;
use std::time::{Duration, Instant};

use polybot_alerts::{
    AlertDispatcher, ChannelOptions, DiscordNotifier, Notifier, NotifyError, RetryPolicy,
    SecretString,
};

use crate::fake_http::{FakeHttp, JSON, Reply, discord_ok};
use crate::{WITHIN, sample};

const PATH: &str = "/api/webhooks/1234567890/discordWebhookTOKEN_abcdefghijklmnop";

fn notifier(base: &str) -> DiscordNotifier {
    let url = SecretString::from(format!("{base}{PATH}"));
    DiscordNotifier::new(url, Some("polybot".into()), Duration::from_secs(5)).unwrap()
}

#[tokio::test]
async fn delivers_an_embed_and_accepts_204() {
    let server = FakeHttp::start(discord_ok).await;
    notifier(&server.base)
        .send(&sample("Drawdown *heat* 2"))
        .await
        .unwrap();

    let req = &server.requests()[0];
    assert_eq!(req.path, PATH);
    let body = req.json();
    assert_eq!(body["username"], "polybot");
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
    let embed = &body["embeds"][0];
    assert!(
        embed["title"]
            .as_str()
            .unwrap()
            .contains(r"Drawdown \*heat\* 2"),
        "{embed}"
    );
    assert_eq!(embed["description"], "Drawdown is 12.5% from the peak.");
    assert_eq!(embed["fields"][0]["name"], "equity");
    assert_eq!(embed["fields"][0]["value"], "875.00");
    assert_eq!(embed["timestamp"], "2025-11-24T16:00:00.000Z");
    assert_eq!(embed["color"], 0xf1_c4_0f);
}

#[tokio::test]
async fn a_429_reports_its_retry_after() {
    let server = FakeHttp::start(|_: &_, _| {
        Reply::Send(
            429,
            JSON,
            r#"{"message":"You are being rate limited.","retry_after":0.05,"global":false}"#.into(),
        )
    })
    .await;
    let err = notifier(&server.base).send(&sample("x")).await.unwrap_err();
    assert!(matches!(err, NotifyError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_millis(50)));
}

#[tokio::test]
async fn the_dispatcher_honours_retry_after_then_succeeds() {
    let server = FakeHttp::start(|r: &_, n| {
        if n == 0 {
            Reply::Send(
                429,
                JSON,
                r#"{"message":"You are being rate limited.","retry_after":0.05,"global":false}"#
                    .into(),
            )
        } else {
            discord_ok(r, n)
        }
    })
    .await;
    // A backoff far beyond the bound below: only the service's retry_after can explain an
    // early second attempt.
    let retry = RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_secs(60),
        max_backoff: Duration::from_secs(60),
    };
    let d = AlertDispatcher::builder()
        .channel(
            "discord",
            Arc::new(notifier(&server.base)),
            ChannelOptions {
                retry,
                ..Default::default()
            },
        )
        .build()
        .unwrap();
    let start = Instant::now();
    d.dispatch(sample("rate limited once"));
    let got = server.wait_for(2, WITHIN).await;
    assert_eq!(got.len(), 2, "no retry within {WITHIN:?}");
    assert!(start.elapsed() < WITHIN);
    assert_eq!(got[0].body, got[1].body);
    d.shutdown(WITHIN).await;
    let s = d.channel_stats("discord").unwrap();
    assert_eq!((s.sent, s.failed, s.retries), (1, 0, 1), "{s:?}");
}
