//! The course runner: `cargo xtask exercises` shows every exercise's state and the next
//! one to do, `--watch NAME` re-runs one exercise's tests on every save, and `hint NAME`
//! prints its hints one at a time.
//!
//! Nothing here is written twice. The list of exercises, their chapters and difficulty
//! come from the table on each edition's `exercises.md`; the hints are the ones at the end
//! of each chapter; an exercise's state is what its own tests say (`cargo test -p NAME`),
//! remembered by the contents of its files so that a second call is quick.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// How long one exercise's tests may run once built. A learner's deadlock must not hang
/// the runner: after this the tests are stopped and the exercise is "not yet".
pub const TEST_LIMIT: Duration = Duration::from_secs(120);
/// How long building one exercise may take (the first build compiles its dependencies).
const BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);

/// The language the runner speaks: the edition whose titles and hints it shows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// `--lang ko` or `--lang en` if given, else Korean when the system's locale is Korean.
    pub fn choose(flag: Option<&str>) -> Result<Lang> {
        match flag {
            Some("ko") => Ok(Lang::Ko),
            Some("en") => Ok(Lang::En),
            Some(other) => bail!("--lang takes ko or en, not {other}"),
            None => {
                let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
                    .iter()
                    .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
                    .unwrap_or_default();
                Ok(if locale.starts_with("ko") {
                    Lang::Ko
                } else {
                    Lang::En
                })
            }
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The English or the Korean of one message.
    fn say<'a>(self, en: &'a str, ko: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// One row of the table on `exercises.md`.
#[derive(Clone, Debug)]
pub struct Exercise {
    /// The package name, `word-count`; for an exercise with no tests, its anchor's end.
    pub name: String,
    pub title: String,
    pub chapter: String,
    /// `★` to `★★★`.
    pub stars: String,
    /// The chapter's file and the exercise's heading: `threads.md#exercise-word-count`.
    pub page: String,
    /// False for an exercise checked by reading (Measuring's first), not by tests.
    pub tested: bool,
    /// What the table says to run for an exercise without tests.
    pub command: String,
}

/// Where the runner works: the repository, the cargo target folder the exercises are
/// built in, and the folder where it remembers states and hints.
pub struct Course {
    pub root: PathBuf,
    pub target: PathBuf,
    pub memory: PathBuf,
    pub lang: Lang,
    /// How long one exercise's tests may run once built (see [`TEST_LIMIT`]).
    pub test_limit: Duration,
}

impl Course {
    /// The course in the repository at `root`, built where cargo builds it
    /// (`CARGO_TARGET_DIR`, or `target/`), remembering in `target/course/`.
    pub fn new(root: &Path, lang: Lang) -> Course {
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        Course {
            root: root.to_path_buf(),
            memory: target.join("course"),
            target,
            lang,
            test_limit: TEST_LIMIT,
        }
    }

    /// Every exercise, in the order of the course.
    pub fn exercises(&self) -> Result<Vec<Exercise>> {
        exercises(&self.root, self.lang)
    }

    fn find(&self, name: &str) -> Result<Exercise> {
        let all = self.exercises()?;
        if let Some(exercise) = all.iter().find(|e| e.name == name) {
            return Ok(exercise.clone());
        }
        let names: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
        bail!(
            "there is no exercise called {name}; the exercises are: {}",
            names.join(", ")
        )
    }
}

/// The exercises listed on `src/LANG/exercises.md`, in its table's order.
pub fn exercises(root: &Path, lang: Lang) -> Result<Vec<Exercise>> {
    let file = root.join("src").join(lang.code()).join("exercises.md");
    let page =
        fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let row = regex::Regex::new(r"^\| \[(.+?)\]\((.+?)\) \| (.+?) \| (★+) \| (.+) \|$")?;
    let package = regex::Regex::new(r"^`cargo test -p ([a-z0-9-]+)`$")?;
    let mut all = Vec::new();
    for line in page.lines() {
        let Some(cells) = row.captures(line) else {
            continue;
        };
        let page = cells[2].to_owned();
        let command = cells[5].trim().to_owned();
        let (name, tested) = match package.captures(&command) {
            Some(found) => (found[1].to_owned(), true),
            None => {
                let anchor = page.split("#exercise-").nth(1).unwrap_or(&page);
                (anchor.to_owned(), false)
            }
        };
        all.push(Exercise {
            name,
            title: cells[1].to_owned(),
            chapter: cells[3].to_owned(),
            stars: cells[4].to_owned(),
            page,
            tested,
            command,
        });
    }
    if all.is_empty() {
        bail!("{} has no table of exercises", file.display());
    }
    Ok(all)
}

/// What an exercise's tests said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Every test passes.
    Solved,
    /// It compiles and some tests fail (or never finish).
    NotYet,
    /// It does not compile.
    Broken,
}

/// The outcome of running one exercise's tests.
#[derive(Clone, Debug)]
pub struct Report {
    pub state: State,
    pub passed: usize,
    pub total: usize,
    /// The first failing test and what it printed, or the compiler's first error.
    pub first: Option<(String, String)>,
    /// Whether this came from the runner's memory instead of a new run.
    pub remembered: bool,
}

/// A fingerprint of everything an exercise's result depends on that a learner may change:
/// its files and the shared test helpers. (Not `Cargo.lock`, which cargo itself may
/// rewrite during a run.) FNV-1a, which gives the same
/// number on every system and every Rust version, unlike `DefaultHasher`.
fn fingerprint(course: &Course, name: &str) -> Result<String> {
    let mut files = Vec::new();
    collect_files(&course.root.join("exercises").join(name), &mut files)?;
    collect_files(&course.root.join("testkit").join("src"), &mut files)?;
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in files {
        let relative = file.strip_prefix(&course.root).unwrap_or(&file);
        feed(relative.to_string_lossy().as_bytes());
        feed(&fs::read(&file).unwrap_or_default());
    }
    Ok(format!("{hash:016x}"))
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                collect_files(&path, files)?;
            }
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn load_memory(course: &Course, file: &str) -> BTreeMap<String, Value> {
    fs::read_to_string(course.memory.join(file))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn save_memory(course: &Course, file: &str, memory: &BTreeMap<String, Value>) -> Result<()> {
    fs::create_dir_all(&course.memory)
        .with_context(|| format!("cannot create {}", course.memory.display()))?;
    let path = course.memory.join(file);
    fs::write(&path, serde_json::to_string_pretty(memory)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Runs the tests of exercise `name` as a learner would (`cargo test -p NAME`), unless its
/// files are the same as at the last run, and says how it went. What is remembered is
/// cargo's output, not the report: a newer runner reads old runs its own way.
pub fn check(course: &Course, name: &str) -> Result<Report> {
    let key = fingerprint(course, name)?;
    let tests = course.root.join("exercises").join(name).join("tests");
    if let Some(run) = remembered(course, name, &key) {
        return Ok(Report {
            remembered: true,
            ..run.report(&tests)
        });
    }
    let run = run_tests(course, name)?;
    // A file saved while the tests ran makes this run old already: keep it only if
    // nothing changed. A run stopped at the time limit is not kept either: a busy
    // machine may have caused it.
    if fingerprint(course, name)? == key && !matches!(run, Run::TimedOut(_)) {
        let mut memory = load_memory(course, "runs.json");
        memory.insert(name.to_owned(), json!({"key": key, "run": run}));
        save_memory(course, "runs.json", &memory)?;
    }
    Ok(run.report(&tests))
}

/// The run the runner remembers for exercise `name` with the files fingerprinted `key`.
fn remembered(course: &Course, name: &str, key: &str) -> Option<Run> {
    let memory = load_memory(course, "runs.json");
    let entry = memory.get(name).filter(|m| m["key"] == key)?;
    serde_json::from_value(entry["run"].clone()).ok()
}

/// Whether the runner remembers exercise `name` solved, with its files as they are now.
fn known_solved(course: &Course, name: &str) -> bool {
    let tests = course.root.join("exercises").join(name).join("tests");
    fingerprint(course, name)
        .ok()
        .and_then(|key| remembered(course, name, &key))
        .is_some_and(|run| run.report(&tests).state == State::Solved)
}

/// What cargo printed for one exercise.
#[derive(serde::Serialize, serde::Deserialize)]
enum Run {
    /// The build failed; its output.
    NotBuilt(String),
    /// The tests did not finish within this many seconds.
    TimedOut(u64),
    /// The tests ran; their output.
    Ran(String),
}

impl Run {
    fn report(&self, tests: &Path) -> Report {
        let stopped = |first: String, state| Report {
            state,
            passed: 0,
            total: 0,
            first: Some((String::new(), first)),
            remembered: false,
        };
        match self {
            Run::NotBuilt(output) => {
                stopped(first_error(output).unwrap_or_default(), State::Broken)
            }
            Run::TimedOut(limit) => stopped(
                format!(
                    "the tests did not finish within {limit} s and were stopped: \
                     something waits forever (a lock never released, a thread never \
                     joined, a read that nothing answers?)"
                ),
                State::NotYet,
            ),
            Run::Ran(output) => read_results(output, tests),
        }
    }
}

fn cargo(course: &Course, args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .args(["--color", "never"])
        .current_dir(&course.root)
        .env("CARGO_TARGET_DIR", &course.target)
        // The runner shows a panic's message; a backtrace would bury it.
        .env("RUST_BACKTRACE", "0");
    command
}

fn run_tests(course: &Course, name: &str) -> Result<Run> {
    // Build first, with no time limit that a slow first build could hit; then run the
    // tests with one.
    let build = cargo(course, &["test", "--package", name, "--no-run"]);
    let (status, output) = testkit::run_within(build, BUILD_LIMIT)
        .map_err(|why| anyhow::anyhow!("building exercise {name} {why}"))?;
    if !status.success() {
        if first_error(&output).is_none() {
            bail!("cargo could not build exercise {name}:\n{output}");
        }
        return Ok(Run::NotBuilt(output));
    }
    let run = cargo(course, &["test", "--package", name, "--no-fail-fast"]);
    Ok(match testkit::run_within(run, course.test_limit) {
        Ok((_, output)) => Run::Ran(output),
        Err(_) => Run::TimedOut(course.test_limit.as_secs()),
    })
}

/// The compiler's first error in cargo's output: from its `error` line to the blank line
/// that ends it.
fn first_error(output: &str) -> Option<String> {
    let mut lines = output.lines().skip_while(|line| {
        !(line.starts_with("error[") || line.starts_with("error:"))
            || line.starts_with("error: could not compile")
    });
    let first = lines.next()?;
    let rest = lines.take_while(|line| !line.is_empty());
    Some(
        std::iter::once(first)
            .chain(rest)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// What libtest printed, summed over every test program of the exercise: how many tests
/// passed, how many ran, and the failure a learner should read first, which is the
/// failing test written first in the exercise's test files (they go from simple to
/// hard), not the first in libtest's alphabetical order.
pub fn read_results(output: &str, tests: &Path) -> Report {
    let counts = regex::Regex::new(r"^test result: \w+\. (\d+) passed; (\d+) failed")
        .expect("a valid pattern");
    let (mut passed, mut failed) = (0, 0);
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in output.lines() {
        if let Some(found) = counts.captures(line) {
            passed += found[1].parse::<usize>().unwrap_or(0);
            failed += found[2].parse::<usize>().unwrap_or(0);
        }
        let section = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"));
        if section.is_some() || line == "failures:" || line.starts_with("test result:") {
            failures.extend(current.take());
        }
        if let Some(test) = section {
            current = Some((test.to_owned(), String::new()));
        } else if let Some((_, text)) = &mut current
            && !line.starts_with("note: run with `RUST_BACKTRACE=1`")
        {
            text.push_str(line);
            text.push('\n');
        }
    }
    failures.extend(current);
    let mut sources = Vec::new();
    let _ = collect_files(tests, &mut sources);
    sources.sort();
    let source: String = sources
        .iter()
        .filter_map(|file| fs::read_to_string(file).ok())
        .collect();
    let written_at = |test: &str| {
        let short = test.rsplit("::").next().unwrap_or(test);
        source.find(&format!("fn {short}(")).unwrap_or(usize::MAX)
    };
    failures.sort_by_key(|(test, _)| written_at(test));
    let first = failures
        .into_iter()
        .next()
        .map(|(test, text)| (test, text.trim().to_owned()));
    let state = if failed == 0 && passed > 0 {
        State::Solved
    } else {
        State::NotYet
    };
    Report {
        state,
        passed,
        total: passed + failed,
        first,
        remembered: false,
    }
}

/// How many terminal columns `text` takes: Hangul and other wide characters take two.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115f | 0x2e80..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff => 2,
            0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6 => 2,
            _ => 1,
        })
        .sum()
}

fn pad(text: &str, columns: usize) -> String {
    let fill = columns.saturating_sub(width(text));
    format!("{text}{}", " ".repeat(fill))
}

fn describe(lang: Lang, report: &Report) -> String {
    match (&report.state, lang) {
        (State::Solved, Lang::En) => format!("solved ({} tests)", report.total),
        (State::Solved, Lang::Ko) => format!("풀었음 (테스트 {}개)", report.total),
        (State::NotYet, Lang::En) if report.total == 0 => "not yet".into(),
        (State::NotYet, Lang::Ko) if report.total == 0 => "아직".into(),
        (State::NotYet, Lang::En) => {
            format!("not yet: {} of {} tests pass", report.passed, report.total)
        }
        (State::NotYet, Lang::Ko) => {
            format!(
                "아직: 테스트 {}개 중 {}개 통과",
                report.total, report.passed
            )
        }
        (State::Broken, Lang::En) => "does not compile".into(),
        (State::Broken, Lang::Ko) => "컴파일되지 않음".into(),
    }
}

/// `cargo xtask exercises`: every exercise with its chapter, difficulty and state, a
/// progress bar, and the next exercise with the commands for it. Each row is printed as
/// soon as its tests have run.
pub fn status(course: &Course, out: &mut dyn Write) -> Result<Vec<(Exercise, Option<Report>)>> {
    let lang = course.lang;
    let all = course.exercises()?;
    writeln!(
        out,
        "{}\n",
        lang.say(
            "The exercises, in the order of the book. Each one's state is what \
             `cargo test -p NAME` says\n(run again only when its files change; the first \
             time builds them all and takes a while).",
            "책의 순서대로 본 연습 문제입니다. 상태는 `cargo test -p NAME`의 결과입니다\n\
             (파일이 바뀐 연습 문제만 다시 돌립니다. 처음에는 모두 빌드하느라 시간이 걸립니다)."
        )
    )?;
    let name_width = all.iter().map(|e| width(&e.name)).max().unwrap_or(0);
    let chapter_width = all.iter().map(|e| width(&e.chapter)).max().unwrap_or(0);
    let mut rows = Vec::new();
    for (number, exercise) in all.into_iter().enumerate() {
        let report = if exercise.tested {
            Some(check(course, &exercise.name)?)
        } else {
            None
        };
        let state = match &report {
            Some(report) => describe(lang, report),
            None => format!(
                "{}: {}",
                lang.say("no tests, run and read", "테스트 없음, 실행하고 읽기"),
                exercise
                    .command
                    .split('`')
                    .nth(1)
                    .unwrap_or(&exercise.command)
            ),
        };
        writeln!(
            out,
            "{:>3}. {}  {}  {}  {state}",
            number + 1,
            pad(&exercise.name, name_width),
            pad(&exercise.chapter, chapter_width),
            pad(&exercise.stars, 3),
        )?;
        out.flush()?;
        rows.push((exercise, report));
    }
    let tested: Vec<_> = rows.iter().filter(|(_, r)| r.is_some()).collect();
    let solved = tested
        .iter()
        .filter(|(_, r)| r.as_ref().is_some_and(|r| r.state == State::Solved))
        .count();
    let bar = 40 * solved / tested.len().max(1);
    writeln!(
        out,
        "\n[{}{}] {}",
        "#".repeat(bar),
        "-".repeat(40 - bar),
        match lang {
            Lang::En => format!("{solved} of {} solved", tested.len()),
            Lang::Ko => format!("{}개 중 {solved}개 풀었음", tested.len()),
        }
    )?;
    let next = rows
        .iter()
        .find(|(_, r)| r.as_ref().is_some_and(|r| r.state != State::Solved));
    match next {
        Some((exercise, _)) => write!(out, "\n{}", next_steps(course, exercise))?,
        None => writeln!(
            out,
            "\n{}",
            lang.say(
                "Every exercise is solved. Compare yours with the solutions \
                 (solutions.md in the book).",
                "모든 연습 문제를 풀었습니다. 책의 해답(solutions.md)과 견주어 보세요."
            )
        )?,
    }
    Ok(rows)
}

/// What to do next: the exercise, where it is in the book, and the commands for it.
fn next_steps(course: &Course, exercise: &Exercise) -> String {
    let (name, lang) = (&exercise.name, course.lang);
    let (file, anchor) = exercise
        .page
        .split_once('#')
        .unwrap_or((&exercise.page, ""));
    let html = file.replace(".md", ".html");
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {name}: {} ({}, {})",
        lang.say("Next:", "다음:"),
        exercise.title,
        exercise.chapter,
        exercise.stars
    );
    let rows = [
        (
            lang.say("read it", "읽기"),
            format!(
                "src/{code}/{file}{} http://127.0.0.1:3000/{code}/{html}#{anchor} {}",
                lang.say(", or", " 또는"),
                lang.say("with cargo xtask serve", "(cargo xtask serve 실행 중)"),
                code = lang.code()
            ),
        ),
        (
            lang.say("your code", "코드"),
            format!("exercises/{name}/src/"),
        ),
        (
            lang.say("work on it", "풀기"),
            format!("cargo xtask exercises --watch {name}"),
        ),
        (
            lang.say("a hint", "힌트"),
            format!("cargo xtask hint {name}"),
        ),
    ];
    let label_width = rows.iter().map(|(l, _)| width(l)).max().unwrap_or(0);
    for (label, value) in rows {
        let _ = writeln!(text, "  {}  {value}", pad(label, label_width));
    }
    text
}

/// One run's report for `--watch`: how many tests pass and the first failure, or the
/// compiler's first error, or that everything passes and what comes next.
pub fn explain(course: &Course, exercise: &Exercise, report: &Report) -> Result<String> {
    let (name, lang) = (&exercise.name, course.lang);
    let mut text = String::new();
    match report.state {
        State::Broken => {
            let error = report.first.as_ref().map(|(_, e)| e.as_str());
            writeln!(
                text,
                "{name}: {}\n\n{}",
                lang.say(
                    "does not compile yet. The compiler's first error:",
                    "아직 컴파일되지 않습니다. 컴파일러의 첫 오류:"
                ),
                error.unwrap_or_default()
            )?;
        }
        State::NotYet => {
            match lang {
                Lang::En => writeln!(
                    text,
                    "{name}: {} of {} tests pass.",
                    report.passed, report.total
                )?,
                Lang::Ko => writeln!(
                    text,
                    "{name}: 테스트 {}개 중 {}개가 통과합니다.",
                    report.total, report.passed
                )?,
            }
            if let Some((test, message)) = &report.first {
                if !test.is_empty() {
                    writeln!(
                        text,
                        "\n{} {test}",
                        lang.say("The first failing test:", "처음으로 실패한 테스트:")
                    )?;
                }
                writeln!(text, "\n{}", shorten(message, 30))?;
            }
        }
        State::Solved => {
            match lang {
                Lang::En => writeln!(text, "{name}: all {} tests pass. Solved!", report.total)?,
                Lang::Ko => writeln!(
                    text,
                    "{name}: 테스트 {}개가 모두 통과합니다. 풀었습니다!",
                    report.total
                )?,
            }
            // The next exercise after this one (and then from the start) not known to
            // be solved: known from the runner's memory, without running anything.
            let all = course.exercises()?;
            let at = all.iter().position(|e| e.name == *name).unwrap_or(0);
            let later = all[at + 1..]
                .iter()
                .chain(&all[..at])
                .find(|e| e.tested && !known_solved(course, &e.name));
            match later {
                Some(next) => write!(text, "\n{}", next_steps(course, next))?,
                None => writeln!(
                    text,
                    "\n{}",
                    lang.say(
                        "Every exercise with tests is solved. Compare yours with the \
                         solutions (solutions.md in the book).",
                        "테스트가 있는 연습 문제를 모두 풀었습니다. 책의 해답(solutions.md)과 \
                         견주어 보세요."
                    )
                )?,
            }
        }
    }
    Ok(text)
}

/// At most `lines` lines of `text`, and how many were left out.
fn shorten(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    if all.len() <= lines {
        return text.to_owned();
    }
    format!(
        "{}\n... ({} more lines: cargo test -p NAME shows them all)",
        all[..lines].join("\n"),
        all.len() - lines
    )
}

/// `cargo xtask exercises --watch NAME`: runs the exercise's tests, then again each time
/// one of its `.rs` or `.toml` files changes, and prints what the learner needs. Stops
/// after `rounds` runs if given (the tests use that), else runs until Ctrl-C.
pub fn watch(
    course: &Course,
    name: &str,
    rounds: Option<usize>,
    out: &mut dyn Write,
) -> Result<()> {
    use notify::{RecursiveMode, Watcher};
    let exercise = course.find(name)?;
    if !exercise.tested {
        bail!(
            "{name} has no tests to watch: {}",
            exercise.command.replace('`', "")
        );
    }
    let folder = course.root.join("exercises").join(name);
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(&folder, RecursiveMode::Recursive)?;
    let is_code = |event: &notify::Result<notify::Event>| {
        let Ok(event) = event else { return false };
        !event.kind.is_access()
            && event.paths.iter().any(|path| {
                // Inside the exercise's folder: the course itself may be inside a
                // folder called target.
                let inside = path.strip_prefix(&folder).unwrap_or(path);
                let code = matches!(
                    inside.extension().and_then(|e| e.to_str()),
                    Some("rs" | "toml")
                );
                code && !inside.components().any(|c| c.as_os_str() == "target")
            })
    };
    let mut round = 0;
    loop {
        writeln!(
            out,
            "{}",
            lang_line(
                course.lang,
                "Running the tests of",
                "테스트를 돌립니다...",
                name
            )
        )?;
        out.flush()?;
        let report = check(course, name)?;
        writeln!(out, "\n{}", explain(course, &exercise, &report)?)?;
        out.flush()?;
        writeln!(
            out,
            "{}",
            match course.lang {
                Lang::En => format!(
                    "Watching exercises/{name}/ for changes (Ctrl-C to stop). \
                     A hint: cargo xtask hint {name}"
                ),
                Lang::Ko => format!(
                    "exercises/{name}/의 변경을 지켜봅니다(멈추려면 Ctrl-C). \
                     힌트: cargo xtask hint {name}"
                ),
            }
        )?;
        out.flush()?;
        round += 1;
        if rounds.is_some_and(|rounds| round >= rounds) {
            return Ok(());
        }
        // Wait for a change to code, then until the editor has finished writing.
        loop {
            let event = rx.recv().context("the file watcher stopped")?;
            if is_code(&event) {
                break;
            }
        }
        while rx.recv_timeout(Duration::from_millis(300)).is_ok() {}
        writeln!(out, "\n{}\n", "-".repeat(60))?;
    }
}

fn lang_line(lang: Lang, en: &str, ko: &str, name: &str) -> String {
    match lang {
        Lang::En => format!("{en} {name}..."),
        Lang::Ko => format!("{name}: {ko}"),
    }
}

/// The hints at the end of an exercise's section in its chapter, in the course's
/// language: the text of each `<details>` block, without its tags.
pub fn hints(course: &Course, exercise: &Exercise) -> Result<Vec<String>> {
    let (file, anchor) = exercise
        .page
        .split_once('#')
        .context("an exercise's link names its heading")?;
    let path = course.root.join("src").join(course.lang.code()).join(file);
    let page =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let heading = format!("{{#{anchor}}}");
    let start = page
        .find(&heading)
        .with_context(|| format!("{} has no heading {heading}", path.display()))?;
    let section = &page[start..];
    // The section ends at the next heading.
    let end = section.find("\n#").unwrap_or(section.len());
    let mut hints = Vec::new();
    for block in section[..end].split("<details>").skip(1) {
        let body = block.split("</details>").next().unwrap_or(block);
        let body = body.split_once("</summary>").map_or(body, |(_, text)| text);
        hints.push(body.trim().to_owned());
    }
    Ok(hints)
}

/// `cargo xtask hint NAME`: the next hint of an exercise, one more each time.
pub fn hint(course: &Course, name: &str) -> Result<String> {
    let exercise = course.find(name)?;
    let hints = hints(course, &exercise)?;
    let lang = course.lang;
    if hints.is_empty() {
        return Ok(match lang {
            Lang::En => format!(
                "{name} has no hints; its section in the book is {}.",
                exercise.page
            ),
            Lang::Ko => format!(
                "{name}에는 힌트가 없습니다. 책에서는 {}에 있습니다.",
                exercise.page
            ),
        });
    }
    let mut memory = load_memory(course, "hints.json");
    let seen = memory.get(name).and_then(Value::as_u64).unwrap_or(0) as usize;
    let number = (seen + 1).min(hints.len());
    memory.insert(name.to_owned(), json!(number));
    save_memory(course, "hints.json", &memory)?;

    let mut text = match lang {
        Lang::En => format!("Hint {number} of {} for {name}:\n\n", hints.len()),
        Lang::Ko => format!("{name}의 힌트 {}개 중 {number}번째:\n\n", hints.len()),
    };
    text += &hints[number - 1];
    text += "\n\n";
    text += &if number < hints.len() {
        match lang {
            Lang::En => format!("The next one: cargo xtask hint {name}"),
            Lang::Ko => format!("다음 힌트: cargo xtask hint {name}"),
        }
    } else {
        match lang {
            Lang::En => format!(
                "That was the last hint. The solution is in solutions/{name}/ \
                 (solutions.md#{name} in the book)."
            ),
            Lang::Ko => format!(
                "마지막 힌트였습니다. 해답은 solutions/{name}/에 있습니다 \
                 (책의 solutions.md#{name})."
            ),
        }
    };
    Ok(text)
}
