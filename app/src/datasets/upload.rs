//! The browser upload: a file sent as the raw body of `POST /api/upload` (see
//! `import::upload`), with the bytes sent shown as a progress bar, then the result: items
//! added, duplicates skipped, or every bad line with its number (and nothing imported).
use super::overview::ImportEntry;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::import::{DatasetKind, ImportFormat, ImportSummary, OnError};
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // the server renders `Idle` only
enum Stage {
    Idle,
    /// Share of the file sent, 0 to 1; at 1 the server is checking and storing it.
    Sending(f64),
    Done(ImportSummary),
    Failed(AppError),
}

#[component]
pub fn UploadForm(
    dataset: String,
    kind: DatasetKind,
    limit: u64,
    imports: Vec<ImportEntry>,
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().admin;
    let formats: Vec<ImportFormat> = ImportFormat::ALL.iter().copied().filter(|f| f.dataset_kind() == kind).collect();
    let format = RwSignal::new(formats[0]);
    let mapping = RwSignal::new(String::new());
    let on_error = RwSignal::new(OnError::Reject);
    let stage = RwSignal::new(Stage::Idle);
    let input = NodeRef::<leptos::html::Input>::new();
    let limit_mb = limit >> 20;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) else { return };
            if file.size() as u64 > limit {
                let mb = file.size() as u64 >> 20;
                stage.set(Stage::Failed(crate::domain::Problem::FileTooLarge { mb, limit_mb }.into()));
                return;
            }
            let query = [
                ("dataset", dataset.clone()),
                ("format", format.get_untracked().as_str().to_string()),
                ("file_name", file.name()),
                ("mapping", mapping.get_untracked()),
                ("on_error", on_error.get_untracked().as_str().to_string()),
            ];
            let url = format!("{}?{}", crate::import::UPLOAD_PATH, encode(&query));
            stage.set(Stage::Sending(0.0));
            send(&url, &file, stage, on_done);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&dataset, input, on_done);
    };
    view! {
        <section class="card" id="upload">
            <h2>{move || t().upload}</h2>
            <form class="grid-form" on:submit=submit>
                <label>{move || t().format}
                    <select id="upload-format" on:change=move |e| {
                        if let Ok(f) = event_target_value(&e).parse() { format.set(f) }
                    }>
                        {formats.iter().map(|f| view! { <option value=f.as_str()>{f.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>{move || t().file} " (" {move || t().limit} " " {limit_mb} " MB)"
                    <input id="upload-file" type="file" accept=".jsonl,.json,.txt" node_ref=input required/>
                </label>
                {move || (format.get() == ImportFormat::Jsonl).then(|| view! {
                    <label>{t().mapping}<input id="upload-mapping" bind:value=mapping placeholder="question=q,answer=a"/></label>
                })}
                <label>{move || t().on_error}
                    <select id="upload-on-error" on:change=move |e| {
                        if let Ok(choice) = event_target_value(&e).parse() { on_error.set(choice) }
                    }>
                        <option value=OnError::Reject.as_str()>{move || t().on_error_reject}</option>
                        <option value=OnError::Quarantine.as_str()>{move || t().on_error_quarantine}</option>
                    </select>
                </label>
                <button type="submit" class="primary" id="upload-button"
                    disabled=move || matches!(stage.get(), Stage::Sending(_))>{move || t().upload_button}</button>
            </form>
            {move || match stage.get() {
                Stage::Idle => ().into_any(),
                Stage::Sending(share) => view! {
                    <p>
                        <progress id="upload-progress" max="100" value=(share * 100.0).round()></progress>
                        " " {if share < 1.0 { t().sending } else { t().storing }}
                    </p>
                }.into_any(),
                Stage::Done(s) => view! {
                    <div class="result ok" id="upload-result" role="status" data-added=s.added data-duplicates=s.duplicates>
                        <b>{t().imported}</b>
                        <span>{t().records} " " {s.records}</span>
                        <span>{t().added} " " {s.added}</span>
                        <span>{t().duplicates} " " {s.duplicates}</span>
                        {(s.quarantined > 0).then(|| view! {
                            <span id="upload-quarantined" data-quarantined=s.quarantined>{t().quarantined} " " {s.quarantined}</span>
                            <a id="upload-rejects" href=rejects_url(s.import) download="">{t().download_rejects}</a>
                        })}
                    </div>
                }.into_any(),
                Stage::Failed(AppError::Import(e)) => view! {
                    <div class="result error" id="upload-errors" role="alert">
                        <b>{t().nothing_imported}</b>
                        <ul>
                            <li data-line=e.line>{e.line.map(|l| format!("{} {l}: ", t().line))}{(i18n.t().import_problem)(&e.problem)}</li>
                            {e.more.iter().map(|(l, p)| view! { <li data-line=*l>{format!("{} {l}: {}", t().line, (i18n.t().import_problem)(p))}</li> }).collect_view()}
                            {(e.omitted > 0).then(|| view! { <li id="upload-omitted">{t().more_bad_lines} " " {e.omitted}</li> })}
                        </ul>
                    </div>
                }.into_any(),
                Stage::Failed(e) => view! { <p class="error" id="upload-errors" role="alert">{i18n.t().error(&e)}</p> }.into_any(),
            }}
            <table class="imports">
                <tbody>
                    {imports.into_iter().map(|i| view! {
                        <tr>
                            <td>{i.source_name}</td>
                            <td class="muted">{i.format}</td>
                            <td>{t().added} " " {i.added}</td>
                            <td>{t().duplicates} " " {i.duplicates}</td>
                            <td>{(i.quarantined > 0).then(|| view! {
                                <a href=rejects_url(i.id) download="">{t().quarantined} " " {i.quarantined}</a>
                            })}</td>
                            <td class="muted">{i.created_at} " " {i.created_by}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

fn rejects_url(import: i64) -> String {
    format!("{}?import={import}", crate::import::REJECTS_PATH)
}

#[cfg(feature = "hydrate")]
fn encode(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends the file with XMLHttpRequest, whose upload events report the bytes sent.
#[cfg(feature = "hydrate")]
fn send(url: &str, file: &web_sys::File, stage: RwSignal<Stage>, on_done: Callback<()>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else { return };
    if xhr.open_with_async("POST", url, true).is_err() {
        return;
    }
    let _ = xhr.set_request_header("Content-Type", "application/octet-stream");
    let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            stage.set(Stage::Sending(e.loaded() / e.total()));
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    progress.forget();
    let request = xhr.clone();
    let finished = Closure::<dyn FnMut()>::new(move || {
        let body = request.response_text().ok().flatten().unwrap_or_default();
        let next = match request.status().unwrap_or(0) {
            200 => serde_json::from_str(&body).map(Stage::Done).unwrap_or(Stage::Failed(AppError::Internal)),
            0 => Stage::Failed(AppError::Request("network".into())),
            _ => Stage::Failed(serde_json::from_str(&body).unwrap_or(AppError::Internal)),
        };
        if matches!(next, Stage::Done(_)) {
            on_done.run(());
        }
        stage.set(next);
    });
    xhr.set_onloadend(Some(finished.as_ref().unchecked_ref()));
    finished.forget();
    let _ = xhr.send_with_opt_blob(Some(file));
}
