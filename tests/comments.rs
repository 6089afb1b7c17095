//! The code on a Korean page has Korean comments (xtask/src/comments.rs): the Korean
//! build swaps each shown comment for its text in src/comments.ko.toml. These tests look
//! at the Markdown mdBook renders, with every include expanded, in both directions: no
//! English comment reaches a Korean page, and without comments the code of the two
//! editions is the same, byte for byte.

use std::collections::BTreeSet;
use std::path::Path;
use xtask::EDITIONS;
use xtask::blocks::code_blocks;
use xtask::comments::{comments, load_table, without_comments};
use xtask::mdbook_driver::book::Chapter;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn expanded(lang: &str) -> Vec<Chapter> {
    let edition = EDITIONS
        .iter()
        .find(|e| e.lang == lang)
        .expect("an edition");
    xtask::expanded_chapters(root(), edition).unwrap_or_else(|e| panic!("{e:#}"))
}

fn page(chapter: &Chapter) -> String {
    chapter
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

fn is_hangul(c: char) -> bool {
    ('가'..='힣').contains(&c)
}

#[test]
fn korean_pages_show_no_english_comment() {
    let mut english = Vec::new();
    let mut count = 0;
    for chapter in expanded("ko") {
        for block in code_blocks(&chapter.content) {
            for comment in comments(&block.info, &block.code) {
                count += 1;
                let has_words = comment.text.chars().any(|c| c.is_ascii_alphabetic());
                if has_words && !comment.text.chars().any(is_hangul) {
                    english.push(format!(
                        "{} (block at line {}): {}",
                        page(&chapter),
                        block.line,
                        comment.text
                    ));
                }
            }
        }
    }
    assert!(
        count > 100,
        "only {count} comments found: is the search broken?"
    );
    assert!(
        english.is_empty(),
        "English comments on Korean pages:\n{}",
        english.join("\n")
    );
}

#[test]
fn without_comments_the_editions_show_the_same_code() {
    let (ko, en) = (expanded("ko"), expanded("en"));
    assert_eq!(ko.len(), en.len(), "the editions have as many pages");
    let mut differ = Vec::new();
    let mut blocks = 0;
    for (k, e) in ko.iter().zip(&en) {
        let (kb, eb) = (code_blocks(&k.content), code_blocks(&e.content));
        assert_eq!(kb.len(), eb.len(), "{}: as many code blocks", page(k));
        for (kb, eb) in kb.iter().zip(&eb) {
            blocks += 1;
            if without_comments(&kb.info, &kb.code) != without_comments(&eb.info, &eb.code) {
                differ.push(format!(
                    "{}: ko line {} / en line {}",
                    page(k),
                    kb.line,
                    eb.line
                ));
            }
            if kb.code == eb.code && !comments(&kb.info, &kb.code).is_empty() {
                differ.push(format!(
                    "{}: ko line {} kept the English comments",
                    page(k),
                    kb.line
                ));
            }
        }
    }
    assert!(blocks > 50, "only {blocks} code blocks compared");
    assert!(
        differ.is_empty(),
        "code that differs between the editions:\n{}",
        differ.join("\n")
    );
}

#[test]
fn every_korean_comment_is_for_a_comment_the_english_edition_shows() {
    let shown: BTreeSet<String> = expanded("en")
        .iter()
        .flat_map(|chapter| code_blocks(&chapter.content))
        .flat_map(|block| comments(&block.info, &block.code))
        .map(|comment| comment.text.trim_end().to_owned())
        .collect();
    let table = load_table(root()).expect("the table loads");
    let unused: Vec<&String> = table.keys().filter(|en| !shown.contains(*en)).collect();
    assert!(
        unused.is_empty(),
        "src/comments.ko.toml translates comments no page shows (changed or removed in \
         the code?):\n{unused:#?}"
    );
}
