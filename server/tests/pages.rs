//! Pages, headers and static files as a browser gets them.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::TestApp;
use http::StatusCode;

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_hardening_headers() {
    let app = TestApp::new().await;
    let res = app.get("/login", None).await;
    assert_eq!(res.status, StatusCode::OK);
    let csp = res.headers.get("content-security-policy").expect("CSP").to_str().unwrap();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(nonce.len() >= 16);
    assert!(res.body.contains(&format!("nonce=\"{nonce}\"")), "Leptos' scripts carry the nonce");
    assert!(csp.contains("img-src 'self' data:"));
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
    assert_eq!(res.headers["x-frame-options"], "DENY");
    let again = app.get("/login", None).await;
    assert!(!again.headers["content-security-policy"].to_str().unwrap().contains(nonce), "a new nonce per response");
}

#[tokio::test]
async fn the_ui_is_chinese_by_default_and_english_on_request() {
    let app = TestApp::new().await;
    let zh = app.get("/login", None).await;
    assert!(zh.body.contains("<html lang=\"zh-CN\""));
    assert!(zh.body.contains("用户名"));
    let set = app.call("set_language", &[("lang", "En")], None).await;
    assert_eq!(set.status, StatusCode::OK);
    let cookie = set.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let en = app.get("/login", Some(&cookie)).await;
    assert!(en.body.contains("<html lang=\"en\""));
    assert!(en.body.contains("Username") && !en.body.contains("用户名"));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_login_page() {
    let app = TestApp::new().await;
    let res = app.get("/", None).await;
    let location = res.headers.get("location").map(|v| v.to_str().unwrap().to_string());
    assert!(
        location.as_deref() == Some("/login") || res.body.contains("/login"),
        "status {} location {location:?}",
        res.status
    );
}

#[tokio::test]
async fn static_files_cannot_escape_the_site_root() {
    let app = TestApp::new().await;
    for path in [
        "/pkg/../../Cargo.toml",
        "/%2e%2e/%2e%2e/Cargo.toml",
        "/pkg/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/..%2f..%2fCargo.toml",
        "//etc/passwd",
    ] {
        let res = app.get(path, None).await;
        assert!(!res.body.contains("[workspace]") && !res.body.contains("root:x:0:0"), "{path} leaked a file");
    }
}

#[tokio::test]
async fn signed_in_home_lists_datasets() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "心内科", &common::pairs(2)).await;
    let list = app.call("datasets", &[], Some(&admin)).await.json();
    assert_eq!(list, serde_json::json!([{ "name": "心内科", "kind": "compare", "items": 2, "my_done": 0 }]));
}

#[tokio::test]
async fn home_offers_comparing_or_correcting_by_the_dataset_kind() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "pairs", &common::pairs(1)).await;
    let qa = r#"{"query":"头痛怎么办？","response":"注意休息。"}"#;
    assert_eq!(app.import_as(&admin, "qa", "chatmed", qa).await.status, http::StatusCode::OK);
    let home = app.get("/", Some(&admin)).await.body;
    let button = |href: &str| {
        let at = home.find(&format!("href=\"{href}\"")).unwrap_or_else(|| panic!("no link to {href}: {home}"));
        home[at..].split("</a>").next().unwrap_or_default().to_string()
    };
    assert!(button("/review/pairs").contains("开始比较"), "{}", button("/review/pairs"));
    assert!(button("/correct/qa").contains("开始纠错"), "{}", button("/correct/qa"));
}

#[tokio::test]
async fn auditors_see_a_datasets_figures_without_the_admin_forms() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let auditor = app.signed_in("auditor", Role::Auditor).await;
    app.import(&admin, "d", &common::pairs(2)).await;
    let forms = ["id=\"export-form\"", "id=\"settings\"", "id=\"upload-on-error\""];
    let page = app.get("/admin/datasets/d", Some(&admin)).await.body;
    assert!(page.contains("id=\"overview\""), "{page}");
    for form in forms {
        assert!(page.contains(form), "the admin gets {form}");
    }
    let page = app.get("/admin/datasets/d", Some(&auditor)).await.body;
    assert!(page.contains("id=\"overview\""), "the auditor gets the figures: {page}");
    for form in forms {
        assert!(!page.contains(form), "the auditor does not get {form}");
    }
}

#[tokio::test]
async fn the_outcomes_chart_names_votes_in_words_not_codes() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &common::pairs(2)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    for vote in ["a", "both_bad"] {
        let q = app.queue(&doctor, "d").await;
        let assignment = q["items"][0]["assignment"].as_i64().unwrap();
        assert_eq!(app.judge(&doctor, assignment, common::vote(vote)).await.status, StatusCode::OK);
    }
    let page = app.get("/admin/datasets/d", Some(&admin)).await.body;
    let chart = &page[page.find("id=\"chart-outcomes\"").expect("the chart")..];
    let chart = &chart[..chart.find("</figure>").or_else(|| chart.find("</section>")).unwrap_or(chart.len())];
    assert!(chart.contains("一方更好（明显更好）") && chart.contains("都不好"), "{chart}");
    assert!(!chart.contains("decisive") && !chart.contains("both_bad"), "{chart}");
}

#[tokio::test]
async fn forms_and_lists_name_choices_in_words_keeping_codes_as_values() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &common::pairs(1)).await;
    let page = app.get("/admin/datasets/d", Some(&admin)).await.body;
    for (code, words) in [
        ("strict", "过半数"),
        ("plurality", "相对多数"),
        ("leave-out", "不导出"),
        ("redact", "脱敏后导出"),
        ("votes", "投票"),
        ("strong_or_both_bad", "选“好得多”或“都不好”时"),
    ] {
        assert!(page.contains(&format!("value=\"{code}\"")), "{code} stays the value");
        assert!(page.contains(words), "{code} is shown as {words}");
        assert!(!page.contains(&format!(">{code}<")), "{code} is not shown as a code");
    }
    let list = app.get("/admin", Some(&admin)).await.body;
    assert!(list.contains("比较") && !list.contains(">compare<"), "{list}");
}
