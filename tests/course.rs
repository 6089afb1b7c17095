//! The course runner (`cargo xtask exercises`, `--watch NAME`, `hint NAME`,
//! xtask/src/course.rs) on a copy of the course with one exercise solved (its solution
//! copied in), one that does not compile, and the rest as shipped.
//!
//! The copy lives in `target/tmp/course-copy/` with a cargo target folder of its own: its
//! packages have the same names as the real ones, and building them into the real target
//! folder would swap the real starters' programs for the copy's. Files are written only
//! when their contents change, so a second `cargo test` does not rebuild the copy.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use xtask::course::{self, Course, Lang, State};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Writes `contents` to `path` unless it already holds exactly that.
fn put(path: &Path, contents: &[u8]) {
    if fs::read(path).ok().as_deref() != Some(contents) {
        fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        fs::write(path, contents).expect("write the copy");
    }
}

/// Copies the files under `from` (no `target` folders) to the same place under `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("readable folder") {
        let path = entry.expect("readable entry").path();
        let name = path.file_name().expect("a name");
        if path.is_dir() {
            if name != "target" {
                copy_tree(&path, &to.join(name));
            }
        } else {
            put(&to.join(name), &fs::read(&path).expect("readable file"));
        }
    }
}

/// The course with only what the exercises need: their crates, the helpers their tests
/// use, the pages the runner reads, the lock file, and a workspace of those.
fn copy_of_the_course() -> PathBuf {
    let root = Path::new(ROOT);
    let copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join("course-copy");
    for folder in ["exercises", "testkit", "src", ".cargo"] {
        copy_tree(&root.join(folder), &copy.join(folder));
    }
    put(
        &copy.join("Cargo.lock"),
        &fs::read(root.join("Cargo.lock")).expect("a lock file"),
    );
    // The real workspace's shared settings, with the copy's members.
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("a manifest");
    let shared: String = manifest
        .split("\n[")
        .filter(|table| table.starts_with("workspace."))
        .map(|table| format!("\n[{table}\n"))
        .collect();
    let workspace = format!(
        "[workspace]\nmembers = [\"testkit\", \"exercises/*\"]\nresolver = \"3\"\n{shared}"
    );
    put(&copy.join("Cargo.toml"), workspace.as_bytes());
    copy
}

fn course_in(copy: &Path, lang: Lang) -> Course {
    Course {
        root: copy.to_path_buf(),
        target: copy.join("target"),
        memory: copy.join("target").join("course-test"),
        lang,
        test_limit: course::TEST_LIMIT,
    }
}

/// Gives the copy's exercise `name` the `src/main.rs` of the real `solutions/NAME` (the
/// learner solved it) or of the real `exercises/NAME` (as shipped).
fn main_rs_from(folder: &str, copy: &Path, name: &str) {
    let real = Path::new(ROOT).join(folder).join(name).join("src/main.rs");
    let code = fs::read(&real).unwrap_or_else(|e| panic!("{}: {e}", real.display()));
    put(
        &copy.join("exercises").join(name).join("src/main.rs"),
        &code,
    );
}

fn solve(copy: &Path, name: &str) {
    main_rs_from("solutions", copy, name);
}

fn unsolve(copy: &Path, name: &str) {
    main_rs_from("exercises", copy, name);
}

#[test]
fn states_progress_memory_hints_and_watch_on_a_copy_of_the_course() {
    let copy = copy_of_the_course();
    solve(&copy, "word-count");
    // A learner's type error: the exercise does not compile.
    let broken = copy.join("exercises/bank/src/main.rs");
    let mut code = fs::read_to_string(&broken).expect("bank's starter");
    code += "\nfn broken() -> u32 {\n    \"not a number\"\n}\n";
    put(&broken, code.as_bytes());

    let course = course_in(&copy, Lang::En);
    let _ = fs::remove_dir_all(&course.memory);
    let mut out = Vec::new();
    let rows = course::status(&course, &mut out).expect("the runner runs");
    let text = String::from_utf8(out).expect("UTF-8");
    println!("{text}");
    let state = |name: &str| {
        let (_, report) = rows.iter().find(|(e, _)| e.name == name).expect(name);
        report.clone()
    };
    let solved = state("word-count").expect("word-count has tests");
    assert_eq!(solved.state, State::Solved, "{text}");
    assert!(
        solved.total >= 5 && solved.passed == solved.total,
        "{solved:?}"
    );
    let bank = state("bank").expect("bank has tests");
    assert_eq!(bank.state, State::Broken, "{text}");
    let (_, error) = bank.first.as_ref().expect("the compiler's error");
    assert!(
        error.contains("error[E0308]") && error.contains("not a number"),
        "{error}"
    );
    assert!(
        state("measure").is_none(),
        "Measuring's first exercise has no tests"
    );
    for (exercise, report) in &rows {
        if !["word-count", "bank", "measure"].contains(&exercise.name.as_str()) {
            let report = report.as_ref().expect("tested");
            assert_eq!(report.state, State::NotYet, "{}: {text}", exercise.name);
            assert!(
                report.total > 0 && report.passed == 0,
                "{}: {report:?}",
                exercise.name
            );
            let (test, message) = report.first.as_ref().expect("a first failure");
            assert!(!test.is_empty() && !message.is_empty(), "{report:?}");
        }
    }
    assert!(text.contains(" 1. word-count     Threads"), "{text}");
    assert!(text.contains("solved (7 tests)"), "{text}");
    assert!(text.contains("does not compile"), "{text}");
    assert!(text.contains("] 1 of 11 solved"), "{text}");
    assert!(
        text.contains("[#"),
        "a progress bar with one part filled: {text}"
    );
    assert!(
        text.contains("Next: bank: A bank that loses no money"),
        "{text}"
    );
    assert!(
        text.contains("cargo xtask exercises --watch bank"),
        "{text}"
    );
    assert!(text.contains("cargo xtask hint bank"), "{text}");

    // After the last exercise, the next one comes from the start, past word-count, which
    // the runner remembers solved.
    let all = course.exercises().expect("the table");
    let last = all.last().expect("exercises");
    let solved_last = course::Report {
        state: State::Solved,
        passed: 6,
        total: 6,
        first: None,
        remembered: false,
    };
    let text = course::explain(&course, last, &solved_last).expect("explained");
    assert!(text.contains("Next: bank: "), "{text}");

    // The second time nothing is run again; after a change, only what changed.
    let rows = course::status(&course, &mut Vec::new()).expect("the runner runs");
    assert!(rows.iter().flat_map(|(_, r)| r).all(|r| r.remembered));
    put(
        &broken,
        &fs::read(Path::new(ROOT).join("exercises/bank/src/main.rs")).expect("bank"),
    );
    let mut out = Vec::new();
    let rows = course::status(&course, &mut out).expect("the runner runs");
    let text = String::from_utf8(out).expect("UTF-8");
    for (exercise, report) in rows.iter().filter_map(|(e, r)| Some((e, r.as_ref()?))) {
        assert_eq!(
            report.remembered,
            exercise.name != "bank",
            "{}",
            exercise.name
        );
    }
    assert!(
        text.contains("bank           Threads             ★★   not yet: 0 of 5 tests pass"),
        "{text}"
    );

    // Korean: the Korean edition's titles and chapters.
    let korean = course_in(&copy, Lang::Ko);
    let mut out = Vec::new();
    course::status(&korean, &mut out).expect("the runner runs");
    let text = String::from_utf8(out).expect("UTF-8");
    assert!(text.contains("11개 중 1개 풀었음"), "{text}");
    assert!(
        text.contains("다음: bank: 돈을 잃어버리지 않는 은행 (스레드, ★★)"),
        "{text}"
    );

    a_test_that_never_ends_is_stopped(&copy);
    hints_one_at_a_time(&course);
    watch_reacts_to_a_change(&copy);
}

/// A learner's code that never returns (here: atomic-stats' `snapshot`, which its tests
/// call in the test process) makes the tests hang; the runner stops them at its limit
/// and says so, and the exercise is not solved.
fn a_test_that_never_ends_is_stopped(copy: &Path) {
    let lib = copy.join("exercises/atomic-stats/src/lib.rs");
    let shipped = fs::read_to_string(Path::new(ROOT).join("exercises/atomic-stats/src/lib.rs"))
        .expect("the starter");
    let stuck = shipped.replace(
        "todo!(\"read the totals\")",
        "loop {\n            std::thread::park();\n        }",
    );
    assert_ne!(
        stuck, shipped,
        "the starter's snapshot has changed; change this test"
    );
    put(&lib, stuck.as_bytes());
    let course = Course {
        test_limit: Duration::from_secs(10),
        ..course_in(copy, Lang::En)
    };
    let started = Instant::now();
    let report = course::check(&course, "atomic-stats").expect("the runner runs");
    put(&lib, shipped.as_bytes());
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.state, State::NotYet, "{report:?}");
    let (_, why) = report.first.expect("why");
    assert!(
        why.starts_with("the tests did not finish within 10 s and were stopped"),
        "{why}"
    );
}

/// `hint NAME` gives one more hint each time, then keeps to the last one.
fn hints_one_at_a_time(course: &Course) {
    let first = course::hint(course, "thread-pool").expect("a hint");
    assert!(first.starts_with("Hint 1 of 3 for thread-pool:"), "{first}");
    assert!(first.contains("`Box<dyn FnOnce() + Send>`"), "{first}");
    assert!(
        !first.contains("<summary>") && !first.contains("</details>"),
        "{first}"
    );
    assert!(
        first.ends_with("The next one: cargo xtask hint thread-pool"),
        "{first}"
    );
    let second = course::hint(course, "thread-pool").expect("a hint");
    assert!(
        second.starts_with("Hint 2 of 3") && second.contains("Keep the sender in an `Option`"),
        "{second}"
    );
    let third = course::hint(course, "thread-pool").expect("a hint");
    assert!(
        third.contains("catch_unwind") && third.contains("That was the last hint"),
        "{third}"
    );
    let again = course::hint(course, "thread-pool").expect("a hint");
    assert_eq!(again, third);
    let korean = course_in(&course.root, Lang::Ko);
    let first = course::hint(&korean, "bank").expect("a hint");
    assert!(first.starts_with("bank의 힌트 3개 중 1번째:"), "{first}");
    let error = course::hint(course, "no-such-exercise").expect_err("no such exercise");
    assert!(
        error
            .to_string()
            .contains("the exercises are: word-count, bank"),
        "{error}"
    );
}

/// What `--watch` prints goes line by line into a channel, so the test can wait for it.
struct Lines(mpsc::Sender<String>, Vec<u8>);

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(&self.1).into_owned();
        self.1.clear();
        let _ = self.0.send(text);
        Ok(())
    }
}

/// Waits until what was printed so far contains `needle`; panics after `limit`.
fn wait_for(lines: &mpsc::Receiver<String>, seen: &mut String, needle: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(text) => seen.push_str(&text),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("--watch did not print {needle:?} within {limit:?}:\n{seen}")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("--watch stopped before it printed {needle:?}:\n{seen}")
            }
        }
    }
}

/// `--watch` runs the tests, shows the first failure, and runs them again when the
/// learner saves a file: here, the solution pasted in.
fn watch_reacts_to_a_change(copy: &Path) {
    unsolve(copy, "percentiles");
    let course = course_in(copy, Lang::En);
    let (send, lines) = mpsc::channel();
    let watching = std::thread::spawn(move || {
        let mut out = Lines(send, Vec::new());
        course::watch(&course, "percentiles", Some(2), &mut out)
    });
    let mut seen = String::new();
    let limit = Duration::from_secs(300);
    wait_for(&lines, &mut seen, "Watching exercises/percentiles/", limit);
    assert!(seen.contains("percentiles: 0 of 7 tests pass."), "{seen}");
    assert!(seen.contains("The first failing test: "), "{seen}");
    assert!(seen.contains("not yet implemented"), "{seen}");
    // The file watcher is set up before the first run: a change now is seen.
    solve(copy, "percentiles");
    let solved = "percentiles: all 7 tests pass. Solved!";
    wait_for(&lines, &mut seen, solved, limit);
    assert!(
        seen.contains("Next: atomic-stats: Statistics without a lock"),
        "{seen}"
    );
    watching
        .join()
        .expect("the watch thread")
        .expect("watch ran");
    unsolve(copy, "percentiles");
}

/// Both editions list the same exercises in the same order, one per folder under
/// `exercises/`, and every exercise has its hints in both, as many in each.
#[test]
fn both_editions_list_every_exercise_with_its_hints() {
    let root = Path::new(ROOT);
    let english = course::exercises(root, Lang::En).expect("the English table");
    let korean = course::exercises(root, Lang::Ko).expect("the Korean table");
    let names = |list: &[course::Exercise]| -> Vec<String> {
        list.iter().map(|e| e.name.clone()).collect()
    };
    assert_eq!(names(&english), names(&korean));
    let mut tested: Vec<String> = english
        .iter()
        .filter(|e| e.tested)
        .map(|e| e.name.clone())
        .collect();
    tested.sort();
    let mut folders: Vec<String> = fs::read_dir(root.join("exercises"))
        .expect("exercises/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(
        tested, folders,
        "the table's `cargo test -p NAME` rows and exercises/"
    );
    for (en, ko) in english.iter().zip(&korean) {
        let hints = |lang| {
            let course = Course::new(root, lang);
            let exercise = if lang == Lang::En { en } else { ko };
            course::hints(&course, exercise).expect("the chapter's hints")
        };
        let (en_hints, ko_hints) = (hints(Lang::En), hints(Lang::Ko));
        assert_eq!(en_hints.len(), ko_hints.len(), "{}", en.name);
        if en.tested {
            assert!(!en_hints.is_empty(), "{} has no hints", en.name);
        }
        for hint in en_hints.iter().chain(&ko_hints) {
            let tag = ["<details", "<summary", "</"]
                .iter()
                .any(|t| hint.contains(t));
            assert!(!hint.is_empty() && !tag, "{}: {hint}", en.name);
        }
        assert!(
            ko_hints
                .iter()
                .all(|h| h.chars().any(|c| ('가'..='힣').contains(&c)))
        );
    }
}

/// The Exercises page shows what `--watch` prints on the first exercise as shipped, in
/// English in both editions like every program's output (thread ids aside, which change
/// from run to run); `--lang ko` prints it in Korean.
#[test]
fn the_exercises_page_shows_what_watch_prints() {
    let root = Path::new(ROOT);
    let ids = regex::Regex::new(r"' \(\d+\) panicked").expect("a pattern");
    let memory = tempfile::tempdir().expect("temporary folder");
    for code in ["en", "ko"] {
        let page =
            fs::read_to_string(root.join("src").join(code).join("exercises.md")).expect("the page");
        let (_, after) = page
            .split_once("$ cargo xtask exercises --watch word-count")
            .expect("the page shows --watch");
        let (_, block) = after.split_once('\n').expect("a command line");
        let (shown, _) = block.split_once("```").expect("the block ends");
        let mut course = Course::new(root, Lang::En);
        course.memory = memory.path().join(code);
        let mut out = Vec::new();
        course::watch(&course, "word-count", Some(1), &mut out).expect("watch runs");
        let printed = String::from_utf8(out).expect("UTF-8");
        assert_eq!(
            ids.replace_all(shown.trim_end(), "' (ID) panicked"),
            ids.replace_all(printed.trim_end(), "' (ID) panicked"),
            "src/{code}/exercises.md"
        );
    }
}
