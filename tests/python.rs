//! The Python programs of the From Python to Rust chapter (`python/`), run as the blog
//! post runs them, and the output the chapter shows: the two threads, a session of the
//! post's server and client, the Python client talking to the Rust server, the Python
//! server ending on a character split across two `recv` calls, and (on Linux) the Python
//! server unable to listen again at once without SO_REUSEADDR.
//!
//! Needs `python3`. Without it these tests pass with a printed reason, unless
//! `REQUIRE_PYTHON` is set, as `.ci/run` does: then a missing Python fails them.
//! The servers run on free loopback ports; every wait has a time limit, and a test stops
//! only the processes it started, by their handles.

use regex::Regex;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};
use testkit::{Finished, LIMIT, Server, read_n};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file in `python/`: a program, or the output the chapter shows.
fn python_file(name: &str) -> PathBuf {
    root().join("python").join(name)
}

/// `python3` when it runs, or `None` (said on stderr) when it does not and the run does
/// not require it.
fn python(test: &str) -> Option<PathBuf> {
    let works = Command::new("python3")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| {
            out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("Python 3")
        });
    if works {
        return Some(PathBuf::from("python3"));
    }
    assert!(
        std::env::var_os("REQUIRE_PYTHON").is_none(),
        "REQUIRE_PYTHON is set but `python3 --version` does not run: install Python 3 \
         (Debian: apt-get install python3)"
    );
    let _ = writeln!(
        std::io::stderr(),
        "python test {test} skipped: no python3 on PATH (install Python 3 to run it)"
    );
    None
}

/// Runs `python3 SCRIPT ARGS` and waits (at most [`LIMIT`]) for it to finish.
fn run_python(python: &Path, script: &str, args: &[&str]) -> Finished {
    let script = python_file(script);
    let mut all = vec![script.to_str().expect("a UTF-8 path")];
    all.extend_from_slice(args);
    testkit::run(python, &all, b"")
}

/// What a Python program printed, with Windows' `\r\n` line ends turned into `\n`
/// (Python writes text, and on Windows text lines end in `\r\n`).
fn stdout(finished: &Finished) -> String {
    finished.stdout_text().replace("\r\n", "\n")
}

/// A port nothing listens on: the operating system's pick, free again once the
/// listener that got it is closed.
fn free_port() -> u16 {
    // Not TcpListener::bind: it sets SO_REUSEADDR, so its port may still have
    // connections in TIME_WAIT from an earlier run, and Python's bind would fail.
    testkit::free_port_without_reuse()
}

/// Connects to `127.0.0.1:port`, trying again while the connection is refused: the
/// server may still be starting. A refused connection never reaches `accept`, so the
/// server's log shows only the connection that succeeds.
fn connect_when_listening(port: u16) -> TcpStream {
    let deadline = Instant::now() + LIMIT;
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(stream) => {
                stream.set_read_timeout(Some(LIMIT)).expect("timeout");
                stream.set_write_timeout(Some(LIMIT)).expect("timeout");
                return stream;
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("cannot connect to port {port}: {e}"),
        }
    }
}

/// Runs the post's client against `port`, again while its connection is refused (the
/// server may still be starting).
fn run_client_when_listening(python: &Path, port: u16) -> Finished {
    let deadline = Instant::now() + LIMIT;
    loop {
        let finished = run_python(python, "echo_client.py", &[&port.to_string()]);
        if !finished.stderr.contains("ConnectionRefusedError") || Instant::now() > deadline {
            return finished;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The post's server, started as `python3 -u python/echo_server.py PORT`. `-u` makes its
/// prints reach the test at once, as they reach a terminal (into a pipe, Python would
/// keep them until it exits). It prints no address, so it is started at one; it is
/// stopped when the value is dropped.
fn python_server(python: &Path) -> Server {
    let port = free_port();
    let mut command = Command::new(python);
    command
        .arg("-u")
        .arg(python_file("echo_server.py"))
        .arg(port.to_string());
    Server::start_at(command, SocketAddr::from(([127, 0, 0, 1], port)))
}

/// For [`testkit::shown_output`]: Python prints addresses as `('127.0.0.1', 50312)`,
/// Rust as `127.0.0.1:50312`; the ports vary from run to run.
fn any_ports(text: &str) -> String {
    let python = Regex::new(r"\('127\.0\.0\.1', \d+\)").expect("valid regex");
    testkit::any_ports(&python.replace_all(text, "('127.0.0.1', PORT)"))
}

/// For [`testkit::shown_output`] of a traceback: only the lines that do not start with a
/// space. The indented lines name the file and show the line of code, and how they look
/// changes between Python versions (3.11 added the `^^^^` under the failing call).
fn unindented(text: &str) -> String {
    any_ports(
        &text
            .lines()
            .filter(|line| !line.starts_with(' '))
            .map(|line| format!("{line}\n"))
            .collect::<String>(),
    )
}

/// A traceback names the program by its full path; the chapter shows it relative to the
/// repository, as when you run `python3 python/echo_server.py` there.
fn relative_paths(text: &str) -> String {
    let prefix = format!("{}{}", root().display(), std::path::MAIN_SEPARATOR);
    text.replace(&prefix, "")
}

/// The last line of `text`.
fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or_default()
}

// --- threads.py ---

/// What each thread of threads.py writes: `print` writes the value and then the newline,
/// in two steps.
const NUMBERS: &str = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
const LETTERS: &str = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";

/// Whether `output` is the two threads' characters mixed, each thread's in its order:
/// an interleaving of [`NUMBERS`] and [`LETTERS`]. Lines may be torn (`1a`), since a
/// `print` is two writes and the other thread may write in between.
fn is_interleaving(output: &str) -> bool {
    let (out, a, b) = (output.as_bytes(), NUMBERS.as_bytes(), LETTERS.as_bytes());
    if out.len() != a.len() + b.len() {
        return false;
    }
    // can[i][j]: the first i + j bytes of the output are the first i of `a` and the
    // first j of `b`, mixed.
    let mut can = vec![vec![false; b.len() + 1]; a.len() + 1];
    can[0][0] = true;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let next = i + j;
            if i > 0 && can[i - 1][j] && a[i - 1] == out[next - 1] {
                can[i][j] = true;
            }
            if j > 0 && can[i][j - 1] && b[j - 1] == out[next - 1] {
                can[i][j] = true;
            }
        }
    }
    can[a.len()][b.len()]
}

/// For [`testkit::shown_output`]: any interleaving is as good as another.
fn sorted_characters(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars.sort();
    chars.into_iter().collect()
}

#[test]
fn the_interleaving_check_accepts_mixed_and_torn_runs_and_rejects_wrong_ones() {
    let in_order = format!("{NUMBERS}{LETTERS}");
    assert!(is_interleaving(&in_order));
    assert!(is_interleaving(&format!("{LETTERS}{NUMBERS}")));
    // a real run: `a` came between `1` and its newline
    assert!(is_interleaving(
        "1a\n2\n3\n4\n5\n6\n7\n8\n9\n10\n\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
    ));
    for bad in [
        in_order.replace("3\n", ""),
        in_order.replace("1\n2\n", "2\n1\n"),
        in_order.replace("a\nb\n", "b\na\n"),
        format!("{in_order}done\n"),
    ] {
        assert!(!is_interleaving(&bad), "accepted:\n{bad}");
    }
}

/// One run of threads.py, as the chapter shows it, and a few more: every run prints
/// both sequences, each in its order, and nothing else.
#[test]
fn shown_output_of_threads_py() {
    let Some(python) = python("shown_output_of_threads_py") else {
        return;
    };
    let runs: Vec<String> = (0..10)
        .map(|_| {
            let finished = run_python(&python, "threads.py", &[]);
            assert!(finished.status.success(), "{finished:?}");
            stdout(&finished)
        })
        .collect();
    for run in &runs {
        assert!(is_interleaving(run), "not the two threads' output:\n{run}");
    }
    let in_order = format!("{NUMBERS}{LETTERS}");
    let mixed = runs.iter().filter(|run| **run != in_order).count();
    println!("{mixed} of {} runs were not in order", runs.len());

    let file = python_file("output-threads.txt");
    testkit::shown_output(&file, &runs[0], sorted_characters);
    let shown = std::fs::read_to_string(&file).expect("readable");
    assert!(is_interleaving(&shown), "{}:\n{shown}", file.display());
}

// --- the post's server and client ---

/// The session the chapter shows: the post's server, and its client run once.
#[test]
fn shown_output_of_the_python_server_and_client() {
    let Some(python) = python("shown_output_of_the_python_server_and_client") else {
        return;
    };
    let mut server = python_server(&python);
    let client = run_client_when_listening(&python, server.addr.port());
    assert!(client.status.success(), "{client:?}");
    assert_eq!(stdout(&client), "Received: Hello, server!\n");
    server.wait_for_line("Connected by ('127.0.0.1', ");
    assert_eq!(server.wait_for_line("Received"), "Received: Hello, server!");
    testkit::shown_output(
        &python_file("output-server.txt"),
        &server.log_text(),
        any_ports,
    );
    testkit::shown_output(
        &python_file("output-client.txt"),
        &stdout(&client),
        testkit::exactly,
    );

    // It serves forever, one client after another.
    let again = run_python(
        &python,
        "echo_client.py",
        &[&server.addr.port().to_string()],
    );
    assert_eq!(stdout(&again), "Received: Hello, server!\n");
}

/// The same bytes on the wire: the post's client talks to first-echo-server exactly as
/// to the post's server.
#[test]
fn shown_output_of_the_python_client_against_the_rust_server() {
    let Some(python) = python("shown_output_of_the_python_client_against_the_rust_server") else {
        return;
    };
    // Refreshing the book's copy runs on the default port, as the chapter shows it.
    let addr = if testkit::updating_outputs() {
        "127.0.0.1:12345"
    } else {
        "127.0.0.1:0"
    };
    let mut server = Server::start(&testkit::binary("first-echo-server"), &[addr]);
    let port = server.addr.port().to_string();
    let client = run_python(&python, "echo_client.py", &[&port]);
    assert!(client.status.success(), "{client:?}");
    server.wait_for_line("Connected by 127.0.0.1:");
    assert_eq!(server.wait_for_line("Received"), "Received: Hello, server!");
    testkit::shown_output(
        &python_file("output-client.txt"),
        &stdout(&client),
        testkit::exactly,
    );
    testkit::shown_output(
        &python_file("output-rust-server.txt"),
        &(server.log().join("\n") + "\n"),
        testkit::any_ports,
    );
}

/// And the other way round: first-echo-client talks to the post's server.
#[test]
fn the_rust_client_talks_to_the_python_server() {
    let Some(python) = python("the_rust_client_talks_to_the_python_server") else {
        return;
    };
    let mut server = python_server(&python);
    drop(connect_when_listening(server.addr.port())); // a client that leaves at once
    server.wait_for_line("Connected by");
    let addr = format!("127.0.0.1:{}", server.addr.port());
    let client = testkit::run(&testkit::binary("first-echo-client"), &[&addr], b"");
    assert!(client.status.success(), "{client:?}");
    assert_eq!(client.stdout_text(), "Received: Hello, server!\n");
    assert_eq!(server.wait_for_line("Received"), "Received: Hello, server!");
}

/// The post's bug: one `recv(1024)` returns what has arrived, which may be part of the
/// echo.
#[test]
fn the_python_clients_one_recv_prints_only_what_has_arrived() {
    let Some(python) = python("the_python_clients_one_recv_prints_only_what_has_arrived") else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("the client connects");
        stream.set_read_timeout(Some(LIMIT)).expect("timeout");
        assert_eq!(read_n(&mut stream, 14), b"Hello, server!");
        // The echo in two pieces, the second only after the client has gone.
        stream.write_all(b"Hello, ").expect("the client reads");
        let mut rest = Vec::new();
        stream
            .read_to_end(&mut rest)
            .expect("the client closes the connection");
        let _ = stream.write_all(b"server!");
    });
    let client = run_python(&python, "echo_client.py", &[&port.to_string()]);
    assert!(client.status.success(), "{client:?}");
    assert_eq!(stdout(&client), "Received: Hello, \n");
    server.join().expect("the listener");
}

/// 안녕 is six bytes in UTF-8, three for each syllable. A client sends the first four,
/// and the last two a moment later. The post's server decodes each `recv` on its own:
/// the first four bytes end in the middle of 녕, `decode()` raises UnicodeDecodeError,
/// nothing catches it, and the server process ends. (first-echo-server, given the same
/// bytes, prints U+FFFD and goes on: its own tests show it.)
#[test]
fn shown_output_of_the_python_server_ending_on_a_split_character() {
    let Some(python) = python("shown_output_of_the_python_server_ending_on_a_split_character")
    else {
        return;
    };
    let mut server = python_server(&python);
    let mut client = connect_when_listening(server.addr.port());
    server.wait_for_line("Connected by");
    let hello = "안녕".as_bytes();
    client.write_all(&hello[..4]).expect("the server takes it");
    let status = server
        .wait_for_exit(LIMIT)
        .expect("the Python server exits within the time limit");
    assert!(!status.success(), "{status:?}");
    // The rest arrives too late: nobody reads it.
    let _ = client.write_all(&hello[4..]);
    let stderr = server.stderr();
    assert_eq!(
        last_line(&stderr),
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xeb in position 3: \
         unexpected end of data",
        "{stderr}"
    );
    assert!(
        !server.log().iter().any(|line| line.starts_with("Received")),
        "{:?}",
        server.log()
    );
    // The server is gone: nothing listens on its port any more.
    let refused = TcpStream::connect(("127.0.0.1", server.addr.port()))
        .expect_err("nothing listens after the crash");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");

    let shown = server.log_text() + &relative_paths(&stderr);
    testkit::shown_output(&python_file("output-split.txt"), &shown, unindented);
}

/// Ctrl-C stops the post's server while a client is connected. The server's side of
/// that connection closed first, so it waits in TIME_WAIT (60 seconds on Linux), and
/// without SO_REUSEADDR the server cannot bind its port again until then.
/// (first-echo-server listens again at once: its own tests show it.)
#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads TIME_WAIT from Linux's /proc/net/tcp; errno 98 is Linux's number"
)]
fn shown_output_of_the_python_server_unable_to_listen_again_at_once() {
    let Some(python) = python("shown_output_of_the_python_server_unable_to_listen_again_at_once")
    else {
        return;
    };
    let mut server = python_server(&python);
    let mut client = connect_when_listening(server.addr.port());
    client.write_all(b"hi").expect("the server takes it");
    assert_eq!(read_n(&mut client, 2), b"hi");
    server.wait_for_line("Received: hi");
    server.interrupt();
    server
        .wait_for_exit(LIMIT)
        .expect("the Python server exits within the time limit");
    assert!(
        server.stderr().trim_end().ends_with("KeyboardInterrupt"),
        "SIGINT ends the Python server"
    );
    // The server's side closed first; the client reads the end and closes too.
    assert_eq!(testkit::read_to_end(&mut client), b"");
    drop(client);
    let port = server.addr.port();
    testkit::wait_for_time_wait(port);

    let script = python_file("echo_server.py");
    let args = [script.to_str().expect("a UTF-8 path"), &port.to_string()];
    let again = testkit::run_with_limit(&python, &args, b"", Duration::from_secs(3))
        .expect("the second server fails at once instead of listening");
    assert!(!again.status.success());
    assert_eq!(
        last_line(&again.stderr),
        "OSError: [Errno 98] Address already in use",
        "{}",
        again.stderr
    );
    assert!(
        testkit::in_time_wait(port),
        "the old connection is still in TIME_WAIT"
    );
    testkit::shown_output(
        &python_file("output-reuse.txt"),
        &relative_paths(&again.stderr),
        unindented,
    );
}
