//! An OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, Ollama, …) for
//! teams whose models run on a GPU cluster. Only admins configure one (`model_endpoints`);
//! reviewers and datasets name it, so no request can make the server call an address of its
//! choosing. Answers stream as server-sent events; a failed or refused request is retried
//! (with growing pauses) until the first piece of text has been passed on.
use super::engine::{Answer, Event};
use super::sampling::Sampling;
use crate::domain::prompt::{Msg, Prompt, messages as chat_messages};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;

pub use crate::domain::endpoint::EndpointConfig;

pub struct Endpoint {
    pub name: String,
    config: EndpointConfig,
    client: reqwest::Client,
}

/// The hosts endpoints may use when a deployment restricts them: `MEDPREF_ENDPOINT_HOSTS`,
/// comma-separated `host` or `host:port`. Unset: any host but the never-allowed ones.
pub const ENDPOINT_HOSTS_VAR: &str = "MEDPREF_ENDPOINT_HOSTS";

/// Checks an admin's base address against the deployment's allow-list, if it has one.
pub fn check_base_url(url: &str) -> Result<reqwest::Url, crate::domain::Problem> {
    let allowed = std::env::var(ENDPOINT_HOSTS_VAR).ok().filter(|v| !v.trim().is_empty());
    let allowed: Option<Vec<String>> = allowed.map(|v| v.split(',').map(|h| h.trim().to_ascii_lowercase()).collect());
    check_base_url_with(url, allowed.as_deref())
}

/// An address is http(s) with a host and nothing that lets it be something else: no
/// credentials, query or fragment (a trailing `#` let the admin choose the whole path), and
/// never a link-local, cloud-metadata, unspecified or multicast address — however written
/// (`http://2852039166/` is 169.254.169.254). Loopback and private addresses are allowed (a
/// model server on the same machine or network is the usual set-up) unless `allowed` lists
/// the hosts a deployment accepts.
pub fn check_base_url_with(url: &str, allowed: Option<&[String]>) -> Result<reqwest::Url, crate::domain::Problem> {
    use crate::domain::Problem;
    use std::net::IpAddr;
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| Problem::NotAnAddress { url: url.to_string() })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Problem::AddressScheme);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.query().is_some() {
        return Err(Problem::AddressCredentials);
    }
    if parsed.fragment().is_some() {
        return Err(Problem::AddressFragment);
    }
    let host = parsed.host_str().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
    let never = match host.parse::<IpAddr>() {
        Ok(ip) => never_a_model_server(ip),
        Err(_) => ["metadata.google.internal", "metadata", "instance-data"].contains(&host.as_str()),
    };
    if never {
        return Err(Problem::AddressNeverAllowed { host });
    }
    if let Some(list) = allowed {
        let port = parsed.port_or_known_default().unwrap_or_default();
        let with_port = format!("{host}:{port}");
        if !list.iter().any(|h| *h == host || *h == with_port) {
            return Err(Problem::AddressNotAllowed { host });
        }
    }
    Ok(parsed)
}

/// Link-local (cloud metadata services live there), unspecified, multicast and broadcast
/// addresses: never where a model server is. Loopback and private networks stay allowed (a
/// model server on the same machine or the hospital's network is the common case).
fn never_a_model_server(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(ip) => ip.is_link_local() || ip.is_unspecified() || ip.is_multicast() || ip.is_broadcast(),
        IpAddr::V6(ip) => {
            let mapped = ip.to_ipv4_mapped();
            (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip.is_unspecified()
                || ip.is_multicast()
                || mapped.is_some_and(|v4| v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast())
        }
    }
}

/// The addresses a host name resolved to that a request may go to; an error when none may.
fn reachable(
    host: &str,
    resolved: impl Iterator<Item = std::net::SocketAddr>,
) -> Result<Vec<std::net::SocketAddr>, String> {
    let resolved: Vec<_> = resolved.collect();
    let usable: Vec<_> = resolved.iter().copied().filter(|a| !never_a_model_server(a.ip())).collect();
    if usable.is_empty() && !resolved.is_empty() {
        return Err(format!("`{host}` resolves only to link-local or metadata addresses, never a model server"));
    }
    Ok(usable)
}

/// Resolves host names at connection time and drops the addresses [`check_base_url_with`]
/// refuses as literals, so a name pointing at a metadata service (or re-pointed there after
/// the check) is never connected to.
struct CheckedResolver;

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let usable = reachable(&host, resolved)?;
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The conversation as chat messages, owned so that it can travel to the request's task.
pub fn messages(c: &Prompt<'_>) -> Value {
    let msgs: Vec<Msg> = chat_messages(c);
    json!(msgs)
}

/// Why a request failed, and whether trying again may help.
struct Failure {
    message: String,
    retry: bool,
}

impl Endpoint {
    pub fn new(config: EndpointConfig) -> Result<Self, String> {
        check_base_url(&config.base_url).map_err(|e| e.to_string())?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A redirect would take the key and the prompt to an address nobody checked.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(std::sync::Arc::new(CheckedResolver))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Endpoint { name: config.name.clone(), config, client })
    }

    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    fn body(&self, messages: &Value, s: &Sampling) -> Value {
        let mut body = json!({
            "model": self.config.model,
            "messages": messages,
            "stream": true,
            "temperature": s.temperature,
            "top_p": s.top_p,
            "max_tokens": s.max_new_tokens,
            "seed": s.seed,
            "logprobs": true,
        });
        if s.top_k > 0 {
            body["top_k"] = json!(s.top_k); // vLLM and llama.cpp read it; OpenAI ignores it
        }
        if !s.stop.is_empty() {
            body["stop"] = json!(s.stop);
        }
        body
    }

    /// Streams an answer to `events`; stops when the receiver is dropped.
    pub async fn stream(&self, messages: Value, sampling: Sampling, events: mpsc::UnboundedSender<Event>) {
        let body = self.body(&messages, &sampling);
        let mut attempt = 0;
        let result = loop {
            match self.attempt(&body, &events).await {
                Err(f) if f.retry && attempt < self.config.retries => {
                    attempt += 1;
                    tracing::warn!("endpoint {}: {} (retry {attempt})", self.name, f.message);
                    tokio::time::sleep(Duration::from_millis(500 << attempt.min(6))).await;
                }
                other => break other.map_err(|f| format!("endpoint {}: {}", self.name, f.message)),
            }
        };
        let _ = events.send(Event::Done(result));
    }

    async fn attempt(&self, body: &Value, events: &mpsc::UnboundedSender<Event>) -> Result<Answer, Failure> {
        let url = format!("{}/chat/completions", self.config.base_url.trim_end_matches('/'));
        let mut request =
            self.client.post(url).timeout(Duration::from_secs(self.config.timeout_secs.max(1) as u64)).json(body);
        if let Some(key) = self.config.api_key.as_deref().filter(|k| !k.is_empty()) {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| Failure { message: e.to_string(), retry: true })?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let retry = status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
            return Err(Failure {
                message: format!("{status}: {}", text.chars().take(300).collect::<String>()),
                retry,
            });
        }
        let mut reader = SseReader::default();
        let mut bytes = response.bytes_stream();
        let mut passed_on = false;
        while let Some(chunk) = bytes.next().await {
            let chunk = chunk.map_err(|e| Failure { message: e.to_string(), retry: !passed_on })?;
            for data in reader.feed(&chunk) {
                if data.trim() == "[DONE]" {
                    return Ok(reader.answer());
                }
                let value: Value = serde_json::from_str(&data)
                    .map_err(|e| Failure { message: format!("not a chat-completions chunk: {e}"), retry: false })?;
                if let Some(piece) = reader.chunk(&value).filter(|p| !p.is_empty()) {
                    passed_on = true;
                    if events.send(Event::Piece(piece)).is_err() {
                        return Err(Failure { message: "the reader left".into(), retry: false });
                    }
                }
            }
        }
        // Some servers close the stream without `[DONE]` once the answer is finished.
        if reader.finish.is_some() {
            Ok(reader.answer())
        } else {
            Err(Failure { message: "the stream ended before the answer did".into(), retry: !passed_on })
        }
    }
}

/// Reads server-sent events (`data: …` lines) and the chunks they carry.
#[derive(Default)]
struct SseReader {
    buffer: Vec<u8>,
    text: String,
    logprobs: Vec<f64>,
    chunks: usize,
    completion_tokens: Option<usize>,
    finish: Option<String>,
}

impl SseReader {
    /// The `data:` payloads completed by `bytes`.
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            if let Some(data) = line.trim_end_matches(['\r', '\n']).strip_prefix("data:") {
                out.push(data.trim_start().to_string());
            }
        }
        out
    }

    /// Takes one chunk; returns its new text.
    fn chunk(&mut self, v: &Value) -> Option<String> {
        if let Some(n) = v["usage"]["completion_tokens"].as_u64() {
            self.completion_tokens = Some(n as usize);
        }
        let choice = &v["choices"][0];
        if let Some(reason) = choice["finish_reason"].as_str() {
            self.finish = Some(reason.to_string());
        }
        if let Some(lp) = choice["logprobs"]["content"].as_array() {
            self.logprobs.extend(lp.iter().filter_map(|t| t["logprob"].as_f64()));
        }
        let piece = choice["delta"]["content"].as_str()?.to_string();
        self.chunks += 1;
        self.text.push_str(&piece);
        Some(piece)
    }

    fn answer(&mut self) -> Answer {
        let tokens =
            self.completion_tokens.unwrap_or(if self.logprobs.is_empty() { self.chunks } else { self.logprobs.len() });
        Answer {
            text: std::mem::take(&mut self.text),
            tokens,
            finished: self.finish.as_deref() == Some("stop"),
            mean_logprob: (!self.logprobs.is_empty())
                .then(|| self.logprobs.iter().sum::<f64>() / self.logprobs.len() as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17, 6: a host *name* that resolves to a metadata or link-local address is not
    /// connected to (the literal is refused when the endpoint is saved; the name only at
    /// connection time, which also covers a name re-pointed after the check).
    #[test]
    fn names_resolving_to_link_local_or_metadata_addresses_are_never_connected_to() {
        let at =
            |ips: &[&str]| ips.iter().map(|ip| std::net::SocketAddr::new(ip.parse().unwrap(), 443)).collect::<Vec<_>>();
        let only_metadata = reachable("evil.example", at(&["169.254.169.254"]).into_iter());
        assert!(only_metadata.unwrap_err().contains("link-local or metadata"));
        let v6 = reachable("evil.example", at(&["fe80::1", "::ffff:169.254.169.254", "ff02::1"]).into_iter());
        assert!(v6.is_err());
        let mixed = reachable("mixed.example", at(&["169.254.169.254", "10.0.0.7", "127.0.0.1"]).into_iter()).unwrap();
        assert_eq!(mixed, at(&["10.0.0.7", "127.0.0.1"]), "the link-local address is dropped, the rest kept");
    }

    #[tokio::test]
    async fn the_client_resolves_names_through_the_check() {
        use reqwest::dns::Resolve;
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let addrs: Vec<_> = CheckedResolver.resolve(name).await.unwrap().collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }

    #[test]
    fn events_split_across_reads_give_the_whole_answer() {
        let mut r = SseReader::default();
        let a = r#"data: {"choices":[{"delta":{"content":"多喝"},"logprobs":{"content":[{"logprob":-0.5}]}}]}"#;
        let b = r#"data: {"choices":[{"delta":{"content":"水"},"finish_reason":"stop","logprobs":{"content":[{"logprob":-1.5}]}}]}"#;
        let stream = format!("{a}\n\n: keep-alive\n{b}\r\n\ndata: [DONE]\n\n");
        let (first, second) = stream.as_bytes().split_at(a.len() - 7);
        let mut data = r.feed(first);
        assert!(data.is_empty(), "half an event waits for its end");
        data.extend(r.feed(second));
        assert_eq!(data.len(), 3);
        let pieces: Vec<String> = data[..2].iter().filter_map(|d| r.chunk(&serde_json::from_str(d).unwrap())).collect();
        assert_eq!(pieces, ["多喝", "水"]);
        assert_eq!(data[2], "[DONE]");
        let answer = r.answer();
        assert_eq!((answer.text.as_str(), answer.tokens, answer.finished), ("多喝水", 2, true));
        assert_eq!(answer.mean_logprob, Some(-1.0));
    }

    #[test]
    fn only_web_addresses_without_credentials() {
        assert!(check_base_url("http://gpu-01:8000/v1").is_ok());
        assert!(check_base_url("file:///etc/passwd").is_err());
        assert!(check_base_url("https://user:pw@host/v1").is_err());
        assert!(check_base_url("not a url").is_err());
        // The SSRF class of Label Studio's and doccano's advisories (issue 17, item 6).
        for bad in [
            "http://169.254.169.254/latest/meta-data",
            "http://2852039166/v1",
            "http://[fe80::1]/v1",
            "http://[::ffff:169.254.169.254]/v1",
            "http://0.0.0.0:8000/v1",
            "http://metadata.google.internal/computeMetadata/v1",
            "http://gpu-01:8000/v1#",
            "http://gpu-01:8000/v1#/admin",
        ] {
            assert!(check_base_url_with(bad, None).is_err(), "{bad}");
        }
        assert!(check_base_url_with("http://127.0.0.1:8000/v1", None).is_ok(), "a local model server");
        let list = ["gpu-01:8000".to_string(), "llm.example.cn".to_string()];
        assert!(check_base_url_with("http://gpu-01:8000/v1", Some(&list)).is_ok());
        assert!(check_base_url_with("https://llm.example.cn/v1", Some(&list)).is_ok());
        assert!(check_base_url_with("http://gpu-01:22/v1", Some(&list)).is_err(), "another port");
        assert!(check_base_url_with("http://localhost:22/", Some(&list)).is_err());
        assert!(check_base_url_with("http://2130706433:8000/v1", Some(&list)).is_err(), "127.0.0.1 in disguise");
    }
}
