//! Sign-in under an anonymous flood (`scripts/bench.sh signin`): `COUNT` wrong sign-ins for
//! unknown names, `CONCURRENCY` at a time, each from its own loopback address (127.0.x.y, so
//! the per-client throttle does not simply refuse them), against a running server whose pid
//! is given. Prints the answers by status and the server's peak and final resident memory
//! beside the floor: its memory before the flood plus one argon2 block (19 MiB) per
//! concurrent password check.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

fn rss_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, pid, count, concurrency, checks] = &args[..] else {
        eprintln!("usage: signin_bench URL PID COUNT CONCURRENCY PASSWORD_CHECKS");
        std::process::exit(2);
    };
    let (pid, count, concurrency): (u32, usize, usize) =
        (pid.parse().expect("pid"), count.parse().expect("count"), concurrency.parse().expect("concurrency"));
    let checks: u64 = checks.parse().expect("checks");
    let before = rss_kb(pid, "VmRSS:");
    let started = Instant::now();
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::new();
    for i in 0..count {
        let permit = semaphore.clone().acquire_owned().await.expect("semaphore");
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, (i / 250) as u8 + 1, (i % 250) as u8 + 1));
        let url = format!("{url}/api/login");
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().local_address(ip).build().expect("client");
            let form = [("username", format!("nobody{i}")), ("password", "a-wrong-password-1".to_string())];
            let status = client.post(&url).form(&form).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
            drop(permit);
            status
        }));
    }
    let mut by_status = std::collections::BTreeMap::new();
    for t in tasks {
        *by_status.entry(t.await.unwrap_or(0)).or_insert(0) += 1;
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (peak, after) = (rss_kb(pid, "VmHWM:"), rss_kb(pid, "VmRSS:"));
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!("{count} sign-ins, {concurrency} at a time, in {:.1} s: answers {by_status:?}", took.as_secs_f64());
    println!(
        "server memory: before {:.0} MB, peak {:.0} MB, after {:.0} MB; floor {:.0} MB (before + {checks} × 19 MiB)",
        mb(before),
        mb(peak),
        mb(after),
        mb(before) + checks as f64 * 19.0
    );
}
