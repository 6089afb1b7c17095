//! The Korean edition uses one word for each idea (src/ko/glossary.md). These are words
//! it has replaced; the prose must not bring them back. Code is not prose: fenced code
//! blocks and inline code spans are left out, so `Drop` or `worker-1` in code is fine.

use regex::Regex;
use std::fs;
use std::path::Path;

/// A word the Korean edition no longer uses (as a regex), and the word to use instead.
const REPLACED: &[(&str, &str)] = &[
    // 락 at the start of a word only: 허락 and 연락 are other words.
    (r"(^|[^가-힣])락", "잠금 (lock)"),
    (r"워커", "작업자 (worker)"),
    (r"드롭", "버리다, 버려지다 (drop)"),
    (r"멤버", "참가자 (member)"),
];

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

#[test]
fn the_korean_edition_does_not_use_replaced_words() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ko");
    let rules: Vec<(Regex, &str)> = REPLACED
        .iter()
        .map(|(word, instead)| (Regex::new(word).expect("valid regex"), *instead))
        .collect();
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("src/ko is readable")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no pages in {}", dir.display());

    let mut problems = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("readable page");
        let mut fence: Option<&str> = None;
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
            match (fence, marker) {
                (None, Some(m)) => fence = Some(m),
                (Some(open), Some(m)) if open == m => fence = None,
                (None, None) => {
                    let prose = without_code_spans(line);
                    for (rule, instead) in &rules {
                        if let Some(found) = rule.find(&prose) {
                            let word = found
                                .as_str()
                                .trim_start_matches(|c: char| !('가'..='힣').contains(&c));
                            problems.push(format!(
                                "{}:{}: `{word}`: write {instead} instead\n    {line}",
                                file.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                                    .unwrap_or(file)
                                    .display(),
                                number + 1,
                            ));
                        }
                    }
                }
                _ => {} // inside a fenced code block
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the Korean edition uses words it has replaced (see src/ko/glossary.md):\n{}",
        problems.join("\n")
    );
}
