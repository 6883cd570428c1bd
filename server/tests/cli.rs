//! The `medpref` binary, run as a user would run it.
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
    let pool = app::store::open(&server::database_path(dir.path())).await.unwrap();
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
