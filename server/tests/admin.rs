//! The admin console's API: datasets, uploads, people, and the reviewer report.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::{REWARD_SAMPLE, TestApp, vote};
use http::StatusCode;
use serde_json::json;

async fn upload(app: &TestApp, cookie: &str, query: &str, body: &str) -> common::Response {
    app.upload(cookie, query, body).await
}

#[tokio::test]
async fn datasets_are_created_set_up_and_described() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let config =
        json!({ "overlap_target": 2, "department": "心内科", "prompt_template": "[human]:{question}\n[bot]:" });
    let create = |name: &'static str, config: serde_json::Value| {
        let (app, admin) = (&app, &admin);
        async move {
            app.call_json("create_dataset", json!({ "name": name, "kind": "compare", "config": config }), Some(admin))
                .await
        }
    };
    assert_eq!(create("心内科-v1", config.clone()).await.status, StatusCode::OK);
    let again = create("心内科-v1", json!({})).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("exists already"), "{}", again.body);
    let bad = create("other", json!({ "prompt_template": "no placeholder" })).await;
    assert!(bad.body.contains("{question}"), "{}", bad.body);
    assert_eq!(app.count("datasets").await, 1, "a refused dataset is not created");

    let res = upload(
        &app,
        &admin,
        "dataset=%E5%BF%83%E5%86%85%E7%A7%91-v1&format=cmd-reward&file_name=C%3A%5Cx%5Creward.jsonl",
        REWARD_SAMPLE,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["added"], 100);

    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for _ in 0..3 {
        let q = app.queue(&doctor, "心内科-v1").await;
        let assignment = q["items"][0]["assignment"].as_i64().unwrap();
        assert_eq!(app.judge(&doctor, assignment, vote("tie")).await.status, StatusCode::OK);
    }
    let o = app.call("dataset_overview", &[("dataset", "心内科-v1")], Some(&admin)).await.json();
    assert_eq!(o["items"], 100);
    assert_eq!(o["progress"], json!([[0, 97], [1, 3]]));
    assert_eq!(o["outcomes"], json!([["tie", 3]]));
    assert_eq!(o["reviewers"], json!([["doctor", 3]]));
    assert_eq!(o["config"]["department"], "心内科");
    assert_eq!(o["config"]["overlap_target"], 2);
    assert_eq!(o["imports"][0]["source_name"], "reward.jsonl", "only the base name is kept");
    assert_eq!(o["per_day"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.call("dataset_overview", &[("dataset", "心内科-v1")], Some(&doctor)).await.status,
        StatusCode::FORBIDDEN
    );

    // Settings changes are in the audit log with old and new values.
    let res = app.configure(&admin, "心内科-v1", json!({ "department": "" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let o = app.call("dataset_overview", &[("dataset", "心内科-v1")], Some(&admin)).await.json();
    assert_eq!(o["config"]["department"], "");
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'dataset.configure' ORDER BY id DESC")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(detail.contains("\"old\"") && detail.contains("心内科"), "{detail}");
}

#[tokio::test]
async fn uploads_list_every_bad_line_change_nothing_and_respect_the_limit() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let mut lines: Vec<String> = REWARD_SAMPLE.lines().take(30).map(str::to_string).collect();
    lines[4] = "{".into();
    lines[20] = r#"{"question": "q", "response_chosen": 1, "response_rejected": "r"}"#.into();
    let res = upload(&app, &admin, "dataset=r&format=cmd-reward&file_name=r.jsonl", &lines.join("\n")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let err = &res.json()["Import"];
    assert_eq!((err["line"].clone(), err["more"][0][0].clone()), (json!(5), json!(21)), "{err}");
    for table in ["datasets", "items", "imports"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
    let res = upload(&app, &admin, "dataset=r&format=nope&file_name=r.jsonl", "x").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let res = upload(&app, &doctor, "dataset=r&format=cmd-reward&file_name=r.jsonl", REWARD_SAMPLE).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("items").await, 0);

    // A small limit, for the test: the admin is told the limit.
    let small = TestApp::with_upload_limit(1000).await;
    let admin = small.signed_in("admin", Role::Admin).await;
    let res = upload(&small, &admin, "dataset=r&format=cmd-reward&file_name=r.jsonl", REWARD_SAMPLE).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("upload limit"), "{}", res.body);
}

/// Imports are written in batches of 2,000 items; what holds for one batch holds across them.
#[tokio::test]
async fn large_uploads_deduplicate_flag_and_reject_across_batches() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let mut lines: Vec<String> = common::pairs(4_500).lines().map(str::to_string).collect();
    let query = "dataset=big&format=cmd-reward&file_name=big.jsonl";

    // Bad lines in the first and the last batch: both reported, nothing written.
    let (first, last) = (lines[2].clone(), lines[4_399].clone());
    lines[2] = "{".into();
    lines[4_399] = "[]".into();
    let res = upload(&app, &admin, query, &lines.join("\n")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let err = &res.json()["Import"];
    assert_eq!((err["line"].clone(), err["more"][0][0].clone()), (json!(3), json!(4_400)), "{err}");
    for table in ["datasets", "items", "candidates", "imports", "flags"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }

    // A repeat of line 1 in the third batch is a duplicate; a phone number in an answer of
    // the third batch is flagged on that answer.
    (lines[2], lines[4_399]) = (first, last);
    lines[4_000] = lines[0].clone();
    lines[4_300] =
        json!({ "question": "问题：胸闷", "response_chosen": "请拨打13812345678咨询", "response_rejected": "休息" })
            .to_string();
    let res = upload(&app, &admin, query, &lines.join("\n")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!((res.json()["added"].clone(), res.json()["duplicates"].clone()), (json!(4_499), json!(1)));
    assert_eq!(app.count("candidates").await, 2 * 4_499);
    let flagged: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT c.body, i.source_line, f.span_text FROM flags f
           JOIN candidates c ON c.id = f.candidate_id JOIN items i ON i.id = f.item_id AND c.item_id = i.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(flagged, [("请拨打13812345678咨询".to_string(), 4_301, "13812345678".to_string())]);
}

#[tokio::test]
async fn admins_manage_people_and_disabled_sessions_end_for_good() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let res = app
        .call_json(
            "create_person",
            json!({ "username": "li", "role": "annotator", "specialties": [" 儿科 ", "", "儿科"] }),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let password: String = serde_json::from_str(&res.body).unwrap();
    assert_eq!(password.len(), 16);
    let li = app.login("li", &password).await;
    assert_eq!(app.call("me", &[], Some(&li)).await.json()["username"], "li");
    // The audit log names the admin who created the account (not "the command line").
    let creator: Option<String> = sqlx::query_scalar(
        "SELECT u.username FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
          WHERE l.action = 'user.create' AND l.entity_id = (SELECT id FROM users WHERE username = 'li')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(creator.as_deref(), Some("admin"));
    let list = app.call("people", &[], Some(&admin)).await.json();
    let entry = list.as_array().unwrap().iter().find(|p| p["username"] == "li").unwrap().clone();
    assert_eq!(entry["specialties"], json!(["儿科"]));
    let taken = app
        .call_json("create_person", json!({ "username": "li", "role": "admin", "specialties": [] }), Some(&admin))
        .await;
    assert!(taken.body.contains("taken"), "{}", taken.body);

    // Disabled: the session ends at once and stays ended after re-enabling.
    let change = |user: &'static str, changes: serde_json::Value| {
        let (app, admin) = (&app, &admin);
        async move { app.call_json("update_person", json!({ "username": user, "changes": changes }), Some(admin)).await }
    };
    assert_eq!(change("li", json!({ "disabled": true })).await.status, StatusCode::OK);
    assert_eq!(app.call("me", &[], Some(&li)).await.json(), json!(null));
    assert_eq!(change("li", json!({ "disabled": false })).await.status, StatusCode::OK);
    assert_eq!(app.call("me", &[], Some(&li)).await.json(), json!(null), "the old session does not come back");
    let li = app.login("li", &password).await;

    // A reset password is shown once; the old one and the old sessions stop working.
    let res = app.call("reset_password", &[("username", "li")], Some(&admin)).await;
    let fresh: String = serde_json::from_str(&res.body).unwrap();
    assert_ne!(fresh, password);
    assert_eq!(app.call("me", &[], Some(&li)).await.json(), json!(null));
    let old = app.call("login", &[("username", "li"), ("password", &password)], None).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    app.login("li", &fresh).await;

    // Roles change at once; the last admin cannot lock everyone out.
    assert_eq!(change("li", json!({ "role": "auditor" })).await.status, StatusCode::OK);
    let demote = change("admin", json!({ "role": "annotator" })).await;
    assert_eq!(demote.status, StatusCode::BAD_REQUEST);
    assert!(demote.body.contains("last enabled admin"), "{}", demote.body);
    assert_eq!(change("admin", json!({ "disabled": true })).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(change("nobody", json!({ "disabled": true })).await.status, StatusCode::NOT_FOUND);
    let li = app.login("li", &fresh).await;
    assert_eq!(app.call("people", &[], Some(&li)).await.status, StatusCode::FORBIDDEN);
    let res =
        app.call_json("update_person", json!({ "username": "li", "changes": { "role": "admin" } }), Some(&li)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "an auditor cannot make themselves admin");
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.update' AND detail NOT LIKE '%' || ? || '%'",
    )
    .bind(&fresh)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit, 4, "changes are logged, never the password");
}

#[tokio::test]
async fn a_reviewer_report_counts_days_time_gold_and_skips() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &common::pairs(4)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let mut times = vec![4000, 1000, 9000].into_iter();
    for _ in 0..3 {
        let q = app.queue(&doctor, "d").await;
        let mut judgment = vote("tie");
        judgment["time_on_task_ms"] = json!(times.next().unwrap());
        assert_eq!(
            app.judge(&doctor, q["items"][0]["assignment"].as_i64().unwrap(), judgment).await.status,
            StatusCode::OK
        );
    }
    let q = app.queue(&doctor, "d").await;
    let res = app
        .call(
            "skip",
            &[("assignment", &q["items"][0]["assignment"].to_string()), ("reason", "cant_judge")],
            Some(&doctor),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let r = app.call("reviewer", &[("username", "doctor")], Some(&admin)).await.json();
    assert_eq!(r["median_seconds"], 4.0);
    assert_eq!(r["per_day"].as_array().unwrap()[0][1], 3);
    assert_eq!(
        r["datasets"][0],
        json!({ "dataset": "d", "decisions": 3, "skips": 1, "gold_judged": 0, "gold_correct": 0 })
    );
    assert_eq!(app.call("reviewer", &[("username", "doctor")], Some(&doctor)).await.status, StatusCode::FORBIDDEN);
}
