use serde::{Deserialize, Serialize};

use super::temp_store;
use crate::StoreError;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Cursor {
    offset: u64,
    seen: Vec<String>,
}

#[tokio::test]
async fn kv_round_trip_overwrite_and_delete() {
    let (_dir, _path, store) = temp_store().await;
    assert_eq!(store.kv_get::<Cursor>("scan.cursor").await.unwrap(), None);

    let first = Cursor {
        offset: 100,
        seen: vec!["a".into()],
    };
    store.kv_set("scan.cursor", &first).await.unwrap();
    assert_eq!(store.kv_get("scan.cursor").await.unwrap(), Some(first));

    let second = Cursor {
        offset: 200,
        seen: vec!["a".into(), "b".into()],
    };
    store.kv_set("scan.cursor", &second).await.unwrap();
    assert_eq!(store.kv_get("scan.cursor").await.unwrap(), Some(second));

    // Unsized values work too.
    store.kv_set("name", "polybot").await.unwrap();
    assert_eq!(
        store.kv_get::<String>("name").await.unwrap().as_deref(),
        Some("polybot")
    );

    assert!(store.kv_delete("scan.cursor").await.unwrap());
    assert!(!store.kv_delete("scan.cursor").await.unwrap());
    assert_eq!(store.kv_get::<Cursor>("scan.cursor").await.unwrap(), None);
    store.close().await;
}

#[tokio::test]
async fn kv_value_of_the_wrong_shape_is_corrupt() {
    let (_dir, _path, store) = temp_store().await;
    store.kv_set("flag", &true).await.unwrap();
    let err = store.kv_get::<Cursor>("flag").await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { table: "kv", key, .. } if key == "flag"),
        "{err:?}"
    );

    sqlx::query("UPDATE kv SET value = 'not json' WHERE key = 'flag'")
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    let err = store.kv_get::<bool>("flag").await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { key, .. } if key == "flag"),
        "{err:?}"
    );
    store.close().await;
}

#[tokio::test]
async fn unencodable_values_are_refused() {
    let (_dir, _path, store) = temp_store().await;
    // JSON object keys must be strings.
    let map: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
    let err = store.kv_set("map", &map).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Encode { key, .. } if key == "map"),
        "{err:?}"
    );
    store.close().await;
}
