//! Model answers are markdown written by models and crawled sites: render them to HTML
//! that can do nothing but display.
//!
//! The allow-list works on the parser's events, before any HTML exists: raw HTML in the
//! source becomes text (so it shows as written), images are dropped (their alt text stays),
//! links keep only http(s)/mailto addresses and open with `rel="noopener noreferrer nofollow"`,
//! code blocks lose their language class. Everything else is one of the parser's own fixed
//! tags (p, h1–h6, blockquote, pre/code, ol/ul/li, table, em, strong, del, a, br, hr), its
//! text escaped by the HTML writer. An HTML sanitiser after the fact (ammonia, used before)
//! re-parsed every answer: 200 ms for a 1 MB table, quadratic in nesting depth.
use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// How deeply tags may nest (lists in quotes in lists…, emphasis in links…). A medical answer
/// needs a handful; past this, tags are dropped and their text kept. The parser is linear,
/// but the sanitiser's HTML parser is quadratic in depth: `"- " × 8000` took 1.1 s and
/// `"> - " × 8000` 3.4 s in a release build before this bound (34 s and more in debug).
pub const MAX_DEPTH: usize = 32;

/// Renders untrusted markdown to safe HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Raw HTML blocks and inline tags become literal text: a `<script>` in an answer is shown, not run.
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Flatten::new(events).filter_map(allowed));
    out
}

/// The allow-list (see the module's comment): an event as it may be written, or nothing.
fn allowed(event: Event<'_>) -> Option<Event<'_>> {
    Some(match event {
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => return None,
        Event::Start(Tag::Link { link_type: LinkType::Email, dest_url, .. }) => {
            Event::InlineHtml(link(&format!("mailto:{dest_url}").into()).into())
        }
        Event::Start(Tag::Link { dest_url, .. }) => Event::InlineHtml(link(&dest_url).into()),
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)),
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => return None,
        other => other,
    })
}

/// The opening tag of a link: its address only when it is http(s) or mailto.
fn link(dest: &CowStr<'_>) -> String {
    let lower = dest.trim_start().to_ascii_lowercase();
    let mut tag = String::from("<a");
    if ["http://", "https://", "mailto:"].iter().any(|s| lower.starts_with(s)) {
        tag.push_str(" href=\"");
        let mut href = String::new();
        // Writing to a String cannot fail.
        let _ = pulldown_cmark_escape::escape_href(&mut href, dest);
        let _ = pulldown_cmark_escape::escape_html(&mut tag, &href);
        tag.push('"');
    }
    tag.push_str(" rel=\"noopener noreferrer nofollow\">");
    tag
}

/// Drops the tags opened deeper than [`MAX_DEPTH`] (and their closing tags), keeping
/// everything else.
struct Flatten<I> {
    events: I,
    /// Per open tag: whether it was kept.
    open: Vec<bool>,
    kept: usize,
}

impl<I> Flatten<I> {
    fn new(events: I) -> Self {
        Flatten { events, open: Vec::new(), kept: 0 }
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Flatten<I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            let event = self.events.next()?;
            match &event {
                Event::Start(_) => {
                    let keep = self.kept < MAX_DEPTH;
                    self.open.push(keep);
                    if keep {
                        self.kept += 1;
                        return Some(event);
                    }
                }
                Event::End(_) => {
                    if self.open.pop().unwrap_or(true) {
                        self.kept = self.kept.saturating_sub(1);
                        return Some(event);
                    }
                }
                _ => return Some(event),
            }
        }
    }
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
    fn nesting_past_the_bound_is_flattened_and_the_text_kept() {
        let html = render(&("- ".repeat(8000) + "深处"));
        assert!(html.contains("深处"), "the text survives");
        assert_eq!(html.matches("<ul>").count(), html.matches("</ul>").count());
        assert!(html.matches("<ul>").count() <= super::MAX_DEPTH, "{}", html.matches("<ul>").count());
        // Ordinary nesting is untouched.
        let html = render("> - 第一\n>   - 第二\n>     - **第三**");
        assert_eq!((html.matches("<ul>").count(), html.matches("<strong>").count()), (3, 1), "{html}");
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
        // Autolinks, attribute breakouts, titles and code classes.
        for (md, bad) in [
            ("<javascript:alert(1)>", "href=\"javascript"),
            ("[x](https://a.example/\"onmouseover=alert(1))", "\"onmouseover"),
            ("[x](https://a.example/ \"t\" onclick=alert(1))", "<a "),
            ("[x](https://a.example/ \"title\")", "title="),
            ("```js\" onload=alert(1)\nx\n```", "onload"),
            ("```python\nx\n```", "class="),
            ("<img src=x onerror=alert(1)>", "<img"),
            ("<a href=\"javascript:alert(1)\">x</a>", "<a href"),
        ] {
            let html = render(md);
            assert!(!html.contains(bad), "{md} -> {html}");
            let tags = html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or_default());
            assert!(tags.clone().all(|t| !t.contains(" on")), "{md} -> an event attribute in {html}");
        }
        assert!(render("<a@b.example>").contains("href=\"mailto:a@b.example\""));
        assert!(render("<https://x.example/a>").contains("href=\"https://x.example/a\""));
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
