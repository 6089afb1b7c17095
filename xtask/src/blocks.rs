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

/// A heading: its level, its explicit id (`## Title {#id}`), its line, and its text as
/// the page shows it (inline code without its backticks, the `{#id}` left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: HeadingLevel,
    pub id: Option<String>,
    pub line: usize,
    pub text: String,
}

/// The book's Markdown as mdBook reads it (tables, footnotes, strikethrough and heading
/// ids on), each event with where it is in the text.
pub fn parser(markdown: &str) -> impl Iterator<Item = (Event<'_>, std::ops::Range<usize>)> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    Parser::new_ext(markdown, options).into_offset_iter()
}

/// The line (from 1) that byte `offset` of `markdown` is on.
pub fn line_of(markdown: &str, offset: usize) -> usize {
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
    let mut out = Vec::new();
    let mut open: Option<Heading> = None;
    for (event, range) in parser(markdown) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                open = Some(Heading {
                    level,
                    id: id.map(|id| id.to_string()),
                    line: line_of(markdown, range.start),
                    text: String::new(),
                });
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = &mut open {
                    heading.text.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => out.extend(open.take().map(|mut heading| {
                heading.text = heading.text.trim().to_owned();
                heading
            })),
            _ => {}
        }
    }
    out
}

/// What the prose of one section holds that two translations must share: the text under
/// one heading (the heading's own text included), up to the next heading of any level,
/// outside code blocks. Table cells are prose; raw HTML is not looked into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The heading's explicit id (`## Title {#id}`); `None` before the first heading or
    /// under a heading without one.
    pub id: Option<String>,
    pub line: usize,
    /// Every number written with digits, in the order met, each as [`numbers`] gives it.
    pub numbers: Vec<String>,
    /// The text of every inline code span.
    pub code_spans: Vec<String>,
    /// The target of every link and image, autolinks (`<http://...>`) included.
    pub links: Vec<String>,
    /// The number of items of each list, in the order the lists start: a list nested in
    /// an item comes right after the list that holds it.
    pub lists: Vec<usize>,
    /// Each table's rows (the header row included) and columns.
    pub tables: Vec<(usize, usize)>,
}

/// The units a number may carry, each with its spellings in either edition; the first
/// spelling is the one reported. A unit is read only right after the number (a space or a
/// hyphen allowed: `64-byte`), and a unit in Latin letters only when no Latin letter or
/// digit follows, so `5 sockets` has none and `64KiB를` has one.
const UNITS: &[&[&str]] = &[
    &["s", "seconds", "second", "secs", "sec", "초"],
    &["ms", "milliseconds", "millisecond", "밀리초"],
    &["µs", "microseconds", "microsecond", "μs", "마이크로초"],
    &["ns", "nanoseconds", "nanosecond", "나노초"],
    &["min", "minutes", "minute", "분"],
    &["h", "hours", "hour", "시간"],
    &["B", "bytes", "byte", "바이트"],
    &["bit", "bits", "비트"],
    &["KiB"],
    &["MiB"],
    &["GiB"],
    &["KB"],
    &["MB"],
    &["GB"],
    &["%", "percent", "퍼센트"],
    &["×", "x", "times", "배"],
];

/// What may stand between the two ends of a range, whose unit is written once in one
/// language (`3.61 to 3.64 s`) and twice in the other (`3.61초에서 3.64초`).
const RANGE: &[&str] = &["to", "or", "-", "–", "~", "에서", "부터"];

/// The numbers written with digits in a piece of prose, each with its unit when it has one
/// from [`UNITS`]: `3.61 s` and `3.61초` both give `3.61 s`, `1,000개` gives `1000`.
/// Thousands separators are dropped; a dotted run such as `127.0.0.1` is one number. The
/// first end of a range takes the unit of the second. Number words (`two`, `두`), Korean
/// fractions (`4분의 1`, "a quarter") and counters (`개`, `번`) are left out.
pub fn numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    // (value, unit, where the number starts, where it and its unit end)
    let mut found: Vec<(String, Option<&str>, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !digit(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut value = String::new();
        loop {
            while digit(i) {
                value.push(chars[i]);
                i += 1;
            }
            let group = (1..=3).all(|k| digit(i + k)) && !digit(i + 4);
            if chars.get(i) == Some(&',') && group {
                i += 1; // a thousands separator: 1,000
            } else if chars.get(i) == Some(&'.') && digit(i + 1) {
                value.push('.');
                i += 1;
            } else {
                break;
            }
        }
        let after_space = i + usize::from(matches!(
            chars.get(i),
            Some(' ' | '-' | '\u{a0}' | '\u{202f}')
        ));
        let unit = UNITS.iter().find_map(|spellings| {
            spellings.iter().find_map(|spelling| {
                let end = after_space + spelling.chars().count();
                let matches = chars
                    .get(after_space..end)
                    .is_some_and(|s| s.iter().copied().eq(spelling.chars()));
                let latin = spelling.chars().all(|c| c.is_ascii_alphabetic());
                let whole = !chars.get(end).is_some_and(char::is_ascii_alphanumeric);
                (matches && (!latin || whole)).then_some((spellings[0], end))
            })
        });
        if let Some(("min", end)) = unit
            && chars.get(end) == Some(&'의')
        {
            // `4분의 1`: skip the fraction, denominator and numerator both.
            i = end + 1;
            while i < chars.len() && !digit(i) && chars[i].is_whitespace() {
                i += 1;
            }
            while digit(i) {
                i += 1;
            }
            continue;
        }
        match unit {
            Some((unit, end)) => {
                found.push((value, Some(unit), start, end));
                i = end;
            }
            None => found.push((value, None, start, i)),
        }
    }
    for k in (1..found.len()).rev() {
        let between: String = chars[found[k - 1].3..found[k].2].iter().collect();
        if found[k - 1].1.is_none() && RANGE.contains(&between.trim()) {
            found[k - 1].1 = found[k].1;
        }
    }
    found
        .into_iter()
        .map(|(value, unit, ..)| match unit {
            Some(unit) => format!("{value} {unit}"),
            None => value,
        })
        .collect()
}

/// The sections of a page, in order, as [`Section`] describes them.
pub fn sections(markdown: &str) -> Vec<Section> {
    let mut out = vec![Section {
        line: 1,
        ..Section::default()
    }];
    let mut prose = String::new();
    let mut in_code_block = false;
    let mut open_lists: Vec<usize> = Vec::new();
    for (event, range) in parser(markdown) {
        let section = out.last_mut().expect("one section at least");
        match &event {
            Event::Text(text) if !in_code_block => {
                prose.push_str(text);
                continue;
            }
            Event::SoftBreak | Event::HardBreak => {
                prose.push(' ');
                continue;
            }
            // Emphasis may split a number from its unit (`**3**초`): keep reading.
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough)
            | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => continue,
            _ => {}
        }
        section.numbers.extend(numbers(&prose));
        prose.clear();
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Start(Tag::Heading { id, .. }) => out.push(Section {
                id: id.map(|id| id.to_string()),
                line: line_of(markdown, range.start),
                ..Section::default()
            }),
            Event::Code(code) => section.code_spans.push(code.to_string()),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                section.links.push(dest_url.to_string());
            }
            Event::Start(Tag::List(_)) => {
                open_lists.push(section.lists.len());
                section.lists.push(0);
            }
            Event::Start(Tag::Item) => {
                if let Some(&list) = open_lists.last() {
                    section.lists[list] += 1;
                }
            }
            Event::End(TagEnd::List(_)) => {
                open_lists.pop();
            }
            Event::Start(Tag::Table(columns)) => section.tables.push((0, columns.len())),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                if let Some(table) = section.tables.last_mut() {
                    table.0 += 1;
                }
            }
            _ => {}
        }
    }
    let last = out.last_mut().expect("one section at least");
    last.numbers.extend(numbers(&prose));
    if out[0]
        == (Section {
            line: 1,
            ..Section::default()
        })
    {
        out.remove(0); // nothing before the first heading
    }
    out
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
    /// Code of a library crate of the workspace (`rust,crate`), shown from its file:
    /// on its own it is no program, and cargo builds it and runs its tests instead.
    /// The code-block test checks that such a block is exactly an include of a crate's
    /// file.
    Crate,
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
    } else if tokens.contains(&"crate") {
        Check::Crate
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_units_in_either_language() {
        assert_eq!(numbers("took 3.61 s, then 3.61초"), ["3.61 s", "3.61 s"]);
        assert_eq!(
            numbers("64 bytes, 64 B, 64바이트"),
            ["64 B", "64 B", "64 B"]
        );
        assert_eq!(
            numbers("5 ms or 5밀리초, 2 seconds"),
            ["5 ms", "5 ms", "2 s"]
        );
        assert_eq!(numbers("50% and 50 %, 8 KiB"), ["50 %", "50 %", "8 KiB"]);
        assert_eq!(numbers("2x, 2 times, 2배"), ["2 ×", "2 ×", "2 ×"]);
        assert_eq!(numbers("64-byte messages, 16MiB를"), ["64 B", "16 MiB"]);
    }

    #[test]
    fn a_range_shares_its_unit() {
        assert_eq!(numbers("3.61 to 3.64 s"), ["3.61 s", "3.64 s"]);
        assert_eq!(numbers("3.61초에서 3.64초"), ["3.61 s", "3.64 s"]);
        assert_eq!(numbers("1–2 ms, 3 and 4 s"), ["1 ms", "2 ms", "3", "4 s"]);
    }

    #[test]
    fn separators_counters_and_words_are_left_out() {
        assert_eq!(numbers("1,000 clients, 10,000개"), ["1000", "10000"]);
        assert_eq!(numbers("two threads, 두 스레드, 2개, 3번"), ["2", "3"]);
        assert_eq!(
            numbers("5 sockets at 127.0.0.1:7878."),
            ["5", "127.0.0.1", "7878"]
        );
        assert_eq!(numbers("1, 2, 3; 0x1f"), ["1", "2", "3", "0", "1"]);
        assert_eq!(numbers("4분의 1을, 3분의 1밖에, 5분 뒤"), ["5 min"]);
    }

    #[test]
    fn a_section_collects_its_prose_outside_code() {
        let page = "# Title {#top}\n\nIntro with `code` and **3**초.\n\n\
                    ## Part 2 {#part}\n\nSee [the other](other.md#x) and <http://a.example>.\n\n\
                    ```text\n99 bottles, `not code`\n```\n\n\
                    - one\n- two\n  1. a\n  2. b\n  3. c\n- three `x`\n\n\
                    | n | 12 ms |\n| - | - |\n| `y` | [l](l.md) |\n";
        let sections = sections(page);
        assert_eq!(sections.len(), 2);
        let (top, part) = (&sections[0], &sections[1]);
        assert_eq!(top.id.as_deref(), Some("top"));
        assert_eq!(top.numbers, ["3 s"]);
        assert_eq!(top.code_spans, ["code"]);
        assert_eq!(part.id.as_deref(), Some("part"));
        assert_eq!(part.numbers, ["2", "12 ms"]);
        assert_eq!(part.code_spans, ["x", "y"]);
        assert_eq!(part.links, ["other.md#x", "http://a.example", "l.md"]);
        assert_eq!(part.lists, [3, 3]);
        assert_eq!(part.tables, [(2, 2)]);
    }
}
