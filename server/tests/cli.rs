//! The `medpref` binary, run as a user would run it.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_medpref");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/medicalgpt-reward-test-100.jsonl");

fn medpref(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_weak_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let ok = medpref(dir.path(), &["user", "add", "--role", "admin", "wang"], Some("a-long-password-1\n"));
    assert!(ok.status.success(), "{}", text(&ok));
    let weak = medpref(dir.path(), &["user", "add", "--role", "annotator", "li"], Some("short\n"));
    assert!(!weak.status.success());
    assert!(text(&weak).contains("12 to 256 characters"));
    let dup = medpref(dir.path(), &["user", "add", "--role", "annotator", "WANG"], Some("a-long-password-2\n"));
    assert!(!dup.status.success());
    assert!(text(&dup).contains("taken"));
    let role = medpref(dir.path(), &["user", "add", "--role", "root", "x"], Some("a-long-password-3\n"));
    assert!(text(&role).contains("unknown role"));
}

#[test]
fn import_reports_file_and_line_and_writes_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines: Vec<&str> = sample.lines().collect();
    lines[41] = "{\"question\": \"缺少回答\"";
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let out = medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", bad.to_str().unwrap()], None);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(msg.contains("bad.jsonl:42: invalid JSON"), "{msg}");
    assert!(msg.contains("nothing was imported"));

    let ok = medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", SAMPLE], None);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("100 added, 0 duplicates"));
    let again = medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", SAMPLE], None);
    assert!(text(&again).contains("0 added, 100 duplicates"), "{}", text(&again));
}

#[test]
fn items_are_searched_as_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", SAMPLE], None);
    let out = medpref(dir.path(), &["items", "--dataset", "r", "--q", "北京大学第三医院"], None);
    assert!(out.status.success(), "{}", text(&out));
    let listing = text(&out);
    assert!(listing.starts_with("1 matching items\n#88\t可以改善颈椎腰椎病"), "{listing}");
    assert!(listing.contains("answer: ") && listing.contains("[北京大学第三医院]"), "{listing}");
    let all = text(&medpref(dir.path(), &["items", "--dataset", "r"], None));
    assert!(all.starts_with("100 matching items") && all.contains("next: --after 50"), "{all}");
    let bad = medpref(dir.path(), &["items", "--dataset", "r", "--state", "finished"], None);
    assert!(!bad.status.success() && text(&bad).contains("unknown item state `finished`"), "{}", text(&bad));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `medpref items … | head -1`: the reader goes away before the listing is written.
    let dir = tempfile::tempdir().unwrap();
    medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", SAMPLE], None);
    {
        let args = ["items", "--dataset", "r"];
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && !stderr.contains("panicked"), "{args:?}: {:?} {stderr}", out.status);
    }
}

#[test]
fn export_prints_what_it_wrote_and_left_out() {
    let dir = tempfile::tempdir().unwrap();
    medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", SAMPLE], None);
    let out_file = dir.path().join("out.jsonl");
    let out =
        medpref(dir.path(), &["export", "--dataset", "r", "--format", "trl-dpo", out_file.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out)
            .contains("wrote 0 records (0 redacted for flags, 0 naming age and sex), left out 100 (unjudged: 100"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["left_out"]["unjudged"], 100);
    // sha256 of nothing.
    assert_eq!(manifest["sha256"], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    // LLaMA-Factory formats add their entry to dataset_info.json beside the file, keeping others.
    std::fs::write(dir.path().join("dataset_info.json"), r#"{"mine": {"file_name": "mine.json"}}"#).unwrap();
    let lf = dir.path().join("lf.jsonl");
    let args = ["export", "--dataset", "r", "--format", "llamafactory-sharegpt", "--set", "min_judgments=2"];
    let out = medpref(dir.path(), &[&args[..], &[lf.to_str().unwrap()]].concat(), None);
    assert!(out.status.success(), "{}", text(&out));
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dataset_info.json")).unwrap()).unwrap();
    assert_eq!(info["mine"]["file_name"], "mine.json");
    assert_eq!(info["r_llamafactory_sharegpt"]["file_name"], "lf.jsonl");
    assert_eq!(info["r_llamafactory_sharegpt"]["ranking"], true);
    let bad = medpref(
        dir.path(),
        &["export", "--dataset", "r", "--format", "trl-dpo", "--set", "min_agreement=2", "x.jsonl"],
        None,
    );
    assert!(text(&bad).contains("min_agreement must be between 0 and 1"), "{}", text(&bad));
    let missing = medpref(dir.path(), &["export", "--dataset", "nope", "--format", "trl-dpo", "x.jsonl"], None);
    assert!(text(&missing).contains("no dataset named `nope`"));
    let fmt = medpref(dir.path(), &["export", "--dataset", "r", "--format", "csv", "x.jsonl"], None);
    assert!(text(&fmt).contains("unknown export format `csv`"));
}

#[tokio::test]
async fn dataset_configure_sets_the_regeneration_sampling_and_refuses_out_of_range_values() {
    let dir = tempfile::tempdir().unwrap();
    medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", SAMPLE], None);
    let set =
        ["dataset", "configure", "--dataset", "r", "--temperature", "0", "--top-k", "40", "--max-new-tokens", "64"];
    let ok = medpref(dir.path(), &set, None);
    assert!(ok.status.success(), "{}", text(&ok));
    let bad =
        medpref(dir.path(), &["dataset", "configure", "--dataset", "r", "--top-p", "0", "--temperature", "1"], None);
    assert!(!bad.status.success() && text(&bad).contains("top_p must be above 0"), "{}", text(&bad));
    let pool = app::store::sqlite::open(&server::database_path(dir.path())).await.unwrap();
    let settings: String =
        sqlx::query_scalar("SELECT settings FROM datasets WHERE name = 'r'").fetch_one(&pool).await.unwrap();
    let settings: serde_json::Value = serde_json::from_str(&settings).unwrap();
    assert_eq!(
        settings["regeneration"],
        serde_json::json!({ "temperature": 0.0, "top_k": 40, "top_p": 0.9, "max_new_tokens": 64 }),
        "set values kept, the refused change left nothing behind"
    );
}

#[test]
fn import_quarantines_bad_lines_into_a_reject_file_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = std::fs::read_to_string(SAMPLE).unwrap().lines().map(str::to_string).collect();
    lines[9] = r#"{"question": "q", "response_chosen": "c"}"#.into();
    lines[49] = "{".into();
    let file = dir.path().join("pairs.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let path = file.to_str().unwrap();
    let refused = medpref(dir.path(), &["import", "--dataset", "r", "--format", "cmd-reward", path], None);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("pairs.jsonl:10: missing field `response_rejected`"), "{}", text(&refused));
    let args = ["import", "--dataset", "r", "--format", "cmd-reward", "--on-error", "quarantine", path];
    let ok = medpref(dir.path(), &args, None);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("98 added") && text(&ok).contains("2 bad lines quarantined"), "{}", text(&ok));
    let rejects = std::fs::read_to_string(dir.path().join("pairs.jsonl.rejects.jsonl")).unwrap();
    let rejects: Vec<serde_json::Value> = rejects.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rejects.iter().map(|r| r["line"].as_i64().unwrap()).collect::<Vec<_>>(), [10, 50]);
    assert_eq!(rejects[1]["record"], "{");
    assert!(rejects[1]["reason"].as_str().unwrap().starts_with("invalid JSON"));
}

/// Issue 17, item 9 (and the `medpref flags` commands of issue 16, item 9): the audit log is
/// hash-chained; `medpref audit verify` passes on the real log and names the first broken
/// entry on copies where one was edited, one removed, or one forged without its link.
#[test]
fn audit_verify_finds_an_edited_a_removed_and_a_forged_entry() {
    let dir = tempfile::tempdir().unwrap();
    let run = |dir: &std::path::Path, args: &[&str]| medpref(dir, args, None);
    assert!(
        medpref(dir.path(), &["user", "add", "--role", "admin", "wang"], Some("a-long-password-1\n")).status.success()
    );
    let import = run(dir.path(), &["import", "--dataset", "reward", "--format", "cmd-reward", SAMPLE]);
    assert!(import.status.success(), "{}", text(&import));
    let preview =
        run(dir.path(), &["flags", "bulk", "--dataset", "reward", "--category", "hospital", "--verdict", "dismiss"]);
    assert!(text(&preview).contains("5 open `hospital` spans"), "{}", text(&preview));
    let bulk = run(
        dir.path(),
        &["flags", "bulk", "--dataset", "reward", "--category", "hospital", "--verdict", "dismiss", "--yes"],
    );
    assert!(text(&bulk).contains("5 `hospital` spans"), "{}", text(&bulk));
    let gate = run(dir.path(), &["flags", "gate", "--dataset", "reward", "--category", "url", "--gates", "off"]);
    assert!(text(&gate).contains("url") && text(&gate).contains("does not gate"), "{}", text(&gate));
    let ok = run(dir.path(), &["audit", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("every link holds") && text(&ok).contains("(0 before the chain began)"),
        "{}",
        text(&ok)
    );
    let entries: i64 = text(&ok).split("audit log: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(entries >= 4, "user, import, bulk dismissal, gating: {}", text(&ok));

    // Each tampering on its own copy of the database, as someone with the file would do it.
    let tamper = |sql: &'static str| {
        let copy = tempfile::tempdir().unwrap();
        let backup = run(dir.path(), &["backup", copy.path().join("medpref.db").to_str().unwrap()]);
        assert!(backup.status.success(), "{}", text(&backup));
        let url = format!("sqlite://{}", copy.path().join("medpref.db").display());
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        });
        let out = run(copy.path(), &["audit", "verify"]);
        assert!(!out.status.success(), "{sql}: {}", text(&out));
        text(&out)
    };
    let edited = tamper(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{\"dataset\":\"forged\"}' WHERE id = 2;",
    );
    assert!(edited.contains("broken at entry 2: the entry or the one before it was changed"), "{edited}");
    let removed = tamper("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 2;");
    assert!(removed.contains("broken at entry 3: entries before this one were removed"), "{removed}");
    let forged =
        tamper("INSERT INTO audit_log (actor_id, action, entity, detail) VALUES (NULL, 'user.create', 'user', '{}');");
    assert!(forged.contains(&format!("broken at entry {}: an entry without a link", entries + 1)), "{forged}");
}

/// Issue 17: `medpref backup` writes a checked copy while a server could be running, and
/// `medpref restore` puts it back (refusing to overwrite without `--replace`); the restored
/// database has the same rows and a verified audit log.
#[test]
fn a_backup_is_checked_and_restores_to_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let run = |dir: &std::path::Path, args: &[&str]| medpref(dir, args, None);
    assert!(run(dir.path(), &["import", "--dataset", "reward", "--format", "cmd-reward", SAMPLE]).status.success());
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("copy.db");
    let backup = run(dir.path(), &["backup", file.to_str().unwrap()]);
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(text(&backup).contains("integrity ok") && text(&backup).contains("items 100"), "{}", text(&backup));
    let again = run(dir.path(), &["backup", file.to_str().unwrap()]);
    assert!(!again.status.success() && text(&again).contains("exists"), "{}", text(&again));

    let target = tempfile::tempdir().unwrap();
    assert!(run(target.path(), &["migrate"]).status.success());
    let refused = run(target.path(), &["restore", file.to_str().unwrap()]);
    assert!(!refused.status.success() && text(&refused).contains("--replace"), "{}", text(&refused));
    let restored = run(target.path(), &["restore", "--replace", file.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored));
    let verify = run(target.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    let items = run(target.path(), &["items", "--dataset", "reward"]);
    assert!(text(&items).contains("100"), "{}", text(&items));
}
