//! Leaderboard discovery, positions and scoring against fakex through the SDK's Data API
//! client.

mod common;

use std::collections::HashMap;

use polybot_wallets::discovery::{DiscoveryQuery, discover};
use polybot_wallets::poll::{Paging, fetch_window};
use polybot_wallets::{
    DataApi, ScoreContext, ScoreThresholds, WalletsConfig, fetch_positions, score,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leaderboard_yields_ranked_candidates_with_positions() {
    let fx = common::fakex().await;
    fx.exchange().step(2_000);
    let api = DataApi::new(&fx.data_url(), &common::http()).unwrap();
    let config = WalletsConfig {
        discovery_time_period: "DAY".into(),
        discovery_limit: 60,
        ..WalletsConfig::default()
    };
    let found = discover(&api, &DiscoveryQuery::from_config(&config))
        .await
        .unwrap();
    assert!(found.rejected.is_empty(), "{:?}", found.rejected);
    assert!(
        found.candidates.len() > 50,
        "two pages read: {}",
        found.candidates.len()
    );
    assert!(
        found
            .candidates
            .windows(2)
            .all(|w| w[0].rank < w[1].rank && w[0].pnl >= w[1].pnl)
    );

    let q = DiscoveryQuery {
        min_pnl: polybot_model::Usdc::from_micros(i64::MAX),
        ..DiscoveryQuery::from_config(&config)
    };
    assert!(discover(&api, &q).await.unwrap().candidates.is_empty());

    // A busy wallet's positions, and a score from its fills marked at the positions' prices.
    let wallet = fx.exchange().wallet_styles().scalpers[0].parse().unwrap();
    let positions = fetch_positions(&api, wallet, 1_000).await.unwrap();
    assert!(positions.rejected.is_empty(), "{:?}", positions.rejected);
    assert!(!positions.positions.is_empty());
    for p in &positions.positions {
        assert_eq!(p.wallet, wallet);
        assert!(
            p.size.micros() >= 1_000_000,
            "the default sizeThreshold is 1 share"
        );
    }
    let fills = fetch_window(
        &api,
        wallet,
        0,
        Paging {
            page_limit: 500,
            max_pages: 5,
        },
    )
    .await
    .unwrap();
    assert!(fills.rejected.is_empty());
    let marks: HashMap<_, _> = positions
        .positions
        .iter()
        .map(|p| (p.token, p.cur_price))
        .collect();
    let ctx = ScoreContext {
        marks,
        now_ms: polybot_wallets::now_ms(),
        ..ScoreContext::default()
    };
    let s = score(wallet, &fills.trades, &ctx, &ScoreThresholds::default());
    assert_eq!(s.trades as usize, fills.trades.len());
    assert!((0.0..=1.0).contains(&s.composite));
    let styles = fx.exchange().wallet_styles();
    for (kind, address) in styles
        .skilled
        .iter()
        .map(|a| ("skilled", a))
        .chain(styles.scalpers.iter().map(|a| ("scalper", a)))
    {
        let w = address.parse().unwrap();
        let fills = fetch_window(
            &api,
            w,
            0,
            Paging {
                page_limit: 500,
                max_pages: 5,
            },
        )
        .await
        .unwrap();
        let s = score(w, &fills.trades, &ctx, &ScoreThresholds::default());
        let codes: Vec<&str> = s.uncopyable.iter().map(|u| u.code()).collect();
        eprintln!(
            "{kind} {address}: {} trades, {} round trips, avg hold {:?} s, median ${:.2}, pnl ${:.2}, composite {:.3}, uncopyable {codes:?}",
            s.trades,
            s.round_trips,
            s.avg_hold_secs.map(|h| h.round()),
            s.median_trade_usd,
            s.pnl_usd,
            s.composite
        );
        if kind == "scalper" {
            assert!(
                codes.contains(&"tiny_trades"),
                "fakex's scalpers trade tiny: {codes:?}"
            );
        }
    }
    fx.shutdown().await;
}
