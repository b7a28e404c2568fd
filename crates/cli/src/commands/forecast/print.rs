//! The human-readable stages of `polybot research` and `polybot forecast`.

use polybot_engine::Decision;
use polybot_engine::orders::Quantity;
use polybot_forecast::pipeline::PipelineReport;
use polybot_forecast::research::{Phase, ResearchReport};
use polybot_risk::SideEdge;
use polybot_runner::forecasting::RiskStage;

use crate::output::truncate;

/// Bullets and sources listed before "… and N more".
const SHOWN: usize = 8;

pub fn header(r: &PipelineReport) {
    let m = &r.market;
    println!("MARKET     {}", m.question);
    println!(
        "           {} · {} · ends {} · taker fee {} bps",
        m.market_id,
        m.category,
        m.end_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map_or_else(|| "-".to_owned(), |d| d.format("%Y-%m-%d").to_string()),
        m.fee_rate_bps
    );
    let q = |p: Option<polybot_model::Price>| p.map_or_else(|| "-".to_owned(), |p| p.to_string());
    println!(
        "           YES {} / {}   NO {} / {}   implied YES {}",
        q(m.yes_bid),
        q(m.yes_ask),
        q(m.no_bid),
        q(m.no_ask),
        pct_opt(r.implied_yes)
    );
}

pub fn research(r: &ResearchReport) {
    let per_phase: Vec<String> = Phase::ALL
        .iter()
        .map(|ph| {
            let n = r.queries.iter().filter(|q| q.phase == *ph).count();
            format!("{} {n}", ph.as_str())
        })
        .collect();
    println!(
        "RESEARCH   {} ({}): {} queries ({})",
        r.category,
        truncate(&r.question, 70),
        r.queries.len(),
        per_phase.join(", ")
    );
    for q in r.queries.iter().take(SHOWN) {
        println!("    [{}] {}", q.phase.as_str(), q.text);
    }
    more(r.queries.len());
    for line in &r.search_log {
        println!("  search   {line}");
    }
    println!("  hits     {}", r.hits.len());
    if r.blocked.is_empty() {
        println!("  blocked  none");
    } else {
        println!(
            "  blocked  {} URLs never fetched (user-generated domains):",
            r.blocked.len()
        );
        for url in r.blocked.iter().take(SHOWN) {
            println!("    ✗ {url}");
        }
        more(r.blocked.len());
    }
    let cached = r.sources.iter().filter(|s| s.from_cache).count();
    println!(
        "  sources  {} fetched ({cached} from cache), {} failed",
        r.sources.len(),
        r.fetch_failures.len()
    );
    for s in r.sources.iter().take(SHOWN) {
        println!(
            "    {} [{}] {} ({} bytes{})",
            s.domain,
            s.phase.as_str(),
            truncate(&s.title, 60),
            s.bytes,
            s.published
                .as_deref()
                .map(|p| format!(", published {p}"))
                .unwrap_or_default()
        );
    }
    for f in r.fetch_failures.iter().take(SHOWN) {
        println!("    failed: {f}");
    }
    let extractor = r
        .extraction_provider
        .as_deref()
        .unwrap_or("offline extraction (no LLM)");
    println!("  evidence {} bullets by {extractor}", r.bullets.len());
    for b in r.bullets.iter().take(SHOWN) {
        println!(
            "    • {}",
            truncate(&polybot_forecast::research::bullet_line(b), 150)
        );
    }
    more(r.bullets.len());
    for c in &r.contradictions {
        if c.second.is_empty() {
            println!("    ⚠ contradiction {}: {}", c.metric, c.first);
        } else {
            println!(
                "    ⚠ contradiction on {}: {} vs {}{}",
                c.metric,
                c.first,
                c.second,
                c.relative_gap
                    .map(|g| format!(" ({:.0}% apart)", g * 100.0))
                    .unwrap_or_default()
            );
        }
    }
    let q = &r.quality;
    println!(
        "  quality  {:.2} (recency {:.2}, authority {:.2}, agreement {:.2}, numeric {:.2}, contradictions −{:.2}; {} bullets from {} domains)",
        q.score,
        q.recency,
        q.authority,
        q.agreement,
        q.numeric_density,
        q.contradiction_penalty,
        q.bullets,
        q.distinct_domains
    );
    if !r.summary.is_empty() {
        println!("  summary  {}", truncate(&r.summary, 300));
    }
    for p in &r.problems {
        println!("  problem  {p}");
    }
}

pub fn forecast(r: &PipelineReport, price_shown: bool) {
    let e = &r.ensemble;
    println!(
        "FORECAST   {} of {} model(s){} → {} {} (spread σ {:.3}, range {:.3}); market price {} to the models",
        name(&e.aggregation),
        e.members.len(),
        if e.used_fallback {
            " (the fallback)"
        } else {
            ""
        },
        pct(e.probability),
        name(&e.confidence),
        e.disagreement.std_dev,
        e.disagreement.range,
        if price_shown { "shown" } else { "withheld" }
    );
    for m in &e.members {
        println!(
            "    {:<12} {:<24} {} {}  weight {:.2}  {} tokens  ${}{}",
            m.provider,
            truncate(&m.model, 24),
            pct(m.answer.probability),
            name(&m.answer.confidence),
            r.weights.get(&m.provider).copied().unwrap_or(1.0),
            m.usage.total(),
            m.cost_usd.round_dp(6).normalize(),
            if m.attempts > 1 {
                " (retried once: malformed first answer)"
            } else {
                ""
            }
        );
        println!("      reasoning: {}", truncate(&m.answer.reasoning, 160));
        if !m.answer.invalidation_triggers.is_empty() {
            println!(
                "      invalidated by: {}",
                m.answer.invalidation_triggers.join("; ")
            );
        }
    }
    for f in &e.failures {
        println!("    ✗ {}: {}", f.provider, f.error);
    }
}

pub fn calibration(r: &PipelineReport, min_samples_refit: usize) {
    let c = &r.calibrated;
    let how = if r.calibrator.fitted {
        format!("fitted on {} resolved forecasts", r.calibrator.samples)
    } else {
        format!(
            "prior; {} resolved forecasts, refit from {min_samples_refit}",
            r.calibrator.samples
        )
    };
    println!(
        "CALIBRATE  Platt a={:.3} b={:.3} ({how}): {} → {}",
        c.params.a,
        c.params.b,
        pct(c.raw),
        pct(c.platt)
    );
    println!(
        "           penalties: evidence {:.0}%, contradictions {:.0}%, disagreement {:.0}% → {}",
        c.penalties.evidence * 100.0,
        c.penalties.contradictions * 100.0,
        c.penalties.disagreement * 100.0,
        pct(c.probability)
    );
    let w = &r.market_weight;
    match r.implied_yes {
        Some(m) => println!(
            "COMBINE    log-odds with the market {}: model weight {:.2} ({}) → {}",
            pct(m),
            w.w,
            if w.learned {
                format!("learned from {} resolved markets", w.samples)
            } else {
                format!("conservative prior; {} resolved markets so far", w.samples)
            },
            pct(r.final_probability)
        ),
        None => println!(
            "COMBINE    no market price: the calibrated forecast stands → {}",
            pct(r.final_probability)
        ),
    }
}

pub fn edge(r: &PipelineReport) {
    let e = &r.edge;
    println!(
        "EDGE       raw {} (forecast − implied); after the {} bps taker fee and {:.3} costs per share:",
        e.raw_edge
            .map_or_else(|| "-".to_owned(), |x| format!("{:+.3}", x)),
        e.fee_rate_bps,
        e.extra_costs
    );
    side("BUY_YES", e.yes.as_ref());
    side("BUY_NO", e.no.as_ref());
    match e.direction {
        Some(d) => println!("           direction {}", d.as_str()),
        None => println!("           no side has a positive net edge"),
    }
}

fn side(name: &str, s: Option<&SideEdge>) {
    match s {
        Some(s) => println!(
            "    {name:<8} ask {} → cost {:.4}, p {} → net edge {:+.4}, EV {:+.3} per $",
            s.price,
            s.effective_cost,
            pct(s.probability),
            s.net_edge,
            s.ev_per_dollar
        ),
        None => println!("    {name:<8} no ask"),
    }
}

pub fn risk(stage: &RiskStage) {
    println!(
        "RISK/SIZE  the engine's forecast strategy and risk gate, on a fresh `{}` account of ${}:",
        stage.account, stage.bankroll
    );
    for d in &stage.decisions {
        match d {
            Decision::Forecast { .. } => {}
            Decision::Skipped { code, detail, .. } => println!("    SKIP     {code}: {detail}"),
            Decision::RiskRejected { codes, detail, .. } => {
                println!("    RISK     rejected by {}", codes.join(", "));
                for line in detail.split("; ") {
                    println!("               {line}");
                }
            }
            Decision::Sized {
                shares,
                notional,
                net_edge_bp,
                kelly_bp,
                bound_by,
                ..
            } => println!(
                "    SIZE     {shares} shares = ${notional}: net edge {:.2}%, {:.2}% of the bankroll after every multiplier, bound by {bound_by}",
                *net_edge_bp as f64 / 100.0,
                *kelly_bp as f64 / 100.0
            ),
            Decision::Placed { order, .. } => println!(
                "    EXECUTE  {} {} of {} at ≤ {} ({:?}) — approved",
                order.side.as_str(),
                quantity(&order.quantity),
                order.token_id,
                order.price,
                order.time_in_force
            ),
            other => println!("    {:<8} {}", other.stage(), other.kind()),
        }
    }
}

/// One line: what the engine would do with this forecast now.
pub fn decision(market: &polybot_model::Market, stage: &RiskStage) -> String {
    let outcome = |token| {
        market
            .outcome_of(token)
            .map_or_else(|| token.to_string(), |(_, o)| o.name.clone())
    };
    for d in &stage.decisions {
        match d {
            Decision::Placed { order, .. } => {
                return format!(
                    "BUY {} {} at ≤ {}",
                    outcome(order.token_id),
                    quantity(&order.quantity),
                    order.price
                );
            }
            Decision::Skipped { code, .. } => return format!("SKIP ({code})"),
            Decision::RiskRejected { codes, .. } => {
                return format!("SKIP (rejected by risk: {})", codes.join(", "));
            }
            _ => {}
        }
    }
    "SKIP (no order)".to_owned()
}

fn quantity(q: &Quantity) -> String {
    match q {
        Quantity::Shares(s) => format!("{s} shares"),
        Quantity::Usdc(u) => format!("${u}"),
    }
}

/// A value's serde name (`trimmed_mean`, `MEDIUM`), as configuration and JSON spell it.
fn name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn pct(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

fn pct_opt(p: Option<f64>) -> String {
    p.map_or_else(|| "-".to_owned(), pct)
}

fn more(total: usize) {
    if total > SHOWN {
        println!("    … and {} more", total - SHOWN);
    }
}
