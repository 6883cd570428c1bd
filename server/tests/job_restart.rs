//! A batch job survives the server being killed: the real `medpref` binary serves, is killed
//! (SIGKILL, no chance to tidy up) in the middle of a job, and is started again; the job
//! resumes and every item is done exactly once. Uses the tiny test model (scripts/tiny_model.py)
//! and ONNX Runtime from `MEDPREF_ORT_DYLIB` (scripts/env.sh).
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_medpref");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/medicalgpt-reward-test-100.jsonl");

fn medpref(data: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN).arg("--data-dir").arg(data).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "medpref {args:?}: {text}");
    text
}

fn serve(data: &Path, models: &Path) -> Child {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--addr", "127.0.0.1:0", "--models"])
        .arg(models)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// (items done, job state), read from the database as the server writes it.
async fn progress(pool: &sqlx::SqlitePool) -> (i64, String) {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM generation_job_items WHERE job_id = 1 AND state = 'done'), state
           FROM generation_jobs WHERE id = 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn wait_until(pool: &sqlx::SqlitePool, what: &str, done: impl Fn(i64, &str) -> bool) -> (i64, String) {
    let started = Instant::now();
    loop {
        let (n, state) = progress(pool).await;
        if done(n, &state) {
            return (n, state);
        }
        assert!(state != "failed", "the job failed");
        assert!(started.elapsed() < Duration::from_secs(300), "{what}: still {n} done, {state}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_job_resumes_it_and_does_each_item_exactly_once() {
    let data = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    common::tiny_model(&models.path().join("tiny"), false);
    medpref(data.path(), &["import", "--dataset", "d", "--format", "cmd-reward", SAMPLE]);
    medpref(data.path(), &["dataset", "configure", "--dataset", "d", "--model", "tiny"]);
    let started = medpref(
        data.path(),
        &[
            "job",
            "start",
            "--dataset",
            "d",
            "--selection",
            "all",
            "--n",
            "2",
            "--pairing",
            "best_vs_worst",
            "--max-new-tokens",
            "160",
            "--temperature",
            "1.0",
            "--top-p",
            "1.0",
            "--seed",
            "11",
        ],
    );
    assert!(started.contains("job 1: queued — 0/100 items"), "{started}");
    let pool = app::store::sqlite::open(&server::database_path(data.path())).await.unwrap();

    let mut server = serve(data.path(), models.path());
    let (before, state) = wait_until(&pool, "first items", |n, _| n >= 5).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let (at_kill, _) = progress(&pool).await;
    assert!(at_kill < 100, "the job must still be under way when the server dies ({at_kill} done)");
    assert_eq!(state, "running");
    let finished_before: Vec<(i64, String)> = sqlx::query_as(
        "SELECT item_id, done_at FROM generation_job_items WHERE job_id = 1 AND state = 'done' ORDER BY item_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(finished_before.len() as i64 >= before);

    let mut server = serve(data.path(), models.path());
    let (done, _) = wait_until(&pool, "the resumed job", |_, s| s == "done").await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(done, 100);

    // Every item once: one best-vs-worst pair per original item, two generated answers each.
    let per_parent: Vec<(i64, i64)> =
        sqlx::query_as("SELECT derived_from, COUNT(*) FROM items WHERE derived_from IS NOT NULL GROUP BY derived_from")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(per_parent.len(), 100);
    assert!(per_parent.iter().all(|(_, n)| *n == 1), "{per_parent:?}");
    let generated: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM candidates WHERE job_id = 1").fetch_one(&pool).await.unwrap();
    assert_eq!(generated, 200);
    // Items finished before the kill were not done again.
    for (item, done_at) in finished_before {
        let now: String =
            sqlx::query_scalar("SELECT done_at FROM generation_job_items WHERE job_id = 1 AND item_id = ?")
                .bind(item)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(now, done_at, "item {item}");
    }
    let listed = medpref(data.path(), &["job", "list", "--dataset", "d"]);
    assert!(listed.contains("job 1: done — 100/100 items, 100 new items"), "{listed}");
}
