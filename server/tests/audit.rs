//! Audits through the real router: agreement and bias from real judgments, the reward model
//! against the clinicians, and a spot-audit drawn, re-labelled blind and reported.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::{TestApp, pairs, vote};
use http::StatusCode;
use serde_json::{Value, json};

/// One reviewer's vote as the test recorded it: the item's index in `pairs(…)`, whether the
/// vote went to the file's first answer, and whether it went to the left side.
struct Cast {
    index: usize,
    first: bool,
    left: bool,
}

/// Judges every item of `d` as `pick` says, given the item's index in `pairs(…)` and which
/// side shows the file's first answer (`回答甲`): returns "a" or "b". Sides are shown in a
/// random order, so the caller gets back what each vote meant.
async fn judge_all(app: &TestApp, cookie: &str, pick: impl Fn(usize, bool) -> &'static str) -> Vec<Cast> {
    let mut cast = Vec::new();
    loop {
        let q = app.queue(cookie, "d").await;
        let Some(item) = q["items"].as_array().unwrap().first().cloned() else { break };
        let question = item["question_html"].as_str().unwrap();
        let index: usize = question.split("问题").nth(1).unwrap().split('：').next().unwrap().parse().unwrap();
        let first_on_left = item["answers"][0]["html"].as_str().unwrap().contains("回答甲");
        let side = pick(index, first_on_left);
        let res = app.judge(cookie, item["assignment"].as_i64().unwrap(), vote(side)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        cast.push(Cast { index, first: (side == "a") == first_on_left, left: side == "a" });
    }
    cast
}

/// The exact two-sided binomial test at p = ½ (R's `binom.test`), written out here so the
/// report's figure is checked against an independent computation.
fn binom_half(k: usize, n: usize) -> f64 {
    let choose = |n: usize, k: usize| (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64);
    let prob = |x: usize| choose(n, x) * 0.5f64.powi(n as i32);
    let observed = prob(k);
    (0..=n).map(prob).filter(|&q| q <= observed * (1.0 + 1e-7)).sum::<f64>().min(1.0)
}

/// Fleiss' kappa written out for two categories, from each item's count of votes for the
/// first answer out of `raters`.
fn fleiss_two(firsts: &[usize], raters: usize) -> f64 {
    let (n, r) = (firsts.len() as f64, raters as f64);
    let agree = |c: f64| (c * (c - 1.0) + (r - c) * (r - c - 1.0)) / (r * (r - 1.0));
    let observed = firsts.iter().map(|&c| agree(c as f64)).sum::<f64>() / n;
    let p1 = firsts.iter().sum::<usize>() as f64 / (n * r);
    let expected = p1 * p1 + (1.0 - p1) * (1.0 - p1);
    (observed - expected) / (1.0 - expected)
}

/// The side showing source answer 1 (`first`) or 2.
fn side(first: bool, first_on_left: bool) -> &'static str {
    if first == first_on_left { "a" } else { "b" }
}

#[tokio::test]
async fn agreement_bias_model_agreement_and_a_blind_spot_audit() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(12)).await;
    app.configure(&admin, "d", json!({ "overlap_target": 3 })).await;
    // wang and li agree: answer 1 for even items, answer 2 for odd ones; zhao always takes the left answer.
    let mut wang_left = 0;
    for name in ["wang", "li"] {
        let cookie = app.signed_in(name, Role::Annotator).await;
        let cast = judge_all(&app, &cookie, |i, left| side(i % 2 == 0, left)).await;
        assert!(cast.iter().all(|c| c.first == (c.index % 2 == 0)));
        if name == "wang" {
            wang_left = cast.iter().filter(|c| c.left).count();
        }
    }
    let zhao = app.signed_in("zhao", Role::Annotator).await;
    let zhao_cast = judge_all(&app, &zhao, |_, _| "a").await;
    // Where zhao's left answer happened to be the others' choice (the sides are shown at random).
    let zhao_agrees = zhao_cast.iter().filter(|c| c.first == (c.index % 2 == 0)).count();
    // A reward model preferring answer 1 everywhere (scores as a generation job stores them).
    sqlx::query(
        "UPDATE candidates SET score = CASE position WHEN 0 THEN 0.9 ELSE 0.1 END, score_kind = 'reward_model'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let auditor = app.signed_in("auditor", Role::Auditor).await;
    assert_eq!(app.call("agreement", &[("dataset", "d")], Some(&zhao)).await.status, StatusCode::FORBIDDEN);
    let report = app.call("agreement", &[("dataset", "d")], Some(&auditor)).await.json();
    assert_eq!((report["decisions"].clone(), report["items_multi"].clone()), (json!(36), json!(12)));
    let reviewer =
        |name: &str| report["reviewers"].as_array().unwrap().iter().find(|r| r["reviewer"] == name).unwrap().clone();
    assert_eq!(reviewer("zhao")["left"]["value"], json!(1.0));
    assert!(reviewer("zhao")["left_p"].as_f64().unwrap() < 0.001, "12 of 12 on the left");
    let wang_p = reviewer("wang")["left_p"].as_f64().unwrap();
    assert!((wang_p - binom_half(wang_left, 12)).abs() < 1e-9, "wang: {wang_left} of 12 on the left, p {wang_p}");
    let pair = report["pairs"].as_array().unwrap().iter().find(|p| p["a"] == "li" && p["b"] == "wang").unwrap().clone();
    assert_eq!((pair["shared"].clone(), pair["kappa"].clone()), (json!(12), json!(1.0)));
    // zhao agrees with the others' (unanimous) majority exactly where the left answer is theirs.
    let z = reviewer("zhao")["with_majority"].clone();
    assert_eq!((z["k"].clone(), z["n"].clone()), (json!(zhao_agrees), json!(12)), "{z}");
    let low = z["low"].as_f64().unwrap();
    assert!(low <= z["value"].as_f64().unwrap() && (zhao_agrees == 0 || low > 0.0), "{z}");
    // Fleiss' kappa over the 36 decisions: wang and li always vote for the even items' first answer.
    let firsts: Vec<usize> = (0..12)
        .map(|i| {
            let zhao_first = zhao_cast.iter().any(|c| c.index == i && c.first);
            2 * usize::from(i % 2 == 0) + usize::from(zhao_first)
        })
        .collect();
    let fleiss = report["fleiss_kappa"].as_f64().unwrap();
    assert!((fleiss - fleiss_two(&firsts, 3)).abs() < 1e-9, "{fleiss} for {firsts:?}");
    assert!(fleiss < 1.0);
    let model = &report["model"];
    assert_eq!((model["agree"]["k"].clone(), model["agree"]["n"].clone()), (json!(6), json!(12)), "{model}");
    assert_eq!(model["disagreements"].as_array().unwrap().len(), 6);
    assert!(model["disagreements"].as_array().unwrap().iter().all(|d| d["model_pick"] == json!(1)));

    // A spot-audit, stratified by reviewer, drawn twice from the same seed: the same sample.
    assert_eq!(
        app.call("create_audit", &[("dataset", "d"), ("design", "reviewer"), ("n", "6"), ("seed", "5")], Some(&zhao))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let make = || {
        app.call("create_audit", &[("dataset", "d"), ("design", "reviewer"), ("n", "6"), ("seed", "5")], Some(&auditor))
    };
    let first = make().await.json();
    let second = make().await.json();
    assert_eq!(first["items"], json!(6));
    let sample = |id: &Value| {
        let id = id.as_i64().unwrap();
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64, String, String)>(
                "SELECT item_id, stratum, presentation FROM audit_items WHERE audit_id = ? ORDER BY position",
            )
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(sample(&first["id"]).await, sample(&second["id"]).await, "the seed reproduces the sample");

    // Blind re-labelling: the auditor sides with wang and li.
    let audit = first["id"].as_i64().unwrap().to_string();
    let mut decided = 0;
    loop {
        let next = app.call("audit_next", &[("audit", &audit)], Some(&auditor)).await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.body);
        let task = next.json();
        if task.is_null() {
            break;
        }
        for name in ["wang", "li", "zhao", "judgment"] {
            assert!(!next.body.contains(name), "blind: `{name}` in {}", next.body);
        }
        let item = &task["item"]["Compare"][0];
        let question = item["question_html"].as_str().unwrap();
        let index: usize = question.split("问题").nth(1).unwrap().split('：').next().unwrap().parse().unwrap();
        // Blind on the server too: the item's record (with every judgment) is closed to the
        // auditor until the audit has labelled it (issue 17, item 10); admins still see it.
        let (sampled,): (i64,) = sqlx::query_as("SELECT item_id FROM audit_items WHERE audit_id = ? AND position = ?")
            .bind(task["audit"].as_i64().unwrap())
            .bind(task["position"].as_i64().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let record = app.call("item", &[("item", &sampled.to_string())], Some(&auditor)).await;
        assert_eq!((record.status, record.json()), (StatusCode::FORBIDDEN, json!("AuditBlind")));
        assert_eq!(app.call("item", &[("item", &sampled.to_string())], Some(&admin)).await.status, StatusCode::OK);
        // The item search does not tell the auditor how many decisions it has either.
        let decisions_in_search = |who: &str| {
            let who = who.to_string();
            let app = &app;
            async move {
                let hits = app.call("items", &[("dataset", "d")], Some(&who)).await.json();
                let hit = hits["items"].as_array().unwrap().iter().find(|h| h["id"] == json!(sampled)).cloned();
                hit.unwrap()["decisions"].clone()
            }
        };
        assert_eq!(decisions_in_search(&auditor).await, Value::Null, "hidden from the auditor");
        assert!(decisions_in_search(&admin).await.as_i64().unwrap() >= 1, "shown to admins");
        let first_on_left = item["answers"][0]["html"].as_str().unwrap().contains("回答甲");
        let decision = json!({ "Judgment": vote(side(index.is_multiple_of(2), first_on_left)) });
        let body = json!({ "audit": task["audit"], "position": task["position"], "decision": decision });
        let res = app.call_json("audit_decide", body.clone(), Some(&auditor)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // Still closed while the second audit (the same seed, the same sample) has it to label.
        let record = app.call("item", &[("item", &sampled.to_string())], Some(&auditor)).await;
        assert_eq!(record.status, StatusCode::FORBIDDEN, "{}", record.body);
        assert_eq!(app.call_json("audit_decide", body, Some(&auditor)).await.status, StatusCode::CONFLICT);
        decided += 1;
    }
    assert_eq!(decided, 6);
    let audit_report = app.call("audit_report", &[("audit", &audit)], Some(&auditor)).await.json();
    let per =
        |name: &str| audit_report["reviewers"].as_array().unwrap().iter().find(|r| r[0] == name).unwrap()[1].clone();
    assert_eq!((per("wang")["k"].clone(), per("wang")["n"].clone()), (json!(0), json!(6)));
    let zhao_errors = per("zhao")["k"].as_u64().unwrap();
    let disagreeing = audit_report["items"].as_array().unwrap().iter().filter(|i| i["disagree"] == json!(true)).count();
    assert_eq!(zhao_errors as usize, disagreeing, "only zhao ever differs from the auditor");
    assert_eq!(audit_report["errors"]["k"].as_u64().unwrap(), zhao_errors);
    assert_eq!(audit_report["errors"]["n"], json!(18));

    // The report as files.
    let csv = app.get(&format!("/api/audit_report?audit={audit}&format=csv"), Some(&auditor)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains(".csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "position,item,stratum,question,auditor,reviewer,reviewer_decision,agrees,auditor_flags,team_flags"
    );
    assert_eq!(lines.len(), 1 + 18);
    assert_eq!(lines.iter().filter(|l| l.ends_with(",false,,")).count() as u64, zhao_errors);
    let json_file = app.get(&format!("/api/audit_report?audit={audit}&format=json"), Some(&auditor)).await;
    assert_eq!(json_file.json()["errors"], audit_report["errors"]);
    assert_eq!(
        app.get(&format!("/api/audit_report?audit={audit}&format=csv"), Some(&zhao)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_qa_dataset_is_audited_with_the_correction_screen() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let qa = r#"{"query":"感冒发烧吃什么药？","response":"吃抗生素。"}
{"query":"头痛怎么办？","response":"注意休息，持续不缓解请就医。"}"#;
    app.import_as(&admin, "qa", "chatmed", qa).await;
    app.configure(&admin, "qa", json!({ "overlap_target": 1 })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for _ in 0..2 {
        let q = app.call("correct_queue", &[("dataset", "qa")], Some(&doctor)).await.json();
        let assignment = q["items"][0]["assignment"].as_i64().unwrap();
        let body = json!({ "assignment": assignment, "correction": { "correction": "Accept" } });
        assert_eq!(app.call_json("correct", body, Some(&doctor)).await.status, StatusCode::OK);
    }
    let auditor = app.signed_in("auditor", Role::Auditor).await;
    let audit = app
        .call("create_audit", &[("dataset", "qa"), ("design", "random"), ("n", "5"), ("seed", "1")], Some(&auditor))
        .await
        .json();
    assert_eq!(audit["items"], json!(2), "at most the decided items");
    let id = audit["id"].as_i64().unwrap().to_string();
    let mut verdicts = vec![];
    loop {
        let task = app.call("audit_next", &[("audit", &id)], Some(&auditor)).await.json();
        if task.is_null() {
            break;
        }
        let qa = &task["item"]["Correct"];
        assert!(qa["answer"].is_string(), "{task}");
        // The antibiotics answer is wrong: the auditor rejects it (a reason is required), accepts the other.
        let (decision, verdict) = if qa["answer"] == "吃抗生素。" {
            (json!({ "correction": "Reject", "reasons": ["factual_error"] }), "reject")
        } else {
            (json!({ "correction": "Accept" }), "accept")
        };
        verdicts.push(verdict);
        // A decision of the wrong kind, or one breaking the correction rules, changes nothing.
        let wrong =
            json!({ "audit": task["audit"], "position": task["position"], "decision": { "Judgment": vote("a") } });
        assert_eq!(app.call_json("audit_decide", wrong, Some(&auditor)).await.status, StatusCode::BAD_REQUEST);
        let no_reason = json!({ "audit": task["audit"], "position": task["position"],
                                "decision": { "Correction": { "correction": "Reject" } } });
        assert_eq!(app.call_json("audit_decide", no_reason, Some(&auditor)).await.status, StatusCode::BAD_REQUEST);
        let body =
            json!({ "audit": task["audit"], "position": task["position"], "decision": { "Correction": decision } });
        let res = app.call_json("audit_decide", body, Some(&auditor)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    verdicts.sort();
    assert_eq!(verdicts, ["accept", "reject"]);
    let report = app.call("audit_report", &[("audit", &id)], Some(&auditor)).await.json();
    assert_eq!((report["errors"]["k"].clone(), report["errors"]["n"].clone()), (json!(1), json!(2)), "{report}");
    let wrong = report["items"].as_array().unwrap().iter().find(|i| i["disagree"] == json!(true)).unwrap().clone();
    assert_eq!((wrong["auditor"].clone(), wrong["reviewers"][0][1].clone()), (json!("reject"), json!("accept")));
}

/// The flags of a sampled item as the audit shows them, found by kind.
fn audit_flag(state: &Value, kind: Value) -> &Value {
    state["flags"].as_array().unwrap().iter().find(|f| f["kind"] == kind).unwrap_or_else(|| panic!("{kind} in {state}"))
}

#[tokio::test]
async fn the_auditor_flags_blind_apart_from_the_team_and_the_report_compares_the_flags() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    // An answer with a phone number and a hospital (the detectors find both), and one with unsafe advice.
    let data = r#"{"question": "腰椎间盘突出能做什么运动？", "response_chosen": "游泳。北京大学第三医院骨科，电话13812345678", "response_rejected": "多休息。"}
{"question": "头痛怎么办？", "response_chosen": "止痛药每天吃十片。", "response_rejected": "注意休息，持续不缓解请就医。"}"#;
    app.import(&admin, "d", data).await;
    app.configure(&admin, "d", json!({ "overlap_target": 1 })).await;

    // The reviewer confirms the phone number, dismisses the hospital and calls the first item unsafe.
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    loop {
        let q = app.queue(&doctor, "d").await;
        let Some(item) = q["items"].as_array().unwrap().first().cloned() else { break };
        let assignment = item["assignment"].as_i64().unwrap();
        if item["question_html"].as_str().unwrap().contains("腰椎") {
            let a = assignment.to_string();
            for (kind, verdict) in [("phone", "confirm"), ("hospital", "dismiss")] {
                let id = audit_flag(&item["flags"], json!({ "span": kind }))["id"].as_i64().unwrap().to_string();
                let form = [("assignment", a.as_str()), ("flag", id.as_str()), ("verdict", verdict)];
                assert_eq!(app.call("review_flag", &form, Some(&doctor)).await.status, StatusCode::OK);
            }
            let unsafe_item = json!({ "assignment": assignment, "flag": { "type": "concern", "field": null,
                                      "concern": "unsafe", "severity": "moderate", "note": "" } });
            assert_eq!(app.call_json("flag", unsafe_item, Some(&doctor)).await.status, StatusCode::OK);
        }
        assert_eq!(app.judge(&doctor, assignment, vote("a")).await.status, StatusCode::OK);
    }
    let team_flags: Vec<(String, String)> =
        sqlx::query_as("SELECT category, status FROM flags ORDER BY id").fetch_all(&app.pool).await.unwrap();

    let auditor = app.signed_in("auditor", Role::Auditor).await;
    let audit = app
        .call("create_audit", &[("dataset", "d"), ("design", "random"), ("n", "2"), ("seed", "3")], Some(&auditor))
        .await
        .json();
    let audit_id = audit["id"].as_i64().unwrap();
    let id = audit_id.to_string();
    for who in [&doctor, &auditor] {
        let status = app.call("audit_flags", &[("audit", &id), ("position", "9")], Some(who)).await.status;
        assert_eq!(status, if who == &doctor { StatusCode::FORBIDDEN } else { StatusCode::NOT_FOUND });
    }
    loop {
        let task = app.call("audit_next", &[("audit", &id)], Some(&auditor)).await.json();
        if task.is_null() {
            break;
        }
        let item = &task["item"]["Compare"][0];
        let position = task["position"].as_i64().unwrap();
        let p = position.to_string();
        let answer = |needle: &str| {
            item["answers"]
                .as_array()
                .unwrap()
                .iter()
                .position(|a| a["html"].as_str().unwrap().contains(needle))
                .unwrap()
        };
        let state = item["flags"].clone();
        assert_eq!(state, app.call("audit_flags", &[("audit", &id), ("position", &p)], Some(&auditor)).await.json());
        if item["question_html"].as_str().unwrap().contains("腰椎") {
            // Blind: the detectors' spans, as yet undecided; nothing of the reviewer's verdicts or concern.
            let statuses: Vec<&Value> = state["flags"].as_array().unwrap().iter().map(|f| &f["status"]).collect();
            assert!(statuses.iter().all(|s| *s == "open"), "{state}");
            assert!(state["flags"].as_array().unwrap().iter().all(|f| f["by_detector"] == json!(true)), "{state}");
            assert!(item["answers"][answer("电话")]["html"].as_str().unwrap().contains("cat-phone st-open"));
            for kind in ["phone", "hospital"] {
                let flag = audit_flag(&state, json!({ "span": kind }))["id"].as_i64().unwrap().to_string();
                let res = app
                    .call(
                        "audit_review_flag",
                        &[("audit", &id), ("position", &p), ("flag", &flag), ("verdict", "confirm")],
                        Some(&auditor),
                    )
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
                assert_eq!(audit_flag(&res.json(), json!({ "span": kind }))["status"], "confirmed");
            }
        } else {
            let i = answer("十片");
            let flag = |audit: i64, flag: Value| json!({ "audit": audit, "position": position, "flag": flag });
            let span = |text: &str| json!({ "type": "span", "field": { "answer": i }, "text": text, "occurrence": 0, "category": "advertising" });
            let res = app.call_json("audit_flag", flag(audit_id + 1, span("十片")), Some(&auditor)).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "another audit's position");
            let res = app.call_json("audit_flag", flag(audit_id, span("不在原文里")), Some(&auditor)).await;
            assert_eq!((res.status, res.json()), (StatusCode::BAD_REQUEST, json!({ "Flag": "SpanNotFound" })));
            let concern = flag(
                audit_id,
                json!({ "type": "concern", "field": { "answer": i }, "concern": "unsafe", "severity": "severe",
                        "note": "十片远超剂量" }),
            );
            assert_eq!(app.call_json("audit_flag", concern.clone(), Some(&doctor)).await.status, StatusCode::FORBIDDEN);
            let res = app.call_json("audit_flag", concern, Some(&auditor)).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let added = audit_flag(&res.json(), json!({ "concern": "unsafe" })).clone();
            assert_eq!((added["by_detector"].clone(), added["severity"].clone()), (json!(false), json!("severe")));
        }
        let body = json!({ "audit": task["audit"], "position": position, "decision": { "Judgment": vote("a") } });
        assert_eq!(app.call_json("audit_decide", body, Some(&auditor)).await.status, StatusCode::OK);
    }
    // The item's own flags are as the reviewer left them.
    let after: Vec<(String, String)> =
        sqlx::query_as("SELECT category, status FROM flags ORDER BY id").fetch_all(&app.pool).await.unwrap();
    assert_eq!(after, team_flags);

    let report = app.call("audit_report", &[("audit", &id)], Some(&auditor)).await.json();
    let items = report["items"].as_array().unwrap();
    let spine = items.iter().find(|i| i["question"].as_str().unwrap().contains("腰椎")).unwrap();
    assert_eq!(spine["auditor_flags"], json!([{ "span": "phone" }, { "span": "hospital" }]), "{spine}");
    assert_eq!(spine["team_flags"], json!([{ "span": "phone" }, { "concern": "unsafe" }]), "{spine}");
    let headache = items.iter().find(|i| i["question"].as_str().unwrap().contains("头痛")).unwrap();
    assert_eq!(
        (headache["auditor_flags"].clone(), headache["team_flags"].clone()),
        (json!([{ "concern": "unsafe" }]), json!([]))
    );
    // Missed by the team: the hospital (item 1) and the overdose (item 2); the team's concern the auditor did not share: item 1.
    let share = |name: &str| (report[name]["k"].clone(), report[name]["n"].clone());
    assert_eq!(share("flags_missed"), (json!(2), json!(2)));
    assert_eq!(share("flags_unconfirmed"), (json!(1), json!(2)));
    let csv = app.get(&format!("/api/audit_report?audit={id}&format=csv"), Some(&auditor)).await.body;
    assert!(csv.lines().any(|l| l.ends_with(",phone;hospital,phone;unsafe")), "{csv}");
    assert!(csv.lines().any(|l| l.ends_with(",unsafe,")), "{csv}");
}

/// Researchers get every judgment as raw data: answers in source terms, vote, strength,
/// ratings, rationale, time on task, created/edited; reviewers pseudonymised by default.
#[tokio::test]
async fn every_judgment_can_be_downloaded_as_raw_data() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(2)).await;
    let settings = json!({ "axes": [{ "axis": "correctness", "required": false }] });
    assert_eq!(app.configure(&admin, "d", json!({ "settings": settings })).await.status, StatusCode::OK);
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let q = app.queue(&doctor, "d").await;
    let assignment = q["items"][0]["assignment"].as_i64().unwrap();
    let judgment = json!({
        "decision": { "Pairwise": { "vote": "a", "strength": "strong" } },
        "ratings": [{ "answer": 0, "axis": "correctness", "value": 4 }],
        "rationale": "=HYPERLINK(\"http://evil.example\",\"x\") 剂量错误", "time_on_task_ms": 5300,
    });
    assert_eq!(app.judge(&doctor, assignment, judgment).await.status, StatusCode::OK);
    let (item, shown): (i64, String) = sqlx::query_as(
        "SELECT a.item_id, (SELECT json_group_array(pos) FROM (SELECT c.position + 1 AS pos FROM json_each(a.presentation) p
                 JOIN candidates c ON c.id = p.value ORDER BY p.key)) FROM assignments a WHERE a.id = ?",
    )
    .bind(assignment)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let shown: Vec<i64> = serde_json::from_str(&shown).unwrap();

    let download = |form: &'static [(&'static str, &'static str)], cookie: &str| {
        let (app, cookie) = (&app, cookie.to_string());
        async move {
            let body = form.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
            let req = http::Request::post("/api/judgments_export")
                .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(http::header::COOKIE, cookie)
                .body(axum::body::Body::from(body))
                .unwrap();
            app.request(req).await
        }
    };
    let res = download(&[("dataset", "d")], &admin).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let lines: Vec<Value> = res.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    let j = &lines[0];
    assert_eq!(j["item"], item);
    assert_eq!(j["reviewer"], "R1", "pseudonymous by default");
    assert_eq!(j["shown"], json!(shown));
    assert_eq!(
        (j["outcome"].clone(), j["better"].clone()),
        (json!("decisive"), json!(shown[0])),
        "A = the first shown"
    );
    assert_eq!(j["strength"], "strong");
    assert_eq!(j["ratings"], json!([{ "answer": shown[0], "axis": "correctness", "value": 4 }]));
    assert_eq!(j["time_on_task_ms"], 5300);
    assert!(j["rationale"].as_str().unwrap().ends_with("剂量错误"));
    assert!(j["created_at"].is_string() && j["updated_at"].is_string() && j["source_line"].is_number());

    let csv = download(&[("dataset", "d"), ("format", "csv"), ("names", "usernames")], &admin).await.body;
    let row = csv.lines().nth(1).expect("one row");
    assert!(row.contains(",doctor,") && row.contains("\"'=HYPERLINK("), "a formula is written as text: {row}");
    // Auditors may, reviewers may not; an unknown option is refused; the download is logged.
    let auditor = app.signed_in("auditor", Role::Auditor).await;
    assert_eq!(download(&[("dataset", "d")], &auditor).await.status, StatusCode::OK);
    assert_eq!(download(&[("dataset", "d")], &doctor).await.status, StatusCode::FORBIDDEN);
    assert_eq!(download(&[("dataset", "d"), ("nmaes", "usernames")], &admin).await.status, StatusCode::BAD_REQUEST);
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'judgments.export'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(logged, 3);
    let page = app.get("/audit/datasets/d", Some(&auditor)).await.body;
    assert!(page.contains("id=\"raw-judgments-form\"") && page.contains("化名（R1、R2…）"), "{page}");
}
