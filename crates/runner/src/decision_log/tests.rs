//! The decision log's file side against a real store: appends, repair after a crash, and
//! verification that finds edits.

use polybot_engine::{AccountId, Decision};
use polybot_model::TokenId;
use polybot_store::Batch;

use super::*;

async fn store(dir: &Path) -> Store {
    Store::open_sqlite(&dir.join("polybot.db")).await.unwrap()
}

/// Commits one batch of `n` decisions stamped `ts`; returns them as logged.
async fn commit(store: &Store, ts: i64, n: usize) -> Vec<LoggedDecision> {
    let decisions: Vec<(i64, Decision)> = (0..n)
        .map(|i| {
            (
                ts,
                Decision::Refused {
                    account: AccountId::new("manual"),
                    token: TokenId::parse(&(100 + i).to_string()).unwrap(),
                    code: "insufficient_cash".into(),
                },
            )
        })
        .collect();
    store
        .commit_batch(&Batch {
            decisions: &decisions,
            ..Batch::empty(ts)
        })
        .await
        .unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

async fn intact(path: &Path, store: &Store, records: u64) {
    let report = verify_file(path, store).await.unwrap();
    assert_eq!(report.broken, None, "{report:?}");
    assert_eq!(report.behind, None, "{report:?}");
    assert_eq!(report.records, records, "{report:?}");
    assert!(!report.torn_tail);
}

#[tokio::test]
async fn the_file_copies_the_store_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let mut log = DecisionLog::new(dir.path());
    log.open(&store).await;
    assert!(log.path().is_file(), "created at start-up");
    for ts in 1..=3 {
        let logged = commit(&store, ts, 2).await;
        log.append(&store, &logged).await;
    }
    log.append(&store, &[]).await;
    let text = lines(log.path());
    assert_eq!(text.len(), 6);
    let stored = store.chained_decisions(0, 100).await.unwrap();
    for (line, record) in text.iter().zip(&stored) {
        assert_eq!(line, &to_line(record).unwrap());
        let parsed: FileRecord = serde_json::from_str(line).unwrap();
        assert_eq!(
            parsed.decision.get(),
            record.data,
            "the stored JSON, byte for byte"
        );
        assert_eq!(Some(parsed.computed_hash()), record.hash);
    }
    intact(log.path(), &store, 6).await;
    let report = verify_file(log.path(), &store).await.unwrap();
    assert_eq!(report.last, store.decision_chain_tip().await.unwrap());
}

#[tokio::test]
async fn a_start_copies_what_a_crash_left_out_and_cuts_a_torn_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let mut log = DecisionLog::new(dir.path());
    log.open(&store).await;
    let logged = commit(&store, 1, 2).await;
    log.append(&store, &logged).await;
    // Killed between the commit and the write: the store is ahead of the file.
    commit(&store, 2, 3).await;
    drop(log);
    let report = verify_file(&path(dir.path()), &store).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!((report.records, report.behind), (2, Some((3, 5, 3))));

    // ... and in the middle of writing the next line.
    let mut file = OpenOptions::new()
        .append(true)
        .open(path(dir.path()))
        .unwrap();
    file.write_all(b"{\"seq\":3,\"ts\":2,\"sta").unwrap();
    drop(file);
    let report = verify_file(&path(dir.path()), &store).await.unwrap();
    assert!(report.torn_tail);
    assert_eq!(report.broken, None);

    let mut log = DecisionLog::new(dir.path());
    log.open(&store).await;
    intact(log.path(), &store, 5).await;
    // Appending goes on from there; a reopen with nothing missing copies nothing.
    let logged = commit(&store, 3, 1).await;
    log.append(&store, &logged).await;
    drop(log);
    let mut log = DecisionLog::new(dir.path());
    log.open(&store).await;
    intact(log.path(), &store, 6).await;

    // A deleted file is rebuilt from the store.
    std::fs::remove_file(log.path()).unwrap();
    let report = verify_file(log.path(), &store).await.unwrap();
    assert!(!report.exists);
    assert_eq!(report.behind, Some((1, 6, 6)));
    log.open(&store).await;
    intact(log.path(), &store, 6).await;
}

#[tokio::test]
async fn an_append_after_a_failed_write_copies_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let mut log = DecisionLog::new(dir.path());
    log.open(&store).await;
    let first = commit(&store, 1, 1).await;
    log.append(&store, &first).await;
    // A batch whose write was lost: the next append finds the gap and fills it.
    commit(&store, 2, 2).await;
    let third = commit(&store, 3, 1).await;
    log.append(&store, &third).await;
    intact(log.path(), &store, 4).await;
}

#[tokio::test]
async fn edits_and_deletions_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let mut log = DecisionLog::new(dir.path());
    log.open(&store).await;
    for ts in 1..=4 {
        let logged = commit(&store, ts, 1).await;
        log.append(&store, &logged).await;
    }
    let file = log.path().to_owned();
    drop(log);
    let original = lines(&file);
    let write = |lines: &[String]| {
        std::fs::write(
            &file,
            lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .unwrap();
    };
    let broken = |report: FileReport| report.broken.expect("a break");

    // An edited line.
    let mut edited = original.clone();
    edited[1] = edited[1].replace("insufficient_cash", "insufficient_funds");
    write(&edited);
    let b = broken(verify_file(&file, &store).await.unwrap());
    assert_eq!((b.line, b.seq), (2, Some(2)));
    assert!(b.to_string().contains("edited"), "{b}");

    // A field added.
    let mut added = original.clone();
    added[2] = added[2].replacen('{', "{\"note\":1,", 1);
    write(&added);
    let b = broken(verify_file(&file, &store).await.unwrap());
    assert_eq!((b.line, b.seq), (3, None));
    assert!(b.problem.contains("unknown field"), "{b}");

    // A line deleted in the middle, and at the start.
    write(&[
        original[0].clone(),
        original[2].clone(),
        original[3].clone(),
    ]);
    let b = broken(verify_file(&file, &store).await.unwrap());
    assert_eq!((b.line, b.seq), (2, Some(3)));
    assert!(b.problem.contains("seq 2 before it is missing"), "{b}");
    write(&original[1..]);
    let b = broken(verify_file(&file, &store).await.unwrap());
    assert_eq!((b.line, b.seq), (1, Some(2)));

    // Not a record at all.
    write(&[original[0].clone(), "hello".to_owned()]);
    let b = broken(verify_file(&file, &store).await.unwrap());
    assert_eq!((b.line, b.seq), (2, None));

    // A record the store no longer has (deleted from the end of the store's log), and a
    // store record rehashed after an edit.
    write(&original);
    intact(&file, &store, 4).await;
    let pool = sqlx_pool(dir.path()).await;
    sqlx::query("DELETE FROM decisions WHERE seq = 4")
        .execute(&pool)
        .await
        .unwrap();
    let b = broken(verify_file(&file, &store).await.unwrap());
    assert_eq!((b.line, b.seq), (4, Some(4)));
    assert!(b.problem.contains("deleted from the store"), "{b}");
    sqlx::query("UPDATE decisions SET hash = 'x' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    let b = broken(verify_file(&file, &store).await.unwrap());
    assert_eq!((b.line, b.seq), (2, Some(2)));
    assert!(b.problem.contains("differs from the store"), "{b}");
    pool.close().await;

    // A start does not touch a file that disagrees with the store.
    let before = std::fs::read(&file).unwrap();
    let mut log = DecisionLog::new(dir.path());
    log.open(&store).await;
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

async fn sqlx_pool(dir: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("polybot.db").display()))
        .await
        .unwrap()
}
