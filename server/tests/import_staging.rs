//! Imports never hold the write lock for a whole file (issue 15: reviewers got "database is
//! locked" behind an admin's 200,000-record upload), and stay all-or-nothing: staged in a
//! hidden dataset batch by batch, published at the end, cleaned up or finished after a crash.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::{DatasetName, UserId};
use app::import::ImportFormat;
use app::store::queue::{self, Reviewer};
use common::{TestApp, pairs};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_medpref");

async fn import(
    app: &TestApp,
    dataset: &str,
    text: &str,
) -> Result<app::import::ImportSummary, app::import::ImportFailure> {
    let name = DatasetName::parse(dataset).unwrap();
    app::import::import(&app.db, &name, &ImportFormat::CmdReward.into(), "t.jsonl", text.as_bytes(), None).await
}

async fn reviewer(app: &TestApp) -> Reviewer {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role) VALUES ('r', 'x', 'annotator') RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    Reviewer { id: UserId(id), specialties: vec![] }
}

/// Lines `from..to` of a CMD(Reward) file whose content differs from `pairs`.
fn other_pairs(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| serde_json::json!({ "question": format!("大文件问题{i}"), "response_chosen": "甲", "response_rejected": "乙" }).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The import record of a staged import of `lines` lines.
fn record(lines: i64) -> app::store::items::ImportRecord<'static> {
    app::store::items::ImportRecord {
        dataset: app::domain::DatasetId(0),
        source_name: "staged.jsonl",
        format: "cmd-reward",
        sha256: "x",
        lines,
        actor: None,
    }
}

/// Items `from..to`, scanned as an import scans them, each with two answers.
fn scanned(from: usize, to: usize) -> Vec<app::store::items::ScannedItem> {
    use app::store::items::{NewCandidate, NewItem};
    (from..to)
        .map(|i| {
            app::import::scan::scan(NewItem {
                source_line: i as i64 + 1,
                content_hash: format!("hash-{i}"),
                system: None,
                history: vec![],
                question: format!("问题{i}"),
                department: None,
                task: None,
                meta: serde_json::json!({}),
                candidates: vec![
                    NewCandidate::imported("甲".into(), None, None),
                    NewCandidate::imported("乙".into(), None, None),
                ],
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_write_while_a_large_import_runs_and_see_none_of_it_until_it_is_published() {
    let app = TestApp::new().await;
    import(&app, "d", &pairs(400)).await.unwrap();
    let ds = app::store::datasets::by_name(&app.db, &DatasetName::parse("d").unwrap()).await.unwrap().unwrap();
    let r = reviewer(&app).await;
    let big = other_pairs(0, 30_000);
    let db_ = app.db.clone();
    let importing = tokio::spawn(async move {
        let name = DatasetName::parse("big").unwrap();
        app::import::import(&db_, &name, &ImportFormat::CmdReward.into(), "big.jsonl", big.as_bytes(), None).await
    });
    // While the file is staged: leases go through, and nothing of "big" is visible.
    let mut rng = StdRng::seed_from_u64(1);
    let (mut leased_while_staging, mut checks) = (0, 0);
    let started = Instant::now();
    while !importing.is_finished() {
        let staging: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM imports WHERE state = 'staging'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let got = queue::lease(&app.db, &ds, &r, 0.0, 1, &mut rng).await.unwrap();
        let visible: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'big'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let listed = app::store::datasets::summaries_for(&app.db, r.id).await.unwrap();
        let still_staging: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM imports WHERE state = 'staging'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if staging == 1 && still_staging == 1 {
            assert_eq!(visible, 0, "nothing of an import is visible while it is staged");
            assert_eq!(listed.len(), 1, "the staging dataset is listed nowhere: {listed:?}");
            checks += 1;
            if let Some(a) = got.first() {
                sqlx::query("UPDATE assignments SET state = 'done' WHERE id = ?")
                    .bind(a.id.0)
                    .execute(&app.pool)
                    .await
                    .unwrap();
                leased_while_staging += 1;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(300));
    }
    let summary = importing.await.unwrap().unwrap();
    assert_eq!((summary.added, summary.duplicates), (30_000, 0));
    assert!(checks > 0 && leased_while_staging > 0, "{leased_while_staging} leases while staging ({checks} checks)");
    let (items, staging_left): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'big'),
                (SELECT COUNT(*) FROM datasets WHERE staging_of IS NOT NULL)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((items, staging_left), (30_000, 0));
    let open: i64 =
        sqlx::query_scalar("SELECT open_items FROM datasets WHERE name = 'big'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(open, 30_000, "published items are open for review");
}

#[tokio::test]
async fn a_bad_line_discards_the_staging_and_duplicates_of_the_dataset_are_counted() {
    let app = TestApp::new().await;
    import(&app, "d", &pairs(10)).await.unwrap();
    let before: i64 = app.count("items").await;
    // A bad line far into the file, after several batches were staged.
    let mut text = other_pairs(0, 5_000);
    text.push_str("\n{not json\n");
    text.push_str(&other_pairs(5_000, 5_010));
    let failed = import(&app, "d", &text).await;
    assert!(failed.is_err(), "{failed:?}");
    let (items, datasets, imports): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM datasets), (SELECT COUNT(*) FROM imports)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((items, datasets, imports), (before, 1, 1), "a rejected file changes nothing");
    // A file repeating 10 items the dataset holds and adding 5: 5 added, 10 duplicates.
    let mut again = pairs(10);
    again.push('\n');
    again.push_str(&other_pairs(0, 5));
    let summary = import(&app, "d", &again).await.unwrap();
    assert_eq!((summary.added, summary.duplicates), (5, 10));
    assert_eq!(app.count("items").await, before + 5);
    let (added, duplicates): (i64, i64) =
        sqlx::query_as("SELECT added, duplicates FROM imports ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((added, duplicates), (5, 10));
}

#[tokio::test]
async fn after_a_crash_an_abandoned_staging_is_discarded_and_a_half_published_import_is_finished() {
    use app::store::staging;
    let app = TestApp::new().await;
    let name = DatasetName::parse("d").unwrap();
    let mut conn = app::store::bulk_connection(&app.db).await.unwrap();
    // One import died while staging, one while publishing (after its first batch moved).
    let abandoned =
        staging::begin(&app.db, &mut conn, &name, app::import::DatasetKind::Compare, &record(20)).await.unwrap();
    staging::write(&app.db, &mut conn, abandoned, &scanned(0, 20), &[]).await.unwrap();
    let half = staging::begin(&app.db, &mut conn, &name, app::import::DatasetKind::Compare, &record(30)).await.unwrap();
    staging::write(&app.db, &mut conn, half, &scanned(100, 130), &[]).await.unwrap();
    app::store::datasets::create(&app.db, &name, app::import::DatasetKind::Compare, None).await.unwrap();
    sqlx::query("UPDATE imports SET state = 'publishing', added = 30, duplicates = 0 WHERE id = ?")
        .bind(half.import_id)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE items SET dataset_id = (SELECT id FROM datasets WHERE name = 'd') WHERE import_id = ? AND id IN (SELECT id FROM items WHERE import_id = ? ORDER BY id LIMIT 10)")
        .bind(half.import_id)
        .bind(half.import_id)
        .execute(&app.pool)
        .await
        .unwrap();
    // Not yet stale: another process may still be writing them.
    staging::recover(&app.db).await.unwrap();
    assert_eq!(app.count("items").await, 50);
    sqlx::query("UPDATE imports SET heartbeat_at = '2000-01-01T00:00:00.000Z'").execute(&app.pool).await.unwrap();
    staging::recover(&app.db).await.unwrap();
    let (items, in_d, staging_left, imports): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'd'),
                (SELECT COUNT(*) FROM datasets WHERE staging_of IS NOT NULL), (SELECT COUNT(*) FROM imports WHERE state = 'done')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((items, in_d, staging_left, imports), (30, 30, 0, 1));
    let open: i64 =
        sqlx::query_scalar("SELECT open_items FROM datasets WHERE name = 'd'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(open, 30);
}

#[tokio::test]
async fn a_new_datasets_first_import_is_published_by_promoting_its_staging_and_a_later_one_moves_in() {
    use app::store::{datasets, staging};
    let app = TestApp::new().await;
    let name = DatasetName::parse("fresh").unwrap();
    let kind = app::import::DatasetKind::Compare;
    let mut conn = app::store::bulk_connection(&app.db).await.unwrap();
    let first = staging::begin(&app.db, &mut conn, &name, kind, &record(12_000)).await.unwrap();
    for from in (0..12_000).step_by(3_000) {
        staging::write(&app.db, &mut conn, first, &scanned(from, from + 3_000), &[]).await.unwrap();
    }
    assert!(datasets::by_id(&app.db, first.dataset).await.unwrap().is_none(), "a staging dataset has no id");
    let ids_before: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM items ORDER BY id").fetch_all(&app.pool).await.unwrap();
    let published =
        staging::publish(&app.db, &mut conn, first, (12_000, 0), None, serde_json::json!({})).await.unwrap().unwrap();
    assert_eq!((published.dataset, published.added, published.already_there), (first.dataset, 12_000, 0));
    let ds = datasets::by_id(&app.db, first.dataset).await.unwrap().expect("the staging dataset became `fresh`");
    assert_eq!(ds.name.as_str(), "fresh");
    let ids_after: Vec<i64> = sqlx::query_scalar("SELECT id FROM items WHERE dataset_id = ? ORDER BY id")
        .bind(ds.id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(ids_after, ids_before, "promoted, not moved");
    let (needing, open): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM items WHERE dataset_id = ?1 AND need = d.overlap_target), d.open_items
           FROM datasets d WHERE d.id = ?1",
    )
    .bind(ds.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((needing, open), (12_000, 12_000), "every published item needs its overlap");
    let r = reviewer(&app).await;
    let got = queue::lease(&app.db, &ds, &r, 0.0, 1, &mut StdRng::seed_from_u64(2)).await.unwrap();
    assert_eq!(got.len(), 1, "a promoted dataset is served");

    // The next import into it moves its new items in and leaves the repeats behind.
    let second = staging::begin(&app.db, &mut conn, &name, kind, &record(10)).await.unwrap();
    staging::write(&app.db, &mut conn, second, &scanned(11_995, 12_005), &[]).await.unwrap();
    let published =
        staging::publish(&app.db, &mut conn, second, (10, 0), None, serde_json::json!({})).await.unwrap().unwrap();
    assert_eq!((published.dataset, published.added, published.already_there), (ds.id, 5, 5));
    let (items, staging_left, open): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM items WHERE dataset_id = ?1), (SELECT COUNT(*) FROM datasets WHERE staging_of IS NOT NULL),
                (SELECT open_items FROM datasets WHERE id = ?1)",
    )
    .bind(ds.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((items, staging_left, open), (12_005, 0, 12_005));
}

#[test]
fn an_import_killed_midway_leaves_nothing_and_the_retry_imports_exactly_once() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("big.jsonl");
    std::fs::write(&file, other_pairs(0, 30_000)).unwrap();
    let run = |args: &[&str]| Command::new(BIN).arg("--data-dir").arg(data.path()).args(args).output().unwrap();
    assert!(run(&["migrate"]).status.success());
    let db = data.path().join("medpref.db");
    let query = |sql: &str| -> String {
        let out = Command::new("python3")
            .args(["-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])"])
            .arg(&db)
            .arg(sql)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let count = |sql: &str| -> i64 { query(sql).parse().unwrap_or_else(|_| panic!("{sql}: {}", query(sql))) };
    for round in 0..2i64 {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(data.path())
            .args(["import", "--dataset", "big", "--format", "cmd-reward"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill while batches are being staged.
        let started = Instant::now();
        while count("SELECT COUNT(*) FROM imports") < round + 1
            || count("SELECT COUNT(*) FROM items WHERE import_id = (SELECT MAX(id) FROM imports)") < 2_000
        {
            assert!(started.elapsed() < Duration::from_secs(120), "round {round}: the import did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            count("SELECT COUNT(*) FROM datasets WHERE staging_of IS NULL"),
            0,
            "round {round}: no dataset appeared"
        );
        assert_eq!(count("SELECT COUNT(*) FROM imports WHERE state = 'done'"), 0);
    }
    let out = run(&["import", "--dataset", "big", "--format", "cmd-reward", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        count("SELECT COUNT(*) FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'big'"),
        30_000
    );
    let out = run(&["import", "--dataset", "big", "--format", "cmd-reward", file.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(
        count("SELECT COUNT(*) FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'big'"),
        30_000,
        "a third run adds 0"
    );
    assert_eq!(count("SELECT COUNT(*) FROM imports WHERE state = 'done'"), 2);
    assert_eq!(query("PRAGMA integrity_check"), "ok");
}

/// The same through the server (issue 17): an HTTP upload killed with the server midway
/// leaves nothing visible; after a restart the retry imports exactly once; a third adds 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_killed_with_the_server_leaves_nothing_and_the_retry_imports_exactly_once() {
    use common::process::{free_port, login, serve, wait_up};
    let data = tempfile::tempdir().unwrap();
    {
        let pool = server::open_store(data.path()).await.unwrap();
        let (name, pw) = (app::domain::Username::parse("admin").unwrap(), "pw-admin-0123456789");
        let pw = app::domain::NewPassword::parse(pw.to_string()).unwrap();
        app::auth::accounts::create(&pool, None, &name, &pw, app::domain::Role::Admin).await.unwrap();
        pool.close().await;
    }
    let body = other_pairs(0, 30_000);
    let client = reqwest::Client::new();
    let upload = |url: String, cookie: String| {
        let (client, body) = (client.clone(), body.clone());
        async move {
            client
                .post(format!("{url}/api/upload?dataset=big&format=cmd-reward&file_name=big.jsonl"))
                .header("cookie", cookie)
                .header("accept", "application/json")
                .body(body)
                .send()
                .await
        }
    };
    let count = |sql: &'static str| {
        let path = data.path().to_owned();
        async move {
            let pool = app::store::sqlite::open(&server::database_path(&path)).await.unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        }
    };
    let start = || async {
        let url = format!("http://127.0.0.1:{}", free_port());
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        let child = serve(data.path(), port);
        wait_up(&client, &url).await;
        let cookie = login(&client, &url, "admin", "pw-admin-0123456789").await.unwrap();
        (child, url, cookie)
    };
    let (mut server, url, cookie) = start().await;
    let sent = tokio::spawn(upload(url, cookie));
    let started = Instant::now();
    while count("SELECT COUNT(*) FROM items WHERE import_id = (SELECT MAX(id) FROM imports)").await < 2_000 {
        assert!(started.elapsed() < Duration::from_secs(120), "the upload did not start staging");
        assert!(!sent.is_finished(), "the upload finished before it could be killed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap(); // SIGKILL, mid-upload
    server.wait().unwrap();
    assert!(sent.await.unwrap().is_err(), "the killed upload got no answer");
    assert_eq!(count("SELECT COUNT(*) FROM datasets WHERE staging_of IS NULL").await, 0, "no dataset appeared");
    assert_eq!(count("SELECT COUNT(*) FROM imports WHERE state = 'done'").await, 0);

    let (mut server, url, cookie) = start().await;
    for run in 0..2 {
        let res = upload(url.clone(), cookie.clone()).await.unwrap();
        assert_eq!(res.status(), 200, "run {run}: {}", res.text().await.unwrap_or_default());
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let in_big = "SELECT COUNT(*) FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'big'";
    assert_eq!(count(in_big).await, 30_000, "imported exactly once; the third run added 0");
    // The killed upload's staging stays hidden until recovery discards it (after its heartbeat stops).
    assert_eq!(count("SELECT COUNT(*) FROM datasets WHERE staging_of IS NULL").await, 1, "one dataset, `big`");
    let pool = app::store::sqlite::open(&server::database_path(data.path())).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.unwrap();
    assert_eq!(integrity, "ok");
}
