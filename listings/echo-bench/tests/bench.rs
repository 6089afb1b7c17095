//! echo-bench against the book's servers (a short smoke run each: every echo checked,
//! nothing wrong, valid JSON) and against servers that are broken on purpose, whose
//! faults it must report and fail on.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::thread;
use testkit::Server;

/// Runs echo-bench against `addr` with `extra` options, which override these. Half a
/// second is tens of thousands of round trips on loopback. A stall is counted only while
/// more than the stall limit is left (a round trip cut off by the end is not one), so the
/// limit is half the run: a stall in the first half shows, and a healthy round trip, well
/// under a millisecond, does not come near 250 ms even on a busy machine.
fn bench(addr: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec![
        "--addr",
        addr,
        "--duration",
        "500ms",
        "--warmup",
        "0s",
        "--stall",
        "250ms",
        "--json",
    ];
    args.extend_from_slice(extra);
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_echo-bench")), &args, b"");
    let report = serde_json::from_slice(&finished.stdout)
        .unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {finished:?}"));
    (finished.status.code(), report)
}

fn smoke(package: &str, server_args: &[&str], connections: &str) {
    smoke_program(&testkit::binary(package), server_args, connections);
}

fn smoke_program(program: &Path, server_args: &[&str], connections: &str) {
    let server = Server::start(program, server_args);
    let pid = server.pid().to_string();
    let mut args = vec!["--connections", connections];
    // Only Linux has /proc, where echo-bench reads what the server used.
    if cfg!(target_os = "linux") {
        args.extend(["--server-pid", &pid]);
    }
    let (code, report) = bench(&server.addr.to_string(), &args);
    assert_eq!(code, Some(0), "{report}");
    assert!(report["round_trips"].as_u64().unwrap() > 100, "{report}");
    for problem in [
        "mismatches",
        "stalls",
        "early_eofs",
        "errors",
        "connections_got_nothing",
    ] {
        assert_eq!(report[problem], 0, "{problem}: {report}");
    }
    let latency = &report["latency_us"];
    assert!(
        latency["p50"].as_u64() <= latency["p99"].as_u64(),
        "{report}"
    );
    if cfg!(target_os = "linux") {
        check_usage(&report);
    } else {
        assert!(report["server"].is_null(), "{report}");
        assert!(report["bench_cpu_seconds"].is_null(), "{report}");
    }
}

/// Linux: what the server and echo-bench used, from /proc.
fn check_usage(report: &serde_json::Value) {
    // /proc counts CPU time in 10 ms ticks: a short run on a busy machine may show none,
    // but never more than the run's length on every core.
    let run = report["usage_seconds"].as_f64().unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let cpu = [
        &report["server"]["cpu_seconds"],
        &report["bench_cpu_seconds"],
    ];
    for seconds in cpu {
        let seconds = seconds.as_f64().unwrap();
        assert!(
            (0.0..=run * cores + 0.02).contains(&seconds),
            "CPU time: {report}"
        );
    }
    let server = &report["server"];
    assert!(server["threads"].as_u64().unwrap() >= 1, "{report}");
    assert!(server["memory_kib"].as_u64().unwrap() > 0, "{report}");
    // Every ping-pong round trip puts the server to sleep until the next message,
    // which the kernel counts as a context switch.
    assert!(server["context_switches"].as_u64() > Some(0), "{report}");
}

#[test]
fn smoke_run_against_the_sequential_server() {
    smoke("echo-server", &["127.0.0.1:0"], "1");
}

#[test]
fn smoke_run_against_the_threaded_server() {
    smoke("echo-server-threaded", &["127.0.0.1:0"], "8");
}

#[test]
fn smoke_run_against_the_pool_server() {
    smoke("echo-server-pool", &["127.0.0.1:0", "--workers", "8"], "8");
}

#[test]
fn smoke_run_against_the_async_server() {
    smoke("echo-server-async", &["127.0.0.1:0"], "8");
}

#[test]
fn smoke_run_against_the_plain_tokio_yardstick() {
    let program = testkit::example("echo-server-async", "plain");
    smoke_program(&program, &["127.0.0.1:0"], "10");
}

#[test]
fn a_pool_that_starves_clients_shows_in_the_report() {
    let server = Server::start(
        &testkit::binary("echo-server-pool"),
        &["127.0.0.1:0", "--workers", "2"],
    );
    let (code, report) = bench(&server.addr.to_string(), &["--connections", "5"]);
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(report["connections_served"], 2, "{report}");
    assert_eq!(report["connections_got_nothing"], 3, "{report}");
    assert_eq!(report["stalls"], 3, "{report}");
}

/// A one-connection server that runs `serve` on its connection.
fn broken_server(serve: fn(std::net::TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            serve(stream);
        }
    });
    addr
}

#[test]
fn a_server_that_corrupts_a_byte_is_reported() {
    let addr = broken_server(|mut stream| {
        let mut buf = [0; 64];
        let mut echoed = 0u64;
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            for byte in &mut buf[..n] {
                echoed += 1;
                if echoed == 1000 {
                    *byte ^= 1; // one flipped bit in the thousandth byte
                }
            }
            if stream.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    let (code, report) = bench(&addr, &["--connections", "1"]);
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(report["mismatches"], 1, "{report}");
}

#[test]
fn a_server_that_stops_answering_is_reported() {
    let addr = broken_server(|mut stream| {
        let mut buf = [0; 64];
        for _ in 0..10 {
            let Ok(n @ 1..) = stream.read(&mut buf) else {
                return;
            };
            if stream.write_all(&buf[..n]).is_err() {
                return;
            }
        }
        // Then it goes silent, but keeps the connection open.
        thread::sleep(std::time::Duration::from_secs(3));
    });
    let (code, report) = bench(&addr, &["--connections", "1"]);
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(report["stalls"], 1, "{report}");
    assert_eq!(report["connections_served"], 1, "{report}");
}

#[test]
fn a_server_that_closes_early_is_reported() {
    let addr = broken_server(|mut stream| {
        let mut buf = [0; 100];
        let _ = stream.read(&mut buf); // reads part of a message and hangs up
    });
    let (code, report) = bench(&addr, &["--connections", "1"]);
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(
        report["early_eofs"].as_u64().unwrap() + report["errors"].as_u64().unwrap(),
        1
    );
}

#[test]
fn clients_still_waiting_at_the_end_got_nothing() {
    // The sequential server serves one client; the others wait the whole run (shorter
    // than the 2 s stall limit), so they are not stalls, and not served either.
    let server = Server::start(&testkit::binary("echo-server"), &["127.0.0.1:0"]);
    let (code, report) = bench(
        &server.addr.to_string(),
        &["--connections", "3", "--stall", "2s"],
    );
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["connections_served"], 1, "{report}");
    assert_eq!(report["connections_got_nothing"], 2, "{report}");
    assert_eq!(report["stalls"], 0, "{report}");
}

#[test]
fn warm_up_round_trips_are_checked_but_not_counted() {
    // A server that answers ten messages, a millisecond's work, and then stays silent:
    // every answer falls in the half-second warm-up, so the measured run has none, and
    // no stall either (the silence lasts less than the 5 s stall limit).
    let addr = broken_server(|mut stream| {
        let mut buf = [0; 64];
        for _ in 0..10 {
            let Ok(n @ 1..) = stream.read(&mut buf) else {
                return;
            };
            if stream.write_all(&buf[..n]).is_err() {
                return;
            }
        }
        thread::sleep(std::time::Duration::from_secs(3));
    });
    let (code, report) = bench(
        &addr,
        &["--connections", "1", "--warmup", "500ms", "--stall", "5s"],
    );
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["round_trips"], 0, "{report}");
    assert_eq!(report["connections_got_nothing"], 1, "{report}");
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the chapter's output has the server's CPU and memory, which echo-bench \
              reads from /proc: only Linux has it"
)]
fn shown_output_is_current() {
    // The chapter's run: 10 connections for 3 s against the threaded server. The numbers
    // differ from run to run; the lines and what they say must not. It takes its full
    // 4 s (a second of warm-up, then three with a line each): that is what the chapter
    // shows.
    let server =
        Server::start(&testkit::binary("echo-server-threaded"), &["127.0.0.1:0"]);
    let pid = server.pid().to_string();
    let finished = testkit::run(
        Path::new(env!("CARGO_BIN_EXE_echo-bench")),
        &[
            "--addr",
            &server.addr.to_string(),
            "--connections",
            "10",
            "--duration",
            "3s",
            "--server-pid",
            &pid,
        ],
        b"",
    );
    assert!(finished.status.success(), "{finished:?}");
    // As the chapter runs it: against the default address.
    let output = (finished.stderr.clone() + &finished.stdout_text())
        .replace(&server.addr.to_string(), "127.0.0.1:12345");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &output, any_numbers);
}

/// For the shown output: every number may differ, the words may not.
fn any_numbers(text: &str) -> String {
    // With the spaces before them: a shorter number is padded to keep columns.
    let number = regex::Regex::new(r" *\d+(\.\d+)?").expect("valid regex");
    number.replace_all(text, " N").into_owned()
}
