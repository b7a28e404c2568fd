//! The channel implementations of [`Notifier`](crate::Notifier).

pub mod console;
pub mod discord;
pub mod email;
mod http;
pub mod slack;
pub mod telegram;

pub use console::ConsoleNotifier;
pub use discord::DiscordNotifier;
pub use email::{EmailNotifier, EmailSettings, SmtpTls};
pub use slack::SlackNotifier;
pub use telegram::TelegramNotifier;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{BuildError, redact_url};

/// Checks that `url` is an absolute `http(s)` URL with a host and returns its redacted form;
/// the reason never quotes the URL.
pub(crate) fn check_http_url(url: &str) -> Result<String, &'static str> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| "is not a valid URL")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("must name a host");
    }
    Ok(redact_url(url.trim()))
}

fn webhook_endpoint(field: &str, url: &SecretString) -> Result<String, BuildError> {
    check_http_url(url.expose_secret()).map_err(|reason| BuildError::Setting {
        field: field.to_owned(),
        reason: reason.to_owned(),
    })
}

/// The parts of a webhook URL that carry its credential: the whole URL, its path and query.
fn url_secrets(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    if let Ok(u) = reqwest::Url::parse(url) {
        out.push(u.path().to_owned());
        // A long path segment is a token on its own (Discord's `/webhooks/<id>/<token>`).
        out.extend(
            u.path_segments()
                .into_iter()
                .flatten()
                .filter(|s| s.len() >= 16)
                .map(str::to_owned),
        );
        if let Some(q) = u.query() {
            out.push(q.to_owned());
        }
    }
    out.retain(|s| s.len() >= 8);
    out
}
