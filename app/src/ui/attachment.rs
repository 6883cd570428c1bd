//! The `Content-Disposition` of every file medpref sends (exports, reports, reject files).
use axum::http::HeaderValue;

/// `attachment` with the name in ASCII and, for names in Chinese, RFC 5987's UTF-8 form.
pub fn attachment(file_name: &str) -> HeaderValue {
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .expect("ASCII header value")
}
