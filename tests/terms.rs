//! The Korean edition reads as a Korean book (shared/WRITING.md):
//!
//! - one word for each idea (src/ko/glossary.md): the words it has replaced do not come
//!   back. Code is not prose: fenced code blocks and inline code spans are left out, so
//!   `Drop` or `worker-1` in code is fine;
//! - a particle attaches to its word, and emphasis renders: `**스레드**(thread)는`, never
//!   `**스레드(thread)** 는` (the page would show "스레드(thread) 는") nor
//!   `**스레드(thread)**는` (CommonMark does not close that emphasis: the page shows the
//!   asterisks);
//! - headings are noun phrases, not sentences, and each chapter's title in SUMMARY.md is
//!   the `# ` heading of its page.
//!
//! Each check is a function of the text, and the tests at the end plant a mistake in a
//! string to show that the check catches it.

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
use regex::Regex;
use std::fs;
use std::path::{Path, PathBuf};
use xtask::blocks::{Heading, headings, line_of, parser};

/// A word the Korean edition no longer uses (as a regex), and the word to use instead.
const REPLACED: &[(&str, &str)] = &[
    // 락 at the start of a word only: 허락 and 연락 are other words.
    (r"(^|[^가-힣])락", "잠금 (lock)"),
    (r"워커", "작업자 (worker)"),
    (r"드롭", "버리다, 버려지다 (drop)"),
    (r"멤버", "참가자 (member)"),
    (r"깃발", "플래그 (flag)"),
    (r"방송", "브로드캐스트 (broadcast)"),
    (
        r"리슨 소켓|리스너",
        "리스닝 소켓 (listening socket); to listen is 리슨하다",
    ),
    (r"표시 트레이트", "마커 트레이트 (marker trait)"),
    // The book says 유휴 for a connection, client or thread that sends nothing.
    (r"말이 없는|조용[한히]", "유휴 (idle)"),
    (
        r"반환",
        "돌려주다 for a value (return), 돌아오다 or 끝나다 for a call or a function",
    ),
];

/// Words written right after an inline code span, as a regex on the line with its code
/// spans: the code span names a method, and the idea has a Korean word of its own.
const REPLACED_NEXT_TO_CODE: &[(&str, &str)] = &[(
    r"`join`(하|한|할|함|합|했|해|되|된|될|됨|됩)",
    "조인하다 (join); `join` names the method: `join`을 부르다, `join`이 돌려주다",
)];

/// Particles, endings and the forms of 하다 that attach to the word before them. After
/// emphasis or inline code, a space before one of these is a space inside a word.
/// Each must end the word (a non-Hangul character or the end must follow), so that
/// "`?` 하나" or "`read` 한 번" are not taken for "`x`하다".
const ATTACHED: &str = r"^\s+(은|는|이|가|을|를|에|에서|에게|의|로|으로|와|과|도|만|처럼|보다|까지|부터|라고|이라고|라는|이라는|입니다|이다|이고|이며|이나|하고|하는|하다|하면|하지|하여|하게|합니다|했고|했다|했습니다|해서|되고|되는|된다|됩니다)([^가-힣]|$)";

/// How a heading may not end: a sentence ending (합니다체, 한다체, 해요체, 반말), a
/// question or a full stop, or a clause (-다면, -하면). A noun ending in one of these
/// syllables (개요, 분야, 메시지) is not one: the rule looks at the syllable before too.
const SENTENCE_ENDING: &str =
    r"(다|까|죠|[^개]요|[는을할인한있없하되]지|[^분]야|[다으하되]면|[?.!])$";

/// Headings that may be sentences, each with the reason.
const SENTENCE_HEADINGS: &[(&str, &str)] = &[
    // A "not found" page says what happened, as browsers and sites do.
    ("404.md", "페이지를 찾을 수 없습니다"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown pages of one edition (`src/ko`), sorted.
fn pages(lang: &str) -> Vec<PathBuf> {
    let dir = root().join("src").join(lang);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("the edition's folder is readable")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no pages in {}", dir.display());
    files
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every problem in every page of `lang`, as `file:line: problem`.
fn problems_in(lang: &str, check: fn(&str) -> Vec<(usize, String)>) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages(lang) {
        let text = fs::read_to_string(&page).expect("readable page");
        for (line, problem) in check(&text) {
            problems.push(format!("{}:{line}: {problem}", shown(&page)));
        }
    }
    problems
}

/// The line without its inline code spans (`x`, ``x``): a span runs from a run of
/// backticks to the next run of the same length.
fn without_code_spans(line: &str) -> String {
    let runs = Regex::new("`+").expect("valid regex");
    let mut prose = String::new();
    let (mut from, mut open) = (0, None);
    for run in runs.find_iter(line) {
        match open {
            None => {
                prose.push_str(&line[from..run.start()]);
                open = Some((run.start(), run.len()));
            }
            Some((_, ticks)) if ticks == run.len() => {
                open = None;
                from = run.end();
            }
            Some(_) => {}
        }
    }
    // Backticks that open no span are text.
    prose.push_str(&line[open.map_or(from, |(start, _)| start)..]);
    prose
}

/// Where a page uses a word the edition has replaced, outside fenced code.
fn replaced_words(text: &str) -> Vec<(usize, String)> {
    let rules = |list: &[(&'static str, &'static str)]| -> Vec<(Regex, &'static str)> {
        list.iter()
            .map(|(word, instead)| (Regex::new(word).expect("valid regex"), *instead))
            .collect()
    };
    let (in_prose, next_to_code) = (rules(REPLACED), rules(REPLACED_NEXT_TO_CODE));
    let mut problems = Vec::new();
    let mut fence: Option<&str> = None;
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => {
                let prose = without_code_spans(line);
                let found = in_prose
                    .iter()
                    .filter_map(|(rule, instead)| Some((rule.find(&prose)?, instead)))
                    .chain(
                        next_to_code
                            .iter()
                            .filter_map(|(rule, instead)| Some((rule.find(line)?, instead))),
                    );
                for (found, instead) in found {
                    let word = found
                        .as_str()
                        .trim_start_matches(|c: char| !('가'..='힣').contains(&c) && c != '`');
                    problems.push((
                        number + 1,
                        format!("\"{word}\": write {instead} instead\n    {line}"),
                    ));
                }
            }
            _ => {} // inside a fenced code block
        }
    }
    problems
}

/// Where the rendered page would show a particle cut off from its word by a space after
/// emphasis or inline code (`**스레드** 는`, `` `join` 하고``, or the same across a line
/// break), and where an asterisk survives as text because the emphasis never closed
/// (`**스레드(thread)**는`). Only the prose counts: code blocks are left out.
fn emphasis_problems(markdown: &str) -> Vec<(usize, String)> {
    let attached = Regex::new(ATTACHED).expect("valid regex");
    let mut problems = Vec::new();
    let mut in_code_block = false;
    // What closed right before this event ("emphasis", "code"), and whether a line
    // break, which the page shows as a space, came after it.
    let mut closed: Option<&str> = None;
    let mut line_break = false;
    for (event, range) in parser(markdown) {
        let line = line_of(markdown, range.start);
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => {
                (closed, line_break) = (Some("emphasis"), false);
                continue;
            }
            Event::Code(_) => {
                (closed, line_break) = (Some("inline code"), false);
                continue;
            }
            Event::SoftBreak if closed.is_some() => {
                line_break = true;
                continue;
            }
            Event::Text(text) if !in_code_block => {
                let text = if line_break {
                    format!(" {text}")
                } else {
                    text.to_string()
                };
                if let Some(kind) = closed
                    && let Some(found) = attached.captures(&text)
                {
                    problems.push((
                        line,
                        format!(
                            "a space between {kind} and `{}`, which attaches to the word before it: \
                             the page shows \"… {}\"",
                            &found[1], &found[1]
                        ),
                    ));
                }
                if text.contains('*') {
                    problems.push((
                        line,
                        "an asterisk shown as text: emphasis that CommonMark did not close \
                         (write `**스레드**(thread)는`, the parenthesis after the emphasis)"
                            .to_owned(),
                    ));
                }
            }
            _ => {}
        }
        (closed, line_break) = (None, false);
    }
    // An emphasis left open leaves two runs of asterisks: one report a line is enough.
    problems.dedup();
    problems
}

/// The headings of a Korean page that end like a sentence. `page` is the file's name,
/// for [`SENTENCE_HEADINGS`].
fn sentence_headings(page: &str, markdown: &str) -> Vec<(usize, String)> {
    let ending = Regex::new(SENTENCE_ENDING).expect("valid regex");
    // "연습 1: 스레드로 단어 세기 (★)": the stars are not part of the phrase.
    let stars = Regex::new(r"\s*\([^()]*\)$").expect("valid regex");
    headings(markdown)
        .into_iter()
        .filter(|h| !SENTENCE_HEADINGS.contains(&(page, h.text.as_str())))
        .filter(|h| ending.is_match(&stars.replace(&h.text, "")))
        .map(|Heading { line, text, .. }| {
            let problem = format!(
                "the heading `{text}` ends like a sentence: write a noun phrase \
                 (`TCP는 바이트 스트림입니다` → `바이트 스트림인 TCP`)"
            );
            (line, problem)
        })
        .collect()
}

/// The chapters SUMMARY.md lists, as (title, file), in order.
fn summary_titles(summary: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for (event, _) in parser(summary) {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                open = Some((String::new(), dest_url.to_string()));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((title, _)) = &mut open {
                    title.push_str(&text);
                }
            }
            Event::End(TagEnd::Link) => out.extend(open.take()),
            _ => {}
        }
    }
    out
}

/// Where a chapter's title in SUMMARY.md is not the `# ` heading of its page. `page`
/// gives a page's Markdown by its file name.
fn summary_mismatches(summary: &str, page: impl Fn(&str) -> String) -> Vec<String> {
    let mut problems = Vec::new();
    for (title, file) in summary_titles(summary) {
        let markdown = page(&file);
        let h1 = headings(&markdown)
            .into_iter()
            .find(|h| h.level == HeadingLevel::H1)
            .map(|h| h.text);
        if h1.as_deref() != Some(title.as_str()) {
            problems.push(format!(
                "SUMMARY.md calls {file} `{title}`, but its `# ` heading is {h1:?}"
            ));
        }
    }
    problems
}

#[test]
fn the_korean_edition_does_not_use_replaced_words() {
    let problems = problems_in("ko", replaced_words);
    assert!(
        problems.is_empty(),
        "the Korean edition uses words it has replaced (see src/ko/glossary.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_korean_code_comments_do_not_use_replaced_words() {
    // The Korean build swaps the comments of shown code for these (xtask/src/comments.rs).
    let table = xtask::comments::load_table(root()).expect("the comment table loads");
    let mut problems = Vec::new();
    for (english, korean) in &table {
        for (line, problem) in replaced_words(korean) {
            problems.push(format!(
                "{}, line {line} of the Korean for `{english}`: {problem}",
                xtask::comments::TABLE
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "Korean code comments use words the edition has replaced (see src/ko/glossary.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn korean_particles_attach_to_their_words_and_emphasis_renders() {
    // An emphasis left open shows its asterisks in English too.
    let mut problems = problems_in("ko", emphasis_problems);
    problems.extend(problems_in("en", emphasis_problems));
    assert!(
        problems.is_empty(),
        "particles cut off from their words, or emphasis left open:\n{}",
        problems.join("\n")
    );
}

#[test]
fn korean_headings_are_noun_phrases() {
    let mut problems = Vec::new();
    for page in pages("ko") {
        let text = fs::read_to_string(&page).expect("readable page");
        let name = page.file_name().expect("a file").to_string_lossy();
        for (line, problem) in sentence_headings(&name, &text) {
            problems.push(format!("{}:{line}: {problem}", shown(&page)));
        }
    }
    assert!(
        problems.is_empty(),
        "Korean headings in another register:\n{}",
        problems.join("\n")
    );
}

#[test]
fn chapter_titles_in_the_summary_are_the_pages_headings() {
    for lang in ["ko", "en"] {
        let dir = root().join("src").join(lang);
        let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap_or_default();
        let summary = read("SUMMARY.md");
        assert!(
            summary_titles(&summary).len() >= 5,
            "{lang}: SUMMARY.md lists too few chapters"
        );
        let problems = summary_mismatches(&summary, read);
        assert!(problems.is_empty(), "{lang}:\n{}", problems.join("\n"));
    }
}

// The checks catch what they are for: each plants a mistake in a string.

#[test]
fn a_replaced_word_is_caught_outside_code_only() {
    let page = "종료 깃발을 세웁니다.\n`main`은 `join`한다.\n`worker-1`과 `join`을 부릅니다.\n\
                ```text\n방송\n```\n모든 스레드를 조인합니다.\n";
    let found: Vec<usize> = replaced_words(page)
        .into_iter()
        .map(|(line, _)| line)
        .collect();
    assert_eq!(found, [1, 2], "{:?}", replaced_words(page));
}

#[test]
fn a_detached_particle_or_an_open_emphasis_is_caught() {
    for wrong in [
        "**스레드(thread)** 는 실행 흐름입니다.",
        "서버는 *바인드(bind)* 하고 기다립니다.",
        "스레드를 `join` 하고 끝냅니다.",
        "스레드를 `join`\n하고 끝냅니다.",
        "**스레드(thread)**는 실행 흐름입니다.",
    ] {
        assert!(!emphasis_problems(wrong).is_empty(), "not caught: {wrong}");
    }
    for right in [
        "**스레드**(thread)는 실행 흐름입니다.",
        "**왕복**(round trip)이라고 합니다.",
        "**TIME_WAIT** 상태로 붙들고 `?` 하나일지라도 `read` 한 번이면",
        "터미널을 *새로* 열고 `join`을 부릅니다.",
        "```rust\nlet x = *count.lock()?;\n```\n",
    ] {
        assert_eq!(emphasis_problems(right), [], "wrongly caught: {right}");
    }
}

#[test]
fn a_sentence_heading_is_caught() {
    let page = "# 소켓 {#sockets}\n\n## TCP는 바이트 스트림입니다 {#byte-stream}\n\n\
                ### 파이썬에서 왔다면 {#python}\n\n## 바이트 스트림인 TCP {#b}\n\n\
                ## 다음은 무엇일까? {#next}\n\n### 연습 1: 스레드로 단어 세기 (★) {#e}\n\n\
                ## 메시지가 끝나는 곳 {#framing}\n\n## 개요 {#overview}\n";
    let found: Vec<usize> = sentence_headings("sockets.md", page)
        .into_iter()
        .map(|(line, _)| line)
        .collect();
    assert_eq!(found, [3, 5, 9]);
    assert_eq!(
        sentence_headings("404.md", "# 페이지를 찾을 수 없습니다 {#not-found}\n"),
        []
    );
}

#[test]
fn a_summary_title_that_is_not_the_pages_heading_is_caught() {
    let summary = "# 목차\n\n- [스레드](threads.md)\n- [소켓](sockets.md)\n";
    let page = |file: &str| match file {
        "threads.md" => "# 스레드 {#threads}\n".to_owned(),
        _ => "# 소켓과 TCP {#sockets}\n".to_owned(),
    };
    let problems = summary_mismatches(summary, page);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("sockets.md"), "{problems:?}");
}
