//! The review-loop benchmark's tools (`scripts/bench.sh serve` runs them):
//!
//! - `prepare DIR --dataset D --reviewers N --done P`: creates reviewer accounts `rev1…revN`
//!   and makes P% of the dataset's items complete (three votes each by filler accounts).
//! - `load URL --dataset D --reviewers N --seconds S [--correct]`: N reviewers, each signed in
//!   with its own session, asking for the next item and deciding it in a loop over real HTTP;
//!   prints votes/s and latency percentiles, and fails on any non-2xx answer.
//! - `raw DIR --dataset D --seconds S`: the same lease + judgment writes straight on SQLite
//!   (rusqlite, same journal and durability settings, no HTTP): the store's physical limit.
//! - `hello ADDR`: an axum hello-world answering the two calls with fixed bodies, to measure
//!   what the same client gets from HTTP alone.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Prepare {
        dir: PathBuf,
        #[arg(long)]
        dataset: String,
        #[arg(long)]
        reviewers: usize,
        /// Percent of the items to make complete before the run.
        #[arg(long, default_value_t = 0)]
        done: u32,
    },
    Load {
        url: String,
        #[arg(long)]
        dataset: String,
        #[arg(long)]
        reviewers: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Seconds at the start that are not counted.
        #[arg(long, default_value_t = 2)]
        warmup: u64,
        /// The correct screen's queue (`correct_queue` + `correct`) instead of compare's.
        #[arg(long)]
        correct: bool,
        /// Against `hello`: no sign-in.
        #[arg(long)]
        hello: bool,
    },
    Raw {
        dir: PathBuf,
        #[arg(long)]
        dataset: String,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    Hello {
        addr: std::net::SocketAddr,
    },
}

fn password(i: usize) -> String {
    format!("bench-password-{i}-0123456789")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    match args.command {
        Command::Prepare { dir, dataset, reviewers, done } => {
            tokio::runtime::Runtime::new()?.block_on(prepare(dir, dataset, reviewers, done))
        }
        Command::Load { url, dataset, reviewers, seconds, warmup, correct, hello } => {
            // One thread: the client's share of the two cores is bounded and stated.
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(load(Load { url, dataset, reviewers, seconds, warmup, correct, hello }))
        }
        Command::Raw { dir, dataset, seconds } => raw(dir, &dataset, seconds),
        Command::Hello { addr } => tokio::runtime::Runtime::new()?.block_on(hello(addr)),
    }
}

async fn prepare(dir: PathBuf, dataset: String, reviewers: usize, done: u32) -> Result<(), Box<dyn std::error::Error>> {
    use app::domain::{NewPassword, Role, Username};
    let db = server::open_store(&dir).await?;
    let app::store::Db::Sqlite(pool) = db.clone() else { return Err("the bench runs on SQLite".into()) };
    // Accounts only once per database (the benchmark copies a prepared database per run).
    let have: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username LIKE 'rev%'").fetch_one(&pool).await?;
    let mut tasks = Vec::new();
    for i in (have as usize + 1)..=reviewers {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let name = Username::parse(format!("rev{i}")).expect("valid name");
            app::auth::accounts::create(
                &db,
                None,
                &name,
                &NewPassword::parse(password(i)).expect("valid"),
                Role::Annotator,
            )
            .await
            .map(|_| ())
            .map_err(|e| format!("rev{i}: {e:?}"))
        }));
    }
    for t in tasks {
        t.await??;
    }
    let dataset_id: i64 =
        sqlx::query_scalar("SELECT id FROM datasets WHERE name = ?").bind(&dataset).fetch_one(&pool).await?;
    let items: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE dataset_id = ?").bind(dataset_id).fetch_one(&pool).await?;
    let complete = items * i64::from(done) / 100;
    if complete > 0 {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO users (username, password_hash, role) VALUES ('fill1', 'x', 'annotator'), ('fill2', 'x', 'annotator'), ('fill3', 'x', 'annotator')",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO assignments (item_id, user_id, presentation, state, leased_at, lease_expires_at, completed_at, counted)
             SELECT i.id, u.id, (SELECT json_group_array(c.id) FROM candidates c WHERE c.item_id = i.id), 'done',
                    '2026-12-01T00:00:00.000Z', '2026-12-01T00:30:00.000Z', '2026-12-01T00:10:00.000Z', 1
               FROM (SELECT id FROM items WHERE dataset_id = ? ORDER BY id LIMIT ?) i
              CROSS JOIN (SELECT id FROM users WHERE username LIKE 'fill_') u",
        )
        .bind(dataset_id)
        .bind(complete)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO judgments (assignment_id, item_id, user_id, outcome, winner_id, shown_side, strength)
             SELECT a.id, a.item_id, a.user_id, 'decisive', json_extract(a.presentation, '$[0]'), 'left', 'clear'
               FROM assignments a JOIN users u ON u.id = a.user_id WHERE u.username LIKE 'fill_'",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    let open: i64 =
        sqlx::query_scalar("SELECT open_items FROM datasets WHERE id = ?").bind(dataset_id).fetch_one(&pool).await?;
    println!("prepared: {reviewers} reviewers, {complete} of {items} items complete, {open} open");
    Ok(())
}

struct Load {
    url: String,
    dataset: String,
    reviewers: usize,
    seconds: u64,
    warmup: u64,
    correct: bool,
    hello: bool,
}

#[derive(Default)]
struct Samples {
    queue: Vec<u32>,
    decide: Vec<u32>,
}

async fn login(client: &reqwest::Client, url: &str, i: usize) -> Result<String, String> {
    let res = client
        .post(format!("{url}/api/login"))
        .header("accept", "application/json")
        .form(&[("username", format!("rev{i}")), ("password", password(i))])
        .send()
        .await
        .map_err(|e| format!("login rev{i}: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("login rev{i}: HTTP {}", res.status()));
    }
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("medpref_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .ok_or_else(|| format!("login rev{i}: no session cookie"))
}

async fn load(l: Load) -> Result<(), Box<dyn std::error::Error>> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(usize::MAX).build()?;
    let mut cookies = Vec::with_capacity(l.reviewers);
    for i in 1..=l.reviewers {
        cookies.push(if l.hello { String::new() } else { login(&client, &l.url, i).await? });
    }
    let errors = Arc::new(AtomicU64::new(0));
    let exhausted = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let counted_from = start + Duration::from_secs(l.warmup);
    let until = counted_from + Duration::from_secs(l.seconds);
    let l = Arc::new(l);
    let mut tasks = Vec::new();
    for cookie in cookies {
        let (client, l, errors, exhausted, stop) =
            (client.clone(), l.clone(), errors.clone(), exhausted.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = Samples::default();
            let (queue, decide) = if l.correct { ("correct_queue", "correct") } else { ("queue", "judge") };
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let res = client
                    .post(format!("{}/api/{queue}", l.url))
                    .header("cookie", &cookie)
                    .header("accept", "application/json")
                    .form(&[("dataset", l.dataset.as_str())])
                    .send()
                    .await;
                let body = match res {
                    Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
                    Ok(r) => {
                        let status = r.status();
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("{queue}: HTTP {status}: {}", r.text().await.unwrap_or_default());
                        }
                        continue;
                    }
                    Err(e) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("{queue}: {e}");
                        }
                        continue;
                    }
                };
                let t1 = Instant::now();
                let view: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let Some(assignment) = view["items"][0]["assignment"].as_i64() else {
                    exhausted.fetch_add(1, Ordering::Relaxed);
                    break;
                };
                let decision = if l.correct {
                    serde_json::json!({ "assignment": assignment, "correction": { "correction": "Accept", "time_on_task_ms": 4000 } })
                } else {
                    let vote = if assignment % 2 == 0 { "a" } else { "b" };
                    serde_json::json!({ "assignment": assignment,
                        "judgment": { "decision": { "Pairwise": { "vote": vote, "strength": "clear" } }, "time_on_task_ms": 4000 } })
                };
                let res = client
                    .post(format!("{}/api/{decide}", l.url))
                    .header("cookie", &cookie)
                    .header("accept", "application/json")
                    .json(&decision)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => {
                        let status = r.status();
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("{decide}: HTTP {status}: {}", r.text().await.unwrap_or_default());
                        }
                        continue;
                    }
                    Err(e) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("{decide}: {e}");
                        }
                        continue;
                    }
                }
                let t2 = Instant::now();
                if t0 >= counted_from && t2 <= until {
                    s.queue.push((t1 - t0).as_micros() as u32);
                    s.decide.push((t2 - t1).as_micros() as u32);
                }
            }
            s
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        let s = t.await?;
        all.queue.extend(s.queue);
        all.decide.extend(s.decide);
    }
    let votes = all.decide.len();
    let pct = |v: &mut Vec<u32>, p: f64| -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        v.sort_unstable();
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        f64::from(v[i]) / 1000.0
    };
    let (q50, q99) = (pct(&mut all.queue, 0.50), pct(&mut all.queue, 0.99));
    let (d50, d99) = (pct(&mut all.decide, 0.50), pct(&mut all.decide, 0.99));
    let errors = errors.load(Ordering::Relaxed);
    // One parseable line: votes/s, next p50, p99, decide p50, p99 (ms), errors, reviewers out of items.
    println!(
        "RESULT votes_per_s={:.0} next_p50={q50:.2} next_p99={q99:.2} decide_p50={d50:.2} decide_p99={d99:.2} errors={errors} exhausted={}",
        votes as f64 / l.seconds as f64,
        exhausted.load(Ordering::Relaxed)
    );
    if errors > 0 {
        return Err(format!("{errors} requests failed").into());
    }
    Ok(())
}

/// Lease + judgment writes as plain statements: per vote one transaction that leases an
/// item (assignment insert) and one that records the judgment and completes the assignment,
/// in WAL with synchronous=NORMAL as the server runs. The schema's triggers fire as they do
/// for the server.
fn raw(dir: PathBuf, dataset: &str, seconds: u64) -> Result<(), Box<dyn std::error::Error>> {
    let db = rusqlite::Connection::open(server::database_path(&dir))?;
    db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    let dataset_id: i64 = db.query_row("SELECT id FROM datasets WHERE name = ?", [dataset], |r| r.get(0))?;
    let users: Vec<i64> = db
        .prepare("SELECT id FROM users WHERE username LIKE 'rev%' ORDER BY id LIMIT 3")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let items: Vec<(i64, i64, i64)> = db
        .prepare(
            "SELECT i.id, MIN(c.id), MAX(c.id) FROM items i JOIN candidates c ON c.item_id = i.id
              WHERE i.dataset_id = ? AND i.need > 0 GROUP BY i.id ORDER BY i.id",
        )?
        .query_map([dataset_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let until = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut votes = 0usize;
    for (k, (item, first, second)) in items.iter().flat_map(|i| std::iter::repeat_n(i, users.len())).enumerate() {
        if Instant::now() >= until {
            break;
        }
        let user = users[k % users.len()];
        let presentation = format!("[{first},{second}]");
        let tx = db.unchecked_transaction()?;
        let assignment: i64 = tx.prepare_cached(
            "INSERT INTO assignments (item_id, user_id, presentation, state, leased_at, lease_expires_at, counted)
             VALUES (?, ?, ?, 'leased', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1800 seconds'), 1)
             RETURNING id",
        )?
        .query_row(rusqlite::params![item, user, presentation], |r| r.get(0))?;
        tx.commit()?;
        let tx = db.unchecked_transaction()?;
        tx.prepare_cached(
            "INSERT INTO judgments (assignment_id, item_id, user_id, outcome, winner_id, shown_side, strength, time_on_task_ms)
             VALUES (?, ?, ?, 'decisive', ?, 'left', 'clear', 4000)",
        )?
        .execute(rusqlite::params![assignment, item, user, first])?;
        tx.prepare_cached(
            "UPDATE assignments SET state = 'done', completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
        )?
        .execute([assignment])?;
        tx.commit()?;
        votes += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("RESULT votes_per_s={:.0} votes={votes} seconds={secs:.1}", votes as f64 / secs);
    Ok(())
}

async fn hello(addr: std::net::SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    use axum::routing::post;
    let next = Arc::new(AtomicU64::new(1));
    let app = axum::Router::new()
        .route(
            "/api/queue",
            post(move || {
                let id = next.fetch_add(1, Ordering::Relaxed);
                async move { axum::Json(serde_json::json!({ "items": [{ "assignment": id }], "done": 0, "open": 1 })) }
            }),
        )
        .route("/api/judge", post(|| async { axum::Json(1) }));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
