//! Model answers are markdown written by models and crawled sites: render them to HTML
//! that can do nothing but display.
//!
//! Two layers: raw HTML in the source is turned into text before rendering (so it shows
//! as written), and the rendered HTML passes an allow-list (ammonia) that keeps no
//! scripts, no event handlers, no images and only http(s)/mailto links.
use pulldown_cmark::{Event, Options, Parser, html};
use std::collections::HashSet;
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "sup",
        "sub",
    ]
    .into_iter()
    .collect();
    let mut b = ammonia::Builder::empty();
    b.tags(tags)
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_relative(ammonia::UrlRelative::Deny)
        .strip_comments(true);
    b
});

/// Renders untrusted markdown to safe HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Raw HTML blocks and inline tags become literal text: a `<script>` in an answer is shown, not run.
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    CLEANER.clean(&out).to_string()
}

/// A span to highlight in rendered text: character offsets into the markdown source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    /// CSS classes of the `<mark>`.
    pub class: String,
    /// The flag's id and its number in the flag list (shown beside the mark).
    pub id: i64,
    pub n: usize,
}

/// Private-use characters that stand for mark boundaries while markdown is rendered.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Renders untrusted markdown like [`render`], with spans of the source wrapped in
/// `<mark>`. Marks never cross tags: one that spans formatting is closed before each tag
/// and reopened after it. Overlapping marks keep the earlier one.
pub fn render_marked(markdown: &str, marks: &[Mark]) -> String {
    let mut marks: Vec<&Mark> = marks.iter().filter(|m| m.start < m.end).collect();
    marks.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let mut kept: Vec<&Mark> = Vec::new();
    for m in marks {
        if kept.last().is_none_or(|k| m.start >= k.end) {
            kept.push(m);
        }
    }
    if kept.is_empty() {
        return render(markdown);
    }
    // Source text with boundary characters; the source's own are dropped first.
    let mut source = String::with_capacity(markdown.len() + kept.len() * 6);
    let mut next = kept.iter().peekable();
    let mut open: Option<&Mark> = None;
    for (i, c) in markdown.chars().chain(std::iter::once('\0')).enumerate() {
        if open.is_some_and(|m| m.end == i) {
            source.push(CLOSE);
            open = None;
        }
        if let Some(m) = next.next_if(|m| m.start == i) {
            source.push(OPEN);
            open = Some(m);
        }
        if c != '\0' && c != OPEN && c != CLOSE {
            source.push(c);
        }
    }
    let html = render(&source);
    let tag = |m: &Mark| format!("<mark class=\"{}\" data-flag=\"{}\" data-n=\"{}\">", m.class, m.id, m.n);
    let mut out = String::with_capacity(html.len() + kept.len() * 64);
    let (mut in_tag, mut current, mut which) = (false, None::<&Mark>, 0usize);
    for c in html.chars() {
        match c {
            OPEN if !in_tag => {
                current = kept.get(which).copied();
                which += 1;
                if let Some(m) = current {
                    out.push_str(&tag(m));
                }
            }
            CLOSE if !in_tag => {
                if current.take().is_some() {
                    out.push_str("</mark>");
                }
            }
            OPEN | CLOSE => {}
            '<' => {
                if current.is_some() {
                    out.push_str("</mark>");
                }
                in_tag = true;
                out.push(c);
            }
            '>' if in_tag => {
                in_tag = false;
                out.push(c);
                if let Some(m) = current {
                    out.push_str(&tag(m));
                }
            }
            _ => out.push(c),
        }
    }
    // Boundaries inside attributes (a URL span in a link) arrive percent-encoded.
    out.replace("%EE%80%80", "").replace("%EE%80%81", "")
}

#[cfg(test)]
mod tests {
    use super::{Mark, render, render_marked};

    #[test]
    fn marks_wrap_spans_and_never_cross_tags() {
        let mark = |start, end| Mark { start, end, class: "flag".into(), id: 9, n: 1 };
        let html = render_marked("电话13812345678。", &[mark(2, 13)]);
        assert!(html.contains(r#"电话<mark class="flag" data-flag="9" data-n="1">13812345678</mark>。"#), "{html}");
        // A span across bold text: closed and reopened around the tags.
        let html = render_marked("张**立**博士", &[mark(0, 8)]);
        assert_eq!(html.matches("<mark").count(), html.matches("</mark>").count(), "{html}");
        assert!(html.contains("<strong><mark"), "{html}");
        // Raw HTML stays text and the boundary characters of the source do not leak.
        let html = render_marked("<b>\u{E000}x</b>", &[mark(0, 2)]);
        assert!(!html.contains('\u{E000}') && html.contains("&lt;"), "{html}");
    }

    #[test]
    fn renders_lists_tables_and_emphasis() {
        let html = render("**注意**\n\n- 多喝水\n- 休息\n\n| 药 | 剂量 |\n|---|---|\n| 布洛芬 | 200mg |");
        assert!(html.contains("<strong>注意</strong>"));
        assert!(html.contains("<li>多喝水</li>"));
        assert!(html.contains("<table>") && html.contains("<td>布洛芬</td>"));
    }

    #[test]
    fn raw_html_shows_as_text() {
        let html = render("<script>alert(1)</script> and <b>bold</b>");
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&lt;b&gt;bold"));
    }

    #[test]
    fn dangerous_links_and_images_are_dropped() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![t](https://evil.example/pixel.png)",
            "[x](vbscript:msgbox)",
        ] {
            let html = render(md);
            assert!(!html.to_lowercase().contains("javascript:"), "{md} -> {html}");
            assert!(!html.contains("<img"), "{md} -> {html}");
            assert!(!html.contains("href=\"data:"), "{md} -> {html}");
            assert!(!html.contains("vbscript"), "{md} -> {html}");
        }
        let ok = render("[指南](https://example.org/a)");
        assert!(ok.contains("href=\"https://example.org/a\""));
        assert!(ok.contains("rel=\"noopener noreferrer nofollow\""));
    }

    #[test]
    fn chinese_text_passes_unchanged() {
        let html = render("白带增多泛黄应该是患阴道炎了。");
        assert_eq!(html.trim(), "<p>白带增多泛黄应该是患阴道炎了。</p>");
    }
}
