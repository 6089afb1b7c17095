//! Every ```rust block a reader sees, in either edition, after mdBook has expanded the
//! includes, is compiled with skeptic's runtime, and run unless it is marked `no_run`.
//! `should_panic` blocks must panic; `compile_fail,E....` blocks must fail to compile with
//! that error. Blocks that are the same in both editions are compiled once.
//!
//! skeptic 0.14 compiles snippets as edition 2021 (it does not know 2024 yet); the
//! listings themselves are built by cargo as 2024, and `compile_fail` blocks are checked
//! as 2024 here, so an error a 2024 reader meets is the one the book shows.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};
use xtask::blocks::{Check, code_blocks, program, rust_check};

/// How long checking one block may take, compiling and running it together. A block that
/// loops forever fails after this instead of hanging `cargo test`.
const BLOCK_LIMIT: Duration = Duration::from_secs(60);

/// Set in a child's environment: the block it is to check, and how (see
/// [`check_in_a_child`]).
const CHILD_PROGRAM: &str = "CODE_BLOCK_PROGRAM";
const CHILD_CHECK: &str = "CODE_BLOCK_CHECK";

/// Checks one program as `check` says, giving up after `limit`; `Err` says what went
/// wrong.
fn check_program(check: &Check, program: &str, limit: Duration) -> Result<(), String> {
    let kind = match check {
        Check::CompileFail(code) => return compile_fails_with(code, program, limit),
        Check::Run | Check::Panic => "run",
        Check::Compile => "compile",
        // Built and tested by cargo with its crate; `crate_blocks_are_includes_of_crates`
        // makes sure the block is no more than that.
        Check::Crate => return Ok(()),
    };
    let (status, output) = check_in_a_child(kind, program, limit)?;
    match check {
        Check::Run if !status.success() => {
            Err(format!("did not compile, or its program failed:\n{output}"))
        }
        Check::Compile if !status.success() => Err(format!("did not compile:\n{output}")),
        Check::Panic if status.success() => {
            Err("is marked `should_panic` but ran successfully".into())
        }
        _ => Ok(()),
    }
}

/// skeptic 0.14 is the one that knows how to compile a block against this package's
/// dependencies (which `--extern` and `-L` to pass rustc), but it offers no time limit and
/// no way to impose one: `run_test` compiles the block and runs it, and waits for it,
/// all inside; `compile_test` only checks (it writes metadata, no program to run); and
/// the program's temporary folder and process id are private. So each block is checked
/// in a process of its own, this test binary started again to run
/// [`one_block_in_a_child_process`], which calls skeptic. That child can be stopped: it
/// runs in a process group of its own, and after `limit` the whole group is killed, the
/// block's program (and anything it started) with it.
fn check_in_a_child(
    kind: &str,
    program: &str,
    limit: Duration,
) -> Result<(ExitStatus, String), String> {
    let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
    child
        .args(["one_block_in_a_child_process", "--exact", "--ignored"])
        .args(["--nocapture", "--quiet"])
        .env(CHILD_CHECK, kind)
        .env(CHILD_PROGRAM, program);
    let (status, output) = testkit::run_within(child, limit)?;
    // What libtest printed before the child's test began.
    let output = output.trim_start().trim_start_matches("running 1 test\n");
    Ok((status, output.to_owned()))
}

#[test]
#[ignore = "started by check_in_a_child, in a child process, with a block to check"]
fn one_block_in_a_child_process() {
    let (Ok(kind), Ok(program)) = (std::env::var(CHILD_CHECK), std::env::var(CHILD_PROGRAM)) else {
        return; // started by hand (`--ignored`), with no block to check
    };
    // Ctrl-C in a terminal does not reach this child, which runs in a process group of
    // its own (see `testkit::run_within`). Should the test that started it be stopped,
    // the child is handed to another parent: then it stops too, with the block's program.
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        thread::spawn(move || {
            while std::os::unix::process::parent_id() == parent {
                thread::sleep(Duration::from_millis(200));
            }
            testkit::kill_group(std::process::id());
        });
    }
    quiet_command_lines();
    let (root, out_dir, target) = (env!("CARGO_MANIFEST_DIR"), env!("OUT_DIR"), env!("TARGET"));
    // skeptic panics if the block does not compile, or its program fails. The exit
    // status says which it was; exiting here leaves out libtest's report on this test,
    // which is not about the block.
    let checked = std::panic::catch_unwind(|| match kind.as_str() {
        "run" => skeptic::rt::run_test(root, out_dir, target, &program),
        _ => skeptic::rt::compile_test(root, out_dir, target, &program),
    });
    let _ = std::io::stdout().flush();
    std::process::exit(if checked.is_ok() { 0 } else { 1 });
}

/// `compile_fail,E0373`: the program must not compile, and for the stated reason.
fn compile_fails_with(code: &str, program: &str, limit: Duration) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("main.rs");
    std::fs::write(&file, program).map_err(|e| e.to_string())?;
    let mut rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    rustc
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
        .arg(&file);
    let (status, output) = testkit::run_within(rustc, limit)?;
    if status.success() {
        Err(format!("is marked `compile_fail,{code}` but compiles"))
    } else if !output.contains(&format!("error[{code}]")) {
        Err(format!(
            "should fail with {code}, but rustc said:\n{output}"
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

    // Each check is a child process, mostly rustc at work: as many at a time as there
    // are cores, each worker taking the next block when it is done with one.
    let queue = Mutex::new(programs.iter());
    let next = || queue.lock().expect("lock").next();
    let results = Mutex::new(Vec::new());
    let workers = thread::available_parallelism().map_or(1, |n| n.get());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(((check, program), places)) = next() {
                    let result = check_program(check, program, BLOCK_LIMIT);
                    results.lock().expect("lock").push((places, result));
                }
            });
        }
    });
    for (places, result) in results.into_inner().expect("lock") {
        if let Err(why) = result {
            failures.push(format!("{} {why}", places.join(" and ")));
        }
    }
    failures.sort(); // by place: the workers finish in any order
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
    let check = |check: Check, program| check_program(&check, program, BLOCK_LIMIT);
    assert_eq!(check(Check::Run, fine), Ok(()));
    assert!(check(Check::Run, type_error).is_err());
    assert!(check(Check::Run, fails_at_run_time).is_err());
    assert!(check(Check::Compile, type_error).is_err());
    assert!(check(Check::Panic, fine).is_err());
    assert!(check(Check::CompileFail("E0308".into()), fine).is_err());
    assert_eq!(
        check(Check::CompileFail("E0308".into()), type_error),
        Ok(())
    );
    assert!(check(Check::CompileFail("E0373".into()), type_error).is_err());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "stopping a block's program with its parent needs Unix process groups"
)]
fn a_block_that_never_ends_is_stopped_at_the_limit() {
    // The block writes its process id to a file, so that this test can see that it
    // ran, and that it was stopped rather than left running.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pid_file = dir.path().join("pid");
    let endless = format!(
        "fn main() {{\n\
         std::fs::write({pid_file:?}, std::process::id().to_string()).unwrap();\n\
         loop {{ std::thread::sleep(std::time::Duration::from_secs(1)); }}\n\
         }}\n"
    );
    // Enough to compile this small block on a busy machine (it takes a fraction of a
    // second), and far less than BLOCK_LIMIT, which would make this test wait a minute.
    let limit = Duration::from_secs(5);
    let started = Instant::now();
    let result = check_program(&Check::Run, &endless, limit);
    let took = started.elapsed();
    assert_eq!(
        result,
        Err(format!("did not finish within {limit:?} and was stopped"))
    );
    assert!(took < limit + Duration::from_secs(2), "took {took:?}");
    let pid = std::fs::read_to_string(&pid_file).expect("the block ran and wrote its id");
    // Killed, it is gone once it is reaped; until then it is a zombie (state Z),
    // waiting for whichever process adopted it, as its parent was killed with it. `ps`
    // prints its state, or nothing once it is gone.
    let gone = || {
        Command::new("ps")
            .args(["-o", "stat=", "-p", pid.trim()])
            .output()
            .is_ok_and(|ps| {
                let state = String::from_utf8_lossy(&ps.stdout);
                state.trim().is_empty() || state.trim().starts_with('Z')
            })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(
        gone(),
        "the block's program (process {pid}) is still running"
    );
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

/// A `rust,crate` block is not compiled on its own (it is library code, or a program
/// that uses its crate's library): it must be exactly one include of a file of a crate
/// in `listings/` or `solutions/`, which `cargo test` builds and tests.
#[test]
fn crate_blocks_are_includes_of_crates_cargo_builds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let include = regex::Regex::new(
        r"^\{\{#(?:rustdoc_)?include \.\./\.\./((?:listings|solutions)/[a-z0-9-]+)/[^}:]+(?::[a-z_]+)?\}\}\s*$",
    )
    .expect("valid regex");
    let mut seen = 0;
    for edition in &xtask::EDITIONS {
        let book = xtask::load(root, edition).expect("the book loads");
        for chapter in xtask::chapters(&book.book.items) {
            for block in code_blocks(&chapter.content) {
                if rust_check(&block.info) != Ok(Some(Check::Crate)) {
                    continue;
                }
                seen += 1;
                let place = format!("src/{}/{:?}:{}", edition.lang, chapter.path, block.line);
                let crate_dir = include.captures(&block.code).unwrap_or_else(|| {
                    panic!("{place}: a `rust,crate` block must be one include of a crate's file")
                })[1]
                    .to_owned();
                assert!(
                    root.join(&crate_dir).join("Cargo.toml").is_file(),
                    "{place}: {crate_dir} is not a crate"
                );
            }
        }
    }
    assert!(
        seen > 0,
        "no `rust,crate` block found: is the check still needed?"
    );
    assert!(rust_check("rust,crate") == Ok(Some(Check::Crate)));
}
