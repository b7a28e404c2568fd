use std::time::Duration;

use polybot_alerts::{Notifier, NotifyError, SecretString, SlackNotifier};

use crate::fake_http::{FakeHttp, Reply, TEXT, slack_ok};
use crate::sample;

const PATH: &str = "/services/T000/B000/slackWebhookSECRETxyz123";

fn notifier(base: &str) -> SlackNotifier {
    SlackNotifier::new(
        SecretString::from(format!("{base}{PATH}")),
        Duration::from_secs(5),
    )
    .unwrap()
}

#[tokio::test]
async fn delivers_text_and_blocks_and_accepts_ok() {
    let server = FakeHttp::start(slack_ok).await;
    notifier(&server.base)
        .send(&sample("Drawdown <!channel> & co"))
        .await
        .unwrap();

    let req = &server.requests()[0];
    assert_eq!(req.path, PATH);
    let body = req.json();
    assert_eq!(
        body["text"],
        "WARNING Drawdown warning: Drawdown &lt;!channel&gt; &amp; co"
    );
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["text"], "Drawdown <!channel> & co");
    assert_eq!(
        blocks[1]["text"]["text"],
        "Drawdown is 12.5% from the peak."
    );
    assert_eq!(blocks[2]["fields"][0]["text"], "*equity*\n875.00");
    assert_eq!(blocks.last().unwrap()["type"], "context");
}

#[tokio::test]
async fn a_body_other_than_ok_is_a_rejection() {
    let server = FakeHttp::start(|_: &_, _| Reply::Send(200, TEXT, "invalid_blocks".into())).await;
    let err = notifier(&server.base).send(&sample("x")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Rejected { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("invalid_blocks"));
}

#[tokio::test]
async fn errors_are_typed_by_status() {
    let server = FakeHttp::start(|_: &_, n| match n {
        0 => Reply::Send(404, TEXT, "no_service".into()),
        _ => Reply::Send(500, TEXT, "internal_error".into()),
    })
    .await;
    let n = notifier(&server.base);
    let not_found = n.send(&sample("a")).await.unwrap_err();
    assert!(
        matches!(not_found, NotifyError::Http { status: 404, .. }) && !not_found.is_retryable()
    );
    let server_error = n.send(&sample("b")).await.unwrap_err();
    assert!(
        matches!(server_error, NotifyError::Http { status: 500, .. })
            && server_error.is_retryable()
    );
}
