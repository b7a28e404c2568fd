//! HTML to text, by hand: the evidence extractor needs the visible words and numbers of a page,
//! not a DOM, and a forgiving single pass over the markup gets them without a parser
//! dependency. Malformed markup degrades to more or less text, never to an error.

use super::entities::decode_entities;
use crate::research::search::normalize_date;

/// What a page yields: its visible text and the metadata the report uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub title: Option<String>,
    /// Visible text, one block per line, whitespace collapsed.
    pub text: String,
    /// ISO 8601, from `article:published_time`, `<meta name="date">` or `<time datetime>`.
    pub published: Option<String>,
}

/// Elements whose content is never visible text (or, for `svg`, is drawing markup whose
/// `<title>`s are tooltips, not the page's title).
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "svg", "math", "object", "canvas",
];

/// Elements that start a new line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "hr",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "caption",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "form",
    "address",
    "details",
    "summary",
    "fieldset",
    "legend",
    "body",
    "html",
    "option",
];

/// Elements allowed inside `<head>`.
const HEAD_CONTENT: &[&str] = &[
    "head", "title", "meta", "link", "style", "script", "noscript", "base", "template",
];

/// Date sources in order of preference; lower wins.
const DATE_PUBLISHED_META: u8 = 0;
const DATE_NAME_META: u8 = 1;
const DATE_TIME_ELEMENT: u8 = 2;

/// The visible text, title and publication date of `html`.
#[must_use]
pub fn to_page(html: &str) -> Page {
    let mut x = Extractor {
        html,
        pos: 0,
        out: String::with_capacity(html.len() / 4),
        title: None,
        og_title: None,
        date: None,
        in_head: false,
    };
    x.run();
    let title = x
        .title
        .or(x.og_title)
        .map(|t| collapse_whitespace(&t))
        .filter(|t| !t.is_empty());
    Page {
        title,
        text: collapse_whitespace(&x.out),
        published: x.date.map(|(_, d)| d),
    }
}

struct Extractor<'a> {
    html: &'a str,
    pos: usize,
    out: String,
    title: Option<String>,
    og_title: Option<String>,
    /// Best date so far, with its preference rank.
    date: Option<(u8, String)>,
    in_head: bool,
}

impl Extractor<'_> {
    fn run(&mut self) {
        while let Some(rel) = self.html[self.pos..].find('<') {
            let lt = self.pos + rel;
            self.text(lt);
            self.pos = self.markup(lt);
        }
        self.text(self.html.len());
    }

    /// Emits the text from the current position to `end` (exclusive).
    fn text(&mut self, end: usize) {
        if self.in_head || end <= self.pos {
            return;
        }
        let raw = &self.html[self.pos..end];
        // Source line breaks are just spaces; only block elements break lines.
        for c in decode_entities(raw).chars() {
            match c {
                // Invisible, and they split numbers and words for the extractor.
                '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' => {}
                c if c.is_whitespace() => self.out.push(' '),
                c => self.out.push(c),
            }
        }
    }

    /// Handles the markup starting at `lt` (a `<`) and returns where text resumes.
    fn markup(&mut self, lt: usize) -> usize {
        let rest = &self.html[lt..];
        let len = self.html.len();
        if let Some(comment) = rest.strip_prefix("<!--") {
            return comment.find("-->").map_or(len, |i| lt + 4 + i + 3);
        }
        let next = rest[1..].chars().next().unwrap_or(' ');
        if next == '!' || next == '?' {
            return rest.find('>').map_or(len, |i| lt + i + 1);
        }
        if next == '/' {
            let (name, end) = tag_name(self.html, lt + 2);
            self.end_tag(&name);
            return self.html[end..].find('>').map_or(len, |i| end + i + 1);
        }
        if !next.is_ascii_alphabetic() {
            // A bare `<` in text ("a < b").
            if !self.in_head {
                self.out.push('<');
            }
            return lt + 1;
        }
        let (name, after_name) = tag_name(self.html, lt + 1);
        let (attrs, end, self_closing) = attributes(self.html, after_name);
        self.start_tag(&name, &attrs, end, self_closing)
    }

    fn end_tag(&mut self, name: &str) {
        if name == "head" {
            self.in_head = false;
        } else if BLOCKS.contains(&name) {
            self.out.push('\n');
        } else if name == "td" || name == "th" {
            self.out.push(' ');
        }
    }

    /// Handles a start tag ending at `end` and returns where text resumes.
    fn start_tag(
        &mut self,
        name: &str,
        attrs: &[(String, String)],
        end: usize,
        self_closing: bool,
    ) -> usize {
        // As in browsers, anything that cannot live in <head> ends it, closed or not.
        if self.in_head && !HEAD_CONTENT.contains(&name) {
            self.in_head = false;
        }
        match name {
            "head" => self.in_head = true,
            "meta" => self.meta(attrs),
            "time" => {
                if let Some(d) = attr(attrs, "datetime") {
                    self.offer_date(DATE_TIME_ELEMENT, d);
                }
            }
            "title" if !self_closing => {
                let (inner, resume) = self.raw_content(name, end);
                if self.title.is_none() {
                    self.title = Some(decode_entities(inner).into_owned());
                }
                return resume;
            }
            _ if SKIPPED.contains(&name) && !self_closing => return self.raw_content(name, end).1,
            _ => {}
        }
        if !self.in_head {
            if BLOCKS.contains(&name) {
                self.out.push('\n');
            } else if name == "td" || name == "th" || name == "img" {
                self.out.push(' ');
            }
        }
        end
    }

    /// The content of a raw element `name` starting at `from`, and where text resumes after
    /// its end tag (the end of input when it is never closed).
    fn raw_content(&self, name: &str, from: usize) -> (&str, usize) {
        let len = self.html.len();
        match find_ci(self.html, from, &format!("</{name}")) {
            Some(close) => {
                let resume = self.html[close..].find('>').map_or(len, |i| close + i + 1);
                (&self.html[from..close], resume)
            }
            None => (&self.html[from..], len),
        }
    }

    fn meta(&mut self, attrs: &[(String, String)]) {
        let Some(content) = attr(attrs, "content") else {
            return;
        };
        let property = attr(attrs, "property").unwrap_or_default();
        let name = attr(attrs, "name").unwrap_or_default();
        let itemprop = attr(attrs, "itemprop").unwrap_or_default();
        if property.eq_ignore_ascii_case("article:published_time")
            || itemprop.eq_ignore_ascii_case("datePublished")
        {
            self.offer_date(DATE_PUBLISHED_META, content);
        } else if name.eq_ignore_ascii_case("date") {
            self.offer_date(DATE_NAME_META, content);
        } else if property.eq_ignore_ascii_case("og:title") && self.og_title.is_none() {
            self.og_title = Some(content.to_owned());
        }
    }

    fn offer_date(&mut self, rank: u8, raw: &str) {
        let Some(date) = normalize_date(raw) else {
            return;
        };
        if self.date.as_ref().is_none_or(|(r, _)| rank < *r) {
            self.date = Some((rank, date));
        }
    }
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The lower-case tag name starting at `from`, and the position after it.
fn tag_name(html: &str, from: usize) -> (String, usize) {
    let rest = &html[from.min(html.len())..];
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
        .unwrap_or(rest.len());
    (rest[..len].to_ascii_lowercase(), from + len)
}

/// The attributes from `from` to the tag's `>` (quotes respected), the position after the `>`,
/// and whether the tag closed itself (`/>`).
fn attributes(html: &str, from: usize) -> (Vec<(String, String)>, usize, bool) {
    let bytes = html.as_bytes();
    let mut attrs = Vec::new();
    let mut i = from;
    let mut self_closing = false;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return (attrs, i + 1, self_closing),
            b'/' => {
                self_closing = true;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                self_closing = false;
                let (pair, next) = attribute(html, i);
                attrs.push(pair);
                i = next;
            }
        }
    }
    (attrs, bytes.len(), self_closing)
}

/// One `name`, `name=value`, `name="value"` or `name='value'` at `from`.
fn attribute(html: &str, from: usize) -> ((String, String), usize) {
    let bytes = html.as_bytes();
    let stop = |b: u8| b.is_ascii_whitespace() || b == b'>' || b == b'=' || b == b'/';
    let mut i = from;
    while i < bytes.len() && !stop(bytes[i]) {
        i += 1;
    }
    // Always advance, so a stray byte cannot stall the scan.
    let i = i.max(from + 1).min(bytes.len());
    let name = html[from..i].to_ascii_lowercase();
    let mut j = i;
    while j < bytes.len() && bytes[j].is_ascii_whitespace() {
        j += 1;
    }
    if j >= bytes.len() || bytes[j] != b'=' {
        return ((name, String::new()), i);
    }
    j += 1;
    while j < bytes.len() && bytes[j].is_ascii_whitespace() {
        j += 1;
    }
    let (value, next) = match bytes.get(j) {
        Some(&q @ (b'"' | b'\'')) => {
            let close = html[j + 1..]
                .find(q as char)
                .map_or(bytes.len(), |k| j + 1 + k);
            (&html[j + 1..close], (close + 1).min(bytes.len()))
        }
        _ => {
            let mut k = j;
            while k < bytes.len() && !bytes[k].is_ascii_whitespace() && bytes[k] != b'>' {
                k += 1;
            }
            (&html[j..k], k)
        }
    };
    ((name, decode_entities(value).trim().to_owned()), next)
}

/// Byte position of `needle` (ASCII) in `hay` at or after `from`, ignoring ASCII case.
fn find_ci(hay: &str, from: usize, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if from >= h.len() || n.is_empty() {
        return None;
    }
    h[from..]
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
        .map(|i| from + i)
}

/// Each line with runs of whitespace made one space and trimmed; empty lines dropped.
#[must_use]
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, w) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        to_page(html).text
    }

    #[test]
    fn scripts_styles_and_head_are_dropped_but_the_title_kept() {
        let html = r#"<!DOCTYPE html><html><head><title>CPI &amp; Prices</title>
            <style>p { color: red }</style><script>var x = "<p>no</p>";</script>
            <link rel="stylesheet" href="a.css">stray head text</head>
            <body><noscript>enable JS</noscript><p>Visible</p>
            <SCRIPT type="text/javascript">if (a < b) { document.write("</div>") }</SCRIPT>
            <svg><title>icon</title><path d="M0"/></svg><p>After</p></body></html>"#;
        let page = to_page(html);
        assert_eq!(page.title.as_deref(), Some("CPI & Prices"));
        assert_eq!(page.text, "Visible\nAfter");
    }

    #[test]
    fn blocks_break_lines_and_inline_markup_does_not() {
        let html = "<div>All items <b>rose</b> 0.<span>3</span>%<br>in May</div>\
                    <table><tr><td>Food</td><td>2.1</td></tr><tr><th>Energy</th><td>-1.0</td></tr></table>\
                    <ul><li>one</li><li>two</li></ul>";
        assert_eq!(
            text(html),
            "All items rose 0.3%\nin May\nFood 2.1\nEnergy -1.0\none\ntwo"
        );
    }

    #[test]
    fn entities_named_numeric_and_malformed() {
        assert_eq!(
            decode_entities("a&nbsp;b &lt;&gt; &#8211; &#x2014; &#X41; &#150; &rsquo;"),
            "a\u{a0}b <> – — A – ’"
        );
        assert_eq!(
            decode_entities("AT&T &copy 2024 &unknown; &#xZZ; &"),
            "AT&T &copy 2024 &unknown; &#xZZ; &"
        );
        assert_eq!(decode_entities("&#0; &#1114112;"), "\u{FFFD} \u{FFFD}");
        assert_eq!(text("<p>3&shy;4 &amp;amp;</p>"), "34 &amp;");
    }

    #[test]
    fn whitespace_collapses_and_comments_vanish() {
        let html = "<p>  a\n\t b <!-- <p>hidden</p> --> c&nbsp;&nbsp;d </p>\n\n<p></p><p>e</p>";
        assert_eq!(text(html), "a b c d\ne");
    }

    #[test]
    fn published_date_prefers_article_meta_then_name_date_then_time() {
        let both = r#"<head><meta name="date" content="2024-02-01">
            <meta property="article:published_time" content="2024-03-05T08:30:00Z"></head>
            <body><time datetime="2024-01-01">Jan 1</time></body>"#;
        assert_eq!(
            to_page(both).published.as_deref(),
            Some("2024-03-05T08:30:00Z")
        );
        let named = r#"<meta content='Feb 1, 2024' name=DATE><time datetime="2024-01-01">x</time>"#;
        assert_eq!(to_page(named).published.as_deref(), Some("2024-02-01"));
        let time =
            r#"<p>Released <time class=x datetime="2024-06-12T08:30-04:00">June 12</time></p>"#;
        let page = to_page(time);
        assert_eq!(page.published.as_deref(), Some("2024-06-12T08:30-04:00"));
        assert_eq!(page.text, "Released June 12");
        assert_eq!(to_page("<time datetime='soon'>x</time>").published, None);
    }

    #[test]
    fn broken_markup_never_panics_or_loses_text() {
        for html in [
            "<",
            "<p",
            "<p class=\"x",
            "</",
            "<!--",
            "<script>never closed",
            "a < b and c > d",
            "<p a='1' b=\"2\" c=3 d>é</p>",
            "<title>unclosed",
            "&#",
            "&",
            "<é>ü</é>",
            "<meta content=\"2024-01-01\" property=\"article:published_time\"",
        ] {
            let _ = to_page(html);
        }
        assert_eq!(text("a < b and c > d"), "a < b and c > d");
        assert_eq!(text("<p>x</p><script>never closed"), "x");
        assert_eq!(
            to_page("<title>unclosed").title.as_deref(),
            Some("unclosed")
        );
        assert_eq!(
            to_page("<meta property=og:title content=\"OG &amp; T\">")
                .title
                .as_deref(),
            Some("OG & T")
        );
    }
}
