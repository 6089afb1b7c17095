//! Every exercise ships unsolved and every solution solves it, checked by the same test
//! files. The solutions' tests run with the rest (`cargo test`); here each starter is
//! built and tested as a learner would (`cargo test -p NAME`): it must compile, and
//! every one of its tests must fail until the learner writes the code.

use std::fs;
use std::path::Path;
use std::process::Command;

fn exercises() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = fs::read_dir(root.join("exercises"))
        .expect("an exercises folder")
        .map(|e| {
            e.expect("readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
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
        let starter = fs::read_to_string(root.join("exercises").join(&name).join("src/main.rs"))
            .expect("a starter src/main.rs");
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

#[test]
fn every_starter_compiles_and_fails_all_its_tests() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for name in exercises() {
        let output = Command::new(&cargo)
            .args(["test", "--quiet", "--no-fail-fast", "--package", &name])
            .output()
            .expect("cargo runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("could not compile") && !stderr.contains("error["),
            "exercises/{name} does not compile as shipped:\n{stderr}"
        );
        let results: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with("test result"))
            .collect();
        let failed = results.iter().any(|l| l.contains("FAILED"));
        let passed = results.iter().any(|l| !l.contains(" 0 passed"));
        assert!(
            failed && !passed,
            "every test of exercises/{name} must fail as shipped; a test that passes \
             before the learner writes anything checks nothing:\n{stdout}"
        );
    }
}
