//! Votes survive the server being killed: the real `medpref` binary serves 32 reviewers over
//! real HTTP, each with its own session, voting as fast as they can; it is killed (SIGKILL,
//! no chance to tidy up) three times mid-load and started again on the same data. Every vote
//! the server acknowledged is in the database, once; the database passes SQLite's integrity
//! check; no item holds more votes than its overlap; the queue's counters match a recount.
use app::domain::{NewPassword, Role, Username};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_medpref");
const REVIEWERS: usize = 32;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(data: &Path, port: u16) -> Child {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_up(client: &reqwest::Client, url: &str) {
    let started = Instant::now();
    while client.post(format!("{url}/api/me")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

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
        let Ok(res) = client
            .post(format!("{url}/api/queue"))
            .header("cookie", &cookie)
            .header("accept", "application/json")
            .form(&[("dataset", "d")])
            .send()
            .await
        else {
            return;
        };
        let Ok(view) = res.json::<serde_json::Value>().await else { return };
        let Some(assignment) = view["items"][0]["assignment"].as_i64() else {
            eprintln!("queue: {view}");
            return;
        };
        let vote = serde_json::json!({ "assignment": assignment,
            "judgment": { "decision": { "Pairwise": { "vote": "a", "strength": "clear" } } } });
        let Ok(res) = client
            .post(format!("{url}/api/judge"))
            .header("cookie", &cookie)
            .header("accept", "application/json")
            .json(&vote)
            .send()
            .await
        else {
            return;
        };
        if res.status() != reqwest::StatusCode::OK {
            eprintln!("judge: HTTP {}: {}", res.status(), res.text().await.unwrap_or_default());
            return;
        }
        let Ok(id) = res.json::<i64>().await else { return };
        acked.lock().unwrap().push((assignment, id));
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
                let res = client
                    .post(format!("{url}/api/login"))
                    .header("accept", "application/json")
                    .form(&[("username", format!("r{i}")), ("password", format!("pw-r{i}-0123456789"))])
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "login r{i}: {}", res.status());
                let cookie = res
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|v| v.starts_with("medpref_session="))
                    .expect("a session cookie")
                    .split(';')
                    .next()
                    .unwrap()
                    .to_string();
                cookies.push(cookie);
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

    let pool = server::open_store(data.path()).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.unwrap();
    assert_eq!(integrity, "ok");
    let stored: Vec<(i64, i64)> =
        sqlx::query_as("SELECT assignment_id, id FROM judgments").fetch_all(&pool).await.unwrap();
    let stored: std::collections::HashMap<i64, i64> = stored.into_iter().collect();
    let lost: Vec<_> = acked.iter().filter(|(a, j)| stored.get(a) != Some(j)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged votes are missing: {lost:?}", lost.len(), acked.len());
    let over: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT item_id FROM judgments GROUP BY item_id HAVING COUNT(*) > 3)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(over, 0, "no item above its overlap");
    let done_without_vote: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM assignments a WHERE a.state = 'done'
            AND NOT EXISTS (SELECT 1 FROM judgments j WHERE j.assignment_id = a.id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(done_without_vote, 0, "an assignment is done exactly when its vote is stored");
    let (open, recount): (i64, i64) = sqlx::query_as(
        "SELECT open_items, (SELECT COUNT(*) FROM items WHERE dataset_id = d.id AND need > 0) FROM datasets d",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(open, recount, "the open-items counter survived the kills");
}
