//! Intent → signed order latency: exact amounts, the SDK's order payload and its EIP-712
//! signature (secp256k1), with a random test key and no network (caches pre-filled).

use std::hint::black_box;

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use criterion::{Criterion, criterion_group, criterion_main};
use polybot_model::{Price, Side, Size, TickSize, TokenId};
use polybot_polymarket::signing::{OrderKind, OrderSigner, OrderSpec, Wallet};
use polymarket_client_sdk_v2::auth::{Credentials, Uuid};
use polymarket_client_sdk_v2::types::U256;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let key = PrivateKeySigner::random().with_chain_id(Some(137));
    let credentials = Credentials::new(Uuid::nil(), format!("{}=", "A".repeat(43)), "bench".into());
    let signer = runtime
        .block_on(OrderSigner::new(
            "http://127.0.0.1:1/",
            key,
            Wallet::Eoa,
            credentials,
        ))
        .expect("order signer");
    let mut spec = OrderSpec {
        token_id: TokenId(U256::from(1_234_567_u64)),
        side: Side::Buy,
        price: Price::parse("0.47").expect("price"),
        size: Size::shares(100),
        tick: TickSize::Hundredth,
        neg_risk: false,
        order_type: OrderKind::Gtc,
        post_only: false,
        salt: 1,
        timestamp_ms: 1_710_000_000_000,
    };
    c.bench_function("signing/intent_to_signed_limit_order", |b| {
        b.iter(|| {
            spec.salt = spec.salt % 1_000_000 + 1;
            black_box(
                runtime
                    .block_on(signer.sign_limit(black_box(&spec)))
                    .expect("signed"),
            )
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
