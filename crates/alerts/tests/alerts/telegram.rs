use std::time::Duration;

use polybot_alerts::{
    AlertDispatcher, AlertsConfig, ConsoleNotifier, Notifier, NotifyError, SecretString,
    TelegramNotifier,
};

use crate::fake_http::{FakeHttp, JSON, Reply, telegram};
use crate::{WITHIN, sample};

const TOKEN: &str = "123456789:AAHfakeTOKENfortests_abcdefghijkl";

fn notifier(base: &str, token: &str) -> TelegramNotifier {
    TelegramNotifier::new(
        base,
        SecretString::from(token),
        "-1001234567890",
        Duration::from_secs(5),
    )
    .unwrap()
}

#[tokio::test]
async fn delivers_to_bot_path_as_html() {
    let server = FakeHttp::start(telegram(TOKEN)).await;
    let alert = sample("Drawdown <heat 2> & rising");
    notifier(&server.base, TOKEN).send(&alert).await.unwrap();

    let req = &server.requests()[0];
    assert_eq!(req.path, format!("/bot{TOKEN}/sendMessage"));
    assert!(req.content_type.starts_with("application/json"));
    let body = req.json();
    assert_eq!(body["chat_id"], serde_json::json!(-1_001_234_567_890_i64));
    assert_eq!(body["parse_mode"], "HTML");
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains("<b>Drawdown &lt;heat 2&gt; &amp; rising</b>"),
        "{text}"
    );
    assert!(text.contains("Drawdown is 12.5% from the peak."));
    assert!(text.contains("<b>equity</b>: 875.00"));
    assert!(text.contains("2025-11-24 16:00:00 UTC"), "{text}");
}

#[tokio::test]
async fn wrong_token_is_a_permanent_typed_error() {
    let server = FakeHttp::start(telegram(TOKEN)).await;
    let wrong = "999:wrongTOKENthatMustNotLeak";
    let err = notifier(&server.base, wrong)
        .send(&sample("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, NotifyError::Http { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("Unauthorized"), "{shown}");
    assert!(!shown.contains(wrong) && !shown.contains("/bot"), "{shown}");
}

#[tokio::test]
async fn ok_false_is_rejected_and_429_carries_retry_after() {
    let server = FakeHttp::start(|_: &_, n| match n {
        0 => Reply::Send(200, JSON, r#"{"ok":false,"description":"Bad Request: chat not found"}"#.into()),
        _ => Reply::Send(
            429,
            JSON,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#.into(),
        ),
    })
    .await;
    let n = notifier(&server.base, TOKEN);
    let err = n.send(&sample("a")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Rejected { .. }), "{err:?}");
    assert!(err.to_string().contains("chat not found"));
    let err = n.send(&sample("b")).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn from_config_delivers_through_the_dispatcher() {
    let server = FakeHttp::start(telegram(TOKEN)).await;
    let mut cfg = AlertsConfig::default();
    cfg.console.enabled = false;
    cfg.telegram.enabled = true;
    cfg.telegram.api_base = server.base.clone();
    cfg.telegram.chat_id = "@polybot_alerts".into();
    cfg.apply_secret_env(|k| {
        (k == polybot_alerts::ENV_TELEGRAM_BOT_TOKEN).then(|| TOKEN.to_owned())
    });
    let d = AlertDispatcher::from_config_with_console(
        &cfg,
        ConsoleNotifier::with_writer(std::io::sink()),
    )
    .unwrap();

    assert_eq!(d.dispatch(sample("from config")), 1);
    let got = server.wait_for(1, WITHIN).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["chat_id"], "@polybot_alerts");
    let report = d.shutdown(WITHIN).await;
    assert!(report.iter().all(|c| c.flushed));
    assert_eq!(d.channel_stats("telegram").unwrap().sent, 1);
}
