//! Sensitive content end to end through the API: detection on import and on corrections,
//! reviewers' flags, the admin's resolution, and what exports do with flagged text.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::TestApp;
use http::StatusCode;
use serde_json::{Value, json};

fn lines(content: &str) -> Vec<Value> {
    content.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const PAIR: &str = r#"{"question": "腰椎间盘突出能做什么运动？", "response_chosen": "游泳和小燕飞都可以。作者：张立博士北京大学第三医院骨科，电话13812345678", "response_rejected": "多休息。"}"#;

async fn export(app: &TestApp, admin: &str, dataset: &str, format: &str, flagged: Option<&str>) -> Value {
    let mut form = vec![("dataset", dataset), ("format", format)];
    if let Some(f) = flagged {
        form.push(("flagged", f));
    }
    app.export(&form, admin).await
}

fn left_out(file: &Value, reason: &str) -> i64 {
    file["summary"]["left_out"][reason].as_i64().unwrap()
}

/// The shown index of the answer containing `needle` in a queue item.
fn answer_with(item: &Value, needle: &str) -> usize {
    item["flags"]["html"].as_array().unwrap()[1..].iter().position(|h| h.as_str().unwrap().contains(needle)).unwrap()
}

#[tokio::test]
async fn the_real_sample_is_flagged_on_import() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    assert_eq!(app.import(&admin, "reward", common::REWARD_SAMPLE).await.status, StatusCode::OK);
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT f.category, f.span_text FROM flags f JOIN items i ON i.id = f.item_id WHERE i.source_line = 88
          ORDER BY f.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for (category, text) in [
        ("doctor_name", "张立博士"),
        ("hospital", "北京大学第三医院"),
        ("url", "http：//www.kf365.com/html/11/578.html"),
        ("handle", "75840098-高级魔法师七级11-1809"),
    ] {
        assert!(found.contains(&(category.into(), text.into())), "{category} {text}: {found:?}");
    }
    // The admin's queue lists the item; reviewers may not see the queue.
    let queue = app.call("flag_queue", &[("kind", "url")], Some(&admin)).await.json();
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    assert_eq!(app.call("flag_queue", &[], Some(&doctor)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn flag_redact_export() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    assert_eq!(app.import(&admin, "pii", PAIR).await.status, StatusCode::OK);
    app.configure(&admin, "pii", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let other = app.signed_in("other", Role::Annotator).await;

    let queue = app.queue(&doctor, "pii").await;
    let item = &queue["items"][0];
    let assignment = item["assignment"].as_i64().unwrap();
    let i = answer_with(item, "游泳");
    assert!(item["flags"]["html"][i + 1].as_str().unwrap().contains("<mark class=\"flag cat-phone"), "{item}");
    let kinds: Vec<Value> = item["flags"]["flags"].as_array().unwrap().iter().map(|f| f["kind"].clone()).collect();
    assert!(kinds.contains(&json!({ "span": "phone" })) && kinds.contains(&json!({ "span": "hospital" })), "{kinds:?}");

    // The reviewer marks a span the detectors do not know ("小燕飞" as a name, for the test).
    let span = |text: &str, occurrence: usize| {
        json!({ "assignment": assignment, "flag": { "type": "span", "field": { "answer": i }, "text": text,
                "occurrence": occurrence, "category": "name" } })
    };
    let before = app.count("flags").await;
    let res = app.call_json("flag", span("不在原文里", 0), Some(&doctor)).await;
    assert_eq!((res.status, res.json()), (StatusCode::BAD_REQUEST, json!({ "Flag": "SpanNotFound" })));
    assert_eq!(
        app.call_json("flag", span("小燕飞", 0), Some(&other)).await.status,
        StatusCode::NOT_FOUND,
        "not theirs"
    );
    assert_eq!(app.count("flags").await, before, "refused flags change nothing");
    let state = app.call_json("flag", span("小燕飞", 0), Some(&doctor)).await.json();
    let added = state["flags"].as_array().unwrap().iter().find(|f| f["text"] == "小燕飞").unwrap().clone();
    assert_eq!((added["by_detector"].clone(), added["span"].clone()), (json!(false), json!([3, 6])));

    // Dismissing the doctor's-name span: it no longer gates.
    let name =
        state["flags"].as_array().unwrap().iter().find(|f| f["kind"] == json!({ "span": "doctor_name" })).unwrap();
    let id = name["id"].as_i64().unwrap().to_string();
    let a = assignment.to_string();
    let res =
        app.call("review_flag", &[("assignment", &a), ("flag", &id), ("verdict", "dismiss")], Some(&doctor)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let vote = if i == 0 { "a" } else { "b" };
    assert_eq!(app.judge(&doctor, assignment, common::vote(vote)).await.status, StatusCode::OK);

    // Unresolved: left out by default, redacted on request, and the summary says so.
    let file = export(&app, &admin, "pii", "trl-dpo", None).await;
    assert_eq!((file["summary"]["written"].clone(), left_out(&file, "flagged")), (json!(0), 1));
    let file = export(&app, &admin, "pii", "trl-dpo", Some("redact")).await;
    assert_eq!(file["summary"]["redacted"], 1);
    let chosen = lines(file["content"].as_str().unwrap())[0]["chosen"].as_str().unwrap().to_string();
    assert_eq!(chosen, "游泳和〔姓名〕都可以。作者：张立博士〔医院〕骨科，电话〔电话〕", "dismissed spans stay");

    // The admin redacts in the store: every active span of the item.
    let item_id = app.call("flag_queue", &[], Some(&admin)).await.json()[0]["item"].as_i64().unwrap();
    let flagged = app.call("flagged_item", &[("item", &item_id.to_string())], Some(&admin)).await.json();
    let active: Vec<i64> = flagged["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "open" || f["status"] == "confirmed")
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    let res = app
        .call_json(
            "resolve_flags",
            json!({ "item": item_id, "resolve": { "type": "redact", "flags": [] } }),
            Some(&admin),
        )
        .await;
    assert_eq!(res.json(), json!({ "Flag": "NothingChosen" }));
    let res = app
        .call_json(
            "resolve_flags",
            json!({ "item": item_id, "resolve": { "type": "redact", "flags": active } }),
            Some(&doctor),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .call_json(
            "resolve_flags",
            json!({ "item": item_id, "resolve": { "type": "redact", "flags": active } }),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body: String =
        sqlx::query_scalar("SELECT body FROM candidates WHERE body LIKE '游泳%'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(body, "游泳和〔姓名〕都可以。作者：张立博士〔医院〕骨科，电话〔电话〕");
    // Later spans moved with the text: the dismissed doctor's name still points at it.
    let dismissed: (i64, i64) = sqlx::query_as("SELECT span_start, span_end FROM flags WHERE id = ?")
        .bind(id.parse::<i64>().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        body.chars().skip(dismissed.0 as usize).take((dismissed.1 - dismissed.0) as usize).collect::<String>(),
        "张立博士"
    );
    // The audit log records what was redacted, never the personal information.
    let audit: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_log").fetch_all(&app.pool).await.unwrap();
    assert!(audit.iter().all(|d| !d.contains("13812345678")), "{audit:?}");

    let file = export(&app, &admin, "pii", "trl-dpo", None).await;
    assert_eq!((file["summary"]["written"].clone(), left_out(&file, "flagged")), (json!(1), 0));
    assert!(file["content"].as_str().unwrap().contains("〔电话〕"));
    assert!(app.call("flag_queue", &[], Some(&admin)).await.json().as_array().unwrap().is_empty());
}

#[tokio::test]
async fn unsafe_answers_are_never_chosen() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "u", &common::pairs(1)).await;
    app.configure(&admin, "u", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let item = app.queue(&doctor, "u").await["items"][0].clone();
    let assignment = item["assignment"].as_i64().unwrap();
    let concern = |severity: Value| {
        json!({ "assignment": assignment, "flag": { "type": "concern", "field": { "answer": 0 }, "concern": "unsafe",
                "severity": severity, "note": "" } })
    };
    let res = app.call_json("flag", concern(Value::Null), Some(&doctor)).await;
    assert_eq!(res.json(), json!({ "Flag": "NeedSeverity" }));
    assert_eq!(app.call_json("flag", concern(json!("severe")), Some(&doctor)).await.status, StatusCode::OK);
    let other = json!({ "assignment": assignment, "flag": { "type": "concern", "field": null, "concern": "other", "severity": null, "note": " " } });
    assert_eq!(app.call_json("flag", other, Some(&doctor)).await.json(), json!({ "Flag": "NeedNote" }));

    assert_eq!(app.judge(&doctor, assignment, common::vote("a")).await.status, StatusCode::OK);
    for policy in ["leave-out", "redact"] {
        let file = export(&app, &admin, "u", "trl-dpo", Some(policy)).await;
        assert_eq!((file["summary"]["written"].clone(), left_out(&file, "unsafe")), (json!(0), 1), "{policy}");
    }
    // The admin filters the queue by severity, then rewrites the answer: resolved, exported.
    let severe = app.call("flag_queue", &[("severity", "severe")], Some(&admin)).await.json();
    assert_eq!(severe.as_array().unwrap().len(), 1);
    assert!(
        app.call("flag_queue", &[("severity", "life_threatening")], Some(&admin))
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let item_id = severe[0]["item"].as_i64().unwrap();
    let flagged = app.call("flagged_item", &[("item", &item_id.to_string())], Some(&admin)).await.json();
    let flag = &flagged["flags"][0];
    let edit = json!({ "item": item_id, "resolve": { "type": "edit", "text": flag["field"], "new": "请在医生指导下用药。", "flags": [flag["id"]] } });
    assert_eq!(app.call_json("resolve_flags", edit, Some(&admin)).await.status, StatusCode::OK);
    let file = export(&app, &admin, "u", "trl-dpo", None).await;
    assert_eq!(file["summary"]["written"], 1, "{file}");
    assert!(file["content"].as_str().unwrap().contains("请在医生指导下用药。"));
}

#[tokio::test]
async fn corrected_answers_are_checked_and_excluded_items_leave_every_export() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let qa = "{\"query\":\"头痛怎么办？\",\"response\":\"注意休息。\"}\n{\"query\":\"发烧怎么办？\",\"response\":\"多喝水。\"}";
    assert_eq!(app.import_as(&admin, "qa", "chatmed", qa).await.status, StatusCode::OK);
    app.configure(&admin, "qa", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for answer in ["注意休息，不缓解可拨打 010-62345678 咨询。", "多喝水，必要时就医。"] {
        let q = app.call("correct_queue", &[("dataset", "qa")], Some(&doctor)).await.json();
        let a = q["items"][0]["assignment"].as_i64().unwrap();
        let correction =
            json!({ "correction": { "Edit": { "question": null, "answer": answer } }, "reasons": ["incomplete"] });
        let res = app.call_json("correct", json!({ "assignment": a, "correction": correction }), Some(&doctor)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let phone: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM flags WHERE field = 'corrected_answer' AND category = 'phone'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(phone, 1, "the edited answer went through the detectors");
    let file = export(&app, &admin, "qa", "sft-sharegpt", None).await;
    assert_eq!((file["summary"]["written"].clone(), left_out(&file, "flagged")), (json!(1), 1));
    let file = export(&app, &admin, "qa", "sft-sharegpt", Some("redact")).await;
    assert!(file["content"].as_str().unwrap().contains("拨打 〔电话〕 咨询"), "{file}");

    // Excluding the item: gone from the export and from the flag queue.
    let item_id = app.call("flag_queue", &[], Some(&admin)).await.json()[0]["item"].as_i64().unwrap();
    let res = app
        .call_json("resolve_flags", json!({ "item": item_id, "resolve": { "type": "exclude" } }), Some(&admin))
        .await;
    assert_eq!(res.json()["excluded"], true);
    let file = export(&app, &admin, "qa", "sft-sharegpt", Some("redact")).await;
    assert_eq!((file["summary"]["written"].clone(), file["summary"]["redacted"].clone()), (json!(1), json!(0)));
    assert!(!file["content"].as_str().unwrap().contains("电话"));
    assert!(app.call("flag_queue", &[], Some(&admin)).await.json().as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_dismissal_with_an_unknown_flag_changes_nothing() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "pii", PAIR).await;
    let item = app.call("flag_queue", &[], Some(&admin)).await.json()[0]["item"].as_i64().unwrap();
    let flagged = app.call("flagged_item", &[("item", &item.to_string())], Some(&admin)).await.json();
    let first = flagged["flags"][0]["id"].as_i64().unwrap();
    let res = app
        .call_json(
            "resolve_flags",
            json!({ "item": item, "resolve": { "type": "dismiss", "flags": [first, 999999] } }),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let status: String =
        sqlx::query_scalar("SELECT status FROM flags WHERE id = ?").bind(first).fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "open");
}

/// Three voted pairs whose chosen answers hold a URL (`url`) and one a phone (`phone`).
async fn voted_with_urls(app: &TestApp, admin: &str, dataset: &str) {
    let pairs: Vec<String> = (1..=3)
        .map(|n| {
            json!({ "question": format!("问题{n}：怎么查资料？"), "response_chosen": format!("参见 https://med{n}.example.cn/guide 第{n}章，电话13812345678"),
                    "response_rejected": "不知道。" })
            .to_string()
        })
        .collect();
    assert_eq!(app.import(admin, dataset, &pairs.join("\n")).await.status, StatusCode::OK);
    app.configure(admin, dataset, json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in(&format!("doc-{dataset}"), Role::Annotator).await;
    for _ in 0..3 {
        let queue = app.queue(&doctor, dataset).await;
        let item = &queue["items"][0];
        let vote = if answer_with(item, "参见") == 0 { "a" } else { "b" };
        let res = app.judge(&doctor, item["assignment"].as_i64().unwrap(), common::vote(vote)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
}

fn open_of(states: &Value, category: &str) -> (i64, bool) {
    let s = states.as_array().unwrap().iter().find(|s| s["category"] == category).unwrap();
    (s["open"].as_i64().unwrap(), s["gates"].as_bool().unwrap())
}

/// Issue 16, item 9: a whole category of a dataset is dismissed after a preview of how many,
/// and a category can stop gating one dataset's exports; both are audit-logged, the
/// manifest says which categories were off, and only admins may do either.
#[tokio::test]
async fn a_category_is_resolved_in_bulk_and_can_stop_gating_one_dataset() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    voted_with_urls(&app, &admin, "web").await;
    voted_with_urls(&app, &admin, "other").await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;

    let states = app.call("flag_categories", &[("dataset", "web")], Some(&admin)).await.json();
    assert_eq!((open_of(&states, "url"), open_of(&states, "phone")), ((3, true), (3, true)), "{states}");
    assert!(!states.as_array().unwrap().iter().any(|s| s["category"] == "redaction_marker"));
    let file = export(&app, &admin, "web", "trl-dpo", None).await;
    assert_eq!((file["summary"]["written"].clone(), left_out(&file, "flagged")), (json!(0), 3));

    // Only admins; a stale preview (2, while there are 3) changes nothing.
    let bulk = |expected: &'static str| {
        [("dataset", "web"), ("category", "url"), ("verdict", "dismiss"), ("expected", expected)]
    };
    assert_eq!(app.call("flag_bulk", &bulk("3"), Some(&doctor)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.call("flag_categories", &[("dataset", "web")], Some(&doctor)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.call("flag_bulk", &bulk("2"), Some(&admin)).await.json(), json!({ "Flag": "CountChanged" }));
    let states = app.call("flag_categories", &[("dataset", "web")], Some(&admin)).await.json();
    assert_eq!(open_of(&states, "url").0, 3, "nothing changed");
    let res = app.call("flag_bulk", &bulk("3"), Some(&admin)).await;
    assert_eq!((res.status, res.json()), (StatusCode::OK, json!(3)));
    let states = app.call("flag_categories", &[("dataset", "web")], Some(&admin)).await.json();
    assert_eq!((open_of(&states, "url").0, open_of(&states, "phone").0), (0, 3));
    let other = app.call("flag_categories", &[("dataset", "other")], Some(&admin)).await.json();
    assert_eq!(open_of(&other, "url").0, 3, "another dataset's spans are untouched");

    // The phones still gate; turned off for this dataset only, the items go out with them.
    let file = export(&app, &admin, "web", "trl-dpo", None).await;
    assert_eq!((file["summary"]["written"].clone(), left_out(&file, "flagged")), (json!(0), 3));
    let gate = [("dataset", "web"), ("category", "phone"), ("gates", "false")];
    assert_eq!(app.call("flag_gating", &gate, Some(&doctor)).await.status, StatusCode::FORBIDDEN);
    let states = app.call("flag_gating", &gate, Some(&admin)).await.json();
    assert_eq!(open_of(&states, "phone"), (3, false), "{states}");
    let never = [("dataset", "web"), ("category", "age_sex"), ("gates", "false")];
    assert_eq!(app.call("flag_gating", &never, Some(&admin)).await.json(), json!({ "Flag": "NeverGates" }));
    let file = export(&app, &admin, "web", "trl-dpo", None).await;
    assert_eq!((file["summary"]["written"].clone(), left_out(&file, "flagged")), (json!(3), 0));
    assert!(file["content"].as_str().unwrap().contains("13812345678"));
    assert_eq!(file["manifest"]["ungated_categories"], json!(["phone"]), "{}", file["manifest"]);
    let file = export(&app, &admin, "other", "trl-dpo", None).await;
    assert_eq!(left_out(&file, "flagged"), 3, "the other dataset still gates");
    assert_eq!(file["manifest"]["ungated_categories"], json!([]));

    let logged: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail FROM audit_log WHERE action IN ('flag.review_category', 'flag.gating') ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(logged[0].1.contains("\"flags\":3") && logged[1].1.contains("\"gates\":false"), "{logged:?}");
}

/// Issue 17, item 10: reviewers see each other's flags on an item, not each other's notes;
/// the note's author and the admin do.
#[tokio::test]
async fn a_reviewers_flag_note_is_theirs_and_the_admins() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    assert_eq!(app.import(&admin, "d", PAIR).await.status, StatusCode::OK);
    app.configure(&admin, "d", json!({ "overlap_target": 2 })).await;
    let a = app.signed_in("a", Role::Annotator).await;
    let b = app.signed_in("b", Role::Annotator).await;
    let assignment = app.queue(&a, "d").await["items"][0]["assignment"].as_i64().unwrap();
    let concern = json!({ "assignment": assignment, "flag": { "type": "concern", "field": null, "concern": "other",
                                                             "note": "患者可能是我的邻居" } });
    let res = app.call_json("flag", concern, Some(&a)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let note_of = |state: &Value| {
        state["flags"].as_array().unwrap().iter().find(|f| f["kind"] == json!({ "concern": "other" })).unwrap()["note"]
            .clone()
    };
    assert_eq!(note_of(&res.json()), json!("患者可能是我的邻居"), "the author sees it");
    let item = &app.queue(&b, "d").await["items"][0];
    assert_eq!(note_of(&item["flags"]), Value::Null, "another reviewer does not: {}", item["flags"]);
    let id = app.call("flag_queue", &[], Some(&admin)).await.json()[0]["item"].as_i64().unwrap();
    let flagged = app.call("flagged_item", &[("item", &id.to_string())], Some(&admin)).await.json();
    assert_eq!(note_of(&flagged), json!("患者可能是我的邻居"), "the admin does");
}

#[tokio::test]
async fn a_resolution_decided_on_a_text_that_changed_meanwhile_writes_nothing() {
    use app::domain::flag::{Resolution, TextRef};
    use app::domain::{ItemId, UserId};
    use app::store::flags::{self, ResolveError, Resolving, TextChange};
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    assert_eq!(app.import(&admin, "pii", PAIR).await.status, StatusCode::OK);
    let (item, answer): (i64, i64) =
        sqlx::query_as("SELECT item_id, id FROM candidates WHERE body LIKE '%13812345678%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let phone: i64 = sqlx::query_scalar("SELECT id FROM flags WHERE item_id = ? AND category = 'phone'")
        .bind(item)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let by: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'").fetch_one(&app.pool).await.unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    let text = TextRef::Answer(app::domain::CandidateId(answer));
    let read = flags::text(&mut conn, ItemId(item), text).await.unwrap().unwrap();
    drop(conn);
    // The plan an admin's redaction would write, decided on what was read…
    let plan = Resolving {
        item: ItemId(item),
        texts: vec![TextChange {
            text,
            old: read.clone(),
            new: read.replace("13812345678", "〔电话〕"),
            html: None,
            detected: None,
        }],
        moved: vec![],
        resolved: vec![phone],
        how: Resolution::Redacted,
        by: UserId(by),
        action: "flag.redact",
        detail: json!({ "item": item, "flags": [phone] }),
    };
    // …while another admin rewrote that answer.
    let meanwhile = read.replace("多", "少").replace("游泳", "散步");
    sqlx::query("UPDATE candidates SET body = ? WHERE id = ?")
        .bind(&meanwhile)
        .bind(answer)
        .execute(&app.pool)
        .await
        .unwrap();
    let (flags_before, audit_before) = (app.count("flags").await, app.count("audit_log").await);
    let status_before: String =
        sqlx::query_scalar("SELECT status FROM flags WHERE id = ?").bind(phone).fetch_one(&app.pool).await.unwrap();
    assert!(matches!(flags::resolve(&app.db, &plan).await, Err(ResolveError::Changed)));
    let (body, status): (String, String) =
        sqlx::query_as("SELECT (SELECT body FROM candidates WHERE id = ?), (SELECT status FROM flags WHERE id = ?)")
            .bind(answer)
            .bind(phone)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((body, status), (meanwhile, status_before), "the other admin's text stays, the flag stays open");
    assert_eq!((app.count("flags").await, app.count("audit_log").await), (flags_before, audit_before));
    // Decided again on the new text, the same redaction goes through.
    let res = app
        .call_json(
            "resolve_flags",
            json!({ "item": item, "resolve": { "type": "redact", "flags": [phone] } }),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body: String =
        sqlx::query_scalar("SELECT body FROM candidates WHERE id = ?").bind(answer).fetch_one(&app.pool).await.unwrap();
    assert!(body.contains("〔电话〕") && body.contains("散步") && !body.contains("13812345678"), "{body}");
}
