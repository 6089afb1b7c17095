//! What the book-level tests compare and compile: fenced code blocks and headings.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A fenced code block: its info string (` ```rust,no_run ` gives `rust,no_run`), its text
/// and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    pub info: String,
    pub code: String,
    pub line: usize,
}

/// A heading: its level, its explicit id (`## Title {#id}`), and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: HeadingLevel,
    pub id: Option<String>,
    pub line: usize,
}

fn parser(markdown: &str) -> impl Iterator<Item = (Event<'_>, std::ops::Range<usize>)> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    Parser::new_ext(markdown, options).into_offset_iter()
}

fn line_of(markdown: &str, offset: usize) -> usize {
    markdown[..offset].lines().count() + 1
}

pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    let mut out = Vec::new();
    let mut current: Option<CodeBlock> = None;
    for (event, range) in parser(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let line = line_of(markdown, range.start);
                current = Some(CodeBlock {
                    info,
                    code: String::new(),
                    line,
                });
            }
            Event::Text(text) => {
                if let Some(block) = &mut current {
                    block.code.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => out.extend(current.take()),
            _ => {}
        }
    }
    out
}

pub fn headings(markdown: &str) -> Vec<Heading> {
    parser(markdown)
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Heading { level, id, .. }) => Some(Heading {
                level,
                id: id.map(|id| id.to_string()),
                line: line_of(markdown, range.start),
            }),
            _ => None,
        })
        .collect()
}

/// How a ` ```rust ` block is tested, read from its info string as rustdoc reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// Compiled and run; it must exit successfully.
    Run,
    /// Compiled only (`no_run`): servers, or programs that wait for input.
    Compile,
    /// Compiled and run; it must panic (`should_panic`).
    Panic,
    /// Must fail to compile with this error code (`compile_fail,E0373`).
    CompileFail(String),
}

/// `Ok(None)` for blocks that are not Rust; an error for Rust blocks that would escape
/// testing (`ignore`) or that say they fail to compile without saying how.
pub fn rust_check(info: &str) -> Result<Option<Check>, String> {
    let tokens: Vec<&str> = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.first() != Some(&"rust") {
        return Ok(None);
    }
    let code = tokens.iter().find(|t| t.len() == 5 && t.starts_with('E'));
    let check = if tokens.contains(&"ignore") {
        return Err(
            "`ignore` is not allowed: every Rust block is compiled; use `no_run` \
                    for programs that must not run, or `compile_fail,E....`"
                .into(),
        );
    } else if tokens.contains(&"compile_fail") {
        let code = code.ok_or(
            "`compile_fail` needs the error code it expects, e.g. \
                               `compile_fail,E0373`",
        )?;
        Check::CompileFail(code.to_string())
    } else if tokens.contains(&"should_panic") {
        Check::Panic
    } else if tokens.contains(&"no_run") {
        Check::Compile
    } else {
        Check::Run
    };
    Ok(Some(check))
}

/// The program a Rust block stands for: lines hidden from the reader with `# ` are put
/// back, as rustdoc and mdBook do.
pub fn program(code: &str) -> String {
    code.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed == "#" {
                ""
            } else if let Some(rest) = trimmed.strip_prefix("# ") {
                rest
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
