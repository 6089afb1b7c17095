//! Every exercise ships unsolved and every solution solves it, checked by the same test
//! files. The solutions' tests run with the rest (`cargo test`); here each starter is
//! built and tested as `cargo test -p NAME` would for a learner: it must compile, and
//! every one of its tests must fail until the learner writes the code.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::Duration;

fn exercises() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Each exercise is a folder; files beside them (rustfmt.toml) are not exercises.
    let mut names: Vec<String> = fs::read_dir(root.join("exercises"))
        .expect("an exercises folder")
        .map(|e| e.expect("readable").path())
        .filter(|path| path.is_dir())
        .map(|path| {
            let name = path.file_name().expect("a folder name");
            name.to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no exercises found");
    names
}

#[test]
fn every_exercise_has_a_solution_that_runs_its_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in exercises() {
        let manifest = root.join("solutions").join(&name).join("Cargo.toml");
        let manifest = fs::read_to_string(&manifest)
            .unwrap_or_else(|_| panic!("exercise {name} has no solutions/{name}/"));
        let tests = root.join("exercises").join(&name).join("tests");
        for test in fs::read_dir(&tests).expect("the exercise has tests") {
            let file = test.expect("readable").file_name();
            let path = format!(
                "path = \"../../exercises/{name}/tests/{}\"",
                file.to_string_lossy()
            );
            assert!(
                manifest.contains(&path),
                "solutions/{name}/Cargo.toml must run the exercise's test file: {path}"
            );
        }
        // The code to write is in src/main.rs, or in src/lib.rs for an exercise whose
        // tests call a library.
        let src = root.join("exercises").join(&name).join("src");
        let starter = ["main.rs", "lib.rs"]
            .iter()
            .filter_map(|file| fs::read_to_string(src.join(file)).ok())
            .collect::<String>();
        assert!(!starter.is_empty(), "exercises/{name} has no src/main.rs");
        assert!(
            starter.contains("todo!("),
            "exercises/{name} has no todo!() to fill in"
        );
    }
}

#[test]
fn every_exercise_is_on_the_overview_page_of_both_editions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for edition in &xtask::EDITIONS {
        let page = root.join("src").join(edition.lang).join("exercises.md");
        let page = fs::read_to_string(&page).expect("an exercises page");
        for name in exercises() {
            assert!(
                page.contains(&format!("`cargo test -p {name}`")),
                "src/{}/exercises.md does not list exercise {name} with its command",
                edition.lang
            );
        }
    }
}

/// How long building every starter's tests, and then running one starter's tests, may
/// take: a cold build on a two-core machine takes minutes, and a starter's tests may
/// build a program they need (`send-file`'s build the echo server).
const LIMIT: Duration = Duration::from_secs(10 * 60);

#[test]
fn every_starter_compiles_and_fails_all_its_tests() {
    let names = exercises();
    let built = build_starters(&names);
    // Each starter's tests run at the same time as the others': most of the time goes
    // to tests that wait for a program that never answers.
    let failures: Vec<String> = thread::scope(|s| {
        let checks: Vec<_> = names
            .iter()
            .map(|name| s.spawn(|| check_starter(name, &built)))
            .collect();
        checks
            .into_iter()
            .filter_map(|check| check.join().expect("checker thread").err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What building every starter's tests gave, by package.
#[derive(Default)]
struct Built {
    errors: BTreeMap<String, Vec<String>>,
    tests: BTreeMap<String, Vec<PathBuf>>,
    /// What cargo said in words (its JSON messages aside): why, if something was not
    /// built and no compiler error says so.
    said: String,
}

/// Builds the tests of every starter in `names` in one cargo run, as `cargo test -p NAME`
/// would build them, instead of one `cargo test` after another. `--keep-going`: a
/// starter that does not compile does not stop the others. Cargo's JSON messages say
/// which package each error and each test executable is of.
fn build_starters(names: &[String]) -> Built {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--tests", "--keep-going", "--message-format=json"]);
    for name in names {
        build.args(["--package", name]);
    }
    let (_, output) = testkit::run_within(build, LIMIT)
        .unwrap_or_else(|why| panic!("building the starters' tests {why}"));
    let mut built = Built::default();
    for line in output.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            built.said += &format!("{line}\n");
            continue;
        };
        let text = |field: &Value| field.as_str().unwrap_or_default().to_owned();
        // The package's manifest is in its folder, which is named after the package.
        let manifest = PathBuf::from(text(&message["manifest_path"]));
        let folder = manifest.parent().and_then(Path::file_name);
        let package = folder.unwrap_or_default().to_string_lossy().into_owned();
        if message["reason"] == "compiler-message" && message["message"]["level"] == "error" {
            // The same error comes once for each target the file is part of.
            let errors = built.errors.entry(package).or_default();
            let error = text(&message["message"]["rendered"]);
            if !errors.contains(&error) {
                errors.push(error);
            }
        } else if message["reason"] == "compiler-artifact" && message["profile"]["test"] == true {
            let tests = built.tests.entry(package).or_default();
            tests.push(text(&message["executable"]).into());
        }
    }
    built
}

/// Whether starter `name` compiled and fails every one of its tests; `Err` says how it
/// does not. Its test executables run as `cargo test` runs them: in the package's folder.
fn check_starter(name: &str, built: &Built) -> Result<(), String> {
    if let Some(errors) = built.errors.get(name) {
        let errors = errors.concat();
        return Err(format!(
            "exercises/{name} does not compile as shipped:\n{errors}"
        ));
    }
    let Some(tests) = built.tests.get(name) else {
        let said = &built.said;
        return Err(format!(
            "cargo built no tests for exercises/{name}:\n{said}"
        ));
    };
    let folder = format!("{}/exercises/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut results = String::new();
    for test in tests {
        let mut run = Command::new(test);
        // Most of these tests fail by waiting (for an answer that never comes), which
        // takes no processor: all of them wait at once, not two at a time on two cores.
        run.arg("--test-threads=64")
            .current_dir(&folder)
            .env("CARGO_MANIFEST_DIR", &folder);
        let (_, output) = testkit::run_within(run, LIMIT)
            .map_err(|why| format!("the tests of exercises/{name} {why}"))?;
        results += &output;
    }
    let summaries: Vec<&str> = results
        .lines()
        .filter(|l| l.starts_with("test result"))
        .collect();
    let failed = summaries.iter().any(|l| l.contains("FAILED"));
    let passed = summaries.iter().any(|l| !l.contains(" 0 passed"));
    if failed && !passed {
        Ok(())
    } else {
        Err(format!(
            "every test of exercises/{name} must fail as shipped; a test that passes \
             before the learner writes anything checks nothing:\n{results}"
        ))
    }
}
