//! Validation of the channel sections of [`AlertsConfig`](crate::AlertsConfig). Secret values
//! are never quoted: a token shows as `[redacted]`, a webhook URL as scheme and host.

use lettre::message::Mailbox;
use polybot_model::FieldError;
use secrecy::{ExposeSecret, SecretString};

use crate::channels::check_http_url;
use crate::channels::email::SmtpTls;
use crate::config::{ENV_SMTP_PASSWORD, ENV_TELEGRAM_BOT_TOKEN, EmailConfig, TelegramConfig};
use crate::error::redact_url;

const REDACTED: &str = "[redacted]";
const MISSING: &str = "<missing>";

pub(crate) fn telegram(c: &TelegramConfig, errors: &mut Vec<FieldError>) {
    if let Err(reason) = check_http_url(&c.api_base) {
        errors.push(FieldError::new(
            "telegram.api_base",
            redact_url(&c.api_base),
            reason,
        ));
    }
    if let Some(token) = &c.bot_token {
        let t = token.expose_secret();
        if t.is_empty()
            || t.chars()
                .any(|ch| ch.is_whitespace() || "/?#%".contains(ch))
        {
            errors.push(FieldError::new(
                "telegram.bot_token",
                REDACTED,
                "must be a bot token (`123456:ABC...`) without spaces, `/`, `?`, `#` or `%`",
            ));
        }
    }
    if !c.enabled {
        return;
    }
    if c.chat_id.trim().is_empty() {
        errors.push(FieldError::new(
            "telegram.chat_id",
            "\"\"",
            "required when telegram.enabled (a numeric chat id or @channel)",
        ));
    }
    if c.bot_token.is_none() {
        errors.push(FieldError::new(
            "telegram.bot_token",
            MISSING,
            format!("required when telegram.enabled; set {ENV_TELEGRAM_BOT_TOKEN}"),
        ));
    }
}

pub(crate) fn webhook(
    channel: &str,
    enabled: bool,
    url: &Option<SecretString>,
    env: &str,
    errors: &mut Vec<FieldError>,
) {
    let key = format!("{channel}.webhook_url");
    match url {
        Some(url) => {
            if let Err(reason) = check_http_url(url.expose_secret()) {
                errors.push(FieldError::new(
                    key,
                    redact_url(url.expose_secret()),
                    reason,
                ));
            }
        }
        None if enabled => errors.push(FieldError::new(
            key,
            MISSING,
            format!("required when {channel}.enabled; set {env}"),
        )),
        None => {}
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn check_mailbox(key: &str, text: &str, errors: &mut Vec<FieldError>) {
    if let Err(e) = text.trim().parse::<Mailbox>() {
        errors.push(FieldError::new(
            key,
            text,
            format!("not an email address ({e})"),
        ));
    }
}

pub(crate) fn email(c: &EmailConfig, errors: &mut Vec<FieldError>) {
    if !c.from.trim().is_empty() {
        check_mailbox("email.from", &c.from, errors);
    }
    for to in &c.to {
        check_mailbox("email.to", to, errors);
    }
    if !c.enabled {
        return;
    }
    if c.host.trim().is_empty() {
        errors.push(FieldError::new(
            "email.host",
            "\"\"",
            "required when email.enabled",
        ));
    }
    if c.port == 0 {
        errors.push(FieldError::new("email.port", 0, "must be in [1, 65535]"));
    }
    if c.from.trim().is_empty() {
        errors.push(FieldError::new(
            "email.from",
            "\"\"",
            "required when email.enabled",
        ));
    }
    if c.to.is_empty() {
        errors.push(FieldError::new(
            "email.to",
            "[]",
            "needs at least one recipient",
        ));
    }
    let has_user = !c.username.trim().is_empty();
    match (has_user, c.password.is_some()) {
        (true, false) => errors.push(FieldError::new(
            "email.password",
            MISSING,
            format!("required when email.username is set; set {ENV_SMTP_PASSWORD}"),
        )),
        (false, true) => errors.push(FieldError::new(
            "email.username",
            "\"\"",
            "required when a password is set",
        )),
        _ => {}
    }
    if c.password.is_some() && c.tls == SmtpTls::None && !is_loopback(&c.host) {
        errors.push(FieldError::new(
            "email.tls",
            "none",
            "would send the password unencrypted to a remote host; use starttls or tls",
        ));
    }
}
