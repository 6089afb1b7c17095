//! The search index of an edition: every section of every chapter as plain text, with
//! the page and the heading it belongs to. `theme/search.js` searches it in the browser.
//!
//! mdBook's own search cannot find Hangul (its browser side trims every character that
//! is not an ASCII word character), and its index would not find 스레드 inside 스레드를
//! or 멀티스레드 even if it kept them: it matches whole words. This index is the text
//! itself, so the browser can match any part of a word, in any script.

use crate::blocks::rust_check;
use anyhow::Result;
use mdbook_driver::book::Chapter;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde_json::json;
use std::sync::LazyLock;

/// One section: the text from one heading to the next.
#[derive(Debug, PartialEq)]
pub struct Section {
    /// The page, such as `threads.html`.
    pub page: String,
    /// The chapter's name, shown as the result's title.
    pub chapter: String,
    /// The heading's id, for a link straight to the section.
    pub id: String,
    pub heading: String,
    pub text: String,
}

/// The sections of every chapter, in reading order.
pub fn sections(chapters: &[Chapter]) -> Vec<Section> {
    let mut out = Vec::new();
    for chapter in chapters {
        let Some(path) = &chapter.path else { continue };
        let page = path
            .with_extension("html")
            .to_string_lossy()
            .replace('\\', "/");
        let mut current: Option<Section> = None;
        let mut in_heading = false;
        let mut in_rust = false;
        let options = Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_TABLES;
        for event in Parser::new_ext(&chapter.content, options) {
            let text: String = match &event {
                Event::Start(Tag::Heading { id, .. }) => {
                    out.extend(current.take());
                    current = Some(Section {
                        page: page.clone(),
                        chapter: chapter.name.clone(),
                        id: id.as_deref().unwrap_or_default().to_string(),
                        heading: String::new(),
                        text: String::new(),
                    });
                    in_heading = true;
                    continue;
                }
                Event::End(TagEnd::Heading(_)) => {
                    in_heading = false;
                    continue;
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    in_rust = match kind {
                        CodeBlockKind::Fenced(info) => rust_check(info).is_ok_and(|c| c.is_some()),
                        CodeBlockKind::Indented => false,
                    };
                    continue;
                }
                Event::End(TagEnd::CodeBlock) => {
                    in_rust = false;
                    "\n".into()
                }
                Event::Text(text) | Event::Code(text) => text.to_string(),
                Event::Html(html) | Event::InlineHtml(html) => {
                    TAG.replace_all(html, " ").into_owned()
                }
                Event::SoftBreak | Event::HardBreak => " ".into(),
                Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => " ".into(),
                _ => continue,
            };
            let text = text.as_str();
            let Some(section) = current.as_mut() else {
                continue;
            };
            if in_heading {
                section.heading.push_str(text);
            } else if in_rust {
                // Lines hidden with `# ` are not on the page: a match there would lead
                // the reader to nothing.
                for line in text.split_inclusive('\n') {
                    let code = line.trim_start();
                    if !(code.starts_with("# ") || code.trim_end() == "#") {
                        section.text.push_str(line);
                    }
                }
            } else {
                section.text.push_str(text);
            }
        }
        out.extend(current);
    }
    for section in &mut out {
        section.text = SPACES.replace_all(section.text.trim(), " ").into_owned();
    }
    out
}

/// The pairs of words the glossary (`glossary.md`) puts side by side in its first two
/// columns, such as 뮤텍스 and mutex, lowercased. A Korean reader types 뮤텍스 where the
/// code says `Mutex`; the search looks for both.
pub fn aliases(chapters: &[Chapter]) -> Vec<(String, String)> {
    let Some(glossary) = chapters
        .iter()
        .find(|c| c.path.as_ref().is_some_and(|p| p.ends_with("glossary.md")))
    else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut in_body = false;
    for event in Parser::new_ext(&glossary.content, Options::ENABLE_TABLES) {
        match event {
            Event::End(TagEnd::TableHead) => in_body = true,
            Event::Start(Tag::TableRow) => row.clear(),
            Event::Start(Tag::TableCell) => row.push(String::new()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(cell) = row.last_mut() {
                    cell.push_str(&text);
                }
            }
            Event::End(TagEnd::TableRow) if in_body && row.len() >= 2 => {
                // "조인(`join`)" and "GIL(전역 인터프리터 잠금)": the word before the brackets.
                let word = |cell: &str| {
                    let word = cell.split('(').next().unwrap_or_default();
                    word.trim().to_lowercase()
                };
                let (a, b) = (word(&row[0]), word(&row[1]));
                if !a.is_empty() && !b.is_empty() && a != b {
                    pairs.push((a, b));
                }
            }
            Event::End(TagEnd::Table) => in_body = false,
            _ => {}
        }
    }
    pairs
}

/// The index as the browser loads it: `{"pages": [[page, chapter]...], "sections":
/// [[page number, id, heading, text]...], "aliases": [[word, word]...]}`, short keys to
/// keep it small.
pub fn index_json(sections: &[Section], aliases: &[(String, String)]) -> Result<String> {
    let mut pages: Vec<(&str, &str)> = Vec::new();
    let mut rows = Vec::new();
    for section in sections {
        let key = (section.page.as_str(), section.chapter.as_str());
        let page = match pages.iter().position(|p| *p == key) {
            Some(i) => i,
            None => {
                pages.push(key);
                pages.len() - 1
            }
        };
        rows.push(json!([page, section.id, section.heading, section.text]));
    }
    Ok(serde_json::to_string(
        &json!({ "pages": pages, "sections": rows, "aliases": aliases }),
    )?)
}

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+").expect("valid regex"));
