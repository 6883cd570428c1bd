//! Import → compare → export through the API, as the browser and the CLI use it.
mod common;
use app::domain::Role;
use common::{REWARD_SAMPLE, TestApp, pairs};
use http::StatusCode;
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
    for table in ["datasets", "items", "candidates", "imports", "audit_log"] {
        assert_eq!(app.count(table).await, if table == "audit_log" { 1 } else { 0 }, "{table}");
    }
}

/// Votes through the API and returns (assignment, left answer HTML) for each pair served.
async fn next(app: &TestApp, cookie: &str, dataset: &str) -> serde_json::Value {
    let res = app.call("next_pair", &[("dataset", dataset)], Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
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
        let n = next(&app, &doctor, "d").await;
        assert_eq!(n["done"], round);
        let pair = &n["pair"];
        let assignment = pair["assignment"].as_i64().unwrap();
        // Asking again before voting returns the same leased pair, not a new one.
        assert_eq!(next(&app, &doctor, "d").await["pair"]["assignment"], assignment);
        let question = pair["question_html"].as_str().unwrap().to_string();
        assert!(seen.insert(question), "no item twice");
        let (vote, side) = if round % 2 == 0 { ("a", 0) } else { ("b", 1) };
        let chosen_html = pair["answers"][side]["html"].as_str().unwrap();
        expected_chosen.insert(chosen_html.trim_start_matches("<p>").trim_end().trim_end_matches("</p>").to_string());
        let res = app.call("vote", &[("assignment", &assignment.to_string()), ("vote", vote)], Some(&doctor)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // A repeated submit changes nothing.
        let again = app.call("vote", &[("assignment", &assignment.to_string()), ("vote", "b")], Some(&doctor)).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
    let last = next(&app, &doctor, "d").await;
    assert!(last["pair"].is_null());
    assert_eq!(last["done"], 6);
    assert_eq!(app.count("judgments").await, 6);

    let export = app.call("export", &[("dataset", "d"), ("format", "trl-dpo")], Some(&admin)).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let file = export.json();
    assert_eq!(file["summary"]["written"], 6);
    let chosen: HashSet<String> = file["content"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["chosen"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(chosen, expected_chosen, "each exported `chosen` is the answer the reviewer saw on the side they picked");
}

#[tokio::test]
async fn overlap_target_limits_reviewers_per_item() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    sqlx::query("UPDATE datasets SET overlap_target = 2").execute(&app.pool).await.unwrap();
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    let c = app.signed_in("c", Role::Annotator).await;
    assert!(!next(&app, &a, "d").await["pair"].is_null());
    assert!(!next(&app, &b, "d").await["pair"].is_null());
    let third = next(&app, &c, "d").await;
    assert!(third["pair"].is_null(), "two leases already cover the overlap target");
    assert_eq!(third["open"], 0);
}

#[tokio::test]
async fn nobody_can_vote_on_someone_elses_assignment() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    let id = next(&app, &a, "d").await["pair"]["assignment"].as_i64().unwrap().to_string();
    let res = app.call("vote", &[("assignment", &id), ("vote", "a")], Some(&b)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("judgments").await, 0);
    let res = app.call("vote", &[("assignment", "999999"), ("vote", "a")], Some(&a)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn export_leaves_out_ties_both_bad_and_split_votes_and_says_why() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(4)).await;
    sqlx::query("UPDATE datasets SET overlap_target = 1").execute(&app.pool).await.unwrap();
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for vote in ["a", "tie", "both_bad"] {
        let id = next(&app, &doctor, "d").await["pair"]["assignment"].as_i64().unwrap().to_string();
        let res = app.call("vote", &[("assignment", &id), ("vote", vote)], Some(&doctor)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let file = app.call("export", &[("dataset", "d"), ("format", "trl-dpo")], Some(&admin)).await.json();
    assert_eq!(file["summary"]["written"], 1);
    assert_eq!(
        file["summary"]["left_out"],
        serde_json::json!([["unjudged", 1], ["tie", 1], ["both_bad", 1], ["no_majority", 0]])
    );
    assert_eq!(file["content"].as_str().unwrap().lines().count(), 1);
}

#[tokio::test]
async fn model_names_and_prior_labels_never_reach_the_reviewer() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    sqlx::query("UPDATE candidates SET model = 'HuatuoGPT-secret-name'").execute(&app.pool).await.unwrap();
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let res = app.call("next_pair", &[("dataset", "d")], Some(&doctor)).await;
    assert!(!res.body.contains("HuatuoGPT"));
    assert!(!res.body.contains("chosen") && !res.body.contains("rejected"), "{}", res.body);
}

#[tokio::test]
async fn internal_errors_reach_the_browser_without_their_text() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(1)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let id = next(&app, &doctor, "d").await["pair"]["assignment"].as_i64().unwrap().to_string();
    sqlx::query("DROP TABLE judgment_ranks").execute(&app.pool).await.unwrap();
    sqlx::query("DROP TABLE ratings").execute(&app.pool).await.unwrap();
    sqlx::query("DROP TABLE judgments").execute(&app.pool).await.unwrap();
    let res = app.call("vote", &[("assignment", &id), ("vote", "a")], Some(&doctor)).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.json(), serde_json::json!("Internal"));
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
