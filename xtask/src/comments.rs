//! The comments in the Korean edition's code, in Korean.
//!
//! Each program is one crate with one source, and its comments are English. The Korean
//! edition shows the same code with Korean comments: after mdBook has expanded the
//! includes, [`KoreanComments`] swaps every comment in a shown code block for its Korean
//! text from `src/comments.ko.toml`, the table kept beside the edition. Only comments
//! change; the code around them stays byte for byte. A shown comment the table does not
//! have fails the build, so no English comment reaches a Korean page.

use anyhow::{Context, Result, bail};
use mdbook_driver::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use pulldown_cmark::{CodeBlockKind, Event, Tag};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Where the Korean comments are, relative to the repository.
pub const TABLE: &str = "src/comments.ko.toml";

/// One comment in a code block: a run of whole-line comments at the same indentation
/// (one comment, however many lines it wraps over), or a comment after code on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The first line of the comment, counted from 0 within the block.
    pub line: usize,
    /// How many lines it spans.
    pub lines: usize,
    /// Its text without the markers (`//`, `///`, `#`) and the one space after them,
    /// lines joined by `\n`.
    pub text: String,
}

/// The comment marker of a code block's language, if its comments are translated: `//`
/// for Rust, `#` for Python and TOML. Output (`text`) has no comments.
fn marker(info: &str) -> Option<&'static str> {
    match info.split(',').next().unwrap_or_default().trim() {
        "rust" => Some("//"),
        "python" | "toml" => Some("#"),
        _ => None,
    }
}

/// Where the comment on `line` starts (the byte offset of its marker), skipping string
/// and character literals, where `//` or `#` is text.
fn comment_start(line: &str, marker: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None if line[i..].starts_with(marker) => return Some(i),
            None if b == b'"' => quote = Some(b'"'),
            // Python strings use either quote; in Rust `'` opens a character literal
            // ('"', '\n') or names a lifetime ('a), which has no closing quote.
            None if b == b'\'' && marker == "#" => quote = Some(b'\''),
            None if b == b'\'' => {
                let rest = &line[i + 1..];
                let len = if let Some(escaped) = rest.strip_prefix('\\') {
                    escaped.find('\'').map(|end| end + 2)
                } else {
                    let c = rest.chars().next().map_or(0, char::len_utf8);
                    rest[c..].starts_with('\'').then_some(c + 1)
                };
                i += len.unwrap_or(0);
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// A line split at its comment: the code before it, the marker as written (`//`, `///`,
/// `//!`, `#`) and the comment's text without the space after the marker.
fn split_comment<'a>(line: &'a str, marker: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let start = comment_start(line, marker)?;
    let (code, comment) = line.split_at(start);
    let marker_len = comment
        .find(|c: char| !"/#!".contains(c))
        .unwrap_or(comment.len());
    let (written, text) = comment.split_at(marker_len);
    if written.starts_with("#!") && code.is_empty() && start == 0 {
        return None; // a shebang line
    }
    Some((code, written, text.strip_prefix(' ').unwrap_or(text)))
}

/// The comments of one code block, in order, or none if its language has no
/// translated comments.
pub fn comments(info: &str, code: &str) -> Vec<Comment> {
    let Some(marker) = marker(info) else {
        return Vec::new();
    };
    let mut out: Vec<Comment> = Vec::new();
    // The indentation and marker of the whole-line comment on the previous line.
    let mut open: Option<(String, String)> = None;
    for (n, line) in code.lines().enumerate() {
        let Some((before, written, text)) = split_comment(line, marker) else {
            open = None;
            continue;
        };
        // A line mdBook hides (`# ` in Rust) is a whole line too: only the reader's
        // eye button shows it.
        let whole_line = is_whole_line(before);
        let key = (before.to_owned(), written.to_owned());
        match out.last_mut() {
            Some(last) if whole_line && open.as_ref() == Some(&key) && !text.is_empty() => {
                last.lines += 1;
                last.text.push('\n');
                last.text.push_str(text);
            }
            _ if text.trim().is_empty() => {}
            _ => out.push(Comment {
                line: n,
                lines: 1,
                text: text.to_owned(),
            }),
        }
        if whole_line && !text.is_empty() {
            open = Some(key);
        } else {
            open = None;
        }
    }
    out
}

/// The code with every comment's text replaced by `translate(text)`; the code before a
/// comment, its indentation and its marker stay as they were. A translation may have
/// more or fewer lines than the English: each becomes a line with the same marker.
pub fn replace_comments(
    info: &str,
    code: &str,
    mut translate: impl FnMut(&str) -> Option<String>,
) -> String {
    let Some(marker) = marker(info) else {
        return code.to_owned();
    };
    let lines: Vec<&str> = code.split_inclusive('\n').collect();
    let found = comments(info, code);
    let mut out = String::with_capacity(code.len());
    let mut next = 0;
    for comment in &found {
        for line in &lines[next..comment.line] {
            out.push_str(line);
        }
        next = comment.line + comment.lines;
        let first = lines[comment.line];
        let newline = if lines[next - 1].ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let Some(korean) = translate(&comment.text) else {
            for line in &lines[comment.line..next] {
                out.push_str(line);
            }
            continue;
        };
        let (before, written, _) =
            split_comment(first.trim_end_matches('\n'), marker).expect("a comment line");
        let rest = continuation(before, marker);
        for (i, text) in korean.lines().enumerate() {
            let lead = if i == 0 { before } else { &rest };
            out.push_str(format!("{lead}{written} {text}").trim_end());
            out.push('\n');
        }
        if newline.is_empty() {
            out.pop();
        }
    }
    for line in &lines[next..] {
        out.push_str(line);
    }
    out
}

/// Whether `before`, what a line has before its comment, is only indentation, or the
/// `#` that hides a line in Rust with its spaces: the comment has the line to itself.
fn is_whole_line(before: &str) -> bool {
    matches!(before.trim(), "" | "#")
}

/// How the lines a translation adds start: like the comment's own line, indented the same
/// and hidden if it is hidden (`#` then the line's indentation, as mdBook writes it).
fn continuation(before: &str, marker: &str) -> String {
    if is_whole_line(before) {
        return before.to_owned();
    }
    let indent = before.len() - before.trim_start().len();
    let hidden = marker == "//" && before[indent..].starts_with("# ");
    if !hidden {
        return before[..indent].to_owned();
    }
    let code = &before[indent + 1..];
    before[..before.len() - code.trim_start().len()].to_owned()
}

/// The code without its comments, for comparing the code of the two editions.
pub fn without_comments(info: &str, code: &str) -> String {
    let Some(marker) = marker(info) else {
        return code.to_owned();
    };
    code.lines()
        .filter_map(|line| match split_comment(line, marker) {
            Some((before, _, _)) if is_whole_line(before) => None,
            Some((before, _, _)) => Some(before.trim_end().to_owned()),
            None => Some(line.to_owned()),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The table: English comment text → Korean text. A book without the file has no
/// Korean comments (and fails to build if it shows any comment).
pub fn load_table(root: &Path) -> Result<BTreeMap<String, String>> {
    let file = root.join(TABLE);
    if !file.exists() {
        return Ok(BTreeMap::new());
    }
    let text =
        fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", file.display()))?;
    let mut out = BTreeMap::new();
    let entries = match table.get("comment") {
        None => &Vec::new(),
        Some(entries) => entries
            .as_array()
            .with_context(|| format!("{}: `comment` is not a list", file.display()))?,
    };
    for entry in entries {
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(toml::Value::as_str)
                .map(|s| s.trim_end_matches('\n').to_owned())
                .with_context(|| format!("{}: an entry without `{name}`: {entry}", file.display()))
        };
        let (en, ko) = (field("en")?, field("ko")?);
        if ko.trim().is_empty() {
            bail!("{}: `{en}` has no Korean text", file.display());
        }
        if out.insert(en.clone(), ko).is_some() {
            bail!("{}: `{en}` is translated twice", file.display());
        }
    }
    Ok(out)
}

/// The mdBook preprocessor that gives the Korean edition's code Korean comments. It runs
/// after mdBook's own, so the included code (`links` expands the includes) is there.
pub struct KoreanComments {
    table: BTreeMap<String, String>,
}

impl KoreanComments {
    pub fn new(root: &Path) -> Result<Self> {
        Ok(Self::with_table(load_table(root)?))
    }

    pub fn with_table(table: BTreeMap<String, String>) -> Self {
        Self { table }
    }

    /// One chapter's Markdown with Korean comments, and the English comments the table
    /// lacks.
    pub fn translate_chapter(&self, markdown: &str) -> (String, Vec<String>) {
        let mut out = markdown.to_owned();
        let mut missing = Vec::new();
        let blocks: Vec<_> = crate::blocks::parser(markdown)
            .filter_map(|(event, range)| match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    Some((info.to_string(), range))
                }
                _ => None,
            })
            .collect();
        // From the last block to the first, so earlier offsets stay valid.
        for (info, range) in blocks.into_iter().rev() {
            let block = &markdown[range.clone()];
            // The fence lines stay; the lines between them are the code.
            let Some(open_end) = block.find('\n') else {
                continue;
            };
            let body_end = block.trim_end().rfind('\n').unwrap_or(open_end);
            if body_end <= open_end {
                continue;
            }
            let code = &block[open_end + 1..=body_end];
            let korean = replace_comments(&info, code, |english| {
                let key = english.trim_end();
                let korean = self.table.get(key).cloned();
                if korean.is_none() {
                    missing.push(key.to_owned());
                }
                korean
            });
            let start = range.start + open_end + 1;
            out.replace_range(start..=range.start + body_end, &korean);
        }
        (out, missing)
    }
}

impl Preprocessor for KoreanComments {
    fn name(&self) -> &str {
        "korean-comments"
    }

    fn run(&self, _: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let mut missing: Vec<String> = Vec::new();
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item {
                let (content, lacking) = self.translate_chapter(&chapter.content);
                chapter.content = content;
                let page = chapter
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                missing.extend(lacking.into_iter().map(|english| {
                    format!("# {page}\n[[comment]]\nen = '''\n{english}'''\nko = '''\n'''")
                }));
            }
        });
        if !missing.is_empty() {
            bail!(
                "{} comment(s) shown in the Korean edition have no Korean text in {TABLE}; \
                 add them:\n\n{}",
                missing.len(),
                missing.join("\n\n")
            );
        }
        Ok(book)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = r##"// Reads one line.
// Then echoes it.
fn main() {
    let url = "http://example.org"; // not a comment above, a comment here
    let c = '"'; // a quote in a char literal
    let s: &'static str = "#"; // a lifetime
    #[derive(Debug)] // an attribute
    # // a hidden line's comment
    //
    /// A doc comment.
}
"##;

    #[test]
    fn comments_are_found_outside_strings_and_grouped_by_run() {
        let found: Vec<(usize, usize, String)> = comments("rust,no_run", CODE)
            .into_iter()
            .map(|c| (c.line, c.lines, c.text))
            .collect();
        assert_eq!(
            found,
            [
                (0, 2, "Reads one line.\nThen echoes it.".into()),
                (3, 1, "not a comment above, a comment here".into()),
                (4, 1, "a quote in a char literal".into()),
                (5, 1, "a lifetime".into()),
                (6, 1, "an attribute".into()),
                (7, 1, "a hidden line's comment".into()),
                (9, 1, "A doc comment.".into()),
            ]
        );
        assert!(comments("text", CODE).is_empty());
    }

    #[test]
    fn replacing_keeps_the_code_and_the_markers() {
        let korean = replace_comments("rust", CODE, |text| Some(format!("<{text}>")));
        assert!(korean.starts_with("// <Reads one line.\n// Then echoes it.>\nfn main"));
        assert!(korean.contains("\"http://example.org\"; // <not a comment above"));
        assert!(korean.contains("    /// <A doc comment.>\n}\n"));
        assert!(korean.contains("    # // <a hidden line's comment>\n    //\n"));
        // Lines mdBook hides stay hidden, however many the translation takes.
        let hidden = replace_comments("rust", "# // a\n# // b\nx();", |_| Some("c\nd\ne".into()));
        assert_eq!(hidden, "# // c\n# // d\n# // e\nx();");
        // mdBook writes a hidden line's indentation after the `#`.
        let indented = "#     // a\n#     y(); // b\nx();";
        let hidden = replace_comments("rust", indented, |t| Some(format!("{t}1\n{t}2")));
        assert_eq!(
            hidden,
            "#     // a1\n#     // a2\n#     y(); // b1\n#     // b2\nx();"
        );
        assert_eq!(
            without_comments("rust", &hidden),
            without_comments("rust", indented)
        );
        assert_eq!(
            without_comments("rust", &korean),
            without_comments("rust", CODE)
        );
        // A translation may take more lines, or fewer.
        let longer = replace_comments("rust", "    x(); // a\ny();", |_| Some("b\nc".into()));
        assert_eq!(longer, "    x(); // b\n    // c\ny();");
    }

    #[test]
    fn python_comments_skip_strings_and_the_shebang() {
        let code = "#!/usr/bin/env python3\ns = '#' # a comment\n";
        let found: Vec<String> = comments("python", code)
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(found, ["a comment"]);
    }

    #[test]
    fn a_chapter_gets_korean_comments_and_names_those_it_lacks() {
        let table = BTreeMap::from([("Echo it.".to_owned(), "되돌려 보냅니다.".to_owned())]);
        let page = "Text.\n\n```rust\nfn main() {} // Echo it.\n```\n\n- a list\n\n  ```rust\n  // Echo it.\n  // Not in the table.\n  x();\n  ```\n";
        let (korean, missing) = KoreanComments::with_table(table).translate_chapter(page);
        assert_eq!(
            korean,
            page.replacen("// Echo it.", "// 되돌려 보냅니다.", 1)
        );
        assert_eq!(missing, ["Echo it.\nNot in the table."]);
    }
}
