//! Exports through the HTTP download: the aggregation policy, the manifest, determinism, and
//! every format loaded by Hugging Face `datasets` (scripts/check_exports.py).
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::{REWARD_SAMPLE, TestApp, pairs};
use http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;

const FORMATS: [&str; 8] = [
    "trl-dpo",
    "trl-dpo-conversational",
    "trl-reward",
    "trl-kto",
    "llamafactory-alpaca",
    "llamafactory-sharegpt",
    "cmd-reward",
    "openai-preference",
];

fn judgment(vote: &str, strength: Option<&str>) -> Value {
    json!({ "decision": { "Pairwise": { "vote": vote, "strength": strength } } })
}

/// Works through the reviewer's queue; `plan(question, shown answers)` returns the vote and
/// strength, with `a`/`b` already mapped to the side the wanted answer is shown on.
async fn review(
    app: &TestApp,
    cookie: &str,
    dataset: &str,
    plan: impl Fn(&str, &[String]) -> (String, Option<&'static str>),
) {
    loop {
        let queue = app.queue(cookie, dataset).await;
        let Some(item) = queue["items"].as_array().and_then(|a| a.first()).cloned() else { break };
        let shown: Vec<String> =
            item["answers"].as_array().unwrap().iter().map(|a| a["html"].as_str().unwrap().to_string()).collect();
        let (vote, strength) = plan(item["question_html"].as_str().unwrap_or_default(), &shown);
        let res = app.judge(cookie, item["assignment"].as_i64().unwrap(), judgment(&vote, strength)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
}

/// The side showing the answer that contains `mark`.
fn side(shown: &[String], mark: &str) -> String {
    if shown[0].contains(mark) { "a".into() } else { "b".into() }
}

fn item_no(question: &str) -> usize {
    let digits: String =
        question.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().unwrap_or_else(|_| panic!("no item number in {question}"))
}

#[tokio::test]
async fn the_policy_decides_what_is_written_and_the_manifest_says_so() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(5)).await;
    app.configure(&admin, "d", json!({ "overlap_target": 3 })).await;
    // Item 0: three ties. 1: three both-bad. 2: 甲 by all (strong, strong, slight).
    // 3: 甲, 甲, 乙 (clear). 4: 甲, 乙, tie. Item 5 (added later): one vote for 甲.
    let plan = |who: usize| {
        move |q: &str, shown: &[String]| -> (String, Option<&'static str>) {
            let jia = side(shown, "回答甲");
            let yi = side(shown, "回答乙");
            match (item_no(q), who) {
                (0, _) => ("tie".into(), None),
                (1, _) => ("both_bad".into(), None),
                (2, 2) => (jia, Some("slight")),
                (2, _) => (jia, Some("strong")),
                (3, 2) => (yi, Some("clear")),
                (4, 1) => (yi, Some("clear")),
                (4, 2) => ("tie".into(), None),
                _ => (jia, Some("clear")),
            }
        }
    };
    let mut doctors = Vec::new();
    for (who, name) in ["d0", "d1", "d2"].into_iter().enumerate() {
        let cookie = app.signed_in(name, Role::Annotator).await;
        review(&app, &cookie, "d", plan(who)).await;
        doctors.push(cookie);
    }
    let sixth =
        json!({ "question": "问题5：发烧怎么办？", "response_chosen": "回答甲5", "response_rejected": "回答乙5" });
    app.import(&admin, "d", &sixth.to_string()).await;
    review(&app, &doctors[0], "d", plan(0)).await;

    let export = |extra: &'static [(&'static str, &'static str)], format: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let mut form = vec![("dataset", "d"), ("format", format)];
            form.extend_from_slice(extra);
            app.export(&form, admin).await
        }
    };
    let lines = |file: &Value| -> Vec<Value> {
        file["content"].as_str().unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };

    let reward = export(&[], "trl-reward").await;
    let margins: HashMap<String, f64> = lines(&reward)
        .iter()
        .map(|r| (r["chosen"][0]["content"].as_str().unwrap().to_string(), r["margin"].as_f64().unwrap()))
        .collect();
    assert_eq!(margins.len(), 3, "{reward}");
    assert_eq!(margins["问题2：头痛怎么办？"], 0.75, "mean of strong, strong, slight");
    assert_eq!(margins["问题3：头痛怎么办？"], 0.5, "the majority's two clear votes");
    assert_eq!(margins["问题5：发烧怎么办？"], 0.5);
    assert!(lines(&reward).iter().all(|r| r["chosen"][1]["content"].as_str().unwrap().starts_with("回答甲")));
    let left = &reward["summary"]["left_out"];
    assert_eq!(
        (left["tie"].clone(), left["both_bad"].clone(), left["no_majority"].clone()),
        (json!(1), json!(1), json!(1))
    );
    let manifest = &reward["manifest"];
    assert_eq!(manifest["unit"], "pair");
    assert_eq!(manifest["policy"]["rule"], "strict");
    assert_eq!(manifest["medpref_version"], env!("CARGO_PKG_VERSION"));
    let mut agreement = manifest["agreement"].clone();
    let kappa = agreement.as_object_mut().unwrap().remove("fleiss_kappa").unwrap();
    assert_eq!(
        agreement,
        json!({ "judged": 6, "multiply_judged": 5, "unanimous": 3,
                "mean_majority_share": 0.8, "observed_agreement": 0.6667 }),
        "(1+1+1+2/3+1/3)/5 and (1+1+1+(2·1)/(3·2)+0)/5"
    );
    // The agreement page computes Fleiss' κ with the same code over the same votes.
    let page = app.call("agreement", &[("dataset", "d")], Some(&admin)).await.json();
    let page_kappa = (page["fleiss_kappa"].as_f64().unwrap() * 10_000.0).round() / 10_000.0;
    assert_eq!(kappa, json!(page_kappa));

    let two = export(&[("min_judgments", "2")], "trl-dpo").await;
    assert_eq!(
        (two["summary"]["written"].clone(), two["summary"]["left_out"]["too_few_judgments"].clone()),
        (json!(2), json!(1))
    );
    let agree = export(&[("min_agreement", "0.8")], "trl-dpo").await;
    assert_eq!(
        (agree["summary"]["written"].clone(), agree["summary"]["left_out"]["low_agreement"].clone()),
        (json!(2), json!(1))
    );
    let d2_only = export(&[("reviewers", "d2")], "trl-dpo").await;
    assert_eq!(d2_only["summary"]["left_out"]["unjudged"], 1, "item 5 has no vote by d2");
    let rejected: Vec<String> = lines(&d2_only).iter().map(|r| r["rejected"].as_str().unwrap().to_string()).collect();
    assert!(rejected.contains(&"回答甲3".to_string()), "d2 alone prefers 乙 on item 3: {rejected:?}");
    let future = export(&[("from", "2999-01-01")], "trl-dpo").await;
    assert_eq!(future["summary"]["left_out"]["unjudged"], 6);

    // KTO: each answer once. Decided pairs give one desirable and one undesirable answer;
    // both-bad gives two undesirable ones by default; ties only when asked for.
    let kto = export(&[], "trl-kto").await;
    assert_eq!(kto["manifest"]["unit"], "answer");
    assert_eq!(kto["summary"]["written"], 8);
    assert_eq!(kto["summary"]["left_out"]["tie"], 2);
    let labels: Vec<bool> = lines(&kto).iter().map(|r| r["label"].as_bool().unwrap()).collect();
    assert_eq!(labels.iter().filter(|l| **l).count(), 3);
    let with_ties = export(&[("ties", "desirable"), ("both_bad", "leave-out")], "trl-kto").await;
    assert_eq!(with_ties["summary"]["written"], 8);
    assert_eq!(with_ties["summary"]["left_out"]["both_bad"], 2);

    // Gold items can be left out; the manifest counts them.
    let item5: i64 =
        sqlx::query_scalar("SELECT id FROM items WHERE question LIKE '问题5%'").fetch_one(&app.pool).await.unwrap();
    let res =
        app.call("mark_gold", &[("dataset", "d"), ("item", &item5.to_string()), ("answer", "1")], Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let gold = export(&[("exclude_gold", "on")], "trl-dpo").await;
    assert_eq!((gold["summary"]["written"].clone(), gold["summary"]["left_out"]["gold"].clone()), (json!(2), json!(1)));

    // Refusals: a bad policy names its field; reviewers and strangers get nothing.
    let bad =
        app.call("export", &[("dataset", "d"), ("format", "trl-dpo"), ("min_agreement", "2")], Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("min_agreement must be between 0 and 1"), "{}", bad.body);
    let typo = app.call("export", &[("dataset", "d"), ("format", "trl-dpo"), ("rule", "most")], Some(&admin)).await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    // An option the export does not know (a misspelt `min_agreement`) is refused by name,
    // not ignored: the admin would otherwise get an export without the filter they asked for.
    let unknown =
        app.call("export", &[("dataset", "d"), ("format", "trl-dpo"), ("min_agrement", "0.8")], Some(&admin)).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("unknown export option `min_agrement`"), "{}", unknown.body);
    assert_eq!(
        app.call("export", &[("dataset", "d"), ("format", "trl-dpo")], Some(&doctors[0])).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("export", &[("dataset", "d"), ("format", "trl-dpo")], None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call("export", &[("dataset", "nope"), ("format", "trl-dpo")], Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );
    let id = reward["manifest"]["data_file"].as_str().unwrap();
    assert_eq!(id, "d.trl-reward.jsonl");
    let part = app.get("/api/export_part?id=1&part=manifest", Some(&doctors[0])).await;
    assert_eq!(part.status, StatusCode::FORBIDDEN);
    let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audit, 8, "every finished export is in the audit log");
}

#[tokio::test]
async fn every_format_loads_in_hugging_face_datasets_and_repeats_byte_for_byte() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let sample: String = REWARD_SAMPLE.lines().take(12).collect::<Vec<_>>().join("\n");
    assert_eq!(app.import(&admin, "reward", &sample).await.status, StatusCode::OK);
    // Items with a system text and earlier turns, so the context columns are exercised.
    let ctx = [
        json!({ "question": "那饭后能吃吗？", "system": "你是一名全科医生。", "history": [["布洛芬能空腹吃吗？", "不建议空腹服用。"]],
                "answers": ["饭后可以服用，注意剂量。", "随便吃。"] }),
        json!({ "question": "孩子发烧38.5度怎么办？", "answers": ["可以物理降温，必要时用对乙酰氨基酚。", "马上输液。"] }),
    ];
    let ctx: Vec<String> = ctx.iter().map(Value::to_string).collect();
    let res = app.import_as(&admin, "ctx", "candidates", &ctx.join("\n")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for d in ["reward", "ctx"] {
        app.configure(&admin, d, json!({ "overlap_target": 2 })).await;
    }
    // Both reviewers prefer the longer answer: every pair is decided.
    for name in ["r1", "r2"] {
        let cookie = app.signed_in(name, Role::Annotator).await;
        for d in ["reward", "ctx"] {
            review(&app, &cookie, d, |_, shown| {
                let longer = if shown[0].chars().count() >= shown[1].chars().count() { "a" } else { "b" };
                (longer.into(), Some("clear"))
            })
            .await;
        }
    }
    let sft: String = include_str!("../../fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl")
        .lines()
        .take(6)
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(app.import_as(&admin, "qa", "sharegpt", &sft).await.status, StatusCode::OK);
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for _ in 0..6 {
        let q = app.call("correct_queue", &[("dataset", "qa")], Some(&doctor)).await.json();
        let Some(assignment) = q["items"][0]["assignment"].as_i64() else { break };
        let res = app
            .call_json(
                "correct",
                json!({ "assignment": assignment, "correction": { "correction": "Accept" } }),
                Some(&doctor),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }

    let dir = tempfile::tempdir().unwrap();
    let mut jobs: Vec<(&str, &str)> = FORMATS.iter().flat_map(|f| [("reward", *f), ("ctx", *f)]).collect();
    jobs.extend([("qa", "sft-sharegpt"), ("qa", "sft-alpaca")]);
    for (dataset, format) in jobs {
        let form = [("dataset", dataset), ("format", format), ("ties", "desirable")];
        let first = app.export(&form, &admin).await;
        let again = app.export(&form, &admin).await;
        assert_eq!(first["content"], again["content"], "{dataset} {format}: same data and policy, same bytes");
        assert_ne!(first["manifest"]["created_at"], Value::Null);
        assert!(first["summary"]["written"].as_u64().unwrap() > 0, "{dataset} {format}: {}", first["manifest"]);
        let stem = format!("{dataset}.{format}");
        std::fs::write(dir.path().join(format!("{stem}.jsonl")), first["content"].as_str().unwrap()).unwrap();
        std::fs::write(dir.path().join(format!("{stem}.manifest.json")), first["manifest"].to_string()).unwrap();
        if format.starts_with("llamafactory") || format.starts_with("sft") {
            let id = first["manifest"]["data_file"].as_str().unwrap().to_string();
            assert!(first["manifest"]["dataset_info"]["file_name"].as_str().unwrap() == id);
        }
    }
    let python = common::python();
    let out = std::process::Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/check_exports.py"))
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| {
            panic!("running {} ({e}): run scripts/setup.sh, which installs `datasets`", python.display())
        });
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert_eq!(report.matches(": ok").count(), 18, "{report}");
}

/// Issue 16, item 11: per-axis ratings leave the system in preference exports, HelpSteer
/// style — each answer's mean over the reviewers who rated it, every axis on every line.
#[tokio::test]
async fn preference_exports_carry_each_answers_mean_ratings_when_asked() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let axes = json!([{ "axis": "correctness", "required": false }, { "axis": "safety", "required": false }]);
    let res = app.configure(&admin, "d", json!({ "overlap_target": 2, "settings": { "axes": axes } })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Both reviewers prefer the answer with 甲; one rates it correctness 4, the other 5 and safety 3.
    for (name, ratings) in [
        ("r1", json!([[0, "correctness", 4], [1, "correctness", 2]])),
        ("r2", json!([[0, "correctness", 5], [0, "safety", 3]])),
    ] {
        let doctor = app.signed_in(name, Role::Annotator).await;
        let item = app.queue(&doctor, "d").await["items"][0].clone();
        let shown: Vec<String> =
            item["answers"].as_array().unwrap().iter().map(|a| a["html"].as_str().unwrap().to_string()).collect();
        let good = if shown[0].contains("甲") { 0 } else { 1 };
        let ratings: Vec<Value> = ratings
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let answer = if r[0] == 0 { good } else { 1 - good };
                json!({ "answer": answer, "axis": r[1], "value": r[2] })
            })
            .collect();
        let vote = if good == 0 { "a" } else { "b" };
        let judgment = json!({ "decision": { "Pairwise": { "vote": vote, "strength": "clear" } }, "ratings": ratings });
        let res = app.judge(&doctor, item["assignment"].as_i64().unwrap(), judgment).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let plain = app.export(&[("dataset", "d"), ("format", "trl-dpo")], &admin).await;
    let line: Value = serde_json::from_str(plain["content"].as_str().unwrap().lines().next().unwrap()).unwrap();
    assert!(line.get("chosen_ratings").is_none(), "off by default: {line}");

    let rated = app.export(&[("dataset", "d"), ("format", "trl-dpo"), ("ratings", "on")], &admin).await;
    let line: Value = serde_json::from_str(rated["content"].as_str().unwrap().lines().next().unwrap()).unwrap();
    assert!(line["chosen"].as_str().unwrap().contains("甲"), "{line}");
    let empty = json!({ "correctness": null, "safety": null, "completeness": null, "empathy": null, "caution": null, "fluency": null });
    let mut chosen = empty.clone();
    chosen["correctness"] = json!(4.5);
    chosen["safety"] = json!(3.0);
    let mut rejected = empty;
    rejected["correctness"] = json!(2.0);
    assert_eq!((line["chosen_ratings"].clone(), line["rejected_ratings"].clone()), (chosen.clone(), rejected));
    assert_eq!(rated["manifest"]["policy"]["ratings"], true);
    let kto = app.export(&[("dataset", "d"), ("format", "trl-kto"), ("ratings", "on")], &admin).await;
    let desirable: Vec<Value> = kto["content"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["label"] == true)
        .collect();
    assert_eq!(desirable.len(), 1);
    assert_eq!(desirable[0]["ratings"], chosen);
}
