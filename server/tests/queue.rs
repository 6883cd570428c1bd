//! The queue under concurrent requests, against a real SQLite file.
mod common;
use app::domain::{DatasetName, Role, UserId};
use app::import::ImportFormat;
use common::{TestApp, pairs};

async fn setup(items: usize, overlap: i64, lease_seconds: i64) -> (TestApp, app::store::datasets::DatasetRecord) {
    let app = TestApp::new().await;
    let name = DatasetName::parse("d").unwrap();
    app::import::import(&app.pool, &name, ImportFormat::CmdReward, "t", pairs(items).as_bytes(), None).await.unwrap();
    sqlx::query("UPDATE datasets SET overlap_target = ?, lease_seconds = ?")
        .bind(overlap)
        .bind(lease_seconds)
        .execute(&app.pool)
        .await
        .unwrap();
    let ds = app::store::datasets::by_name(&app.pool, &name).await.unwrap().unwrap();
    (app, ds)
}

async fn reviewers(app: &TestApp, n: usize) -> Vec<UserId> {
    let mut ids = vec![];
    for i in 0..n {
        app.user(&format!("r{i}"), Role::Annotator).await;
        ids.push(app::store::users::by_username(&app.pool, &format!("r{i}")).await.unwrap().unwrap().id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_never_lease_beyond_the_overlap_target() {
    let (app, ds) = setup(3, 2, 1800).await;
    let users = reviewers(&app, 16).await;
    let tasks: Vec<_> = users
        .iter()
        .map(|&u| {
            let (pool, ds) = (app.pool.clone(), ds.clone());
            tokio::spawn(async move { app::store::queue::next(&pool, &ds, u).await.unwrap() })
        })
        .collect();
    let mut served = 0;
    for t in tasks {
        served += t.await.unwrap().is_some() as usize;
    }
    assert_eq!(served, 6, "3 items × overlap 2");
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
    let (app, ds) = setup(1, 1, 1800).await;
    let users = reviewers(&app, 2).await;
    let first = app::store::queue::next(&app.pool, &ds, users[0]).await.unwrap().unwrap();
    assert!(app::store::queue::next(&app.pool, &ds, users[1]).await.unwrap().is_none());
    sqlx::query("UPDATE assignments SET lease_expires_at = '2000-01-01T00:00:00.000Z'").execute(&app.pool).await.unwrap();
    let second = app::store::queue::next(&app.pool, &ds, users[1]).await.unwrap().unwrap();
    assert_eq!(first.item_id, second.item_id);
}

#[tokio::test]
async fn sides_are_randomised_per_reviewer_and_recorded() {
    let (app, ds) = setup(1, 50, 1800).await;
    let users = reviewers(&app, 40).await;
    let mut left_first = 0;
    for u in users {
        let a = app::store::queue::next(&app.pool, &ds, u).await.unwrap().unwrap();
        assert_eq!(a.presentation.len(), 2);
        let positions: Vec<i64> = sqlx::query_scalar("SELECT position FROM candidates WHERE id = ?")
            .bind(a.presentation[0].0)
            .fetch_all(&app.pool)
            .await
            .unwrap();
        left_first += (positions[0] == 0) as usize;
    }
    // 40 fair coin flips: all on one side has probability 2^-39.
    assert!(left_first > 0 && left_first < 40, "{left_first}");
}
