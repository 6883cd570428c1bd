//! Files from the field (issue 16, items 1–3): the shapes MedicalGPT and LLaMA-Factory write
//! (a leading system turn, OpenAI-style messages), crawled data with a few bad lines
//! (quarantine mode), and records with fields medpref does not read (kept, never dropped).
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::{REWARD_SAMPLE, TestApp};
use http::StatusCode;
use serde_json::{Value, json};

const SFT_SAMPLE: &str = include_str!("../../fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl");

async fn upload(app: &TestApp, cookie: &str, query: &str, body: &str) -> common::Response {
    app.upload(cookie, query, body).await
}

/// The reward sample rewritten as MedicalGPT's conversational files are: every third record
/// carries its system prompt as the first turn, every fifth is OpenAI-style `messages`.
fn conversational_pairs() -> (String, usize) {
    let mut with_system = 0;
    let lines: Vec<String> = REWARD_SAMPLE
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let r: Value = serde_json::from_str(line).unwrap();
            let (q, c, rj) = (&r["question"], &r["response_chosen"], &r["response_rejected"]);
            if i % 5 == 0 {
                with_system += 1;
                json!({"messages": [{"role": "system", "content": "你是一名医生。"}, {"role": "user", "content": q}],
                       "chosen": [{"role": "assistant", "content": c}], "rejected": [{"role": "assistant", "content": rj}]})
            } else if i % 3 == 0 {
                with_system += 1;
                json!({"conversations": [{"from": "system", "value": "你是一名医生。"}, {"from": "human", "value": q}],
                       "chosen": c, "rejected": rj})
            } else {
                json!({"conversations": [{"from": "human", "value": q}], "chosen": c, "rejected": rj})
            }
            .to_string()
        })
        .collect();
    (lines.join("\n"), with_system)
}

#[tokio::test]
async fn a_leading_system_turn_and_openai_messages_import_with_their_system_prompt() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (file, with_system) = conversational_pairs();
    let res = upload(&app, &admin, "dataset=dpo&format=cmd-reward&file_name=dpo.jsonl", &file).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["added"], 100, "{}", res.body);
    let systems: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE system = '你是一名医生。'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(systems, with_system as i64);
    // Same content as the flat shape: importing the original file adds nothing new where
    // no system prompt was added.
    let res = upload(&app, &admin, "dataset=dpo&format=cmd-reward&file_name=flat.jsonl", REWARD_SAMPLE).await;
    assert_eq!(res.json()["duplicates"], 100 - with_system, "{}", res.body);

    // ShareGPT SFT with a system turn, and OpenAI-style messages.
    let sft: Vec<String> = SFT_SAMPLE
        .lines()
        .take(10)
        .enumerate()
        .map(|(i, line)| {
            let mut r: Value = serde_json::from_str(line).unwrap();
            let turns = r["conversations"].as_array_mut().unwrap();
            if i % 2 == 0 {
                turns.insert(0, json!({"from": "system", "value": "请用中文回答。"}));
                r.to_string()
            } else {
                let messages: Vec<Value> = turns
                    .iter()
                    .map(|t| json!({"role": if t["from"] == "human" { "user" } else { "assistant" }, "content": t["value"]}))
                    .collect();
                json!({ "messages": messages }).to_string()
            }
        })
        .collect();
    let res = upload(&app, &admin, "dataset=sft&format=sharegpt&file_name=sft.jsonl", &sft.join("\n")).await;
    assert_eq!(res.json()["added"], 10, "{}", res.body);
    let systems: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE system = '请用中文回答。'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(systems, 5);
}

/// The SFT sample with `bad` of its lines broken as crawled files break them: ending on the
/// person's turn, or with an empty turn.
fn sft_with_bad_lines(bad: &[usize]) -> String {
    SFT_SAMPLE
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if !bad.contains(&(i + 1)) {
                return line.to_string();
            }
            let mut r: Value = serde_json::from_str(line).unwrap();
            if i % 2 == 0 {
                r["conversations"].as_array_mut().unwrap().pop();
            } else {
                r["conversations"][1]["value"] = json!("");
            }
            r.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn quarantine_imports_every_valid_record_and_keeps_every_bad_one_with_its_line_and_reason() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let bad = [3, 77, 78, 400, 401, 655, 998, 1000];
    let file = sft_with_bad_lines(&bad);

    // The default still refuses the whole file, naming the lines, and changes nothing.
    let res = upload(&app, &admin, "dataset=sft&format=sharegpt&file_name=sft.jsonl", &file).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    let err = &res.json()["Import"];
    assert_eq!(err["line"], 3, "{err}");
    assert_eq!(err["more"].as_array().unwrap().len(), bad.len() - 1, "{err}");
    for table in ["datasets", "items", "imports", "import_rejects"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }

    let query = "dataset=sft&format=sharegpt&file_name=sft.jsonl&on_error=quarantine";
    let res = upload(&app, &admin, query, &file).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let summary = res.json();
    assert_eq!((summary["added"].clone(), summary["quarantined"].clone()), (json!(1000 - bad.len()), json!(bad.len())));
    assert_eq!(app.count("items").await, (1000 - bad.len()) as i64);
    let lines: Vec<i64> =
        sqlx::query_scalar("SELECT source_line FROM items ORDER BY source_line").fetch_all(&app.pool).await.unwrap();
    assert!(bad.iter().all(|b| !lines.contains(&(*b as i64))));

    // The reject file: every bad line, in order, with its reason and its text as it was.
    let import = summary["import"].as_i64().unwrap();
    let res = app.get(&format!("/api/import_rejects?import={import}"), Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let rejects: Vec<Value> = res.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rejects.iter().map(|r| r["line"].as_u64().unwrap() as usize).collect::<Vec<_>>(), bad);
    let file_lines: Vec<&str> = file.lines().collect();
    for r in &rejects {
        let line = r["line"].as_u64().unwrap() as usize;
        assert_eq!(r["record"], file_lines[line - 1]);
        let reason = r["reason"].as_str().unwrap();
        assert!(reason.contains("must end with the answer") || reason.contains("is empty"), "{reason}");
    }
    // Kept with the import record: the dataset's imports list it.
    let overview = app.call("dataset_overview", &[("dataset", "sft")], Some(&admin)).await;
    assert_eq!(overview.json()["imports"][0]["quarantined"], bad.len(), "{}", overview.body);

    // Only admins download it; an unknown import is 404.
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    assert_eq!(
        app.get(&format!("/api/import_rejects?import={import}"), Some(&doctor)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/api/import_rejects?import=999", Some(&admin)).await.status, StatusCode::NOT_FOUND);

    // A file with no valid record is refused in either mode.
    let all_bad = "{\n[1]\n";
    let res = upload(&app, &admin, "dataset=x&format=sharegpt&file_name=x.jsonl&on_error=quarantine", all_bad).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.body.contains("none of the file's 2 records is valid"), "{}", res.body);
}

#[tokio::test]
async fn past_twenty_bad_lines_the_rest_are_counted() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let bad: Vec<usize> = (1..=60).map(|i| i * 10).collect();
    let res = upload(&app, &admin, "dataset=sft&format=sharegpt&file_name=s.jsonl", &sft_with_bad_lines(&bad)).await;
    let err = &res.json()["Import"];
    assert_eq!(err["more"].as_array().unwrap().len(), 19, "{err}");
    assert_eq!(err["omitted"], 40, "{err}");
}

#[tokio::test]
async fn fields_the_format_does_not_read_are_kept_and_shown_on_the_item_record() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let tools = r#"[{"name":"get_weather","description":"查询天气","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]"#;
    let line = json!({
        "conversations": [{"from": "human", "value": "北京今天天气怎么样？"}, {"from": "gpt", "value": "Action: get_weather\nAction Input: {\"city\": \"北京\"}"}],
        "tools": tools, "id": "toolcall-7",
    });
    let res = upload(&app, &admin, "dataset=tools&format=sharegpt&file_name=t.jsonl", &line.to_string()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let item: i64 = sqlx::query_scalar("SELECT id FROM items").fetch_one(&app.pool).await.unwrap();
    let dossier = app.call("item", &[("item", &item.to_string())], Some(&admin)).await;
    assert_eq!(dossier.status, StatusCode::OK, "{}", dossier.body);
    let extra = &dossier.json()["extra"];
    assert_eq!(extra, &json!([["id", "toolcall-7"], ["tools", tools]]), "{}", dossier.body);
    // … and carried to the exports with a place for them: LLaMA-Factory's ShareGPT `tools`.
    app.configure(&admin, "tools", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let q = app.call("correct_queue", &[("dataset", "tools")], Some(&doctor)).await.json();
    let assignment = q["items"][0]["assignment"].as_i64().unwrap();
    let res = app
        .call_json(
            "correct",
            json!({ "assignment": assignment, "correction": { "correction": "Accept" } }),
            Some(&doctor),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let file = app.export(&[("dataset", "tools"), ("format", "sft-sharegpt")], &admin).await;
    let record: serde_json::Value = serde_json::from_str(file["content"].as_str().unwrap().trim()).unwrap();
    assert_eq!(record["tools"], tools, "{record}");
    assert_eq!(file["manifest"]["dataset_info"]["columns"]["tools"], "tools");
    let alpaca = app.export(&[("dataset", "tools"), ("format", "sft-alpaca")], &admin).await;
    let record: serde_json::Value = serde_json::from_str(alpaca["content"].as_str().unwrap().trim()).unwrap();
    assert!(record.get("tools").is_none(), "alpaca has no tools column: {record}");
    // A function-call turn is refused by name, not silently read.
    let call = json!({"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": "{}"}, {"from": "observation", "value": "{}"}, {"from": "gpt", "value": "a"}]});
    let res = upload(&app, &admin, "dataset=tools&format=sharegpt&file_name=c.jsonl", &call.to_string()).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("`conversations[1].from` is `function_call`"), "{}", res.body);
}
