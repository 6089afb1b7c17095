//! Counts the words of a file with several threads: `word-count FILE [--threads N]`.

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let (path, threads) = options()?;
    let bytes =
        std::fs::read(&path).with_context(|| format!("cannot read {path}"))?;
    println!("words: {}", count_words(&bytes, threads));
    Ok(())
}

/// Counts the words in `bytes` with `threads` threads, one part of the bytes each.
///
/// Your task: give each thread one part of `bytes` (`thread::scope` lets the threads
/// borrow it), let each count its part with `count_words_in_one_thread`, and add up
/// their results. Careful: a word can be cut in two where one part ends and the next
/// begins. See the exercise in the Threads chapter for the rules and hints.
fn count_words(bytes: &[u8], threads: usize) -> usize {
    todo!(
        "count the words in {} bytes, threads: {threads}",
        bytes.len()
    )
}

/// Counts the words in `bytes`: runs of bytes that are not whitespace.
fn count_words_in_one_thread(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| is_space(b))
        .filter(|word| !word.is_empty())
        .count()
}

fn is_space(byte: u8) -> bool {
    byte.is_ascii_whitespace()
}

/// `FILE [--threads N]`, with 4 threads unless told otherwise.
fn options() -> Result<(String, usize)> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut threads = 4;
    while let Some(arg) = args.next() {
        if arg == "--threads" {
            let value = args.next().context("--threads needs a number")?;
            threads = value.parse().with_context(|| {
                format!("--threads takes a number, not `{value}`")
            })?;
            if threads == 0 {
                bail!("--threads must be at least 1");
            }
        } else {
            path = Some(arg);
        }
    }
    let path = path.context("usage: word-count FILE [--threads N]")?;
    Ok((path, threads))
}
