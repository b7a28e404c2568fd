use super::{sample_market, temp_store};
use crate::{Store, StoreError};

/// The newest migration's version: the schema every open brings a database to.
const LATEST: i64 = 5;

#[tokio::test]
async fn open_creates_the_file_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/polybot.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    assert!(path.is_file(), "database file created");

    let pool = store.sqlite_pool();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
    // NORMAL is 1.
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(synchronous, 1);
    assert_eq!(store.schema_version().await.unwrap(), LATEST);
    store.close().await;
}

/// Opening the same new database from several processes at once (the engine starting while
/// `polybot orders` runs) must not fail on a migration another opener applied first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_opens_all_succeed() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("race-{round}.db"));
        let opens: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                tokio::spawn(async move { Store::open_sqlite(&path).await })
            })
            .collect();
        for open in opens {
            let store = open.await.unwrap().expect("every concurrent open succeeds");
            assert_eq!(store.schema_version().await.unwrap(), LATEST);
            store.close().await;
        }
    }
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let (_dir, path, store) = temp_store().await;
    store.close().await;
    let store = Store::open_sqlite(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST);
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(store.sqlite_pool())
        .await
        .unwrap();
    assert_eq!(applied, LATEST);
    store.close().await;
}

#[tokio::test]
async fn data_survives_close_and_reopen() {
    let (_dir, path, store) = temp_store().await;
    let market = sample_market(7);
    store
        .upsert_markets(std::slice::from_ref(&market))
        .await
        .unwrap();
    store.kv_set("scan.cursor", &"abc").await.unwrap();
    store.close().await;

    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(
        store.market(&market.condition_id).await.unwrap(),
        Some(market)
    );
    assert_eq!(
        store
            .kv_get::<String>("scan.cursor")
            .await
            .unwrap()
            .as_deref(),
        Some("abc")
    );
    store.close().await;
}

#[tokio::test]
async fn in_memory_stores_work_and_are_private() {
    let a = Store::open("sqlite::memory:").await.unwrap();
    let b = Store::open("sqlite::memory:").await.unwrap();
    assert_eq!(a.schema_version().await.unwrap(), LATEST);
    a.upsert_markets(&[sample_market(1)]).await.unwrap();
    assert_eq!(a.market_count().await.unwrap(), 1);
    assert_eq!(b.market_count().await.unwrap(), 0);
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn postgres_urls_are_refused_without_leaking_the_password() {
    for url in [
        "postgres://bot:hunter2@db.example/polybot",
        "postgresql://bot:hunter2@db.example/polybot",
    ] {
        let err = Store::open(url).await.unwrap_err();
        assert!(
            matches!(err, StoreError::UnsupportedBackend { .. }),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("PostgreSQL"), "{message}");
        assert!(message.contains("planned"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[tokio::test]
async fn other_urls_are_refused() {
    let err = Store::open("mysql://localhost/polybot").await.unwrap_err();
    assert!(
        matches!(err, StoreError::UnsupportedBackend { .. }),
        "{err:?}"
    );
    let err = Store::open("polybot.db").await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err:?}");
    let err = Store::open("sqlite://x.db?mode=ro").await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err:?}");
}

#[tokio::test]
async fn url_modes_choose_whether_to_create() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/polybot.db");
    let must_exist = format!("sqlite://{}?mode=rw", path.display());
    let err = Store::open(&must_exist).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Open { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(!path.exists());

    let store = Store::open(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    store.close().await;
    let store = Store::open(&must_exist).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST);
    store.close().await;
}

#[tokio::test]
async fn open_failure_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"file").unwrap();
    let path = blocker.join("polybot.db");
    let err = Store::open_sqlite(&path).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Open { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}
