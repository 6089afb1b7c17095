//! What `word-count` must do. Run with `cargo test -p word-count`; each test's name says
//! what it checks and its message says what went wrong.

use std::io::Write;
use std::path::Path;

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_word-count")
        .or(option_env!("CARGO_BIN_EXE_word-count-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// Writes `text` to a file and runs `word-count FILE --threads N`; returns its output.
fn word_count(text: &[u8], threads: usize) -> String {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(text).expect("written");
    let path = file.path().to_str().expect("a UTF-8 path");
    let threads = threads.to_string();
    let finished = testkit::run(program(), &[path, "--threads", &threads], b"");
    assert!(
        finished.status.success(),
        "`word-count FILE --threads {threads}` failed. It printed:\n{}",
        finished.stderr
    );
    finished.stdout_text()
}

/// The count the program should print, done the simplest way.
fn expected(text: &[u8]) -> String {
    let words = text
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .count();
    format!("words: {words}\n")
}

#[test]
fn counts_the_words_of_a_short_text() {
    let text = b"one two  three\nfour\n";
    assert_eq!(word_count(text, 1), "words: 4\n", "with one thread");
    assert_eq!(word_count(text, 2), "words: 4\n", "with two threads");
}

#[test]
fn every_number_of_threads_gives_the_same_count() {
    let text = b"a bb ccc dddd eeeee ffffff ggggggg  hh\ti\nj kk lll";
    for threads in 1..=12 {
        assert_eq!(
            word_count(text, threads),
            expected(text),
            "with {threads} threads: a word cut in two between two threads must be \
             counted once, not twice"
        );
    }
}

#[test]
fn a_word_cut_between_threads_is_counted_once() {
    for threads in [2, 3, 4, 8] {
        assert_eq!(
            word_count(b"abcdefgh", threads),
            "words: 1\n",
            "`abcdefgh` is one word, also when {threads} threads each get a part of it"
        );
    }
}

#[test]
fn more_threads_than_bytes_is_fine() {
    assert_eq!(
        word_count(b"hi", 8),
        "words: 1\n",
        "two bytes, eight threads"
    );
}

#[test]
fn an_empty_file_has_no_words() {
    assert_eq!(word_count(b"", 4), "words: 0\n");
}

#[test]
fn bytes_that_are_not_utf8_are_words_too() {
    let text = b"\xff\xfe caf\xc3\xa9 \x80";
    assert_eq!(
        word_count(text, 3),
        "words: 3\n",
        "a file need not be UTF-8 text"
    );
}

#[test]
fn a_megabyte_with_seven_threads() {
    let mut text = testkit::pseudo_random_bytes(1 << 20, 7);
    for byte in &mut text {
        // About one byte in eight becomes a space or a newline.
        *byte = match *byte % 16 {
            0 => b' ',
            1 => b'\n',
            b => b'a' + b,
        };
    }
    assert_eq!(word_count(&text, 7), expected(&text));
}
