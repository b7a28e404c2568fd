//! Secrets never show in `Debug`, serialization, validation errors, send errors or stats.

use std::sync::Arc;
use std::time::Duration;

use polybot_alerts::{
    AlertDispatcher, AlertsConfig, BuildError, ChannelOptions, DiscordNotifier, EmailNotifier,
    EmailSettings, Notifier, SecretString, SlackNotifier, SmtpTls, TelegramNotifier, redact_url,
};

use crate::fake_http::{FakeHttp, JSON, Reply, closed_port};
use crate::{WITHIN, quick_retry, sample};

const TG_TOKEN: &str = "5555555:TelegramSECRETtokenValue_abcdef";
const DISCORD_TOKEN: &str = "DiscordSECRETtokenValue0123456789";
const SLACK_TOKEN: &str = "SlackSECRETtokenValue0123456789";
const SMTP_PASSWORD: &str = "SmtpSECRETpasswordValue";

fn assert_clean(text: &str) {
    for secret in [
        TG_TOKEN,
        "TelegramSECRET",
        DISCORD_TOKEN,
        SLACK_TOKEN,
        SMTP_PASSWORD,
    ] {
        assert!(
            !text.contains(secret),
            "secret {secret:?} leaked in: {text}"
        );
    }
}

fn full_config(discord_base: &str) -> AlertsConfig {
    let mut cfg = AlertsConfig::default();
    cfg.apply_secret_env(|k| match k {
        "POLYBOT_TELEGRAM_BOT_TOKEN" => Some(TG_TOKEN.into()),
        "POLYBOT_DISCORD_WEBHOOK_URL" => {
            Some(format!("{discord_base}/api/webhooks/1/{DISCORD_TOKEN}"))
        }
        "POLYBOT_SLACK_WEBHOOK_URL" => Some(format!(
            "https://hooks.slack.com/services/T/B/{SLACK_TOKEN}"
        )),
        "POLYBOT_SMTP_PASSWORD" => Some(SMTP_PASSWORD.into()),
        _ => None,
    });
    cfg
}

#[test]
fn config_debug_and_serialization_hide_secrets() {
    let cfg = full_config("https://discord.com");
    assert!(cfg.telegram.bot_token.is_some() && cfg.email.password.is_some());
    assert_clean(&format!("{cfg:?} {cfg:#?}"));
    assert_clean(&toml::to_string(&cfg).unwrap());
    assert_clean(&serde_json::to_string(&cfg).unwrap());
}

#[test]
fn validation_errors_show_only_scheme_and_host() {
    let mut cfg = full_config("https://discord.com");
    cfg.slack.webhook_url = Some(SecretString::from(format!(
        "ftp://hooks.slack.com/services/{SLACK_TOKEN}"
    )));
    cfg.telegram.bot_token = Some(SecretString::from(format!("{TG_TOKEN} /")));
    let errors = cfg.validate().unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_clean(&shown.join("\n"));
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("slack.webhook_url = ftp://hooks.slack.com:")),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("telegram.bot_token = [redacted]")),
        "{shown:?}"
    );
    assert_eq!(
        redact_url("https://user:pw@hooks.example.com:8443/a/b?token=x#f"),
        "https://hooks.example.com:8443"
    );
    assert_eq!(redact_url("not a url"), "<invalid url>");
}

#[tokio::test]
async fn notifier_debug_hides_secrets() {
    let t = Duration::from_secs(1);
    let tg = TelegramNotifier::new(
        "https://api.telegram.org",
        SecretString::from(TG_TOKEN),
        "1",
        t,
    )
    .unwrap();
    let dc = DiscordNotifier::new(
        SecretString::from(format!(
            "https://discord.com/api/webhooks/1/{DISCORD_TOKEN}"
        )),
        None,
        t,
    )
    .unwrap();
    let sl = SlackNotifier::new(
        SecretString::from(format!("https://hooks.slack.com/services/{SLACK_TOKEN}")),
        t,
    )
    .unwrap();
    let em = EmailNotifier::new(EmailSettings {
        host: "smtp.example.com".into(),
        port: 465,
        tls: SmtpTls::Tls,
        username: Some("me".into()),
        password: Some(SecretString::from(SMTP_PASSWORD)),
        from: "a@example.com".into(),
        to: vec!["b@example.com".into()],
        timeout: t,
    })
    .unwrap();
    let shown = format!("{tg:?} {dc:?} {sl:?} {em:?}");
    assert_clean(&shown);
    assert!(
        shown.contains("https://discord.com") && shown.contains("tls://smtp.example.com:465"),
        "{shown}"
    );
}

#[tokio::test]
async fn transport_errors_do_not_carry_the_url() {
    let port = closed_port().await;
    let base = format!("http://127.0.0.1:{port}");
    let t = Duration::from_secs(5);
    let dc = DiscordNotifier::new(
        SecretString::from(format!("{base}/api/webhooks/1/{DISCORD_TOKEN}")),
        None,
        t,
    )
    .unwrap();
    let tg = TelegramNotifier::new(&base, SecretString::from(TG_TOKEN), "1", t).unwrap();
    for err in [
        dc.send(&sample("x")).await.unwrap_err(),
        tg.send(&sample("x")).await.unwrap_err(),
    ] {
        let shown = format!("{err} | {err:?}");
        assert_clean(&shown);
        assert!(shown.contains(&base), "{shown}");
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn a_server_echoing_the_token_is_scrubbed() {
    let server = FakeHttp::start(|req: &crate::fake_http::Request, _| {
        let echo = format!(
            r#"{{"ok":false,"error_code":400,"description":"bad path {}"}}"#,
            req.path
        );
        Reply::Send(400, JSON, echo)
    })
    .await;
    let tg = TelegramNotifier::new(
        &server.base,
        SecretString::from(TG_TOKEN),
        "1",
        Duration::from_secs(5),
    )
    .unwrap();
    let err = tg.send(&sample("x")).await.unwrap_err();
    let shown = err.to_string();
    assert_clean(&shown);
    assert!(
        shown.contains("bad path /bot[redacted]/sendMessage"),
        "{shown}"
    );
}

#[tokio::test]
async fn stats_and_build_errors_stay_clean() {
    let server = FakeHttp::start(|req: &crate::fake_http::Request, _| {
        Reply::Send(500, JSON, req.path.clone())
    })
    .await;
    let cfg = full_config(&server.base);
    let url = cfg.discord.webhook_url.clone().unwrap();
    let dc = DiscordNotifier::new(url, None, Duration::from_secs(5)).unwrap();
    let d = AlertDispatcher::builder()
        .channel(
            "discord",
            Arc::new(dc),
            ChannelOptions {
                retry: quick_retry(0),
                ..Default::default()
            },
        )
        .build()
        .unwrap();
    d.dispatch(sample("x"));
    d.shutdown(WITHIN).await;
    let stats = d.stats();
    assert_eq!(stats[0].failed, 1);
    assert_eq!(stats[0].endpoint, server.base);
    assert_clean(&format!("{stats:?}"));
    assert_clean(&serde_json::to_string(&stats).unwrap());

    let mut bad = full_config(&server.base);
    bad.discord.enabled = true;
    bad.discord.webhook_url = Some(SecretString::from(format!(
        "discord.com/api/webhooks/1/{DISCORD_TOKEN}"
    )));
    let err = AlertDispatcher::from_config(&bad).err().unwrap();
    assert!(matches!(err, BuildError::Invalid(_)));
    assert_clean(&format!("{err} {err:?}"));
}
