//! The two editions stay in sync: the same table of contents, the same files, the same
//! heading ids and the same code blocks and includes, in the same order; and under each
//! heading id, the same numbers, inline code, links, list lengths and table shapes.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use xtask::EDITIONS;
use xtask::blocks::{Section, code_blocks, headings, sections};
use xtask::mdbook_driver;

/// Everything that must match between editions, with one-line reasons where it does not.
fn differences(root: &Path) -> Vec<String> {
    let [ko, en] = &EDITIONS;
    let mut problems = Vec::new();

    let files = |lang: &str| -> BTreeSet<PathBuf> {
        let dir = root.join("src").join(lang);
        let mut out = BTreeSet::new();
        let mut todo = vec![dir.clone()];
        while let Some(d) = todo.pop() {
            for entry in fs::read_dir(&d).expect("edition folder is readable") {
                let path = entry.expect("readable entry").path();
                if path.is_dir() {
                    todo.push(path);
                } else {
                    out.insert(path.strip_prefix(&dir).expect("inside").to_path_buf());
                }
            }
        }
        out
    };
    let (ko_files, en_files) = (files(ko.lang), files(en.lang));
    for only in ko_files.symmetric_difference(&en_files) {
        problems.push(format!("{} is in only one edition", only.display()));
    }

    let load = |edition| xtask::load(root, edition).expect("edition loads");
    let (ko_book, en_book) = (load(ko), load(en));
    let outline = |book: &mdbook_driver::MDBook| -> Vec<String> {
        book.iter()
            .map(|item| match item {
                mdbook_driver::book::BookItem::Chapter(ch) => format!(
                    "{} {}",
                    ch.number
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    ch.path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
                other => format!("{other:?}"),
            })
            .collect()
    };
    if outline(&ko_book) != outline(&en_book) {
        problems.push(format!(
            "SUMMARY.md trees differ:\n  ko: {:?}\n  en: {:?}",
            outline(&ko_book),
            outline(&en_book)
        ));
    }

    let directive = Regex::new(r"\{\{#[^}]*\}\}").expect("valid regex");
    let ko_chapters = xtask::chapters(&ko_book.book.items);
    let en_chapters = xtask::chapters(&en_book.book.items);
    for (k, e) in ko_chapters.iter().zip(&en_chapters) {
        let page = k
            .path
            .as_ref()
            .expect("chapters with files")
            .display()
            .to_string();
        if k.path != e.path {
            continue; // already reported as a tree difference
        }
        for (lang, chapter) in [("ko", k), ("en", e)] {
            let mut seen = BTreeSet::new();
            for heading in headings(&chapter.content) {
                match &heading.id {
                    None => problems.push(format!(
                        "{lang}/{page}:{}: heading without an explicit id (`## Title {{#id}}`)",
                        heading.line
                    )),
                    Some(id) if !seen.insert(id.clone()) => problems.push(format!(
                        "{lang}/{page}:{}: heading id `{id}` is used twice",
                        heading.line
                    )),
                    Some(_) => {}
                }
            }
            for block in code_blocks(&chapter.content) {
                if block.info.trim().is_empty() {
                    problems.push(format!(
                        "{lang}/{page}:{}: code block without a language (```rust, ```text, ...)",
                        block.line
                    ));
                }
            }
        }

        let ids = |c: &mdbook_driver::book::Chapter| -> Vec<String> {
            headings(&c.content)
                .into_iter()
                .map(|h| format!("{:?} #{}", h.level, h.id.unwrap_or_default()))
                .collect()
        };
        if ids(k) != ids(e) {
            problems.push(format!(
                "{page}: headings differ:\n  ko: {:?}\n  en: {:?}",
                ids(k),
                ids(e)
            ));
        }

        let (kb, eb) = (code_blocks(&k.content), code_blocks(&e.content));
        if kb.len() != eb.len() {
            problems.push(format!(
                "{page}: {} code blocks in ko, {} in en",
                kb.len(),
                eb.len()
            ));
        }
        for (kb, eb) in kb.iter().zip(&eb) {
            if (&kb.info, &kb.code) != (&eb.info, &eb.code) {
                problems.push(format!(
                    "{page}: code block at ko line {} differs from en line {}",
                    kb.line, eb.line
                ));
            }
        }

        let includes = |c: &str| -> Vec<String> {
            directive
                .find_iter(c)
                .map(|m| m.as_str().to_owned())
                .collect()
        };
        if includes(&k.content) != includes(&e.content) {
            problems.push(format!(
                "{page}: includes differ:\n  ko: {:?}\n  en: {:?}",
                includes(&k.content),
                includes(&e.content)
            ));
        }

        problems.extend(prose_differences(&page, &k.content, &e.content));
    }
    problems
}

/// Where the prose of one section differs in what a machine can compare without reading:
/// numbers (with their units), inline code and links as multisets, since a translation
/// may put them in another order; list lengths and table shapes in order.
fn prose_differences(page: &str, ko: &str, en: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let en_sections: BTreeMap<Option<String>, Section> = sections(en)
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    for k in sections(ko) {
        let Some(e) = en_sections.get(&k.id) else {
            continue; // already reported as a heading difference
        };
        let id = k.id.as_deref().unwrap_or("");
        let at = format!("{page}#{id} (ko line {}, en line {})", k.line, e.line);
        for (kind, ko_items, en_items) in [
            ("numbers", &k.numbers, &e.numbers),
            ("inline code", &k.code_spans, &e.code_spans),
            ("links", &k.links, &e.links),
        ] {
            let (only_ko, only_en) = (
                missing_from(ko_items, en_items, page, id, kind),
                missing_from(en_items, ko_items, page, id, kind),
            );
            if !only_ko.is_empty() || !only_en.is_empty() {
                problems.push(format!(
                    "{at}: {kind} differ: only in ko {only_ko:?}, only in en {only_en:?}"
                ));
            }
        }
        if k.lists != e.lists {
            problems.push(format!(
                "{at}: list lengths differ: ko {:?}, en {:?}",
                k.lists, e.lists
            ));
        }
        if k.tables != e.tables {
            problems.push(format!(
                "{at}: table shapes (rows, columns) differ: ko {:?}, en {:?}",
                k.tables, e.tables
            ));
        }
    }
    problems
}

/// What `these` holds more often than `those`, counting repeats, less what
/// [`ALLOWED`] lets one edition have alone.
fn missing_from(
    these: &[String],
    those: &[String],
    page: &str,
    id: &str,
    kind: &str,
) -> Vec<String> {
    let mut left: Vec<&String> = those.iter().collect();
    let mut out = Vec::new();
    for item in these {
        if let Some(i) = left.iter().position(|l| *l == item) {
            left.swap_remove(i);
        } else if !ALLOWED.contains(&(page, id, kind, item.as_str())) {
            out.push(item.clone());
        }
    }
    out
}

/// What one edition may have in a section and the other not: (page, heading id, kind,
/// item), each with a comment saying why it cannot be written the same in both. Empty:
/// so far every difference could be reworded away (digits in both editions or in neither,
/// the same code spans), which keeps the check strict.
const ALLOWED: &[(&str, &str, &str, &str)] = &[];

#[test]
fn editions_are_in_sync() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let problems = differences(root);
    assert!(
        problems.is_empty(),
        "the Korean and English editions differ:\n- {}",
        problems.join("\n- ")
    );
}

/// A copy of the book's sources in a temporary folder, to break on purpose.
fn copy_of_the_book() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = tempfile::tempdir().expect("temporary folder");
    let mut todo = vec![PathBuf::from("src"), PathBuf::from("listings")];
    while let Some(rel) = todo.pop() {
        fs::create_dir_all(copy.path().join(&rel)).expect("mkdir");
        for entry in fs::read_dir(root.join(&rel)).expect("readable") {
            let entry = entry.expect("entry");
            let rel = rel.join(entry.file_name());
            if entry.path().is_dir() {
                if entry.file_name() != "target" {
                    todo.push(rel);
                }
            } else {
                fs::copy(entry.path(), copy.path().join(&rel)).expect("copy");
            }
        }
    }
    fs::copy(root.join("book.toml"), copy.path().join("book.toml")).expect("copy book.toml");
    copy
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).expect("readable");
    assert!(text.contains(from), "{} has no `{from}`", file.display());
    fs::write(file, text.replacen(from, to, 1)).expect("writable");
}

#[test]
fn a_heading_missing_from_one_edition_is_caught() {
    let book = copy_of_the_book();
    assert!(
        differences(book.path()).is_empty(),
        "the copy starts in sync"
    );
    edit(
        &book.path().join("src/en/threads.md"),
        "## Scoped threads {#scoped}",
        "",
    );
    let problems = differences(book.path()).join("\n");
    assert!(problems.contains("headings differ"), "{problems}");
}

#[test]
fn a_changed_code_block_or_include_is_caught() {
    let book = copy_of_the_book();
    edit(
        &book.path().join("src/ko/threads.md"),
        "thread-sum/src/main.rs:join}}",
        "thread-sum/src/main.rs:spawn}}",
    );
    let problems = differences(book.path()).join("\n");
    assert!(problems.contains("code block at ko line"), "{problems}");
    assert!(problems.contains("includes differ"), "{problems}");
}

#[test]
fn a_heading_without_an_id_or_a_file_in_one_edition_is_caught() {
    let book = copy_of_the_book();
    edit(&book.path().join("src/ko/threads.md"), " {#summary}", "");
    fs::write(book.path().join("src/en/extra.md"), "# Extra {#extra}\n").expect("write");
    let problems = differences(book.path()).join("\n");
    assert!(
        problems.contains("heading without an explicit id"),
        "{problems}"
    );
    assert!(
        problems.contains("extra.md is in only one edition"),
        "{problems}"
    );
}

/// Whether `problems` has a line about section `at` (`page#id`) that ends with `what`; the
/// line numbers in between change as the prose is edited.
fn reported(problems: &str, at: &str, what: &str) -> bool {
    problems
        .lines()
        .any(|line| line.starts_with(&format!("{at} (")) && line.ends_with(what))
}

#[test]
fn a_changed_number_or_unit_is_caught() {
    let book = copy_of_the_book();
    edit(
        &book.path().join("src/en/threads.md"),
        "The total is 80,000 in every run",
        "The total is 8,000 in every run",
    );
    edit(
        &book.path().join("src/en/concurrent-servers.md"),
        "(40 ms or more on Linux)",
        "(40 s or more on Linux)",
    );
    let problems = differences(book.path()).join("\n");
    assert!(
        reported(
            &problems,
            "threads.md#arc-mutex",
            r#"numbers differ: only in ko ["80000"], only in en ["8000"]"#
        ),
        "{problems}"
    );
    assert!(
        reported(
            &problems,
            "concurrent-servers.md#nagle",
            r#"numbers differ: only in ko ["40 ms"], only in en ["40 s"]"#
        ),
        "{problems}"
    );
}

#[test]
fn a_changed_inline_code_span_is_caught() {
    let book = copy_of_the_book();
    edit(
        &book.path().join("src/en/threads.md"),
        "`split_at_mut` splits an array",
        "`split_at` splits an array",
    );
    let problems = differences(book.path()).join("\n");
    assert!(
        reported(
            &problems,
            "threads.md#scoped",
            r#"inline code differ: only in ko ["split_at_mut"], only in en ["split_at"]"#
        ),
        "{problems}"
    );
}

#[test]
fn a_changed_link_is_caught() {
    let book = copy_of_the_book();
    edit(
        &book.path().join("src/ko/introduction.md"),
        "[시작하기 전에](before-you-start.md)",
        "[시작하기 전에](glossary.md)",
    );
    let problems = differences(book.path()).join("\n");
    assert!(
        reported(
            &problems,
            "introduction.md#install",
            r#"links differ: only in ko ["glossary.md"], only in en ["before-you-start.md"]"#
        ),
        "{problems}"
    );
}

#[test]
fn a_list_item_or_table_row_missing_from_one_edition_is_caught() {
    let book = copy_of_the_book();
    edit(
        &book.path().join("src/en/measuring.md"),
        "- any other **error**.\n",
        "",
    );
    edit(
        &book.path().join("src/en/sockets.md"),
        "| `conn.close()` | the stream is closed when it is dropped |\n",
        "",
    );
    let problems = differences(book.path()).join("\n");
    assert!(
        reported(
            &problems,
            "measuring.md#echo-bench",
            r#"list lengths differ: ko [4], en [3]"#
        ),
        "{problems}"
    );
    assert!(
        reported(
            &problems,
            "sockets.md#python-sockets",
            r#"table shapes (rows, columns) differ: ko [(9, 2)], en [(8, 2)]"#
        ),
        "{problems}"
    );
}
