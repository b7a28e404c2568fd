//! [`EmailNotifier`]: plain-text email over SMTP with lettre (rustls, no OpenSSL). One
//! connection per alert: alerts are rare, and an idle pooled connection would only time out.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::error::{BuildError, NotifyError, scrub};
use crate::format::{email_subject, plain_text};
use crate::notifier::{Notifier, SendFuture};

pub const CHANNEL: &str = "email";

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text. Only for a relay on the same host or network.
    None,
    /// Plain connect, then `STARTTLS`, which is required (usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
}

impl SmtpTls {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::None => "none",
            SmtpTls::Starttls => "starttls",
            SmtpTls::Tls => "tls",
        }
    }
}

/// What an [`EmailNotifier`] needs; `Debug` shows no password.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Authenticate (PLAIN or LOGIN, whichever the server offers) when set.
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: String,
    pub to: Vec<String>,
    /// Per SMTP command (connect, each reply).
    pub timeout: Duration,
}

pub struct EmailNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    endpoint: String,
    password: Option<SecretString>,
    timeout: Duration,
}

fn setting(field: &str, reason: impl Into<String>) -> BuildError {
    BuildError::Setting {
        field: format!("email.{field}"),
        reason: reason.into(),
    }
}

fn mailbox(field: &str, text: &str) -> Result<Mailbox, BuildError> {
    text.trim().parse::<Mailbox>().map_err(|e| {
        setting(
            field,
            format!("`{}` is not an email address: {e}", text.trim()),
        )
    })
}

impl EmailNotifier {
    pub fn new(settings: EmailSettings) -> Result<Self, BuildError> {
        let host = settings.host.trim();
        if host.is_empty() {
            return Err(setting("host", "must not be empty"));
        }
        let from = mailbox("from", &settings.from)?;
        let to = settings
            .to
            .iter()
            .map(|t| mailbox("to", t))
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err(setting("to", "needs at least one recipient"));
        }
        let builder = match settings.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| setting("tls", e.to_string()))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| setting("tls", e.to_string()))?,
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        let username = settings.username.filter(|u| !u.trim().is_empty());
        match (username, &settings.password) {
            (Some(user), Some(pass)) => {
                builder = builder.credentials(Credentials::new(
                    user.trim().to_owned(),
                    pass.expose_secret().to_owned(),
                ));
            }
            (Some(_), None) => {
                return Err(setting("password", "required when email.username is set"));
            }
            (None, Some(_)) => return Err(setting("username", "required when a password is set")),
            (None, None) => {}
        }
        Ok(EmailNotifier {
            transport: builder.build(),
            from,
            to,
            endpoint: format!("{}://{host}:{}", settings.tls.as_str(), settings.port),
            password: settings.password,
            timeout: settings.timeout,
        })
    }

    fn message(&self, alert: &Alert) -> Result<Message, NotifyError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(email_subject(alert))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .body(plain_text(alert))
            .map_err(|e| NotifyError::InvalidMessage {
                channel: CHANNEL,
                detail: e.to_string(),
            })
    }

    async fn deliver(&self, alert: &Alert) -> Result<(), NotifyError> {
        let message = self.message(alert)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_timeout() => Err(NotifyError::Timeout {
                channel: CHANNEL,
                endpoint: self.endpoint.clone(),
                after: self.timeout,
            }),
            Err(e) => {
                let secrets: Vec<&str> = self.password.iter().map(|p| p.expose_secret()).collect();
                Err(NotifyError::Smtp {
                    channel: CHANNEL,
                    endpoint: self.endpoint.clone(),
                    detail: scrub(&e.to_string(), &secrets),
                    permanent: e.is_permanent(),
                })
            }
        }
    }
}

impl fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailNotifier")
            .field("endpoint", &self.endpoint)
            .field("from", &self.from.to_string())
            .field(
                "to",
                &self.to.iter().map(ToString::to_string).collect::<Vec<_>>(),
            )
            .field("authenticated", &self.password.is_some())
            .finish_non_exhaustive()
    }
}

impl Notifier for EmailNotifier {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    fn send<'a>(&'a self, alert: &'a Alert) -> SendFuture<'a> {
        Box::pin(self.deliver(alert))
    }
}
