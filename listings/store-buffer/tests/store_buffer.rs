//! What the chapter claims about store-buffer: with SeqCst, some thread always sees the
//! other's flag, in every round of every run; with Release and Acquire the program may
//! print any count, so only the form of its line is checked.

use std::path::Path;

fn run(rounds: &str) -> String {
    let program = Path::new(env!("CARGO_BIN_EXE_store-buffer"));
    let finished = testkit::run(program, &[rounds], b"");
    assert!(finished.status.success(), "{finished:?}");
    finished.stdout_text()
}

#[test]
fn with_seq_cst_some_thread_always_sees_the_other() {
    for _ in 0..3 {
        let output = run("20000");
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 2, "{output}");
        assert!(
            lines[0].starts_with("Release/Acquire: neither saw the other in ")
                && lines[0].ends_with(" of 20000 rounds"),
            "{output}"
        );
        assert_eq!(
            lines[1],
            "SeqCst:          neither saw the other in 0 of 20000 rounds"
        );
    }
}

#[test]
fn a_bad_round_count_is_one_clear_line() {
    let program = Path::new(env!("CARGO_BIN_EXE_store-buffer"));
    let finished = testkit::run(program, &["many"], b"");
    assert!(!finished.status.success());
    assert_eq!(
        finished.stderr,
        "error: ROUNDS is a whole number, not `many`\n"
    );
}

/// The output with the Release/Acquire count, which changes from run to run, as `N`.
fn any_count(output: &str) -> String {
    output
        .lines()
        .map(|line| {
            match line.strip_prefix("Release/Acquire: neither saw the other in ") {
                Some(rest) => {
                    let rounds = rest.split_once(' ').map_or("", |(_, r)| r);
                    format!("Release/Acquire: neither saw the other in N {rounds}\n")
                }
                None => format!("{line}\n"),
            }
        })
        .collect()
}

#[test]
fn shown_output_is_a_real_run_of_the_current_program() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &run("100000"), any_count);
}
