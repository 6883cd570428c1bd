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

#[cfg(test)]
mod tests {
    use super::render;

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
