//! Every ```rust block a reader sees, in either edition, after mdBook has expanded the
//! includes, is compiled with skeptic's runtime, and run unless it is marked `no_run`.
//! `should_panic` blocks must panic; `compile_fail,E....` blocks must fail to compile with
//! that error. Blocks that are the same in both editions are compiled once.
//!
//! skeptic 0.14 compiles snippets as edition 2021 (it does not know 2024 yet); the
//! listings themselves are built by cargo as 2024, and `compile_fail` blocks are checked
//! as 2024 here, so an error a 2024 reader meets is the one the book shows.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::Command;
use xtask::blocks::{Check, code_blocks, program, rust_check};

/// Compiles (and runs) one program as `check` says; `Err` says what went wrong.
fn check_program(check: &Check, program: &str) -> Result<(), String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let (out_dir, target) = (env!("OUT_DIR"), env!("TARGET"));
    let outcome = |f: &dyn Fn()| catch_unwind(AssertUnwindSafe(f)).is_ok();
    match check {
        Check::Run if !outcome(&|| skeptic::rt::run_test(root, out_dir, target, program)) => {
            Err("did not compile, or its program failed (output above)".into())
        }
        Check::Compile
            if !outcome(&|| skeptic::rt::compile_test(root, out_dir, target, program)) =>
        {
            Err("did not compile (errors above)".into())
        }
        Check::Panic if outcome(&|| skeptic::rt::run_test(root, out_dir, target, program)) => {
            Err("is marked `should_panic` but ran successfully".into())
        }
        Check::CompileFail(code) => compile_fails_with(code, program),
        _ => Ok(()),
    }
}

/// `compile_fail,E0373`: the program must not compile, and for the stated reason.
fn compile_fails_with(code: &str, program: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("main.rs");
    std::fs::write(&file, program).map_err(|e| e.to_string())?;
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "bin",
            "--emit",
            "metadata",
        ])
        .arg("--out-dir")
        .arg(dir.path())
        .arg(&file)
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        Err(format!("is marked `compile_fail,{code}` but compiles"))
    } else if !stderr.contains(&format!("error[{code}]")) {
        Err(format!(
            "should fail with {code}, but rustc said:\n{stderr}"
        ))
    } else {
        Ok(())
    }
}

/// skeptic reports a failed compile by panicking with the whole rustc command line,
/// thousands of characters of `--extern`; the compiler's own errors are printed before
/// it. Keep the errors, drop the command line.
fn quiet_command_lines() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map(String::as_str);
        if !message.is_some_and(|m| m.starts_with("Command failed:")) {
            default(info);
        }
    }));
}

#[test]
fn every_rust_block_in_both_editions_compiles_and_runs() {
    quiet_command_lines();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // (how to check, program) -> where readers see it
    let mut programs: BTreeMap<(Check, String), Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    for edition in &xtask::EDITIONS {
        let chapters = xtask::expanded_chapters(root, edition).expect("the book expands");
        for chapter in chapters {
            let path = chapter.path.as_ref().expect("chapters with files");
            for block in code_blocks(&chapter.content) {
                let place = format!(
                    "src/{}/{}, block at line {} after includes",
                    edition.lang,
                    path.display(),
                    block.line
                );
                match rust_check(&block.info) {
                    Ok(Some(check)) => programs
                        .entry((check, program(&block.code)))
                        .or_default()
                        .push(place),
                    Ok(None) => {}
                    Err(why) => failures.push(format!("{place}: {why}")),
                }
            }
        }
    }
    // Expansion must keep every block: as many Rust blocks as the sources have fences.
    let found: usize = programs.values().map(Vec::len).sum::<usize>() + failures.len();
    let mut written = 0;
    for edition in &xtask::EDITIONS {
        let book = xtask::load(root, edition).expect("the book loads");
        for chapter in xtask::chapters(&book.book.items) {
            written += code_blocks(&chapter.content)
                .iter()
                .filter(|b| b.info.split(',').next() == Some("rust"))
                .count();
        }
    }
    assert!(
        written > 0 && found == written,
        "{written} Rust blocks written, {found} found after includes"
    );

    // skeptic's runtime runs a bounded pool of rustc processes; threads only wait.
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = programs
            .iter()
            .map(|((check, program), places)| {
                s.spawn(move || (places, check_program(check, program)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("checker thread"))
            .collect()
    });
    for (places, result) in results {
        if let Err(why) = result {
            failures.push(format!("{} {why}", places.join(" and ")));
        }
    }
    assert!(
        failures.is_empty(),
        "code blocks that fail:\n- {}",
        failures.join("\n- ")
    );
}

#[test]
fn the_checker_catches_blocks_that_break() {
    let fine = "fn main() { println!(\"hi\"); }\n";
    let type_error = "fn main() { let x: u32 = \"no\"; }\n";
    let fails_at_run_time = "fn main() { std::process::exit(3); }\n";
    assert_eq!(check_program(&Check::Run, fine), Ok(()));
    assert!(check_program(&Check::Run, type_error).is_err());
    assert!(check_program(&Check::Run, fails_at_run_time).is_err());
    assert!(check_program(&Check::Compile, type_error).is_err());
    assert!(check_program(&Check::Panic, fine).is_err());
    assert!(check_program(&Check::CompileFail("E0308".into()), fine).is_err());
    assert_eq!(
        check_program(&Check::CompileFail("E0308".into()), type_error),
        Ok(())
    );
    assert!(check_program(&Check::CompileFail("E0373".into()), type_error).is_err());
}

#[test]
fn blocks_that_would_escape_testing_are_refused() {
    assert!(rust_check("rust,ignore").is_err());
    assert!(rust_check("rust,compile_fail").is_err());
    assert_eq!(rust_check("text"), Ok(None));
    assert_eq!(rust_check("rust,no_run"), Ok(Some(Check::Compile)));
}

#[test]
fn hidden_lines_are_part_of_the_program() {
    assert_eq!(
        program("# fn main() {\nlet x = 1;\n#\n# }"),
        "fn main() {\nlet x = 1;\n\n}\n"
    );
    assert_eq!(
        program("#[derive(Debug)]\nstruct A;"),
        "#[derive(Debug)]\nstruct A;\n"
    );
}
