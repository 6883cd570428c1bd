//! `medpref db copy` round trip: a database holding every kind of record, copied SQLite →
//! PostgreSQL → SQLite by the real binary, serves byte-identical exports and an intact audit log.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;

use app::domain::Role;
use app::domain::job::Selection;
use common::{TestApp, ranking, vote};
use http::StatusCode;
use serde_json::{Value, json};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_medpref");
const PAIR: &str = r#"{"question": "腰椎间盘突出能做什么运动？", "response_chosen": "游泳和小燕飞都可以。作者：张立博士北京大学第三医院骨科，电话13812345678", "response_rejected": "多休息。"}"#;

fn medpref(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("--data-dir").arg(dir).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Judges every item of `dataset` the reviewer is served, with `decide(position)`.
async fn work_through(app: &TestApp, cookie: &str, dataset: &str, decide: impl Fn(usize) -> Value) -> usize {
    let mut done = 0;
    loop {
        let queue = app.queue(cookie, dataset).await;
        let Some(item) = queue["items"].as_array().and_then(|i| i.first()).cloned() else { break };
        let assignment = item["assignment"].as_i64().unwrap();
        let res = app.judge(cookie, assignment, decide(done)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        done += 1;
    }
    done
}

/// A database with votes (two reviewers), rankings, corrections, span flags on personal
/// information, an audit with decisions, a generation job and recorded exports.
async fn build(app: &TestApp) -> (String, String) {
    let password = app.user("admin", Role::Admin).await;
    let admin = app.login("admin", &password).await;
    assert_eq!(app.import(&admin, "reward", common::REWARD_SAMPLE).await.status, StatusCode::OK);
    app.configure(&admin, "reward", json!({ "overlap_target": 2 })).await;
    let votes = ["a", "b", "tie", "both_bad", "b", "a", "a"];
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let nurse = app.signed_in("nurse", Role::Annotator).await;
    for (cookie, shift) in [(&doctor, 0), (&nurse, 3)] {
        let done = work_through(app, cookie, "reward", |i| vote(votes[(i + shift) % votes.len()])).await;
        assert_eq!(done, 100);
    }

    let lines: Vec<String> = (0..3)
        .map(|i| {
            json!({ "question": format!("儿童发烧{i}天怎么办？"), "answers": ["甲", "乙", "丙", "丁"] }).to_string()
        })
        .collect();
    let res = app.import_as(&admin, "bon", "candidates", &lines.join("\n")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.configure(&admin, "bon", json!({ "overlap_target": 1 })).await;
    let ranks = [[3, 2, 1, 3], [1, 2, 3, 4], [2, 2, 1, 4]];
    assert_eq!(work_through(app, &doctor, "bon", |i| ranking(&ranks[i])).await, 3);

    let qa = r#"{"query":"感冒发烧吃什么药？","response":"吃抗生素。"}
{"query":"头痛怎么办？","response":"注意休息，持续不缓解请就医。"}
{"query":"高血压能喝酒吗？","response":"少量没关系。"}"#;
    app.import_as(&admin, "qa", "chatmed", qa).await;
    app.configure(&admin, "qa", json!({ "overlap_target": 1 })).await;
    let corrections = [
        json!({ "correction": "Accept" }),
        json!({ "correction": "Reject", "reasons": ["factual_error"] }),
        json!({ "correction": { "Edit": { "answer": "高血压患者应戒酒，血压控制不佳时尤其如此。" } }, "reasons": ["factual_error"] }),
    ];
    for c in &corrections {
        let q = app.call("correct_queue", &[("dataset", "qa")], Some(&doctor)).await.json();
        let assignment = q["items"][0]["assignment"].as_i64().unwrap();
        let res = app.call_json("correct", json!({ "assignment": assignment, "correction": c }), Some(&doctor)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }

    assert_eq!(app.import(&admin, "pii", PAIR).await.status, StatusCode::OK);
    app.configure(&admin, "pii", json!({ "overlap_target": 1 })).await;
    let queue = app.queue(&doctor, "pii").await;
    let item = &queue["items"][0];
    let assignment = item["assignment"].as_i64().unwrap();
    let side = item["flags"]["html"].as_array().unwrap()[1..]
        .iter()
        .position(|h| h.as_str().unwrap().contains("游泳"))
        .unwrap();
    let span = json!({ "assignment": assignment, "flag": { "type": "span", "field": { "answer": side },
                       "text": "小燕飞", "occurrence": 0, "category": "name" } });
    assert_eq!(app.call_json("flag", span, Some(&doctor)).await.status, StatusCode::OK);
    let res = app.judge(&doctor, assignment, vote(if side == 0 { "a" } else { "b" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let auditor = app.signed_in("auditor", Role::Auditor).await;
    let form = [("dataset", "reward"), ("design", "random"), ("n", "4"), ("seed", "7")];
    let audit = app.call("create_audit", &form, Some(&auditor)).await.json();
    let id = audit["id"].as_i64().unwrap().to_string();
    for _ in 0..2 {
        let task = app.call("audit_next", &[("audit", &id)], Some(&auditor)).await.json();
        let body =
            json!({ "audit": task["audit"], "position": task["position"], "decision": { "Judgment": vote("a") } });
        assert_eq!(app.call_json("audit_decide", body, Some(&auditor)).await.status, StatusCode::OK);
    }

    let reward: i64 =
        sqlx::query_scalar("SELECT id FROM datasets WHERE name = 'reward'").fetch_one(&app.pool).await.unwrap();
    let job = app::store::jobs::create(
        &app.db,
        app::domain::DatasetId(reward),
        None,
        Selection::BothBad,
        1,
        2,
        &json!({ "model": "none" }),
    )
    .await
    .unwrap();
    assert!(job.is_some(), "both-bad items to regenerate");
    (admin, password)
}

/// Every export the database offers, as text (data files only: a manifest names its export's id and time).
async fn exports(app: &TestApp, admin: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    for (dataset, formats) in [
        (
            "reward",
            &["trl-dpo", "trl-reward", "trl-kto", "cmd-reward", "openai-preference", "llamafactory-sharegpt"][..],
        ),
        ("bon", &["trl-dpo", "llamafactory-alpaca"][..]),
        ("qa", &["sft-sharegpt", "sft-alpaca"][..]),
        ("pii", &["trl-dpo"][..]),
    ] {
        for format in formats {
            let e = app.export(&[("dataset", dataset), ("format", format)], admin).await;
            out.push((format!("{dataset} {format}"), e["content"].as_str().unwrap().to_string()));
        }
    }
    out
}

#[tokio::test]
async fn a_full_database_copied_to_postgresql_and_back_serves_byte_identical_exports() {
    let app = TestApp::new().await;
    let (admin, password) = build(&app).await;
    let before = exports(&app, &admin).await;
    let empty: Vec<&str> = before.iter().filter(|(_, c)| c.is_empty()).map(|(n, _)| n.as_str()).collect();
    assert_eq!(empty, ["pii trl-dpo"], "only the item with an open flag is held back");
    let app_judgments = app.count("judgments").await;
    let source = app.dir.path().join("medpref.db");
    app.db.close().await;
    app.pool.close().await;

    let pg = common::pg::database().await;
    let home = tempfile::tempdir().unwrap();
    let back = tempfile::tempdir().unwrap();
    let copy_back = back.path().join("medpref.db");
    let from = format!("sqlite://{}", source.display());
    let out = medpref(home.path(), &["db", "copy", "--from", &from, "--to", &pg]);
    assert!(out.status.success(), "{}", text(&out));
    // Every table of the source, with its count, checked at the end.
    for table in
        ["judgments", "judgment_ranks", "corrections", "flags", "audits", "audit_log", "generation_jobs", "exports"]
    {
        assert!(text(&out).lines().any(|l| l.contains(table)), "{table} in {}", text(&out));
    }
    let again = medpref(home.path(), &["db", "copy", "--from", &from, "--to", &pg]);
    assert!(
        !again.status.success() && text(&again).contains("empty"),
        "a non-empty target is refused: {}",
        text(&again)
    );
    let to = format!("sqlite://{}", copy_back.display());
    let out = medpref(home.path(), &["db", "copy", "--from", &pg, "--to", &to]);
    assert!(out.status.success(), "{}", text(&out));

    let verify = medpref(back.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    let copy = TestApp::at(back).await;
    // Sessions are not copied: the admin signs in again, with the copied password hash.
    let admin = copy.login("admin", &password).await;
    let after = exports(&copy, &admin).await;
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        assert!(a == b, "{name} differs after the round trip:\n{a}\n---\n{b}");
    }
    // The copy is a working database: the ids go on after the copied ones.
    let newcomer = copy.signed_in("newcomer", Role::Annotator).await;
    let queue = copy.queue(&newcomer, "reward").await;
    assert!(queue["items"].is_array(), "{queue}");
    assert_eq!(copy.count("judgments").await, app_judgments);
}
