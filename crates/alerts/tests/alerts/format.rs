use chrono::NaiveDate;
use polybot_alerts::format::{
    TELEGRAM_MAX, discord_payload, email_subject, escape_discord_markdown, plain_text,
    slack_payload, telegram_html, text_len, truncate,
};
use polybot_alerts::templates::{
    DailySummary, DrawdownNotice, KillNotice, RiskBreachNotice, TradeNotice, error_alert,
};
use polybot_alerts::{Alert, AlertKind, Severity};
use polybot_model::{Price, Side, Size, Usdc};

use crate::{TS, sample};

#[test]
fn plain_text_and_subject() {
    let text = plain_text(&sample("Heat\nlevel 2"));
    assert_eq!(
        text,
        "[WARNING] Drawdown warning: Heat level 2\n2025-11-24 16:00:00 UTC\n\n\
         Drawdown is 12.5% from the peak.\n\nequity: 875.00\npeak: 1000.00\n"
    );
    let subject = email_subject(&sample("a\r\nBcc: evil@example.com"));
    assert!(
        !subject.contains('\n') && !subject.contains('\r'),
        "{subject}"
    );
    assert!(subject.starts_with("[polybot] WARNING Drawdown warning: a"));
}

#[test]
fn truncation_counts_utf16_and_marks_the_cut() {
    assert_eq!(truncate("abcdef", 10), "abcdef");
    assert_eq!(truncate("abcdef", 4), "abc…");
    let emoji = "😀😀😀"; // two UTF-16 units each
    assert_eq!(truncate(emoji, 5), "😀😀…");
    assert!(text_len(&truncate(&"x".repeat(5000), 100)) <= 100);
}

#[test]
fn telegram_html_escapes_and_stays_under_the_limit() {
    let alert = Alert::new(AlertKind::Error, "<script> & </b>", TS)
        .with_body("a < b && c > d")
        .with_field("<k>", "<v>");
    let html = telegram_html(&alert);
    assert!(
        html.contains("<b>&lt;script&gt; &amp; &lt;/b&gt;</b>"),
        "{html}"
    );
    assert!(html.contains("a &lt; b &amp;&amp; c &gt; d"));
    assert!(html.contains("<b>&lt;k&gt;</b>: &lt;v&gt;"));

    let mut big = Alert::new(AlertKind::Info, "t".repeat(1000), TS).with_body("<".repeat(10_000));
    for i in 0..200 {
        big = big.with_field(format!("field {i}"), "&".repeat(200));
    }
    let html = telegram_html(&big);
    let visible = html
        .replace("<b>", "")
        .replace("</b>", "")
        .replace("<i>", "")
        .replace("</i>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(text_len(&visible) <= TELEGRAM_MAX, "{}", text_len(&visible));
    assert!(
        html.contains("more\n"),
        "fields beyond the limit are counted"
    );
    assert_eq!(html.matches("<b>").count(), html.matches("</b>").count());
}

#[test]
fn discord_escapes_markdown_and_respects_embed_limits() {
    assert_eq!(
        escape_discord_markdown("*a* _b_ `c` ~d~ |e| > f"),
        r"\*a\* \_b\_ \`c\` \~d\~ \|e\| \> f"
    );
    let mut alert = Alert::new(AlertKind::Trade, "@everyone buy", TS).with_body("x".repeat(9000));
    for i in 0..40 {
        alert = alert.with_field(format!("k{i}"), "v".repeat(2000));
    }
    alert = alert.with_field("empty", "");
    let body = discord_payload(&alert, None);
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
    assert!(body.get("username").is_none());
    let embed = &body["embeds"][0];
    let fields = embed["fields"].as_array().unwrap();
    assert!(fields.len() <= 25);
    let total: usize = [
        &embed["title"],
        &embed["description"],
        &embed["footer"]["text"],
    ]
    .iter()
    .map(|v| text_len(v.as_str().unwrap_or("")))
    .sum::<usize>()
        + fields
            .iter()
            .map(|f| text_len(f["name"].as_str().unwrap()) + text_len(f["value"].as_str().unwrap()))
            .sum::<usize>();
    assert!(total <= 6000, "{total}");
    assert!(
        fields
            .iter()
            .all(|f| text_len(f["value"].as_str().unwrap()) <= 1024)
    );
}

#[test]
fn slack_escapes_and_splits_fields_into_sections() {
    let mut alert = Alert::new(AlertKind::RiskBreach, "limit <@U123>", TS).with_body("a & b");
    for i in 0..23 {
        alert = alert.with_field(format!("k{i}"), i);
    }
    let body = slack_payload(&alert);
    assert_eq!(body["text"], "WARNING Risk breach: limit &lt;@U123&gt;");
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks[1]["text"]["text"], "a &amp; b");
    let sections: Vec<usize> = blocks
        .iter()
        .filter_map(|b| b["fields"].as_array().map(Vec::len))
        .collect();
    assert_eq!(sections, [10, 10, 3]);
    let no_body = slack_payload(&Alert::new(AlertKind::Info, "hi", TS));
    assert_eq!(
        no_body["blocks"].as_array().unwrap().len(),
        2,
        "no empty section"
    );
}

#[test]
fn templates_cover_the_seed_triggers() {
    let trade = TradeNotice {
        mode: "paper",
        strategy: "forecast",
        market: "Will it rain in Paris tomorrow?",
        outcome: "Yes",
        side: Side::Buy,
        price: "0.42".parse::<Price>().unwrap(),
        size: Size::shares(25),
        notional: Usdc::parse("10.5").unwrap(),
        edge: Some(0.081),
        reason: "ensemble 0.50 vs market 0.42",
        timestamp_ms: TS,
    }
    .to_alert();
    assert_eq!(
        (trade.kind, trade.severity),
        (AlertKind::Trade, Severity::Info)
    );
    assert!(trade.title.starts_with("paper BUY 25"), "{}", trade.title);
    assert!(
        trade.fields.contains(&("edge".into(), "8.1%".into())),
        "{:?}",
        trade.fields
    );

    let kill = KillNotice {
        reason: "drawdown_kill",
        drawdown: 0.2,
        equity: Usdc::dollars(800),
        peak_equity: Usdc::dollars(1000),
        timestamp_ms: TS,
    }
    .to_alert();
    assert_eq!(
        (kill.kind, kill.severity),
        (AlertKind::Kill, Severity::Critical)
    );
    let dd = DrawdownNotice {
        drawdown: 0.12,
        heat_level: 2,
        size_multiplier: 0.5,
        equity: Usdc::dollars(880),
        peak_equity: Usdc::dollars(1000),
        timestamp_ms: TS,
    }
    .to_alert();
    assert_eq!(
        (dd.kind, dd.severity),
        (AlertKind::DrawdownWarning, Severity::Warning)
    );
    assert!(
        dd.body.contains("12.0%") && dd.body.contains("50.0%"),
        "{}",
        dd.body
    );
    let risk = RiskBreachNotice {
        code: "max_exposure",
        detail: "exposure 60% > 50%",
        strategy: Some("copy"),
        market: None,
        timestamp_ms: TS,
    }
    .to_alert();
    assert_eq!(risk.title, "Risk limit: max_exposure");
    let err = error_alert("store", "disk full", TS);
    assert_eq!(
        (err.kind, err.title.as_str()),
        (AlertKind::Error, "Error in store")
    );
    let summary = DailySummary {
        date: NaiveDate::from_ymd_opt(2025, 11, 24).unwrap(),
        equity: Usdc::dollars(1010),
        pnl_day: Usdc::dollars(10),
        pnl_total: Usdc::dollars(10),
        trades: 4,
        wins: 3,
        losses: 1,
        open_positions: 2,
        by_strategy: vec![("forecast".into(), Usdc::dollars(10))],
        timestamp_ms: TS,
    }
    .to_alert();
    assert_eq!(summary.title, "Daily summary 2025-11-24");
    assert!(
        summary
            .fields
            .iter()
            .any(|(k, v)| k == "win rate" && v == "75.0% (3W / 1L)"),
        "{:?}",
        summary.fields
    );
}
