//! The demo's AI forecasting, against fakex's *simulated* AI: two "models" (`sim-a`, `sim-b`)
//! that answer OpenAI chat completions with the simulator's fair value (see
//! `polybot_fakex::ai`), research through fakex's Tavily-compatible search and page mirror, and
//! the forecast strategy trading next to copy trading. Whatever the configuration names, the
//! demo replaces every provider and search entry with fakex's, so it never calls a real model
//! or search engine, and needs no key.

use anyhow::Result;
use polybot_config::Config;
use polybot_fakex::FakexHandle;
use polybot_forecast::research::config::{ENV_TAVILY_API_KEY, SearchKind, SearchProviderConfig};
use polybot_forecast::{ProviderConfig, ProviderKind};
use polybot_store::{ForecastQuery, Store};
use rust_decimal::Decimal;

/// The simulated models and their made-up prices per 1M prompt and completion tokens (cents),
/// so that `polybot costs` has something to add up.
const MODELS: [(&str, i64, i64); 2] = [("sim-a", 250, 1_000), ("sim-b", 15, 60)];
/// What fakex's search is told is a key: it accepts any. Search keys are otherwise read only
/// from the environment; the demo hands this one over in-process, for fakex only.
const FAKEX_SEARCH_KEY: &str = "fakex-demo-key";
/// Markets forecast per cycle, and how often a cycle runs (a research cooldown of an hour keeps
/// each market to one forecast per demo).
const MARKETS_PER_CYCLE: u32 = 3;
const INTERVAL_SECS: u64 = 10;

/// Points `[forecast]` at fakex's simulated AI and turns `[forecasting]` on.
pub fn configure(config: &mut Config, exchange: &FakexHandle) {
    let ai = exchange.ai_url();
    let forecast = &mut config.forecast;
    forecast.providers = MODELS
        .iter()
        .map(|&(name, input_cents, output_cents)| ProviderConfig {
            name: name.to_owned(),
            kind: ProviderKind::OpenaiCompatible,
            model: name.to_owned(),
            base_url: ai.clone(),
            timeout_ms: 5_000,
            input_usd_per_mtok: Decimal::new(input_cents, 2),
            output_usd_per_mtok: Decimal::new(output_cents, 2),
            ..ProviderConfig::default()
        })
        .collect();
    forecast.ensemble.fallback.clear();
    let research = &mut forecast.research;
    research.enabled = true;
    research.extraction_provider.clear();
    research.fetch_mirror = format!("{ai}/pages");
    research.search = vec![SearchProviderConfig {
        base_url: ai,
        // Tavily's list price of a basic search, made up here like the models' prices.
        usd_per_request: Decimal::new(8, 3),
        ..SearchProviderConfig::of(SearchKind::Tavily)
    }];
    research.apply_secret_env(|name| (name == ENV_TAVILY_API_KEY).then(|| FAKEX_SEARCH_KEY.into()));
    let trading = &mut config.forecasting;
    trading.enabled = true;
    trading.interval_secs = INTERVAL_SECS;
    trading.max_markets_per_cycle = MARKETS_PER_CYCLE;
}

/// The header line: what forecasts and with what.
pub fn banner(exchange: &FakexHandle) -> String {
    format!(
        "== AI forecasting next to copy trading: simulated LLM (fakex) models {} at {} — \
         fakex's fair value, not a language model; research via fakex's simulated search and \
         pages (Wikipedia and Reddit hits are dropped unfetched); {MARKETS_PER_CYCLE} markets \
         every {INTERVAL_SECS}s",
        MODELS.map(|m| m.0).join(" and "),
        exchange.ai_url()
    )
}

/// The forecasts the demo made, one line each, and what fakex's simulated AI served.
pub async fn report(store: &Store, exchange: &FakexHandle) -> Result<()> {
    let forecasts = store.forecasts(&ForecastQuery::default()).await?;
    println!(
        "\n== AI forecasts (simulated LLM, fakex): {} markets",
        forecasts.len()
    );
    for stored in &forecasts {
        let f = &stored.forecast;
        let question = f.report["market"]["question"].as_str().unwrap_or("?");
        let members: Vec<String> = f
            .members
            .iter()
            .map(|m| format!("{} {:.3}", m.provider, m.probability))
            .collect();
        let direction = f.report["edge"]["direction"].as_str().unwrap_or("no edge");
        println!(
            "  {:<52} {} → final {:.3} vs market {} · evidence {} · {direction}",
            cut(question, 52),
            members.join(", "),
            f.final_probability,
            f.market_probability
                .map_or_else(|| "—".to_owned(), |p| format!("{p:.3}")),
            f.evidence_quality
                .map_or_else(|| "—".to_owned(), |q| format!("{q:.2}")),
        );
    }
    let ai = exchange.ai_stats();
    let unfetched = ["wikipedia.org", "reddit.com"]
        .iter()
        .all(|d| ai.pages.iter().all(|p| !p.contains(d)));
    println!(
        "  fakex's simulated AI answered {} forecasts, {} evidence extractions and {} searches, \
         and served {} pages ({})",
        ai.forecasts,
        ai.extractions,
        ai.searches,
        ai.pages.len(),
        if unfetched {
            "no Wikipedia or Reddit page was ever requested"
        } else {
            "a blocked domain WAS requested"
        }
    );
    Ok(())
}

/// `text` cut to `max` characters, marked when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if text.chars().count() > max => format!("{}…", &text[..i]),
        _ => text.to_owned(),
    }
}
