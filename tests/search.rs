//! The search index each edition ships (xtask/src/search.rs): what a reader can find
//! must be in it, and what the page does not show must not be.

use std::path::Path;
use xtask::EDITIONS;
use xtask::search::{Section, sections};

fn index(lang: &str) -> Vec<Section> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let edition = EDITIONS
        .iter()
        .find(|e| e.lang == lang)
        .expect("an edition");
    sections(&xtask::expanded_chapters(root, edition).expect("the edition expands"))
}

/// The pages whose sections contain `text`.
fn pages_with(sections: &[Section], text: &str) -> Vec<String> {
    let mut pages: Vec<String> = sections
        .iter()
        .filter(|s| s.text.contains(text) || s.heading.contains(text))
        .map(|s| s.page.clone())
        .collect();
    pages.dedup();
    pages
}

#[test]
fn korean_words_are_in_the_korean_index_with_their_particles_and_compounds() {
    let ko = index("ko");
    for (word, page) in [
        ("스레드를", "threads.html"),
        ("스레드가", "threads.html"),
        ("멀티스레드", "threads.html"),
        ("소켓", "sockets.html"),
        ("에코 서버", "sockets.html"),
        ("뮤텍스", "threads.html"),
    ] {
        assert!(
            pages_with(&ko, word).iter().any(|p| p == page),
            "{word} should be found on {page}"
        );
    }
}

#[test]
fn code_identifiers_are_in_both_indexes() {
    for lang in ["ko", "en"] {
        let sections = index(lang);
        for name in ["TcpListener", "JoinHandle", "Arc<Mutex"] {
            assert!(
                !pages_with(&sections, name).is_empty(),
                "{name} should be found in the {lang} edition"
            );
        }
    }
}

#[test]
fn every_section_links_to_a_heading_and_hidden_lines_are_left_out() {
    for lang in ["ko", "en"] {
        let sections = index(lang);
        assert!(
            sections.len() > 50,
            "{lang}: only {} sections",
            sections.len()
        );
        for section in &sections {
            assert!(
                !section.id.is_empty() && !section.heading.is_empty(),
                "{lang}/{}: a section without a heading id: {section:?}",
                section.page
            );
        }
        // echo-bench's show_progress is in the file the Measuring chapter includes
        // from, but only as hidden lines: the page never shows it.
        assert!(
            pages_with(&sections, "fn show_progress").is_empty(),
            "{lang}: hidden lines of an included file are in the index"
        );
    }
}

#[test]
fn the_glossary_pairs_each_korean_word_with_its_english_one_for_the_search() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for edition in &EDITIONS {
        let chapters = xtask::expanded_chapters(root, edition).expect("the edition expands");
        let pairs = xtask::search::aliases(&chapters);
        let pair = |ko: &str, en: &str| match edition.lang {
            "ko" => (ko.to_owned(), en.to_owned()),
            _ => (en.to_owned(), ko.to_owned()),
        };
        for (ko, en) in [
            ("뮤텍스", "mutex"),
            ("지연 시간", "latency"),
            ("조인", "join"),
        ] {
            assert!(
                pairs.contains(&pair(ko, en)),
                "{}: no {ko} / {en} pair in {pairs:?}",
                edition.lang
            );
        }
        assert!(
            pairs.len() >= 40,
            "{}: only {} pairs",
            edition.lang,
            pairs.len()
        );
    }
}
