//! Correcting QA pairs through the API: import in every shape, decide, adjudicate, export.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::TestApp;
use http::StatusCode;
use serde_json::{Value, json};

const SFT_SAMPLE: &str = include_str!("../../fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl");

async fn import(app: &TestApp, admin: &str, dataset: &str, format: &str, content: &str) -> common::Response {
    app.import_as(admin, dataset, format, content).await
}

fn lines(content: &str) -> Vec<Value> {
    content.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn the_real_sft_sample_imports_once() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let res = import(&app, &admin, "sft", "sharegpt", SFT_SAMPLE).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["added"], 1000);
    assert_eq!(app.count("candidates").await, 1000, "one answer per QA pair");
    let again = import(&app, &admin, "sft", "sharegpt", SFT_SAMPLE).await.json();
    assert_eq!((again["added"].clone(), again["duplicates"].clone()), (json!(0), json!(1000)));
    // Provenance: the line each item came from.
    let line: i64 = sqlx::query_scalar("SELECT source_line FROM items WHERE question LIKE '精子生成减少%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(line, 3);
    // QA pairs cannot go into a compare dataset, nor preference pairs into a correct one.
    app.import(&admin, "pairs", &common::pairs(1)).await;
    let res = import(&app, &admin, "pairs", "sharegpt", SFT_SAMPLE).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["Import"]["message"].as_str().unwrap().contains("is a compare dataset"));
    let res = app.import(&admin, "sft", &common::pairs(1)).await;
    assert!(res.json()["Import"]["message"].as_str().unwrap().contains("is a correct dataset"));
}

#[tokio::test]
async fn malformed_variants_of_the_sample_are_rejected_whole_or_read_correctly() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let sample: Vec<&str> = SFT_SAMPLE.lines().take(20).collect();
    let with_line = |n: usize, replacement: &str| {
        let mut l: Vec<String> = sample.iter().map(|s| s.to_string()).collect();
        l[n - 1] = replacement.to_string();
        l.join("\n")
    };
    let ten_mb = format!(
        r#"{{"conversations":[{{"from":"human","value":"q"}},{{"from":"gpt","value":"{}"}}]}}"#,
        "a".repeat(10 << 20)
    );
    let rejected = [
        (with_line(7, r#"{"conversations": [{"from": "human", "value": "q"}"#), 7, "invalid JSON"),
        (with_line(3, r#"{"turns": []}"#), 3, "missing field `conversations`"),
        (
            with_line(12, r#"{"conversations": [{"from": "human", "value": 5}, {"from": "gpt", "value": "a"}]}"#),
            12,
            "must be a string",
        ),
        (with_line(20, &ten_mb), 20, "the limit is 1 MB"),
    ];
    for (content, line, message) in rejected {
        let res = import(&app, &admin, "sft", "sharegpt", &content).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        let err = &res.json()["Import"];
        assert_eq!(err["line"], line, "{err}");
        assert!(err["message"].as_str().unwrap().contains(message), "{err}");
        for table in ["datasets", "items", "candidates", "imports"] {
            assert_eq!(app.count(table).await, 0, "nothing written ({table})");
        }
    }
    // A BOM, CRLF line ends and blank lines are how real files come: they import.
    let messy = format!("\u{feff}{}\r\n\r\n{}\r\n", sample[0], sample[1..].join("\r\n"));
    let res = import(&app, &admin, "sft", "sharegpt", &messy).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["added"], 20);
    let first: String =
        sqlx::query_scalar("SELECT question FROM items ORDER BY id LIMIT 1").fetch_one(&app.pool).await.unwrap();
    assert!(first.starts_with("治疗阳痿吃什么药呢"), "the BOM is not part of the text: {first}");
}

#[tokio::test]
async fn every_qa_shape_imports() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let cases = [
        ("alpaca", r#"{"instruction":"什么是高血压？","input":"","output":"血压持续高于正常"}"#),
        ("chatmed", r#"{"query":"失眠怎么办？","response":"规律作息，必要时就医"}"#),
        (
            "promptcblue",
            r#"{"input":"两句话的匹配程度？\n选项：完全不匹配，部分匹配，完全匹配\n答：","target":"部分匹配","answer_choices":["完全不匹配","部分匹配","完全匹配"],"task_type":"matching","task_dataset":"KUAKE-QTR","sample_id":"dev-1"}"#,
        ),
    ];
    for (format, line) in cases {
        let res = import(&app, &admin, format, format, line).await;
        assert_eq!(res.status, StatusCode::OK, "{format}: {}", res.body);
    }
    let task: String =
        sqlx::query_scalar("SELECT task FROM items WHERE task IS NOT NULL").fetch_one(&app.pool).await.unwrap();
    assert_eq!(task, "KUAKE-QTR");
    // Generic JSON Lines need a mapping, and name the missing field.
    let generic = r#"{"ask":"胸闷","reply":"做心电图","dept":"心内科"}"#;
    let res = import(&app, &admin, "generic", "jsonl", generic).await;
    assert!(res.json()["Import"]["message"].as_str().unwrap().contains("needs a field mapping"));
    let res = app
        .call(
            "import",
            &[
                ("dataset", "generic"),
                ("format", "jsonl"),
                ("file_name", "g.jsonl"),
                ("content", generic),
                ("mapping", "question=ask,answer=reply,department=dept"),
                ("generator", "gpt-3.5-turbo"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (dept, model): (String, String) = sqlx::query_as(
        "SELECT i.department, c.model FROM items i JOIN candidates c ON c.item_id = i.id WHERE i.question = '胸闷'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((dept.as_str(), model.as_str()), ("心内科", "gpt-3.5-turbo"));
}

fn edit(answer: &str, reasons: &[&str]) -> Value {
    json!({ "correction": { "Edit": { "question": null, "answer": answer } }, "reasons": reasons })
}

async fn decide(app: &TestApp, cookie: &str, dataset: &str, correction: Value) -> common::Response {
    let q = app.call("correct_queue", &[("dataset", dataset)], Some(cookie)).await.json();
    let assignment = q["items"][0]["assignment"].as_i64().expect("an item");
    app.call_json("correct", json!({ "assignment": assignment, "correction": correction }), Some(cookie)).await
}

const QA: &str = r#"{"query":"感冒发烧吃什么药？","response":"吃抗生素。"}
{"query":"头痛怎么办？","response":"注意休息，持续不缓解请就医。"}
{"query":"可以空腹吃布洛芬吗？","response":"可以，每次800mg。"}
{"query":"维生素C能治感冒吗？","response":"能彻底治愈感冒"}"#;

#[tokio::test]
async fn decisions_become_sft_records_and_preference_pairs() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    import(&app, &admin, "qa", "chatmed", QA).await;
    app.configure(&admin, "qa", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;

    let first = app.call("correct_queue", &[("dataset", "qa")], Some(&doctor)).await.json();
    assert_eq!(first["items"][0]["answer"], "吃抗生素。");
    // Rules: nothing changed, or no reason given, is refused with a typed problem.
    let res = decide(&app, &doctor, "qa", edit("吃抗生素。", &["factual_error"])).await;
    assert_eq!((res.status, res.json()), (StatusCode::BAD_REQUEST, json!({ "Correction": "Unchanged" })));
    let res = decide(&app, &doctor, "qa", edit("病毒性感冒不需要抗生素。", &[])).await;
    assert_eq!(res.json(), json!({ "Correction": "NeedReason" }));

    let fixed = "病毒性感冒不需要抗生素，可对症退热。";
    assert_eq!(
        decide(&app, &doctor, "qa", edit(fixed, &["factual_error", "unsafe_advice"])).await.status,
        StatusCode::OK
    );
    assert_eq!(decide(&app, &doctor, "qa", json!({ "correction": "Accept" })).await.status, StatusCode::OK);
    let reject = json!({ "correction": "Reject", "reasons": ["dosage_or_unit"], "note": "剂量错误且空腹服用有害" });
    assert_eq!(decide(&app, &doctor, "qa", reject).await.status, StatusCode::OK);
    let style = edit("维生素C能够彻底治愈感冒。", &["language_style"]);
    assert_eq!(decide(&app, &doctor, "qa", style).await.status, StatusCode::OK);

    let export = |format: &'static str, source: &'static str| {
        let (app, admin) = (&app, &admin);
        async move { app.export(&[("dataset", "qa"), ("format", format), ("source", source)], admin).await }
    };
    let sft = export("sft-sharegpt", "votes").await;
    let records = lines(sft["content"].as_str().unwrap());
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["conversations"][1], json!({ "from": "gpt", "value": fixed }));
    assert_eq!(records[1]["conversations"][1]["value"], "注意休息，持续不缓解请就医。", "accepted as is");
    assert_eq!(
        sft["summary"]["left_out"],
        json!({ "unjudged": 0, "rejected": 1, "disputed": 0, "flagged": 0, "unsafe": 0, "gold": 0 })
    );
    let alpaca = lines(export("sft-alpaca", "votes").await["content"].as_str().unwrap());
    assert_eq!(alpaca[0], json!({ "instruction": "感冒发烧吃什么药？", "input": "", "output": fixed }));

    let pairs = export("trl-dpo", "corrections").await;
    assert_eq!(
        lines(pairs["content"].as_str().unwrap()),
        vec![json!({ "prompt": "感冒发烧吃什么药？", "chosen": fixed, "rejected": "吃抗生素。" })]
    );
    assert_eq!(
        pairs["summary"]["left_out"],
        json!({
            "style_only": 1, "not_corrected": 2, "unjudged": 0, "disputed": 0, "flagged": 0, "unsafe": 0, "gold": 0
        })
    );
    assert_eq!(export("trl-dpo", "votes").await["summary"]["written"], 0, "votes give no pairs in a correct dataset");
}

#[tokio::test]
async fn disagreement_goes_to_adjudication_and_the_final_version_is_exported() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    import(&app, &admin, "qa", "chatmed", r#"{"query":"感冒发烧吃什么药？","response":"吃抗生素。"}"#).await;
    app.configure(&admin, "qa", json!({ "overlap_target": 2 })).await;
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    assert_eq!(decide(&app, &a, "qa", json!({ "correction": "Accept" })).await.status, StatusCode::OK);
    assert_eq!(decide(&app, &b, "qa", edit("不需要抗生素。", &["factual_error"])).await.status, StatusCode::OK);

    let disputes = app.call("disputes", &[("dataset", "qa")], Some(&admin)).await.json();
    assert_eq!(disputes.as_array().unwrap().len(), 1);
    assert_eq!(disputes[0]["decisions"][0][0], "a");
    assert_eq!(disputes[0]["decisions"][1][1]["correction"]["Edit"]["answer"], "不需要抗生素。");
    let sft = app.export(&[("dataset", "qa"), ("format", "sft-sharegpt")], &admin).await;
    assert_eq!(sft["summary"]["written"], 0);
    assert_eq!(sft["summary"]["left_out"]["disputed"], 1);

    // Reviewers may not settle disputes; an item of another dataset looks missing.
    assert_eq!(app.call("disputes", &[("dataset", "qa")], Some(&a)).await.status, StatusCode::FORBIDDEN);
    let item = disputes[0]["item"].as_i64().unwrap();
    let decision = json!({ "Edit": { "question": null, "answer": "病毒性感冒不需要抗生素。" } });
    let res =
        app.call_json("adjudicate", json!({ "dataset": "qa", "item": item, "decision": decision }), Some(&a)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    import(&app, &admin, "other", "chatmed", r#"{"query":"x","response":"y"}"#).await;
    let res = app
        .call_json("adjudicate", json!({ "dataset": "other", "item": item, "decision": decision }), Some(&admin))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let res =
        app.call_json("adjudicate", json!({ "dataset": "qa", "item": item, "decision": decision }), Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(app.call("disputes", &[("dataset", "qa")], Some(&admin)).await.json().as_array().unwrap().is_empty());
    let sft = app.export(&[("dataset", "qa"), ("format", "sft-sharegpt")], &admin).await;
    assert_eq!(lines(sft["content"].as_str().unwrap())[0]["conversations"][1]["value"], "病毒性感冒不需要抗生素。");
}

#[tokio::test]
async fn a_correction_keeps_its_time_on_task() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    import(&app, &admin, "qa", "chatmed", QA).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let timed = json!({ "correction": "Accept", "time_on_task_ms": 4200 });
    assert_eq!(decide(&app, &doctor, "qa", timed).await.status, StatusCode::OK);
    let mine = app.call("my_corrections", &[("dataset", "qa")], Some(&doctor)).await.json();
    assert_eq!(mine[0]["correction"]["time_on_task_ms"], 4200, "{mine}");
}

#[tokio::test]
async fn pairs_from_corrections_follow_the_final_version_rule() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let qa = r#"{"query":"感冒发烧吃什么药？","response":"吃抗生素。"}
{"query":"头痛怎么办？","response":"吃止痛药。"}
{"query":"高血压能停药吗？","response":"血压正常就可以停。"}"#;
    import(&app, &admin, "qa", "chatmed", qa).await;
    app.configure(&admin, "qa", json!({ "overlap_target": 2 })).await;
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    // Item 1: a edits, b accepts; the admin adjudicates "accept": no pair may come from a's edit.
    // Item 2: a and b make the same edit: one pair, not two.
    // Item 3: a edits, b rejects, nobody adjudicates: disputed, no pair.
    let same = "头痛持续或伴发热请就医，不要自行长期服用止痛药。";
    let cases = [
        (edit("病毒性感冒不需要抗生素。", &["factual_error"]), json!({ "correction": "Accept" })),
        (edit(same, &["unsafe_advice"]), edit(same, &["unsafe_advice"])),
        (
            edit("不可自行停药，请遵医嘱。", &["unsafe_advice"]),
            json!({ "correction": "Reject", "reasons": ["unsafe_advice"] }),
        ),
    ];
    for (for_a, for_b) in cases {
        assert_eq!(decide(&app, &a, "qa", for_a).await.status, StatusCode::OK);
        assert_eq!(decide(&app, &b, "qa", for_b).await.status, StatusCode::OK);
    }
    let disputes = app.call("disputes", &[("dataset", "qa")], Some(&admin)).await.json();
    let first = disputes.as_array().unwrap().iter().find(|d| d["question"] == "感冒发烧吃什么药？");
    let item = first.expect("item 1 is disputed")["item"].as_i64().unwrap();
    let res =
        app.call_json("adjudicate", json!({ "dataset": "qa", "item": item, "decision": "Accept" }), Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let pairs = app.export(&[("dataset", "qa"), ("format", "trl-dpo"), ("source", "corrections")], &admin).await;
    assert_eq!(
        lines(pairs["content"].as_str().unwrap()),
        vec![json!({ "prompt": "头痛怎么办？", "chosen": same, "rejected": "吃止痛药。" })]
    );
    assert_eq!(
        pairs["summary"]["left_out"],
        json!({
            "style_only": 0, "not_corrected": 1, "unjudged": 0, "disputed": 1, "flagged": 0, "unsafe": 0, "gold": 0
        })
    );
}

#[tokio::test]
async fn promptcblue_corrections_must_pick_a_choice_or_the_no_match_answer() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let line = r#"{"input":"匹配程度？","target":"部分匹配","answer_choices":["完全不匹配","部分匹配","完全匹配"],"task_type":"matching","task_dataset":"KUAKE-QTR"}"#;
    import(&app, &admin, "cblue", "promptcblue", line).await;
    let settings = json!({ "no_match_answer": "无法判断" });
    assert_eq!(
        app.configure(&admin, "cblue", json!({ "overlap_target": 1, "settings": settings })).await.status,
        StatusCode::OK
    );
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let q = app.call("correct_queue", &[("dataset", "cblue")], Some(&doctor)).await.json();
    let item = &q["items"][0];
    assert_eq!((item["task"].clone(), item["task_type"].clone()), (json!("KUAKE-QTR"), json!("matching")));
    assert_eq!(item["choices"], json!(["完全不匹配", "部分匹配", "完全匹配"]));
    assert_eq!(item["no_match"], "无法判断");
    let res = decide(&app, &doctor, "cblue", edit("差不多匹配", &["factual_error"])).await;
    assert_eq!(res.json(), json!({ "Correction": "NotAChoice" }));
    assert_eq!(decide(&app, &doctor, "cblue", edit("无法判断", &["factual_error"])).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_reviewer_changes_their_own_correction_only() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    import(&app, &admin, "qa", "chatmed", r#"{"query":"感冒发烧吃什么药？","response":"吃抗生素。"}"#).await;
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    let id = decide(&app, &a, "qa", json!({ "correction": "Accept" })).await.json().as_i64().unwrap();
    let mine = app.call("my_corrections", &[("dataset", "qa")], Some(&a)).await.json();
    assert_eq!(mine[0]["id"], id);
    assert_eq!(app.call("correction", &[("id", &id.to_string())], Some(&b)).await.status, StatusCode::NOT_FOUND);
    let change = json!({ "id": id, "correction": edit("不需要抗生素。", &["factual_error"]) });
    assert_eq!(app.call_json("edit_correction", change.clone(), Some(&b)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call_json("edit_correction", change, Some(&a)).await.status, StatusCode::OK);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'correction.update'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["old"]["correction"], "Accept");
    assert_eq!(detail["new"]["correction"]["Edit"]["answer"], "不需要抗生素。");
}

/// More reviewers asking at once than the store has connections: each queue call must give a
/// connection back before it takes the next (found by `scripts/bench.sh serve`: at 32
/// reviewers the correct queue starved the pool and answered 500 after 30 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_queue_calls_do_not_starve_the_connection_pool() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    assert_eq!(import(&app, &admin, "sft", "sharegpt", SFT_SAMPLE).await.status, StatusCode::OK);
    let mut reviewers = Vec::new();
    for i in 0..32 {
        reviewers.push(app.signed_in(&format!("doctor{i}"), Role::Annotator).await);
    }
    let app = std::sync::Arc::new(app);
    let calls = reviewers.into_iter().map(|r| {
        let app = app.clone();
        tokio::spawn(async move {
            for _ in 0..3 {
                let res = app.call("correct_queue", &[("dataset", "sft")], Some(&r)).await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
                assert!(!res.json()["items"].as_array().unwrap().is_empty());
            }
        })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap();
    }
}
