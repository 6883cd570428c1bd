//! The real `medpref` binary as a process, spoken to over real HTTP.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_medpref");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `medpref serve` on `data`, on a port of its own.
pub fn serve(data: &Path, port: u16) -> Child {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

pub async fn wait_up(client: &reqwest::Client, url: &str) {
    let started = Instant::now();
    while client.post(format!("{url}/api/me")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Signs in over HTTP; the session cookie, or the refusal's status and body.
pub async fn login(client: &reqwest::Client, url: &str, name: &str, password: &str) -> Result<String, (u16, String)> {
    let res = client
        .post(format!("{url}/api/login"))
        .header("accept", "application/json")
        .form(&[("username", name), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("medpref_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string());
    match cookie {
        Some(c) if status == 200 => Ok(c),
        _ => Err((status, res.text().await.unwrap_or_default())),
    }
}

/// Status 0: the request got no answer (the server is down).
pub const NO_ANSWER: u16 = 0;

/// Calls a server function as a signed-in client: the status and the body.
pub async fn call(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let sent = client
        .post(format!("{url}/api/{endpoint}"))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await;
    answer(sent).await
}

async fn answer(sent: reqwest::Result<reqwest::Response>) -> (u16, String) {
    match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            match res.text().await {
                Ok(body) => (status, body),
                Err(e) => (NO_ANSWER, e.to_string()),
            }
        }
        Err(e) => (NO_ANSWER, e.to_string()),
    }
}

/// Takes the next item and votes for A; `Ok((assignment, judgment))` when acknowledged,
/// else the status and body of the call that was refused.
pub async fn vote_once(client: &reqwest::Client, url: &str, cookie: &str) -> Result<(i64, i64), (u16, String)> {
    let (status, body) = call(client, url, cookie, "queue", &[("dataset", "d")]).await;
    if status != 200 {
        return Err((status, body));
    }
    let view: serde_json::Value = serde_json::from_str(&body).map_err(|_| (status, body.clone()))?;
    let Some(assignment) = view["items"][0]["assignment"].as_i64() else { return Err((status, body)) };
    let vote = serde_json::json!({ "assignment": assignment,
        "judgment": { "decision": { "Pairwise": { "vote": "a", "strength": "clear" } } } });
    let sent = client
        .post(format!("{url}/api/judge"))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .json(&vote)
        .send()
        .await;
    let (status, body) = answer(sent).await;
    match (status, body.parse::<i64>()) {
        (200, Ok(id)) => Ok((assignment, id)),
        _ => Err((status, body)),
    }
}

/// The checks every kill and fault test ends with, on the database after the server stopped:
/// integrity, every acknowledged vote stored once, none above the overlap (3), an assignment
/// done exactly when its vote is stored, the open-items counter equal to a recount.
pub async fn consistent(data: &Path, acked: &[(i64, i64)]) {
    let app::store::Db::Sqlite(pool) = server::open_store(data).await.unwrap() else { unreachable!() };
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.unwrap();
    assert_eq!(integrity, "ok");
    let stored: Vec<(i64, i64)> =
        sqlx::query_as("SELECT assignment_id, id FROM judgments").fetch_all(&pool).await.unwrap();
    let stored: std::collections::HashMap<i64, i64> = stored.into_iter().collect();
    let lost: Vec<_> = acked.iter().filter(|(a, j)| stored.get(a) != Some(j)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged votes are missing", lost.len(), acked.len());
    let over: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT item_id FROM judgments GROUP BY item_id HAVING COUNT(*) > ?)")
            .bind(3)
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
    assert_eq!(open, recount, "the open-items counter matches a recount");
    pool.close().await;
}
