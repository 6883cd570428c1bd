//! Browsing items through the API: substring search in Chinese, filters, paging, and one
//! item's record with its judgments, corrections, flags and history.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::{TestApp, pairs, vote};
use http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn search(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> Value {
    let res = app.call("items", form, Some(cookie)).await;
    assert_eq!(res.status, StatusCode::OK, "{form:?}: {}", res.body);
    res.json()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

const CHEST: &str = r#"{"question": "我妈妈胸闷气短两天，需要去医院吗？", "response_chosen": "建议尽快到心内科就诊，可致电13812345678预约。", "response_rejected": "多喝热水。"}"#;

#[tokio::test]
async fn search_filters_and_pages_over_a_compare_dataset() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let content = format!("{}\n{CHEST}", pairs(120));
    assert_eq!(app.import(&admin, "d", &content).await.status, StatusCode::OK);
    app.configure(&admin, "d", json!({ "overlap_target": 2 })).await;

    // Substring search in Chinese: in the question, or only in an answer.
    let chest = search(&app, &admin, &[("dataset", "d"), ("q", "胸闷")]).await;
    assert_eq!(chest["total"], 1);
    assert_eq!(chest["items"][0]["question"]["hit"], "胸闷");
    assert_eq!(chest["items"][0]["question"]["before"], "我妈妈");
    assert!(chest["items"][0]["answer"].is_null());
    let phone = search(&app, &admin, &[("dataset", "d"), ("q", "致电138")]).await;
    assert_eq!(ids(&phone), ids(&chest));
    assert_eq!(phone["items"][0]["answer"]["hit"], "致电138");
    assert_eq!(phone["items"][0]["question"]["hit"], "", "the question is shown from its start");
    // "回答甲1" is in answers 1, 10–19 and 100–119.
    assert_eq!(search(&app, &admin, &[("dataset", "d"), ("q", "回答甲1")]).await["total"], 31);
    assert_eq!(search(&app, &admin, &[("dataset", "d"), ("q", "不存在的文字")]).await["total"], 0);

    // Pages of 50 in id order, each picking up after the last.
    let mut seen = Vec::new();
    let mut after: Option<i64> = None;
    loop {
        let a = after.map(|a| a.to_string()).unwrap_or_default();
        let mut form = vec![("dataset", "d")];
        if after.is_some() {
            form.push(("after", &a));
        }
        let page = search(&app, &admin, &form).await;
        assert_eq!(page["total"], 121);
        seen.extend(ids(&page));
        match page["next"].as_i64() {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len(), 121);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "id order, nothing twice");

    // Flags: the detectors found the phone number on import.
    assert_eq!(ids(&search(&app, &admin, &[("dataset", "d"), ("flag", "any")]).await), ids(&chest));
    assert_eq!(ids(&search(&app, &admin, &[("dataset", "d"), ("flag", "phone")]).await), ids(&chest));
    assert_eq!(search(&app, &admin, &[("dataset", "d"), ("flag", "email")]).await["total"], 0);
    assert_eq!(search(&app, &admin, &[("dataset", "d"), ("flag", "none")]).await["total"], 120);

    // State and reviewer: one reviewer judges two items, a second one of them.
    let (a, b) = (app.signed_in("a", Role::Annotator).await, app.signed_in("b", Role::Annotator).await);
    for _ in 0..2 {
        let q = app.queue(&a, "d").await;
        let assignment = q["items"][0]["assignment"].as_i64().unwrap();
        assert_eq!(app.judge(&a, assignment, vote("a")).await.status, StatusCode::OK);
    }
    let q = app.queue(&b, "d").await;
    let assignment = q["items"][0]["assignment"].as_i64().unwrap();
    assert_eq!(app.judge(&b, assignment, vote("tie")).await.status, StatusCode::OK);
    let judged_by = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT j.item_id FROM judgments j JOIN users u ON u.id = j.user_id WHERE u.username = ? ORDER BY 1",
            )
            .bind(name)
            .fetch_all(&pool)
            .await
            .unwrap();
            ids
        }
    };
    let (by_a, by_b) = (judged_by("a").await, judged_by("b").await);
    assert_eq!(ids(&search(&app, &admin, &[("dataset", "d"), ("reviewer", "a")]).await), by_a);
    assert_eq!(ids(&search(&app, &admin, &[("dataset", "d"), ("reviewer", "b")]).await), by_b);
    let both: Vec<i64> = by_a.iter().copied().filter(|i| by_b.contains(i)).collect();
    let complete = search(&app, &admin, &[("dataset", "d"), ("state", "complete")]).await;
    assert_eq!(ids(&complete), both);
    let in_progress = ids(&search(&app, &admin, &[("dataset", "d"), ("state", "in-progress")]).await);
    let touched: HashSet<i64> = by_a.iter().chain(&by_b).copied().collect();
    assert_eq!(in_progress.len(), touched.len() - both.len());
    assert_eq!(search(&app, &admin, &[("dataset", "d"), ("state", "unreviewed")]).await["total"], 121 - touched.len());
    assert_eq!(complete["items"][0]["decisions"], 2);
    assert_eq!(complete["reviewers"], json!(["a", "b"]));
    // Filters combine.
    let combined =
        search(&app, &admin, &[("dataset", "d"), ("state", "complete"), ("reviewer", "b"), ("q", "问题")]).await;
    assert_eq!(ids(&combined), both);

    // Bad filters are refused with a reason; reviewers may not browse; auditors may.
    for (field, value, message) in [
        ("state", "done", "unknown item state `done`"),
        ("flag", "gossip", "unknown flag filter `gossip`"),
        ("q", &"长".repeat(101), "limited to 100 characters"),
    ] {
        let res = app.call("items", &[("dataset", "d"), (field, value)], Some(&admin)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{field}");
        assert!(res.body.contains(message), "{}", res.body);
    }
    assert_eq!(app.call("items", &[("dataset", "nope")], Some(&admin)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call("items", &[("dataset", "d"), ("state", "x")], Some(&a)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.call("items", &[("dataset", "d")], None).await.status, StatusCode::UNAUTHORIZED);
    let auditor = app.signed_in("researcher", Role::Auditor).await;
    assert_eq!(search(&app, &auditor, &[("dataset", "d"), ("q", "胸闷")]).await["total"], 1);
}

#[tokio::test]
async fn an_items_record_shows_its_judgments_flags_and_history_in_source_terms() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", CHEST).await;
    let doctors = [app.signed_in("a", Role::Annotator).await, app.signed_in("b", Role::Annotator).await];
    for (cookie, v) in doctors.iter().zip(["a", "b"]) {
        let q = app.queue(cookie, "d").await;
        let assignment = q["items"][0]["assignment"].as_i64().unwrap();
        assert_eq!(app.judge(cookie, assignment, vote(v)).await.status, StatusCode::OK);
    }
    let item: i64 = sqlx::query_scalar("SELECT id FROM items").fetch_one(&app.pool).await.unwrap();
    let res = app.call("item", &[("item", &item.to_string())], Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let d = res.json();
    assert_eq!((d["dataset"].clone(), d["source"].clone()), (json!("d"), json!(["t.jsonl", 1])));
    assert_eq!(d["candidates"][0]["prior_label"], "chosen");
    assert_eq!(d["candidates"][1]["position"], 2);

    // Each judgment names answers by source position: the winner it maps to is the stored one.
    let winners: Vec<(String, i64)> = sqlx::query_as(
        "SELECT u.username, c.position + 1 FROM judgments j JOIN users u ON u.id = j.user_id
           JOIN candidates c ON c.id = j.winner_id ORDER BY j.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let judgments = d["judgments"].as_array().unwrap();
    assert_eq!(judgments.len(), 2);
    for (j, (reviewer, position)) in judgments.iter().zip(&winners) {
        assert_eq!(&j["reviewer"], reviewer);
        let shown_index = if j["judgment"]["decision"]["Pairwise"]["vote"] == "a" { 0 } else { 1 };
        assert_eq!(&j["shown"][shown_index], position, "{j}");
    }

    // The detected phone number is highlighted in the answer it is in.
    let flags = d["texts"]["flags"].as_array().unwrap();
    assert!(flags.iter().any(|f| f["kind"]["span"] == "phone" && f["text"] == "13812345678"), "{flags:?}");
    let answer_html = d["texts"]["texts"][1][2].as_str().unwrap();
    assert!(answer_html.contains("cat-phone") && answer_html.contains("13812345678"), "{answer_html}");

    // History: the import, each judgment, oldest first.
    let actions: Vec<&str> = d["log"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["import", "judgment.create", "judgment.create"]);

    assert_eq!(app.call("item", &[("item", "999")], Some(&admin)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call("item", &[("item", &item.to_string())], Some(&doctors[0])).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn departments_and_corrections_of_a_qa_dataset() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let qa = [
        r#"{"q": "胸痛怎么办？", "a": "请立即就医。", "d": "心内科"}"#,
        r#"{"q": "心悸是什么原因？", "a": "可能是心律失常。", "d": "心内科"}"#,
        r#"{"q": "孩子发烧39度", "a": "物理降温。", "d": "儿科"}"#,
        r#"{"q": "失眠怎么办？", "a": "规律作息。"}"#,
    ]
    .join("\n");
    let res = app
        .call(
            "import",
            &[
                ("dataset", "qa"),
                ("format", "jsonl"),
                ("mapping", "question=q,answer=a,department=d"),
                ("file_name", "qa.jsonl"),
                ("content", &qa),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let cardio = search(&app, &admin, &[("dataset", "qa"), ("department", "心内科")]).await;
    assert_eq!(cardio["total"], 2);
    assert_eq!(cardio["departments"], json!(["儿科", "心内科"]));
    let unset = search(&app, &admin, &[("dataset", "qa"), ("department", "-")]).await;
    assert_eq!(unset["items"][0]["question"]["before"], "失眠怎么办？");

    let doctor = app.signed_in("li", Role::Annotator).await;
    let q = app.call("correct_queue", &[("dataset", "qa")], Some(&doctor)).await.json();
    let assignment = q["items"][0]["assignment"].as_i64().unwrap();
    let correction = json!({ "correction": { "Edit": { "question": null, "answer": "请立即拨打120。" } }, "reasons": ["incomplete"] });
    let res =
        app.call_json("correct", json!({ "assignment": assignment, "correction": correction }), Some(&doctor)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mine = search(&app, &admin, &[("dataset", "qa"), ("reviewer", "li")]).await;
    assert_eq!(mine["total"], 1);
    let item = mine["items"][0]["id"].as_i64().unwrap();
    let d = app.call("item", &[("item", &item.to_string())], Some(&admin)).await.json();
    assert_eq!(d["corrections"][0]["reviewer"], "li");
    assert_eq!(d["corrections"][0]["correction"]["reasons"], json!(["incomplete"]));
    let texts: Vec<&Value> = d["texts"]["texts"].as_array().unwrap().iter().map(|t| &t[1]).collect();
    assert!(texts.contains(&&json!("请立即拨打120。")), "the corrected answer is among the texts: {texts:?}");
    let actions: Vec<&str> = d["log"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["import", "correction.create"]);
    // The search finds corrected items by their original text, and the state counts corrections.
    assert_eq!(search(&app, &admin, &[("dataset", "qa"), ("state", "in-progress")]).await["total"], 1);
}

/// Issue 16, item 7: gold items and exclusions from the browse list and the item record, one
/// item or a selection, all or none, admins only.
#[tokio::test]
async fn a_selection_is_marked_gold_unmarked_and_excluded_all_or_none() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let auditor = app.signed_in("auditor", Role::Auditor).await;
    assert_eq!(app.import(&admin, "d", &format!("{}\n{CHEST}", pairs(5))).await.status, StatusCode::OK);
    assert_eq!(app.import(&admin, "other", &pairs(1)).await.status, StatusCode::OK);
    let all = ids(&search(&app, &admin, &[("dataset", "d")]).await);
    let other = ids(&search(&app, &admin, &[("dataset", "other")]).await)[0];
    assert_eq!(search(&app, &admin, &[("dataset", "d")]).await["can_manage"], true);
    assert_eq!(search(&app, &auditor, &[("dataset", "d")]).await["can_manage"], false);
    let act = |items: Vec<i64>, action: Value| json!({ "dataset": "d", "items": items, "action": action });
    let gold = json!({ "type": "gold", "answer": "1" });
    let gold_items = async |app: &TestApp| ids(&search(app, &admin, &[("dataset", "d"), ("state", "gold")]).await);

    assert_eq!(
        app.call_json("item_action", act(all[..2].to_vec(), gold.clone()), Some(&auditor)).await.status,
        StatusCode::FORBIDDEN
    );
    // One item of another dataset in the selection: refused by name, nothing marked.
    let res = app.call_json("item_action", act(vec![all[0], other], gold.clone()), Some(&admin)).await;
    assert_eq!(
        (res.status, res.json()),
        (StatusCode::BAD_REQUEST, json!({ "ItemAction": { "NotApplicable": other } }))
    );
    assert!(gold_items(&app).await.is_empty(), "nothing was marked");
    assert_eq!(
        app.call_json("item_action", act(vec![], gold.clone()), Some(&admin)).await.json(),
        json!({ "ItemAction": "NothingChosen" })
    );

    let res = app.call_json("item_action", act(all[..3].to_vec(), gold.clone()), Some(&admin)).await;
    assert_eq!((res.status, res.json()), (StatusCode::OK, json!(3)), "{}", res.body);
    assert_eq!(gold_items(&app).await, all[..3].to_vec());
    let record = app.call("item", &[("item", &all[0].to_string())], Some(&admin)).await.json();
    assert!(record["gold"].as_str().unwrap().contains("decisive"), "{}", record["gold"]);
    assert_eq!(record["can_manage"], true);
    let res = app.call_json("item_action", act(vec![all[1]], json!({ "type": "ungold" })), Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(gold_items(&app).await, vec![all[0], all[2]]);

    // Excluding the chest-pain item resolves its phone flag and takes it out of the queue.
    let chest = *all.last().unwrap();
    let res = app.call_json("item_action", act(vec![chest, all[3]], json!({ "type": "exclude" })), Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let excluded = ids(&search(&app, &admin, &[("dataset", "d"), ("state", "excluded")]).await);
    assert_eq!(excluded, vec![all[3], chest]);
    let open: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM flags WHERE item_id = ? AND status IN ('open', 'confirmed')")
            .bind(chest)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(open, 0);
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('item.gold', 'item.exclude')")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(logged, 3 + 1 + 2, "one entry per item changed");
}
