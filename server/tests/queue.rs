//! The queue under concurrent requests, against a real SQLite file.
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
    app::import::import(&app.pool, &name, &ImportFormat::CmdReward.into(), "t", pairs(items).as_bytes(), None)
        .await
        .unwrap();
    sqlx::query("UPDATE datasets SET overlap_target = ?").bind(overlap).execute(&app.pool).await.unwrap();
    let ds = app::store::datasets::by_name(&app.pool, &name).await.unwrap().unwrap();
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
    queue::lease(&app.pool, ds, r, gold_rate, 1, rng).await.unwrap().into_iter().next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_never_lease_beyond_the_overlap_target() {
    let (app, ds) = setup(5, 2).await;
    let users = reviewers(&app, 16).await;
    let tasks: Vec<_> = users
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let (pool, ds) = (app.pool.clone(), ds.clone());
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(i as u64);
                queue::lease(&pool, &ds, &u, 0.0, 2, &mut rng).await.unwrap().len()
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
    sqlx::query_scalar("SELECT gold IS NOT NULL FROM items WHERE id = ?")
        .bind(a.item_id.0)
        .fetch_one(&app.pool)
        .await
        .unwrap()
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
    let got = queue::lease(&app.pool, &ds, &users[0], 0.0, 2, &mut rng).await.unwrap();
    let items: Vec<i64> = got.iter().map(|a| a.item_id.0).collect();
    assert_eq!(items, vec![4, 6]);
    let other = queue::lease(&app.pool, &ds, &users[1], 0.0, 2, &mut rng).await.unwrap();
    assert_eq!(other.iter().map(|a| a.item_id.0).collect::<Vec<_>>(), vec![1, 2]);
}
