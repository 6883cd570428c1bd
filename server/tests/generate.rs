//! Regenerating an answer through the real router with a real (tiny, random-weight) local
//! model run by ONNX Runtime (`MEDPREF_ORT_DYLIB`, set by scripts/env.sh).
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use axum::body::Body;
use common::{TestApp, pairs};
use http::{Request, StatusCode, header};
use serde_json::{Value, json};

/// A models folder holding the tiny test decoder as `tiny` and a tiny reward model as `judge`.
fn models() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::tiny_model(&dir.path().join("tiny"), false);
    common::tiny_model(&dir.path().join("judge"), true);
    dir
}

async fn regenerate(app: &TestApp, cookie: Option<&str>, assignment: i64) -> common::Response {
    let mut req = Request::post(format!("/api/regenerate?assignment={assignment}"));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    app.request(req.body(Body::empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_regenerates_an_answer_and_it_streams_with_its_provenance() {
    let folder = models();
    let app = TestApp::with_models(folder.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(3)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let assignment = app.queue(&doctor, "d").await["items"][0]["assignment"].as_i64().unwrap();

    // No model chosen for the dataset yet.
    let res = regenerate(&app, Some(&doctor), assignment).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("no model"), "{}", res.body);
    app.configure(&admin, "d", json!({ "settings": { "model": "elsewhere" } })).await;
    let res = regenerate(&app, Some(&doctor), assignment).await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("not installed"), "{}", res.body);

    let res = app.configure(&admin, "d", json!({ "settings": { "model": "tiny" } })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = regenerate(&app, Some(&doctor), assignment).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let lines: Vec<Value> = res.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (last, pieces) = lines.split_last().unwrap();
    let done = &last["done"];
    assert_eq!((done["model"].clone(), done["template"].clone()), (json!("tiny"), json!("chatml")), "{last}");
    let streamed: String = pieces.iter().map(|p| p["piece"].as_str().unwrap()).collect();
    assert_eq!(streamed, done["text"].as_str().unwrap(), "the pieces make the answer");
    assert!(done["tokens"].as_u64().unwrap() > 0);
    assert!(done["sampling"]["seed"].is_u64() && done["sampling"]["stop"] == json!(["<|im_end|>"]));
    let sampled =
        |d: &Value| (d["sampling"]["temperature"].as_f64().unwrap(), d["sampling"]["top_p"].as_f64().unwrap());
    assert_eq!(sampled(done), (0.7, 0.9), "the default, written as set: {last}");

    // The dataset's own sampling (out-of-range values refused): greedy and short, the same answer twice.
    let res = app.configure(&admin, "d", json!({ "settings": { "model": "tiny", "regeneration": { "top_p": 0.0 } } }));
    let res = res.await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("top_p"), "{}", res.body);
    let greedy =
        json!({ "settings": { "model": "tiny", "regeneration": { "temperature": 0.0, "max_new_tokens": 8 } } });
    assert_eq!(app.configure(&admin, "d", greedy).await.status, StatusCode::OK);
    let mut answers = Vec::new();
    for _ in 0..2 {
        let res = regenerate(&app, Some(&doctor), assignment).await;
        let done = serde_json::from_str::<Value>(res.body.lines().last().unwrap()).unwrap()["done"].clone();
        assert_eq!((sampled(&done).0, done["sampling"]["max_new_tokens"].clone()), (0.0, json!(8)), "{done}");
        assert!(done["tokens"].as_u64().unwrap() <= 8, "{done}");
        answers.push(done["text"].as_str().unwrap().to_string());
    }
    assert_eq!(answers[0], answers[1], "greedy decoding repeats");

    // Only the assignment's reviewer, signed in.
    let other = app.signed_in("other", Role::Annotator).await;
    assert_eq!(regenerate(&app, Some(&other), assignment).await.status, StatusCode::NOT_FOUND);
    assert_eq!(regenerate(&app, None, assignment).await.status, StatusCode::UNAUTHORIZED);
    let auditor = app.signed_in("auditor", Role::Auditor).await;
    assert_eq!(regenerate(&app, Some(&auditor), assignment).await.status, StatusCode::FORBIDDEN);
}

/// A derived item's answer as stored: body, model, generation, score, score kind.
type DerivedAnswer = (String, Option<String>, Option<String>, Option<f64>, Option<String>);
/// A job's answer as stored: job, score, score kind, generation.
type JobAnswer = (Option<i64>, Option<f64>, Option<String>, String);

/// The item ids of `dataset` made from `parent` with generated answers.
async fn derived(app: &TestApp, parent: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM items WHERE derived_from = ? ORDER BY id")
        .bind(parent)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_answer_becomes_new_pairs_scored_by_the_reward_model_that_others_judge() {
    let folder = models();
    let app = TestApp::with_models(folder.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(2)).await;
    let res = app.configure(&admin, "d", json!({ "settings": { "model": "tiny", "reward_model": "judge" } })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let queue = app.queue(&doctor, "d").await;
    let assignment = queue["items"][0]["assignment"].as_i64().unwrap();
    let parent: i64 = sqlx::query_scalar("SELECT item_id FROM assignments WHERE id = ?")
        .bind(assignment)
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let res = regenerate(&app, Some(&doctor), assignment).await;
    let last: Value = serde_json::from_str(res.body.lines().last().unwrap()).unwrap();
    let done = &last["done"];
    assert!(done.get("score").is_none() && !res.body.contains("score"), "reviewers see no score: {last}");
    let draft = done["draft"].as_i64().unwrap().to_string();
    assert!(derived(&app, parent).await.is_empty(), "nothing is added until the reviewer says so");

    // Only its reviewer may add it, once.
    let other = app.signed_in("other", Role::Annotator).await;
    assert_eq!(app.call("add_generated", &[("draft", &draft)], Some(&other)).await.status, StatusCode::NOT_FOUND);
    let res = app.call("add_generated", &[("draft", &draft)], Some(&doctor)).await;
    assert_eq!((res.status, res.json()), (StatusCode::OK, json!(2)), "{}", res.body);
    let again = app.call("add_generated", &[("draft", &draft)], Some(&doctor)).await;
    assert!(again.status == StatusCode::BAD_REQUEST && again.body.contains("added already"), "{}", again.body);

    // Two new pairs: the new answer against each original, with the parent's prompt and provenance.
    let new_items = derived(&app, parent).await;
    assert_eq!(new_items.len(), 2);
    let text = done["text"].as_str().unwrap();
    for item in &new_items {
        let rows: Vec<DerivedAnswer> = sqlx::query_as(
            "SELECT body, model, generation, score, score_kind FROM candidates WHERE item_id = ? ORDER BY position",
        )
        .bind(item)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        assert_eq!(rows.len(), 2);
        let (body, model, generation, score, kind) = &rows[0];
        assert_eq!((body.as_str(), model.as_deref(), kind.as_deref()), (text, Some("tiny"), Some("reward_model")));
        let generation: Value = serde_json::from_str(generation.as_deref().unwrap()).unwrap();
        assert_eq!(generation["sampling"]["seed"], done["sampling"]["seed"]);
        assert_eq!(generation["backend"], json!("onnx"));
        // The stored score is the reward model's score of the templated prompt and the answer.
        let reward = app::generate::reward::RewardModel::open(&folder.path().join("judge"), 1).unwrap();
        let question: String = sqlx::query_scalar("SELECT question FROM items WHERE id = ?")
            .bind(parent)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let prompt = app::generate::template::Template::ChatMl.render(&app::domain::prompt::Prompt {
            system: None,
            history: &[],
            question: &question,
        });
        let expected = reward.score(&format!("{prompt}{text}")).unwrap();
        assert!((score.unwrap() - expected).abs() < 1e-6, "{score:?} vs {expected}");
        assert!(rows[1].2.is_none(), "the original answer keeps its own (imported) provenance");
        let label = |item: i64, body: String| {
            let pool = app.pool.clone();
            async move {
                sqlx::query_scalar::<_, Option<String>>(
                    "SELECT prior_label FROM candidates WHERE item_id = ? AND body = ?",
                )
                .bind(item)
                .bind(body)
                .fetch_one(&pool)
                .await
                .unwrap()
            }
        };
        let copied = label(*item, rows[1].0.clone()).await;
        assert!(copied.is_some(), "the copied original keeps its chosen/rejected label from the file");
        assert_eq!(copied, label(parent, rows[1].0.clone()).await);
    }
    // Admins see score and provenance on the item record.
    let record = app.call("item", &[("item", &new_items[0].to_string())], Some(&admin)).await.json();
    assert_eq!(record["derived_from"], json!(parent));
    assert_eq!(record["candidates"][0]["score_kind"], json!("reward_model"));

    // The doctor's judgment of the original pair is unaffected, and the doctor never gets the
    // new pairs (they know which answer is new); another reviewer does.
    assert_eq!(app.judge(&doctor, assignment, common::vote("a")).await.status, StatusCode::OK);
    let mut served = vec![];
    loop {
        let q = app.queue(&doctor, "d").await;
        let Some(item) = q["items"].as_array().unwrap().first().cloned() else { break };
        let a = item["assignment"].as_i64().unwrap();
        served.push(
            sqlx::query_scalar::<_, i64>("SELECT item_id FROM assignments WHERE id = ?")
                .bind(a)
                .fetch_one(&app.pool)
                .await
                .unwrap(),
        );
        assert_eq!(app.judge(&doctor, a, common::vote("b")).await.status, StatusCode::OK);
    }
    assert!(served.iter().all(|i| !new_items.contains(i)), "{served:?} {new_items:?}");
    let q = app.queue(&other, "d").await;
    assert_eq!(q["open"], json!(4), "two original and two new items for another reviewer: {q}");
}

/// Polls the dataset's jobs until job `id` reaches `state` (a minute at most).
async fn wait_for(app: &TestApp, admin: &str, id: i64, state: &str) -> Value {
    for _ in 0..600 {
        let jobs = app.call("jobs", &[("dataset", "d")], Some(admin)).await.json();
        let job = jobs["jobs"].as_array().unwrap().iter().find(|j| j["id"] == json!(id)).unwrap().clone();
        if job["state"] == json!(state) {
            return job;
        }
        assert!(job["state"] != json!("failed"), "{job}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {id} never reached {state}");
}

fn spec(selection: &str, n: u32, pairing: &str) -> Value {
    json!({ "selection": selection, "k": 3, "n": n, "pairing": pairing, "max_new_tokens": 24,
            "temperature": 1.0, "top_p": 1.0, "seed": 7 })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_best_of_n_job_on_both_bad_items_creates_best_vs_worst_pairs_once_each() {
    let folder = models();
    let app = TestApp::with_models(folder.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(5)).await;
    let start = |spec: Value| app.call_json("start_job", json!({ "dataset": "d", "spec": spec }), Some(&admin));
    let res = start(spec("both_bad", 3, "best_vs_worst")).await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("no model"), "{}", res.body);
    app.configure(&admin, "d", json!({ "overlap_target": 1, "settings": { "model": "tiny" } })).await;
    let res = start(spec("both_bad", 3, "best_vs_worst")).await;
    assert!(res.body.contains("no item"), "nothing voted both bad yet: {}", res.body);

    // A reviewer votes both-bad on two items.
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let mut both_bad = vec![];
    for i in 0..5 {
        let q = app.queue(&doctor, "d").await;
        let a = q["items"][0]["assignment"].as_i64().unwrap();
        let vote = if i < 2 { "both_bad" } else { "a" };
        assert_eq!(app.judge(&doctor, a, common::vote(vote)).await.status, StatusCode::OK);
        if i < 2 {
            both_bad.push(
                sqlx::query_scalar::<_, i64>("SELECT item_id FROM assignments WHERE id = ?")
                    .bind(a)
                    .fetch_one(&app.pool)
                    .await
                    .unwrap(),
            );
        }
    }

    // Roles: only admins run jobs.
    assert_eq!(
        app.call_json("start_job", json!({ "dataset": "d", "spec": spec("all", 1, "best_vs_worst") }), Some(&doctor))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let auditor = app.signed_in("auditor", Role::Auditor).await;
    assert_eq!(app.call("jobs", &[("dataset", "d")], Some(&auditor)).await.status, StatusCode::FORBIDDEN);
    let bad = start(json!({ "selection": "all", "n": 0, "pairing": "best_vs_worst", "max_new_tokens": 8,
                            "temperature": 1.0, "top_p": 1.0, "seed": 1 }))
    .await;
    assert!(bad.status == StatusCode::BAD_REQUEST && bad.body.contains("N must be"), "{}", bad.body);

    let res = start(spec("both_bad", 3, "best_vs_worst")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let job = res.json();
    assert_eq!(job["items"], json!(2));
    let id = job["id"].as_i64().unwrap();
    let done = wait_for(&app, &admin, id, "done").await;
    assert_eq!((done["done"].clone(), done["created"].clone()), (json!(2), json!(2)), "{done}");
    for parent in &both_bad {
        let items = derived(&app, *parent).await;
        assert_eq!(items.len(), 1, "one best-vs-worst pair per item");
        let rows: Vec<JobAnswer> = sqlx::query_as(
            "SELECT job_id, score, score_kind, generation FROM candidates WHERE item_id = ? ORDER BY position",
        )
        .bind(items[0])
        .fetch_all(&app.pool)
        .await
        .unwrap();
        assert!(rows.iter().all(|r| r.0 == Some(id) && r.2.as_deref() == Some("mean_logprob")), "{rows:?}");
        assert!(rows[0].1.unwrap() >= rows[1].1.unwrap(), "best first: {rows:?}");
        let seeds: Vec<u64> = rows
            .iter()
            .map(|r| serde_json::from_str::<Value>(&r.3).unwrap()["sampling"]["seed"].as_u64().unwrap())
            .collect();
        assert!(seeds.iter().all(|s| (0..3).any(|i| *s == 7 + *parent as u64 * 1_000_003 + i)), "{seeds:?}");
    }
    // The new pairs go to review (the doctor has not seen them).
    assert_eq!(app.queue(&doctor, "d").await["open"], json!(2));
    // Exports carry the provenance of every generated answer in their manifest.
    let export = app.export(&[("dataset", "d"), ("format", "trl-dpo")], &admin).await;
    let listed = export["manifest"]["generated"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 4, "two pairs of generated answers: {listed:?}");
    assert!(listed.iter().all(|g| g["job"] == json!(id) && g["model"] == json!("tiny")), "{listed:?}");
    assert!(
        listed
            .iter()
            .all(|g| g["generation"]["sampling"]["seed"].is_u64() && g["sha256"].as_str().unwrap().len() == 64)
    );

    // Pause, resume, cancel (long answers, so that the pause comes before the end).
    let mut long = spec("all", 2, "best_vs_original");
    long["max_new_tokens"] = json!(1024);
    let job = start(long).await.json();
    let id = job["id"].as_i64().unwrap();
    let control = |action: &'static str| {
        let id = id.to_string();
        let admin = admin.clone();
        let app = &app;
        async move { app.call("control_job", &[("job", &id), ("action", action)], Some(&admin)).await }
    };
    let paused = control("pause").await;
    assert_eq!(paused.json()["state"], json!("paused"), "{}", paused.body);
    let before = paused.json()["done"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let still = wait_for(&app, &admin, id, "paused").await;
    assert_eq!(still["done"].as_i64().unwrap(), before, "a paused job does nothing");
    assert_eq!(control("resume").await.status, StatusCode::OK);
    let done = wait_for(&app, &admin, id, "done").await;
    assert_eq!(done["done"], json!(7), "five originals and the two new pairs: {done}");
    let res = control("cancel").await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("the job is done"), "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_item_says_why_in_the_job_list() {
    let folder = models();
    let app = TestApp::with_models(folder.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    // One ordinary pair, and one whose question is longer than the model's context.
    let long = json!({ "question": "头痛".repeat(3000), "response_chosen": "甲", "response_rejected": "乙" });
    app.import(&admin, "d", &format!("{}\n{long}", pairs(1))).await;
    app.configure(&admin, "d", json!({ "settings": { "model": "tiny" } })).await;
    let res =
        app.call_json("start_job", json!({ "dataset": "d", "spec": spec("all", 1, "best_vs_worst") }), Some(&admin));
    let job = res.await.json();
    let done = wait_for(&app, &admin, job["id"].as_i64().unwrap(), "done").await;
    assert_eq!((done["done"].clone(), done["failed"].clone()), (json!(1), json!(1)), "{done}");
    let failure = &done["failures"][0];
    assert_eq!(failure["items"], 1, "{done}");
    let reason = failure["reason"].as_str().unwrap();
    assert!(reason.starts_with("model: the prompt has") && reason.contains("at most 2048"), "{reason}");
    // The admin's page says it in Chinese, with the model's own words beside it.
    let page = app.get("/admin/datasets/d/generate", Some(&admin)).await.body;
    assert!(page.contains("模型未能作答") && page.contains("at most 2048"), "{page}");
}

/// The reward-model-vs-clinician report counted 1 of 40 judged items because imported answers
/// were never scored: a score-only job scores them, and the report then covers every judged item.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_score_only_job_scores_imported_answers_for_the_model_vs_clinician_report() {
    let folder = models();
    let app = TestApp::with_models(folder.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(3)).await;
    app.configure(&admin, "d", json!({ "overlap_target": 1, "settings": { "model": "tiny" } })).await;
    let score_only = |mut s: Value| {
        s["score_only"] = json!(true);
        s
    };
    let start = |spec: Value| app.call_json("start_job", json!({ "dataset": "d", "spec": spec }), Some(&admin));
    let res = start(score_only(spec("all", 1, "best_vs_original"))).await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("reward model"), "{}", res.body);
    app.configure(&admin, "d", json!({ "settings": { "model": "tiny", "reward_model": "judge" } })).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for _ in 0..3 {
        let q = app.queue(&doctor, "d").await;
        let a = q["items"][0]["assignment"].as_i64().unwrap();
        assert_eq!(app.judge(&doctor, a, common::vote("a")).await.status, StatusCode::OK);
    }
    let before = app.call("agreement", &[("dataset", "d")], Some(&admin)).await.json();
    assert!(before["model"].is_null(), "nothing scored yet: {}", before["model"]);

    let job = start(score_only(spec("all", 1, "best_vs_original"))).await.json();
    let done = wait_for(&app, &admin, job["id"].as_i64().unwrap(), "done").await;
    assert_eq!((done["done"].clone(), done["created"].clone()), (json!(3), json!(0)), "scores only, no new items");
    let (scored, items): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM candidates WHERE score IS NOT NULL AND score_kind = 'reward_model'),
                (SELECT COUNT(*) FROM items)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((scored, items), (6, 3), "every imported answer scored, no item added");
    let after = app.call("agreement", &[("dataset", "d")], Some(&admin)).await.json();
    assert_eq!(after["model"]["agree"]["n"], 3, "the report covers every judged item: {}", after["model"]);
}
