//! Votes survive the server being killed: the real `medpref` binary serves 32 reviewers over
//! real HTTP, each with its own session, voting as fast as they can; it is killed (SIGKILL,
//! no chance to tidy up) three times mid-load and started again on the same data. Every vote
//! the server acknowledged is in the database, once; the database passes SQLite's integrity
//! check; no item holds more votes than its overlap; the queue's counters match a recount.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::{NewPassword, Role, Username};
use common::process::{NO_ANSWER, consistent, free_port, login, serve, vote_once, wait_up};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REVIEWERS: usize = 32;

fn pairs(n: usize) -> String {
    (0..n)
        .map(|i| {
            serde_json::json!({ "question": format!("问题{i}：发热怎么办？"), "response_chosen": format!("回答甲{i}"),
                                "response_rejected": format!("回答乙{i}") })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One reviewer voting until the server stops answering; every acknowledged vote is kept.
async fn vote_until_down(client: reqwest::Client, url: String, cookie: String, acked: Arc<Mutex<Vec<(i64, i64)>>>) {
    loop {
        match vote_once(&client, &url, &cookie).await {
            Ok(vote) => acked.lock().unwrap().push(vote),
            Err((NO_ANSWER, _)) => return, // the kill
            Err((status, body)) => return eprintln!("vote refused: HTTP {status}: {body}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_vote_survives_sigkill_under_load() {
    let data = tempfile::tempdir().unwrap();
    {
        let pool = server::open_store(data.path()).await.unwrap();
        let name = app::domain::DatasetName::parse("d").unwrap();
        let format = app::import::ImportFormat::CmdReward.into();
        app::import::import(&pool, &name, &format, "crash.jsonl", pairs(3000).as_bytes(), None).await.unwrap();
        for i in 0..REVIEWERS {
            let name = Username::parse(format!("r{i}")).unwrap();
            let password = NewPassword::parse(format!("pw-r{i}-0123456789")).unwrap();
            app::auth::accounts::create(&pool, None, &name, &password, Role::Annotator).await.unwrap();
        }
        pool.close().await;
    }
    let client = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut cookies = Vec::new();
    for round in 0..3 {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mut server = serve(data.path(), port);
        wait_up(&client, &url).await;
        if round == 0 {
            for i in 0..REVIEWERS {
                let cookie = login(&client, &url, &format!("r{i}"), &format!("pw-r{i}-0123456789")).await;
                cookies.push(cookie.unwrap_or_else(|e| panic!("login r{i}: {e:?}")));
            }
        }
        let before = acked.lock().unwrap().len();
        let voters: Vec<_> = cookies
            .iter()
            .map(|c| tokio::spawn(vote_until_down(client.clone(), url.clone(), c.clone(), acked.clone())))
            .collect();
        // Kill once this round's votes are flowing, mid-stream.
        let started = Instant::now();
        while acked.lock().unwrap().len() < before + 150 {
            assert!(started.elapsed() < Duration::from_secs(120), "round {round}: votes are not flowing");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        for v in voters {
            v.await.unwrap();
        }
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 450, "{} votes acknowledged", acked.len());

    consistent(data.path(), &acked).await;
}
