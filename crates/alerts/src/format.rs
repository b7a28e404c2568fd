//! Rendering an [`Alert`] for each channel: plain text (console, email), Telegram HTML,
//! Discord embeds and Slack blocks.
//!
//! Each renderer escapes for its own markup, so alert text (market questions, error messages)
//! can never break the message or inject formatting, and each keeps under its service's length
//! limits, counted in UTF-16 code units as the services count them (over-long parts are cut and
//! end in `…`): a too-long alert is shortened, never rejected.

use serde_json::{Value, json};

use crate::alert::{Alert, Severity};

/// Telegram's limit for `sendMessage` text, after entity parsing.
pub const TELEGRAM_MAX: usize = 4096;
/// Discord's limit for all text of one embed together.
pub const DISCORD_EMBED_TOTAL_MAX: usize = 6000;
/// Slack's limit for one section's text.
pub const SLACK_SECTION_MAX: usize = 3000;

/// `2026-11-22 18:00:00 UTC`, or the raw number if it is not a representable time.
#[must_use]
pub fn timestamp_utc(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => format!("{ms} ms"),
    }
}

/// Length as the chat services count it (UTF-16 code units).
#[must_use]
pub fn text_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `s` cut to at most `max` UTF-16 units, ending in `…` when cut.
#[must_use]
pub fn truncate(s: &str, max: usize) -> String {
    if text_len(s) <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + c.len_utf16() + 1 > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// Line breaks and other control characters become spaces (titles, subjects).
#[must_use]
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Plain text for the console and email bodies.
#[must_use]
pub fn plain_text(alert: &Alert) -> String {
    let mut out = format!(
        "[{}] {}: {}\n{}\n",
        alert.severity.tag(),
        alert.kind.label(),
        one_line(&alert.title),
        timestamp_utc(alert.timestamp_ms)
    );
    if !alert.body.is_empty() {
        out.push('\n');
        out.push_str(alert.body.trim_end());
        out.push('\n');
    }
    if !alert.fields.is_empty() {
        out.push('\n');
        for (k, v) in &alert.fields {
            out.push_str(&format!("{}: {}\n", one_line(k), v));
        }
    }
    out
}

/// Email subject: one line, `[polybot] CRITICAL Kill switch: ...`.
#[must_use]
pub fn email_subject(alert: &Alert) -> String {
    truncate(
        &one_line(&format!(
            "[polybot] {} {}: {}",
            alert.severity.tag(),
            alert.kind.label(),
            alert.title
        )),
        200,
    )
}

/// Escapes `&`, `<` and `>`: all Telegram's HTML parse mode needs outside tags.
#[must_use]
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn severity_emoji(s: Severity) -> &'static str {
    match s {
        Severity::Info => "ℹ️",
        Severity::Warning => "⚠️",
        Severity::Error => "❗",
        Severity::Critical => "🚨",
    }
}

/// Text for Telegram's `sendMessage` with `parse_mode = "HTML"`. Every piece of alert text is
/// cut to its budget *before* escaping (Telegram counts the text after entity parsing), so tags
/// are never split and the visible text stays under [`TELEGRAM_MAX`].
#[must_use]
pub fn telegram_html(alert: &Alert) -> String {
    let title = truncate(&one_line(&alert.title), 256);
    let stamp = timestamp_utc(alert.timestamp_ms);
    let mut out = format!(
        "{} <b>{}</b> · <b>{}</b>\n",
        severity_emoji(alert.severity),
        escape_html(alert.kind.label()),
        escape_html(&title)
    );
    // Room for the header, the time line and a "more fields" note.
    let mut budget = TELEGRAM_MAX.saturating_sub(text_len(&title) + text_len(&stamp) + 80);
    if !alert.body.is_empty() {
        let share = if alert.fields.is_empty() {
            budget
        } else {
            budget / 2
        };
        let body = truncate(alert.body.trim_end(), share);
        budget -= text_len(&body);
        out.push('\n');
        out.push_str(&escape_html(&body));
        out.push('\n');
    }
    if !alert.fields.is_empty() {
        out.push('\n');
    }
    for (i, (k, v)) in alert.fields.iter().enumerate() {
        let k = truncate(&one_line(k), 64);
        let v = truncate(v, 1024);
        let need = text_len(&k) + text_len(&v) + 3;
        if need > budget {
            out.push_str(&format!("… {} more\n", alert.fields.len() - i));
            break;
        }
        budget -= need;
        out.push_str(&format!(
            "<b>{}</b>: {}\n",
            escape_html(&k),
            escape_html(&v)
        ));
    }
    out.push_str(&format!("\n<i>{}</i>", escape_html(&stamp)));
    out
}

/// Backslash-escapes Discord markdown, so alert text renders literally.
#[must_use]
pub fn escape_discord_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '-' | '[' | ']' | '(' | ')'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn discord_color(s: Severity) -> u32 {
    match s {
        Severity::Info => 0x34_98_db,
        Severity::Warning => 0xf1_c4_0f,
        Severity::Error => 0xe6_7e_22,
        Severity::Critical => 0xe7_4c_3c,
    }
}

/// The JSON body for a Discord webhook: one embed, mentions disabled (an alert quoting
/// `@everyone` must not ping anyone).
#[must_use]
pub fn discord_payload(alert: &Alert, username: Option<&str>) -> Value {
    let title = truncate(
        &escape_discord_markdown(&format!(
            "{} {}: {}",
            severity_emoji(alert.severity),
            alert.kind.label(),
            one_line(&alert.title)
        )),
        256,
    );
    let footer = format!("polybot · {} · {}", alert.severity, alert.kind);
    let mut budget = DISCORD_EMBED_TOTAL_MAX - text_len(&title) - text_len(&footer);
    let description = truncate(&escape_discord_markdown(alert.body.trim_end()), 3000);
    budget -= text_len(&description);
    let mut fields = Vec::new();
    for (k, v) in alert.fields.iter().take(25) {
        let name = truncate(&escape_discord_markdown(&one_line(k)), 256);
        let value = truncate(&escape_discord_markdown(v), 1024);
        let (name, value) = (non_empty(name), non_empty(value));
        let need = text_len(&name) + text_len(&value);
        if need > budget {
            break;
        }
        budget -= need;
        fields.push(json!({ "name": name, "value": value, "inline": text_len(&value) <= 40 }));
    }
    let mut embed = json!({
        "title": title,
        "color": discord_color(alert.severity),
        "fields": fields,
        "footer": { "text": footer },
    });
    if !description.is_empty() {
        embed["description"] = json!(description);
    }
    if let Some(t) = chrono::DateTime::from_timestamp_millis(alert.timestamp_ms) {
        embed["timestamp"] = json!(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    let mut body = json!({ "embeds": [embed], "allowed_mentions": { "parse": [] } });
    if let Some(u) = username.filter(|u| !u.is_empty()) {
        body["username"] = json!(truncate(u, 80));
    }
    body
}

/// Discord rejects empty field names and values.
fn non_empty(s: String) -> String {
    if s.trim().is_empty() {
        "—".to_owned()
    } else {
        s
    }
}

/// Escapes `&`, `<` and `>` as Slack's mrkdwn requires (else `<...>` becomes a link or mention).
#[must_use]
pub fn escape_slack(s: &str) -> String {
    escape_html(s)
}

/// The JSON body for a Slack incoming webhook: `text` (the notification fallback) and blocks.
#[must_use]
pub fn slack_payload(alert: &Alert) -> Value {
    let title = one_line(&alert.title);
    let text = truncate(
        &escape_slack(&format!(
            "{} {}: {}",
            alert.severity.tag(),
            alert.kind.label(),
            title
        )),
        SLACK_SECTION_MAX,
    );
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": truncate(&title, 150), "emoji": true },
    })];
    let body = alert.body.trim_end();
    if !body.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": truncate(&escape_slack(body), SLACK_SECTION_MAX) },
        }));
    }
    for chunk in alert.fields.chunks(10).take(5) {
        let fields: Vec<Value> = chunk
            .iter()
            .map(|(k, v)| {
                let t = format!("*{}*\n{}", escape_slack(&one_line(k)), escape_slack(v));
                json!({ "type": "mrkdwn", "text": truncate(&t, 2000) })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{
            "type": "mrkdwn",
            "text": format!(
                "{} {} · {} · {}",
                severity_emoji(alert.severity),
                alert.severity.tag(),
                alert.kind.label(),
                timestamp_utc(alert.timestamp_ms)
            ),
        }],
    }));
    json!({ "text": text, "blocks": blocks })
}
