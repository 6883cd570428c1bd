//! Faults the server must come through by itself (issue 17): a full disk, and a backup taken
//! while reviewers vote. The real `medpref` binary over real HTTP, on a real file system.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::{NewPassword, Role, Username};
use common::process::{call, consistent, free_port, login, serve, vote_once, wait_up};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn password(name: &str) -> String {
    format!("pw-{name}-0123456789")
}

/// A database in `data` with dataset `d` (`items` pairs) and the given reviewers.
async fn seed(data: &Path, items: usize, reviewers: &[&str]) {
    let pool = server::open_store(data).await.unwrap();
    let name = app::domain::DatasetName::parse("d").unwrap();
    let format = app::import::ImportFormat::CmdReward.into();
    app::import::import(&pool, &name, &format, "faults.jsonl", common::pairs(items).as_bytes(), None).await.unwrap();
    for r in reviewers {
        let (name, pw) = (Username::parse(*r).unwrap(), NewPassword::parse(password(r)).unwrap());
        app::auth::accounts::create(&pool, None, &name, &pw, Role::Annotator).await.unwrap();
    }
    pool.close().await;
}

/// A small file system of its own (tmpfs), unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn new(megabytes: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount(8)");
        assert!(out.status.success(), "mounting a tmpfs needs root: {}", String::from_utf8_lossy(&out.stderr));
        Self { path: dir.path().to_owned(), _dir: dir }
    }

    /// Writes a file until the disk has no space left.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            if let Err(e) = file.write_all(&block) {
                assert_eq!(e.raw_os_error(), Some(28), "ENOSPC expected: {e}");
                break;
            }
        }
        // The last partial block: fill to the last byte.
        while file.write(&[0u8]).is_ok_and(|n| n == 1) {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Issue 17, 5b: with the disk full, writes answer 507 "disk full" (sign-in too), never a bare
/// 500; reads go on; once space is freed the same server writes again, without a restart; no
/// acknowledged vote is lost and the database is consistent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_clearly_keeps_reads_and_recovers_when_space_returns() {
    let disk = SmallDisk::new(48);
    let data = disk.path.join("data");
    seed(&data, 600, &["r1", "r2"]).await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = serve(&data, port);
    let client = reqwest::Client::new();
    wait_up(&client, &url).await;
    let cookie = login(&client, &url, "r1", &password("r1")).await.unwrap();
    let mut acked = Vec::new();
    for _ in 0..20 {
        acked.push(vote_once(&client, &url, &cookie).await.unwrap());
    }

    // Leases taken before the disk fills, to skip while it is full: a skip is a transaction
    // on a pooled connection (votes go through the writer's own).
    let second_cookie = login(&client, &url, "r2", &password("r2")).await.unwrap();
    let mut held = Vec::new();
    for _ in 0..12 {
        let (status, body) = call(&client, &url, &second_cookie, "queue", &[("dataset", "d")]).await;
        let view: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(status, 200, "{body}");
        held.extend(view["items"].as_array().unwrap().iter().filter_map(|i| i["assignment"].as_i64()));
    }
    held.sort();
    held.dedup();
    assert!(held.len() >= 2, "{held:?}");

    let filler = disk.fill();
    // The WAL may still have room for some frames: vote until the disk says no.
    let refused = loop {
        match vote_once(&client, &url, &cookie).await {
            Ok(vote) => acked.push(vote),
            Err(refusal) => break refusal,
        }
        assert!(acked.len() < 1_500, "the full disk never refused a write");
    };
    let before_full = acked.len();
    assert_eq!(refused.0, 507, "a full disk answers 507: {refused:?}");
    assert!(refused.1.contains("DiskFull"), "{refused:?}");
    for _ in 0..5 {
        let again = vote_once(&client, &url, &cookie).await.unwrap_err();
        assert_eq!(again.0, 507, "{again:?}");
    }
    let (status, body) = call(&client, &url, &cookie, "me", &[]).await;
    assert!(status == 200 && body.contains("r1"), "reads go on: {status} {body}");
    let (status, body) = call(&client, &url, &cookie, "datasets", &[]).await;
    assert!(status == 200 && body.contains("\"d\""), "reads go on: {status} {body}");
    // Skips run as transactions on pooled connections; each commit fails on the full disk.
    for _ in 0..3 {
        for a in &held {
            let form = [("assignment", a.to_string()), ("reason", "cant_judge".into())];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = call(&client, &url, &second_cookie, "skip", &form).await;
            assert_eq!(status, 507, "a skip on the full disk: {body}");
        }
    }
    let sign_in = login(&client, &url, "r2", &password("r2")).await.unwrap_err();
    assert!(sign_in.0 == 507 && sign_in.1.contains("DiskFull"), "sign-in says why: {sign_in:?}");

    std::fs::remove_file(filler).unwrap();
    for _ in 0..30 {
        let vote = vote_once(&client, &url, &cookie).await;
        acked.push(vote.unwrap_or_else(|e| panic!("after space returned: {e:?}")));
    }
    // Every pooled connection works again: skips (a transaction each) as many times as the pool is large.
    let second = login(&client, &url, "r2", &password("r2")).await.unwrap();
    for _ in 0..24 {
        let (status, body) = call(&client, &url, &second, "queue", &[("dataset", "d")]).await;
        assert_eq!(status, 200, "after space returned: {body}");
        let view: serde_json::Value = serde_json::from_str(&body).unwrap();
        let assignment = view["items"][0]["assignment"].as_i64().unwrap().to_string();
        let (status, body) =
            call(&client, &url, &second, "skip", &[("assignment", &assignment), ("reason", "cant_judge")]).await;
        assert_eq!(status, 200, "a skip after space returned: {body}");
    }
    acked.push(vote_once(&client, &url, &second).await.unwrap());

    server.kill().unwrap();
    server.wait().unwrap();
    consistent(&data, &acked).await;
    eprintln!(
        "full disk: {before_full} votes acknowledged before the disk refused, {} in all, every one stored",
        acked.len()
    );
}

/// Issue 17: `medpref backup` while reviewers vote gives a consistent copy (integrity, audit
/// chain, every judgment with its done assignment); taken again once voting stopped, it holds
/// exactly the source's rows, and `medpref restore` puts it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_reviewers_vote_is_consistent_and_restores() {
    const REVIEWERS: usize = 8;
    let names: Vec<String> = (0..REVIEWERS).map(|i| format!("r{i}")).collect();
    let data = tempfile::tempdir().unwrap();
    seed(data.path(), 2_000, &names.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = serve(data.path(), port);
    let client = reqwest::Client::new();
    wait_up(&client, &url).await;
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut voters = Vec::new();
    for name in &names {
        let cookie = login(&client, &url, name, &password(name)).await.unwrap();
        let (client, url, acked, stop) = (client.clone(), url.clone(), acked.clone(), stop.clone());
        voters.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let vote = vote_once(&client, &url, &cookie).await;
                acked.lock().unwrap().push(vote.unwrap_or_else(|e| panic!("a vote during the backup: {e:?}")));
            }
        }));
    }
    let started = Instant::now();
    while acked.lock().unwrap().len() < 100 {
        assert!(started.elapsed() < Duration::from_secs(60), "votes are not flowing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let out = tempfile::tempdir().unwrap();
    let during = out.path().join("during.db");
    let dir = data.path().to_owned();
    let backup = move |file: &Path| {
        Command::new(common::process::BIN).arg("--data-dir").arg(&dir).arg("backup").arg(file).output().unwrap()
    };
    let taken = tokio::task::spawn_blocking({
        let (during, backup) = (during.clone(), backup.clone());
        move || backup(&during)
    })
    .await
    .unwrap();
    assert!(taken.status.success(), "{}", String::from_utf8_lossy(&taken.stderr));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for v in voters {
        v.await.unwrap();
    }
    let copy =
        sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&during).read_only(true))
            .await
            .unwrap();
    let unmatched: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM judgments j JOIN assignments a ON a.id = j.assignment_id WHERE a.state <> 'done')
              + (SELECT COUNT(*) FROM assignments a WHERE a.state = 'done'
                   AND NOT EXISTS (SELECT 1 FROM judgments j WHERE j.assignment_id = a.id))",
    )
    .fetch_one(&copy)
    .await
    .unwrap();
    assert_eq!(unmatched, 0, "the copy is one moment of the source: each judgment with its done assignment");
    let copied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM judgments").fetch_one(&copy).await.unwrap();
    let total = acked.lock().unwrap().len() as i64;
    eprintln!("backup while voting: {copied} judgments in the copy, {total} acknowledged by the end");
    assert!(
        copied >= 100 && copied < total,
        "{copied} judgments copied of {total} acknowledged: not a moment mid-vote"
    );
    copy.close().await;

    // Once voting stopped, a second copy holds exactly the source's rows.
    let after = out.path().join("after.db");
    let second = backup(&after);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    server.kill().unwrap();
    server.wait().unwrap();
    let acked = acked.lock().unwrap().clone();
    consistent(data.path(), &acked).await;
    let source = server::backup::check(&data.path().join("medpref.db")).await.unwrap();
    let copied = server::backup::check(&after).await.unwrap();
    assert_eq!(source.rows, copied.rows, "row counts of every table");
    assert_eq!(source.audit_entries, copied.audit_entries);

    let restored = tempfile::tempdir().unwrap();
    server::backup::restore(&after, restored.path(), false).unwrap();
    consistent(restored.path(), &acked).await;
}
