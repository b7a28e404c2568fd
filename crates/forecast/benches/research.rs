//! The research stage's CPU work per market, none of which waits on the network: HTML → text of
//! a fetched page (the fetcher runs it on every source, up to `max_bytes_per_source`), the
//! evidence grade, query building, and the calibration refit over a year of resolved forecasts.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polybot_forecast::research::config::ResearchConfig;
use polybot_forecast::research::fetch::html::to_page;
use polybot_forecast::research::quality::evidence_quality;
use polybot_forecast::research::queries::build_queries;
use polybot_forecast::research::{Citation, EvidenceBullet, Phase, Source};
use polybot_forecast::{CalibrationSample, fit_platt};
use polybot_scanner::Category;

/// A statistics release as agencies publish it: navigation, scripts, styles, tables and prose.
fn page(bytes: usize) -> String {
    let mut html = String::from(
        "<html><head><title>Consumer Price Index – November 2026</title>\
         <meta property=\"article:published_time\" content=\"2026-12-10T08:30:00Z\">\
         <style>body{font:12px sans-serif}.nav{display:none}</style>\
         <script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}</script></head><body>\
         <nav class=\"nav\"><a href=\"/\">Home</a> &middot; <a href=\"/cpi\">CPI</a></nav>",
    );
    let mut i = 0u32;
    while html.len() < bytes {
        html.push_str(&format!(
            "<p>The Consumer Price Index for All Urban Consumers (CPI-U) increased {}.{} percent \
             on a seasonally adjusted basis in November&nbsp;2026, after rising 0.{} percent in \
             October. Over the last 12 months, the all items index increased 3.{} percent.</p>\
             <table><tr><td>Food</td><td>{}.{}%</td></tr><tr><td>Energy</td><td>-0.{}%</td></tr>\
             </table>",
            i % 3,
            i % 10,
            (i + 3) % 10,
            i % 10,
            i % 4,
            (i + 1) % 10,
            i % 7
        ));
        i += 1;
    }
    html.push_str("</body></html>");
    html
}

fn bullets(n: usize) -> (Vec<EvidenceBullet>, Vec<Source>) {
    let domains = ["bls.gov", "reuters.com", "federalreserve.gov", "cnbc.com"];
    let sources = domains
        .iter()
        .map(|d| Source {
            url: format!("https://www.{d}/cpi"),
            domain: (*d).to_owned(),
            title: "CPI".into(),
            text: String::new(),
            published: Some("2026-12-10".into()),
            fetched_ms: 0,
            bytes: 0,
            from_cache: false,
            phase: Phase::Primary,
        })
        .collect();
    let bullets = (0..n)
        .map(|i| {
            let d = domains[i % domains.len()];
            EvidenceBullet {
                text: format!("CPI-U rose 3.{}% over 12 months", i % 3),
                metric_name: Some(if i % 2 == 0 { "CPI-U YoY" } else { "core CPI" }.to_owned()),
                metric_value: Some(format!("3.{}", i % 3)),
                metric_unit: Some("percent".into()),
                metric_date: Some("2026-11-30".into()),
                confidence: 0.9,
                citation: Citation {
                    url: format!("https://www.{d}/cpi"),
                    publisher: d.to_owned(),
                    authority_score: 1.0,
                },
            }
        })
        .collect();
    (bullets, sources)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("research");
    for kb in [50usize, 500] {
        let html = page(kb * 1024);
        g.throughput(Throughput::Bytes(html.len() as u64));
        g.bench_function(format!("html_to_text_{kb}kb"), |b| {
            b.iter(|| black_box(to_page(black_box(&html))))
        });
    }
    g.throughput(Throughput::Elements(1));
    let cfg = ResearchConfig::default();
    let (bullets, sources) = bullets(20);
    let now = 1_765_500_000_000;
    g.bench_function("evidence_quality_20_bullets", |b| {
        b.iter(|| black_box(evidence_quality(&bullets, &sources, now, &cfg)))
    });
    g.bench_function("build_queries", |b| {
        b.iter(|| {
            black_box(build_queries(
                black_box("Will CPI YoY exceed 3% in December 2026?"),
                "Resolves YES if the BLS reports CPI-U above 3.0% for December 2026.",
                Category::Macro,
                chrono::NaiveDate::from_ymd_opt(2027, 1, 15),
                &cfg,
            ))
        })
    });
    let samples: Vec<CalibrationSample> = (0..365)
        .map(|i| CalibrationSample {
            forecast: 0.05 + 0.9 * f64::from(i % 19) / 18.0,
            outcome: i % 3 != 0,
        })
        .collect();
    g.bench_function("platt_refit_365_samples", |b| {
        b.iter(|| black_box(fit_platt(black_box(&samples), 1.0)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
