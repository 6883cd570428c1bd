//! Import → review → export through the API, as the browser and the CLI use it.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::{REWARD_SAMPLE, TestApp, pairs, ranking, vote};
use http::StatusCode;
use serde_json::json;
use std::collections::HashSet;

#[tokio::test]
async fn importing_the_real_sample_adds_100_items_and_reimport_adds_none() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let res = app.import(&admin, "reward", REWARD_SAMPLE).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["added"], 100);
    assert_eq!(app.count("candidates").await, 200);
    let again = app.import(&admin, "reward", REWARD_SAMPLE).await;
    assert_eq!(again.json()["added"], 0);
    assert_eq!(again.json()["duplicates"], 100);
    assert_eq!(app.count("items").await, 100);
    // The source's preference is kept as a prior label, one chosen and one rejected per item.
    let chosen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM candidates WHERE prior_label = 'chosen'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(chosen, 100);
}

#[tokio::test]
async fn a_bad_line_rejects_the_whole_file_with_its_number() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let mut lines: Vec<&str> = REWARD_SAMPLE.lines().take(5).collect();
    lines[3] = r#"{"question": "q", "response_chosen": 42, "response_rejected": "r"}"#;
    let res = app.import(&admin, "reward", &lines.join("\n")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let err = &res.json()["Import"];
    assert_eq!(err["line"], 4);
    assert_eq!(err["source"], "t.jsonl");
    assert!(err["message"].as_str().unwrap().contains("`response_chosen` must be a string"), "{err}");
    for table in ["datasets", "items", "candidates", "imports"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
}

fn first(queue: &serde_json::Value) -> (i64, serde_json::Value) {
    let item = queue["items"][0].clone();
    (item["assignment"].as_i64().expect("an item"), item)
}

#[tokio::test]
async fn a_reviewer_works_through_every_item_once_and_export_maps_sides_back() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    app.import(&admin, "d", &pairs(6)).await;

    let mut seen = HashSet::new();
    let mut expected_chosen = HashSet::new();
    for round in 0..6 {
        let q = app.queue(&doctor, "d").await;
        assert_eq!(q["done"], round);
        assert_eq!(q["items"].as_array().unwrap().len(), if round < 5 { 2 } else { 1 }, "the next item is prefetched");
        let (assignment, item) = first(&q);
        // Asking again before judging returns the same items, not new ones.
        assert_eq!(first(&app.queue(&doctor, "d").await).0, assignment);
        assert!(seen.insert(item["question_html"].as_str().unwrap().to_string()), "no item twice");
        let (v, side) = if round % 2 == 0 { ("a", 0) } else { ("b", 1) };
        let chosen_html = item["answers"][side]["html"].as_str().unwrap();
        expected_chosen.insert(chosen_html.trim_start_matches("<p>").trim_end().trim_end_matches("</p>").to_string());
        let res = app.judge(&doctor, assignment, vote(v)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // A repeated submit changes nothing.
        assert_eq!(app.judge(&doctor, assignment, vote("b")).await.status, StatusCode::CONFLICT);
    }
    let last = app.queue(&doctor, "d").await;
    assert!(last["items"].as_array().unwrap().is_empty());
    assert_eq!(last["done"], 6);
    assert_eq!(app.count("judgments").await, 6);

    let file = app.export(&[("dataset", "d"), ("format", "trl-dpo")], &admin).await;
    assert_eq!(file["summary"]["written"], 6);
    let chosen: HashSet<String> = file["content"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["chosen"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        chosen, expected_chosen,
        "each exported `chosen` is the answer the reviewer saw on the side they picked"
    );
}

#[tokio::test]
async fn overlap_target_counts_prefetched_leases_too() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(2)).await;
    app.configure(&admin, "d", json!({ "overlap_target": 2 })).await;
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    let c = app.signed_in("c", Role::Annotator).await;
    assert_eq!(app.queue(&a, "d").await["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.queue(&b, "d").await["items"].as_array().unwrap().len(), 2);
    let third = app.queue(&c, "d").await;
    assert!(third["items"].as_array().unwrap().is_empty(), "two reviewers hold both items");
    assert_eq!(third["open"], 0);
}

#[tokio::test]
async fn nobody_can_judge_or_edit_someone_elses_work() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    let (assignment, _) = first(&app.queue(&a, "d").await);
    assert_eq!(app.judge(&b, assignment, vote("a")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("judgments").await, 0);
    assert_eq!(app.judge(&a, 999_999, vote("a")).await.status, StatusCode::NOT_FOUND);
    let skip = app.call("skip", &[("assignment", &assignment.to_string()), ("reason", "cant_judge")], Some(&b)).await;
    assert_eq!(skip.status, StatusCode::NOT_FOUND);

    let id = app.judge(&a, assignment, vote("a")).await.json().as_i64().unwrap();
    assert_eq!(app.call("judgment", &[("id", &id.to_string())], Some(&b)).await.status, StatusCode::NOT_FOUND);
    let edit = app.call_json("edit_judgment", json!({ "id": id, "judgment": vote("b") }), Some(&b)).await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    let winner: Option<String> =
        sqlx::query_scalar("SELECT shown_side FROM judgments").fetch_one(&app.pool).await.unwrap();
    assert_eq!(winner.as_deref(), Some("left"), "unchanged");
}

#[tokio::test]
async fn export_leaves_out_ties_both_bad_and_split_votes_and_says_why() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(4)).await;
    app.configure(&admin, "d", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for v in ["a", "tie", "both_bad"] {
        let (assignment, _) = first(&app.queue(&doctor, "d").await);
        let res = app.judge(&doctor, assignment, vote(v)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let file = app.export(&[("dataset", "d"), ("format", "trl-dpo")], &admin).await;
    assert_eq!(file["summary"]["written"], 1);
    assert_eq!(
        file["summary"]["left_out"],
        json!({ "unjudged": 1, "too_few_judgments": 0, "tie": 1, "both_bad": 1, "no_majority": 0, "low_agreement": 0,
                "flagged": 0, "unsafe": 0, "gold": 0 })
    );
    assert_eq!(file["content"].as_str().unwrap().lines().count(), 1);
}

#[tokio::test]
async fn required_ratings_strength_and_rationale_are_enforced_and_stored() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let settings = json!({
        "axes": [{ "axis": "correctness", "required": true }, { "axis": "safety", "required": false }],
        "rationale": "strong_or_both_bad",
        "gold_rate": 0.0,
    });
    assert_eq!(app.configure(&admin, "d", json!({ "settings": settings })).await.status, StatusCode::OK);
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let (assignment, _) = first(&app.queue(&doctor, "d").await);

    let no_strength = json!({ "decision": { "Pairwise": { "vote": "a", "strength": null } } });
    let res = app.judge(&doctor, assignment, no_strength).await;
    assert_eq!((res.status, res.json()), (StatusCode::BAD_REQUEST, json!({ "Judgment": "NeedStrength" })));
    let res = app.judge(&doctor, assignment, vote("a")).await;
    assert_eq!(res.json(), json!({ "Judgment": { "RatingMissing": [1, "correctness"] } }));

    let ratings = json!([
        { "answer": 0, "axis": "correctness", "value": 5 },
        { "answer": 1, "axis": "correctness", "value": 2 },
        { "answer": 1, "axis": "safety", "value": 1 },
    ]);
    let strong = json!({ "decision": { "Pairwise": { "vote": "a", "strength": "strong" } }, "ratings": ratings });
    let res = app.judge(&doctor, assignment, strong.clone()).await;
    assert_eq!(res.json(), json!({ "Judgment": "NeedRationale" }));
    let mut complete = strong;
    complete["rationale"] = json!("B 建议的剂量过高，可能造成肝损伤");
    complete["time_on_task_ms"] = json!(42_000);
    let res = app.judge(&doctor, assignment, complete).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let stored: (String, Option<String>, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT outcome, strength, rationale, time_on_task_ms FROM judgments")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        ("decisive".into(), Some("strong".into()), Some("B 建议的剂量过高，可能造成肝损伤".into()), Some(42_000))
    );
    assert_eq!(app.count("ratings").await, 3);
    assert_eq!(app.count("assignments WHERE state = 'done'").await, 1);
}

#[tokio::test]
async fn a_skipped_item_is_not_served_again_and_the_reason_is_kept() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(2)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let (assignment, _) = first(&app.queue(&doctor, "d").await);
    let res = app
        .call("skip", &[("assignment", &assignment.to_string()), ("reason", "not_my_specialty")], Some(&doctor))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let q = app.queue(&doctor, "d").await;
    let ids: Vec<i64> = q["items"].as_array().unwrap().iter().map(|i| i["assignment"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 1);
    assert!(!ids.contains(&assignment));
    assert_eq!(q["done"], 0, "a skip is not a judgment");
    let reason: String = sqlx::query_scalar("SELECT skip_reason FROM assignments WHERE id = ?")
        .bind(assignment)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reason, "not_my_specialty");
}

#[tokio::test]
async fn a_ranked_item_exports_as_its_implied_pairs() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let line = json!({ "question": "儿童发烧38.5度怎么办？", "answers": ["甲", "乙", "丙", "丁"] }).to_string();
    let res = app.import_as(&admin, "bon", "candidates", &line).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.configure(&admin, "bon", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let (assignment, item) = first(&app.queue(&doctor, "bon").await);
    assert_eq!(item["answers"].as_array().unwrap().len(), 4);
    // A vote is not a ranking.
    let res = app.judge(&doctor, assignment, vote("a")).await;
    assert_eq!(res.json(), json!({ "Judgment": { "RankInstead": 4 } }));
    // Rank in shown order: the answer shown third is best, the first and fourth tie last.
    let res = app.judge(&doctor, assignment, ranking(&[3, 2, 1, 3])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.count("judgment_ranks").await, 4);

    let shown: Vec<String> = item["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["html"].as_str().unwrap().trim().trim_start_matches("<p>").trim_end_matches("</p>").to_string())
        .collect();
    let file = app.export(&[("dataset", "bon"), ("format", "trl-dpo")], &admin).await;
    assert_eq!(file["summary"]["written"], 5, "6 pairs, one of them tied");
    assert_eq!(file["summary"]["left_out"]["tie"], 1);
    let pairs: HashSet<(String, String)> = file["content"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["chosen"].as_str().unwrap().to_string(), v["rejected"].as_str().unwrap().to_string())
        })
        .collect();
    let s = |i: usize| shown[i].clone();
    let expected: HashSet<_> =
        [(s(2), s(0)), (s(2), s(1)), (s(2), s(3)), (s(1), s(0)), (s(1), s(3))].into_iter().collect();
    assert_eq!(pairs, expected);
}

#[tokio::test]
async fn editing_a_judgment_keeps_the_old_value_in_the_audit_log() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    app.configure(&admin, "d", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let (assignment, _) = first(&app.queue(&doctor, "d").await);
    let id = app.judge(&doctor, assignment, vote("a")).await.json().as_i64().unwrap();

    let history = app.call("my_judgments", &[("dataset", "d")], Some(&doctor)).await.json();
    assert_eq!(history[0]["id"], id);
    assert_eq!(history[0]["judgment"]["decision"]["Pairwise"]["vote"], "a");
    let view = app.call("judgment", &[("id", &id.to_string())], Some(&doctor)).await.json();
    assert_eq!(view["judgment"]["decision"]["Pairwise"]["vote"], "a", "shown as the reviewer saw it");

    let res = app.call_json("edit_judgment", json!({ "id": id, "judgment": vote("both_bad") }), Some(&doctor)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'judgment.update'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["old"]["decision"]["Pairwise"]["vote"], "a");
    assert_eq!(detail["new"]["decision"]["Pairwise"]["vote"], "both_bad");
    let file = app.export(&[("dataset", "d"), ("format", "trl-dpo")], &admin).await;
    assert_eq!(file["summary"]["left_out"]["both_bad"], 1, "the export follows the change");
}

#[tokio::test]
async fn gold_accuracy_is_recorded_per_reviewer() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let item: i64 = sqlx::query_scalar("SELECT id FROM items").fetch_one(&app.pool).await.unwrap();
    let res =
        app.call("mark_gold", &[("dataset", "d"), ("item", &item.to_string()), ("answer", "1")], Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.configure(&admin, "d", json!({ "settings": { "gold_rate": 0.5 } })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let right = app.signed_in("right", Role::Annotator).await;
    let wrong = app.signed_in("wrong", Role::Annotator).await;
    for (cookie, pick_first) in [(&right, true), (&wrong, false)] {
        // Gold is drawn at the gold rate; ask until it comes (50 misses in a row: 2^-50).
        let mut queue = app.queue(cookie, "d").await;
        for _ in 0..50 {
            if !queue["items"].as_array().unwrap().is_empty() {
                break;
            }
            queue = app.queue(cookie, "d").await;
        }
        let (assignment, q) = first(&queue);
        // Which side shows the source's first answer ("回答甲0")?
        let first_is_left = q["answers"][0]["html"].as_str().unwrap().contains("回答甲");
        let v = if first_is_left == pick_first { "a" } else { "b" };
        assert_eq!(app.judge(cookie, assignment, vote(v)).await.status, StatusCode::OK);
    }
    let acc = app.call("gold_accuracy", &[("dataset", "d")], Some(&admin)).await.json();
    assert_eq!(
        acc,
        json!([{ "reviewer": "right", "judged": 1, "correct": 1 }, { "reviewer": "wrong", "judged": 1, "correct": 0 }])
    );
}

#[tokio::test]
async fn model_names_prior_labels_and_gold_marks_never_reach_the_reviewer() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    sqlx::query("UPDATE candidates SET model = 'HuatuoGPT-secret-name'").execute(&app.pool).await.unwrap();
    let item: i64 = sqlx::query_scalar("SELECT id FROM items").fetch_one(&app.pool).await.unwrap();
    app.call("mark_gold", &[("dataset", "d"), ("item", &item.to_string()), ("answer", "tie")], Some(&admin)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let res = app.call("queue", &[("dataset", "d")], Some(&doctor)).await;
    assert!(!res.body.contains("HuatuoGPT"));
    assert!(!res.body.contains("chosen") && !res.body.contains("rejected"), "{}", res.body);
    assert!(!res.body.contains("gold\\\":\\\"") && !res.body.contains("decisive"), "{}", res.body);
}

#[tokio::test]
async fn internal_errors_reach_the_browser_without_their_text() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let (assignment, _) = first(&app.queue(&doctor, "d").await);
    for table in ["judgment_ranks", "ratings", "judgments"] {
        sqlx::query(&format!("DROP TABLE {table}")).execute(&app.pool).await.unwrap();
    }
    let res = app.judge(&doctor, assignment, vote("a")).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.json(), json!("Internal"));
    assert!(!res.body.contains("judgments") && !res.body.to_lowercase().contains("sql"));
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    assert!(app.count("audit_log").await >= 1);
    assert!(sqlx::query("UPDATE audit_log SET action = 'x'").execute(&app.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_log").execute(&app.pool).await.is_err());
}

#[tokio::test]
async fn dataset_settings_are_validated_and_audited() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let res = app.configure(&admin, "d", json!({ "overlap_target": 0 })).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app.configure(&admin, "d", json!({ "settings": { "gold_rate": 0.9 } })).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app.configure(&admin, "nope", json!({ "overlap_target": 2 })).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app.configure(&admin, "d", json!({ "overlap_target": 5, "guidelines": "## 判断标准" })).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(app.count("audit_log WHERE action = 'dataset.configure'").await, 1);
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let html = app.call("guidelines", &[("dataset", "d")], Some(&doctor)).await.json();
    assert_eq!(html, json!("<h2>判断标准</h2>\n"));
}
