//! The queue under concurrent requests, against a real SQLite file.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::{DatasetName, UserId};
use app::import::ImportFormat;
use app::store::datasets::DatasetRecord;
use app::store::queue::{self, Reviewer};
use common::{TestApp, pairs};
use rand::SeedableRng;
use rand::rngs::StdRng;

async fn setup(items: usize, overlap: i64) -> (TestApp, DatasetRecord) {
    let app = TestApp::new().await;
    let name = DatasetName::parse("d").unwrap();
    app::import::import(&app.db, &name, &ImportFormat::CmdReward.into(), "t", pairs(items).as_bytes(), None)
        .await
        .unwrap();
    sqlx::query("UPDATE datasets SET overlap_target = ?").bind(overlap).execute(&app.pool).await.unwrap();
    let ds = app::store::datasets::by_name(&app.db, &name).await.unwrap().unwrap();
    (app, ds)
}

async fn reviewers(app: &TestApp, n: usize) -> Vec<Reviewer> {
    let mut out = vec![];
    for i in 0..n {
        // Inserted directly: password hashing is not what these tests are about.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, role) VALUES (?, 'x', 'annotator') RETURNING id",
        )
        .bind(format!("r{i}"))
        .fetch_one(&app.pool)
        .await
        .unwrap();
        out.push(Reviewer { id: UserId(id), specialties: vec![] });
    }
    out
}

async fn lease_one(
    app: &TestApp,
    ds: &DatasetRecord,
    r: &Reviewer,
    gold_rate: f64,
    rng: &mut StdRng,
) -> Option<queue::Assignment> {
    queue::lease(&app.db, ds, r, gold_rate, 1, rng).await.unwrap().into_iter().next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_never_lease_beyond_the_overlap_target() {
    let (app, ds) = setup(5, 2).await;
    let users = reviewers(&app, 16).await;
    let tasks: Vec<_> = users
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let (db_, ds) = (app.db.clone(), ds.clone());
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(i as u64);
                queue::lease(&db_, &ds, &u, 0.0, 2, &mut rng).await.unwrap().len()
            })
        })
        .collect();
    let mut served = 0;
    for t in tasks {
        served += t.await.unwrap();
    }
    assert_eq!(served, 10, "5 items × overlap 2, whoever asks first");
    let over: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT item_id FROM assignments GROUP BY item_id HAVING COUNT(*) > 2)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(over, 0);
}

#[tokio::test]
async fn an_expired_lease_returns_the_item_to_the_pool() {
    let (app, ds) = setup(1, 1).await;
    let users = reviewers(&app, 2).await;
    let mut rng = StdRng::seed_from_u64(1);
    let first = lease_one(&app, &ds, &users[0], 0.0, &mut rng).await.unwrap();
    assert!(lease_one(&app, &ds, &users[1], 0.0, &mut rng).await.is_none());
    sqlx::query("UPDATE assignments SET lease_expires_at = '2000-01-01T00:00:00.000Z'")
        .execute(&app.pool)
        .await
        .unwrap();
    let second = lease_one(&app, &ds, &users[1], 0.0, &mut rng).await.unwrap();
    assert_eq!(first.item_id, second.item_id);
}

#[tokio::test]
async fn sides_are_randomised_per_reviewer_and_recorded() {
    let (app, ds) = setup(1, 50).await;
    let users = reviewers(&app, 40).await;
    let mut rng = StdRng::seed_from_u64(7);
    let mut left_first = 0;
    for u in &users {
        let a = lease_one(&app, &ds, u, 0.0, &mut rng).await.unwrap();
        let stored: String = sqlx::query_scalar("SELECT presentation FROM assignments WHERE id = ?")
            .bind(a.id.0)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(stored, serde_json::to_string(&a.presentation).unwrap(), "the shown order is recorded");
        let position: i64 = sqlx::query_scalar("SELECT position FROM candidates WHERE id = ?")
            .bind(a.presentation[0].0)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        left_first += (position == 0) as usize;
    }
    assert!((10..=30).contains(&left_first), "{left_first} of 40 had the source's first answer on the left");
}

/// Leases the next item, marks it done, and tells whether it was a gold item.
async fn serve_and_finish(app: &TestApp, ds: &DatasetRecord, r: &Reviewer, gold_rate: f64, rng: &mut StdRng) -> bool {
    let a = lease_one(app, ds, r, gold_rate, rng).await.expect("an item");
    sqlx::query("UPDATE assignments SET state = 'done' WHERE id = ?").bind(a.id.0).execute(&app.pool).await.unwrap();
    let gold: i64 = sqlx::query_scalar("SELECT CASE WHEN gold IS NOT NULL THEN 1 ELSE 0 END FROM items WHERE id = $1")
        .bind(a.item_id.0)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    gold == 1
}

#[tokio::test]
async fn gold_items_are_served_at_the_gold_rate_to_everyone() {
    let (app, ds) = setup(400, 1).await;
    // Every fifth item is gold.
    sqlx::query("UPDATE items SET gold = '{\"outcome\":\"tie\",\"winner\":null}' WHERE id % 5 = 0")
        .execute(&app.pool)
        .await
        .unwrap();
    let users = reviewers(&app, 2).await;
    let mut rng = StdRng::seed_from_u64(2026);
    let mut gold_served = 0;
    for _ in 0..200 {
        gold_served += serve_and_finish(&app, &ds, &users[0], 0.2, &mut rng).await as usize;
    }
    // Binomial(200, 0.2): mean 40, sd 5.7.
    assert!((25..=55).contains(&gold_served), "{gold_served} gold items in 200");
    // Gold items ignore the overlap target: the second reviewer gets them too.
    let mut seen_gold = 0;
    for _ in 0..20 {
        seen_gold += serve_and_finish(&app, &ds, &users[1], 0.5, &mut rng).await as usize;
    }
    assert!(seen_gold > 0);
    // With no gold rate, no gold item is served.
    for _ in 0..20 {
        assert!(!serve_and_finish(&app, &ds, &users[1], 0.0, &mut rng).await);
    }
}

#[tokio::test]
async fn items_of_a_reviewers_specialty_come_first() {
    let (app, ds) = setup(6, 3).await;
    sqlx::query("UPDATE items SET department = '儿科' WHERE id IN (4, 6)").execute(&app.pool).await.unwrap();
    let mut users = reviewers(&app, 2).await;
    users[0].specialties = vec!["儿科".into()];
    let mut rng = StdRng::seed_from_u64(5);
    let got = queue::lease(&app.db, &ds, &users[0], 0.0, 2, &mut rng).await.unwrap();
    let items: Vec<i64> = got.iter().map(|a| a.item_id.0).collect();
    assert_eq!(items, vec![4, 6]);
    let other = queue::lease(&app.db, &ds, &users[1], 0.0, 2, &mut rng).await.unwrap();
    assert_eq!(other.iter().map(|a| a.item_id.0).collect::<Vec<_>>(), vec![1, 2]);
}

/// What the queue's counters must equal, counted from scratch the way the queue counted
/// before it kept counters: `need` is the overlap less done and live leases, each dataset's
/// open items, each reviewer's decided items and the open items they are barred from, and
/// the progress figure "items I may still get".
async fn check_counters(app: &TestApp, ds: &DatasetRecord, users: &[Reviewer], when: &str) {
    let wrong: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT i.id, i.need, CASE WHEN i.excluded_at IS NULL AND i.gold IS NULL
                THEN max(0, d.overlap_target - (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id
                      AND (a.state = 'done' OR (a.state = 'leased' AND a.lease_expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))))
                ELSE 0 END AS recount
           FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE recount <> i.need",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(wrong.is_empty(), "{when}: (item, need, recount) {wrong:?}");
    let (open, recount): (i64, i64) = sqlx::query_as(
        "SELECT open_items, (SELECT COUNT(*) FROM items WHERE dataset_id = d.id AND need > 0) FROM datasets d WHERE id = ?",
    )
    .bind(ds.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(open, recount, "{when}: open items");
    for u in users {
        let (done, barred): (i64, i64) = sqlx::query_as(
            "SELECT IFNULL(SUM(a.state = 'done'), 0), IFNULL(SUM(a.state IN ('done', 'skipped') AND i.need > 0), 0)
               FROM assignments a JOIN items i ON i.id = a.item_id WHERE a.user_id = ? AND i.dataset_id = ?",
        )
        .bind(u.id.0)
        .bind(ds.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let kept: Option<(i64, i64)> =
            sqlx::query_as("SELECT done, barred_open FROM reviewer_queue WHERE user_id = ? AND dataset_id = ?")
                .bind(u.id.0)
                .bind(ds.id)
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        assert_eq!(kept.unwrap_or((0, 0)), (done, barred), "{when}: reviewer {} (done, barred open)", u.id.0);
        // The old progress query: every item the reviewer may be given, plus the ones they hold.
        let may_get: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM items i WHERE i.dataset_id = ?1 AND i.excluded_at IS NULL AND i.gold IS NULL
                       AND (i.created_by IS NULL OR i.created_by <> ?2)
                       AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id AND a.user_id = ?2
                             AND (a.state <> 'leased' OR a.lease_expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
                       AND (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id
                             AND (a.state = 'done' OR (a.state = 'leased' AND a.lease_expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))))
                           < (SELECT overlap_target FROM datasets WHERE id = ?1))
                  + (SELECT COUNT(*) FROM assignments a JOIN items i ON i.id = a.item_id
                      WHERE i.dataset_id = ?1 AND a.user_id = ?2 AND a.state = 'leased'
                        AND a.lease_expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        )
        .bind(ds.id)
        .bind(u.id.0)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let ds = app::store::datasets::by_id(&app.db, ds.id).await.unwrap().unwrap();
        let (_, open) = queue::progress(&app.db, &ds, u.id, 0.0).await.unwrap();
        assert_eq!(open, may_get, "{when}: reviewer {} may still get", u.id.0);
    }
}

#[tokio::test]
async fn the_queue_counters_match_a_recount_after_any_mix_of_leases_votes_skips_and_expiries() {
    use app::domain::judgment::{JudgmentInput, ReviewSettings, SkipReason};
    use rand::Rng;
    let (app, mut ds) = setup(24, 2).await;
    let users = reviewers(&app, 5).await;
    let settings = ReviewSettings::default();
    let input: JudgmentInput = serde_json::from_value(common::vote("tie")).unwrap();
    let mut rng = StdRng::seed_from_u64(20261201);
    for step in 0..500 {
        let u = &users[rng.gen_range(0..users.len())];
        let held: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM assignments WHERE user_id = ? AND state = 'leased' ORDER BY id")
                .bind(u.id.0)
                .fetch_all(&app.pool)
                .await
                .unwrap();
        let pick = |rng: &mut StdRng| held.get(rng.gen_range(0..held.len().max(1))).copied();
        let what = match rng.gen_range(0..20) {
            0..=7 => {
                queue::lease(&app.db, &ds, u, 0.0, rng.gen_range(1..=2), &mut rng).await.unwrap();
                "lease"
            }
            8..=12 => {
                if let Some(a) = pick(&mut rng) {
                    // A late submit may be refused (lease lost); anything else is a bug.
                    match app::store::judgments::record(&app.db, u.id, app::domain::AssignmentId(a), &input, &settings)
                        .await
                    {
                        Ok(_) | Err(app::store::judgments::RecordError::LeaseLost) => {}
                        Err(e) => panic!("step {step}: judging: {e:?}"),
                    }
                }
                "judge"
            }
            13..=14 => {
                if let Some(a) = pick(&mut rng) {
                    queue::skip(&app.db, u.id, app::domain::AssignmentId(a), SkipReason::ALL[0]).await.unwrap();
                }
                "skip"
            }
            15..=16 => {
                if let Some(a) = pick(&mut rng) {
                    sqlx::query("UPDATE assignments SET lease_expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?")
                        .bind(a)
                        .execute(&app.pool)
                        .await
                        .unwrap();
                }
                "expire"
            }
            17 => {
                let overlap = rng.gen_range(1..=3);
                sqlx::query("UPDATE datasets SET overlap_target = ?").bind(overlap).execute(&app.pool).await.unwrap();
                ds = app::store::datasets::by_id(&app.db, ds.id).await.unwrap().unwrap();
                "overlap"
            }
            18 => {
                let item = rng.gen_range(1..=24);
                sqlx::query("UPDATE items SET gold = CASE WHEN gold IS NULL THEN '{\"outcome\":\"tie\",\"winner\":null}' END WHERE id = ?")
                    .bind(item)
                    .execute(&app.pool)
                    .await
                    .unwrap();
                "gold"
            }
            _ => {
                let item = rng.gen_range(1..=24);
                sqlx::query("UPDATE items SET excluded_at = '2026-12-01T00:00:00.000Z' WHERE id = ?")
                    .bind(item)
                    .execute(&app.pool)
                    .await
                    .unwrap();
                "exclude"
            }
        };
        // Expired leases count until a lease transaction reclaims them: check after one.
        if step % 10 == 9 {
            queue::reclaim_now(&app.db).await.unwrap();
            check_counters(&app, &ds, &users, &format!("step {step} (after {what})")).await;
        }
    }
    let judged: i64 = app.count("judgments").await;
    assert!(judged > 20, "the mix judged {judged} items");
}

#[tokio::test]
async fn a_late_judgment_never_pushes_an_item_past_its_overlap() {
    use app::domain::AssignmentId;
    use app::domain::judgment::{JudgmentInput, ReviewSettings};
    use app::store::judgments::{RecordError, record};
    let (app, ds) = setup(1, 1).await;
    let users = reviewers(&app, 3).await;
    let settings = ReviewSettings::default();
    let input: JudgmentInput = serde_json::from_value(common::vote("a")).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let expire =
        || sqlx::query("UPDATE assignments SET lease_expires_at = '2000-01-01T00:00:00.000Z' WHERE state = 'leased'");

    // A abandons the item; C gets it and judges it; A's late submit is refused.
    let a = lease_one(&app, &ds, &users[0], 0.0, &mut rng).await.unwrap();
    expire().execute(&app.pool).await.unwrap();
    let c = lease_one(&app, &ds, &users[2], 0.0, &mut rng).await.unwrap();
    assert_eq!(a.item_id, c.item_id);
    record(&app.db, users[2].id, c.id, &input, &settings).await.unwrap();
    let late = record(&app.db, users[0].id, a.id, &input, &settings).await;
    assert!(matches!(late, Err(RecordError::LeaseLost)), "{late:?}");
    assert_eq!(app.count("judgments").await, 1, "overlap 1: one judgment");
    let state: String = sqlx::query_scalar("SELECT state FROM assignments WHERE id = ?")
        .bind(a.id.0)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "leased", "the refused submit changed nothing");

    // With room left, a late submit is accepted and takes its slot back: B's lease expires
    // and is reclaimed by C's lease call (C has judged the item), then B submits.
    sqlx::query("UPDATE datasets SET overlap_target = 2").execute(&app.pool).await.unwrap();
    let ds = app::store::datasets::by_id(&app.db, ds.id).await.unwrap().unwrap();
    let b = lease_one(&app, &ds, &users[1], 0.0, &mut rng).await.unwrap();
    expire().execute(&app.pool).await.unwrap();
    assert!(lease_one(&app, &ds, &users[2], 0.0, &mut rng).await.is_none(), "C has judged the only item");
    record(&app.db, users[1].id, AssignmentId(b.id.0), &input, &settings).await.unwrap();
    assert_eq!(app.count("judgments").await, 2);
    let need: i64 = sqlx::query_scalar("SELECT need FROM items").fetch_one(&app.pool).await.unwrap();
    assert_eq!(need, 0);
}
