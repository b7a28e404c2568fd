use std::time::Duration;

use polybot_alerts::{
    AlertDispatcher, AlertsConfig, ConsoleNotifier, EmailNotifier, EmailSettings, Notifier,
    NotifyError, SecretString, SmtpTls,
};

use crate::fake_smtp::{FakeSmtp, SmtpOptions};
use crate::{WITHIN, sample};

const PASSWORD: &str = "smtp-Pa55word-never-shown";

fn settings(port: u16, user: Option<&str>, password: Option<&str>) -> EmailSettings {
    EmailSettings {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: user.map(str::to_owned),
        password: password.map(SecretString::from),
        from: "polybot <bot@example.test>".into(),
        to: vec![
            "ops@example.test".into(),
            "Risk Desk <risk@example.test>".into(),
        ],
        timeout: Duration::from_secs(5),
    }
}

fn no_auth() -> SmtpOptions {
    SmtpOptions {
        auth: &[],
        credentials: None,
    }
}

#[tokio::test]
async fn delivers_plain_text_mail() {
    let smtp = FakeSmtp::start(no_auth()).await;
    let n = EmailNotifier::new(settings(smtp.port, None, None)).unwrap();
    n.send(&sample("Drawdown heat level 2")).await.unwrap();

    let mail = &smtp.mails()[0];
    assert!(mail.mail_from.contains("<bot@example.test>"), "{mail:?}");
    assert_eq!(mail.rcpt_to.len(), 2);
    assert!(mail.rcpt_to[0].contains("<ops@example.test>"));
    assert!(mail.rcpt_to[1].contains("<risk@example.test>"));
    assert!(mail.auth.is_none());
    let data = &mail.data;
    assert!(
        data.contains("Subject: [polybot] WARNING Drawdown warning: Drawdown heat level 2"),
        "{data}"
    );
    assert!(data.contains("Content-Type: text/plain"), "{data}");
    assert!(data.contains("Drawdown is 12.5% from the peak."), "{data}");
    assert!(data.contains("equity: 875.00"), "{data}");
}

#[tokio::test]
async fn authenticates_with_plain_and_with_login() {
    for mechanisms in [&["PLAIN", "LOGIN"][..], &["LOGIN"][..]] {
        let smtp = FakeSmtp::start(SmtpOptions {
            auth: mechanisms,
            credentials: Some(("alerts", PASSWORD)),
        })
        .await;
        let n = EmailNotifier::new(settings(smtp.port, Some("alerts"), Some(PASSWORD))).unwrap();
        n.send(&sample("auth")).await.unwrap();
        let mail = &smtp.mails()[0];
        assert_eq!(
            mail.auth,
            Some(("alerts".into(), PASSWORD.into())),
            "{mechanisms:?}"
        );
    }
}

#[tokio::test]
async fn rejected_credentials_are_a_permanent_error_without_the_password() {
    let smtp = FakeSmtp::start(SmtpOptions {
        auth: &["PLAIN"],
        credentials: Some(("alerts", "the-right-one")),
    })
    .await;
    let n = EmailNotifier::new(settings(smtp.port, Some("alerts"), Some(PASSWORD))).unwrap();
    let err = n.send(&sample("x")).await.unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::Smtp {
                permanent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    let shown = format!("{err} {err:?} {n:?}");
    assert!(shown.contains("535"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(smtp.mails().is_empty());
}

#[tokio::test]
async fn from_config_delivers_through_the_dispatcher() {
    let smtp = FakeSmtp::start(SmtpOptions {
        auth: &["PLAIN"],
        credentials: Some(("alerts", PASSWORD)),
    })
    .await;
    let mut cfg = AlertsConfig::default();
    cfg.console.enabled = false;
    cfg.email.enabled = true;
    cfg.email.host = "127.0.0.1".into();
    cfg.email.port = smtp.port;
    cfg.email.tls = SmtpTls::None;
    cfg.email.username = "alerts".into();
    cfg.email.from = "bot@example.test".into();
    cfg.email.to = vec!["ops@example.test".into()];
    cfg.apply_secret_env(|k| (k == polybot_alerts::ENV_SMTP_PASSWORD).then(|| PASSWORD.to_owned()));
    let d = AlertDispatcher::from_config_with_console(
        &cfg,
        ConsoleNotifier::with_writer(std::io::sink()),
    )
    .unwrap();
    d.dispatch(sample("via config"));
    let mails = smtp.wait_for(1, WITHIN).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].data.contains("via config"));
    d.shutdown(WITHIN).await;
}
