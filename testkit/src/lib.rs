//! Helpers for the listings' tests. Programs are started as the binaries users run, every
//! wait has a time limit, and every process a test starts is stopped when the test ends.

pub mod contract;

use regex::Regex;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long any single wait in a test may take before the test fails.
pub const LIMIT: Duration = Duration::from_secs(10);

/// The path of a workspace package's binary, built first if needed. Tests use it to start
/// another package's program, such as the echo server from the client's tests.
pub fn binary(package: &str) -> PathBuf {
    built(package, &[], package)
}

/// The path of one of a package's examples, built first if needed.
pub fn example(package: &str, name: &str) -> PathBuf {
    built(package, &["--example", name], name)
}

/// How long a test may wait for `cargo build` of a program it needs: a cold build on a
/// two-core machine takes minutes.
pub const BUILD_LIMIT: Duration = Duration::from_secs(10 * 60);

/// Builds `package` (with `extra` cargo arguments) and returns the executable of the
/// target called `name`.
fn built(package: &str, extra: &[&str], name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().expect("lock");
    let key = format!("{package}/{name}");
    if let Some(path) = built.get(&key) {
        return path.clone();
    }
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .args([
            "build",
            "--quiet",
            "--message-format=json",
            "--package",
            package,
        ])
        .args(extra);
    // On a timeout, run_within stops cargo and the compilers it started.
    let (status, output) =
        run_within(cargo, BUILD_LIMIT).unwrap_or_else(|why| panic!("building {key} {why}"));
    assert!(status.success(), "cannot build {key}:\n{output}");
    // One JSON message a line, among cargo's own words; the one about our target names
    // its executable (a path with backslashes on Windows, escaped in JSON).
    let path = output
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == name)
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built no executable {key}"));
    built.insert(key, path.clone());
    path
}

/// What a finished program printed.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Finished {
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }
}

/// Runs `program` with `args`, feeding it `stdin`, and waits (at most [`LIMIT`]) for it
/// to finish.
pub fn run(program: &Path, args: &[&str], stdin: &[u8]) -> Finished {
    run_with_limit(program, args, stdin, LIMIT).unwrap_or_else(|| {
        let command = format!("{} {}", program.display(), args.join(" "));
        panic!("`{command}` did not finish within {LIMIT:?}")
    })
}

/// Runs `program` with `args`, feeding it `stdin`, and waits at most `limit` for it to
/// finish; `None` (after killing it) if it does not. What it prints is read while it
/// runs: a program that prints more than a pipe holds (64 KiB on Linux) waits until
/// someone reads, and would never finish if that came only after it exited.
pub fn run_with_limit(
    program: &Path,
    args: &[&str],
    stdin: &[u8],
    limit: Duration,
) -> Option<Finished> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    let writer = thread::spawn(move || {
        // The program may exit without reading everything; that is its business.
        let _ = input.write_all(&stdin);
    });
    let stdout = read_all_in_background(child.stdout.take().expect("piped stdout"));
    let stderr = read_all_in_background(child.stderr.take().expect("piped stderr"));
    let status = wait_at_most(&mut child, limit)?;
    writer.join().expect("stdin writer");
    Some(Finished {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned(),
    })
}

fn read_all_in_background(mut from: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut all = Vec::new();
        let _ = from.read_to_end(&mut all);
        all
    })
}

/// Runs `command` for at most `limit`, and returns its exit status and everything it
/// printed, stdout and stderr together, read while it runs (a child whose pipe is full
/// waits until someone reads it). On Unix it runs in a process group of its own, and if
/// it takes longer than `limit` the whole group is killed: the command and everything it
/// started (cargo and its compilers, a test and the programs it started). Elsewhere only
/// the command itself is killed. `Err` says what went wrong.
pub fn run_within(mut command: Command, limit: Duration) -> Result<(ExitStatus, String), String> {
    let (mut reader, writer) = std::io::pipe().map_err(|e| e.to_string())?;
    let writer_too = writer.try_clone().map_err(|e| e.to_string())?;
    command
        .stdin(Stdio::null())
        .stdout(writer_too)
        .stderr(writer);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    // The command holds this process's copies of the pipe's write end: drop them, or
    // the reader never sees the end.
    drop(command);
    let (send, output) = mpsc::channel();
    thread::spawn(move || {
        let mut all = Vec::new();
        let _ = reader.read_to_end(&mut all);
        let _ = send.send(String::from_utf8_lossy(&all).into_owned());
    });
    let deadline = Instant::now() + limit;
    let left = || deadline.saturating_duration_since(Instant::now());
    // The output ends when the child, and everything it started, has exited.
    let output = output.recv_timeout(left());
    let status = wait_at_most(&mut child, left());
    match (output, status) {
        (Ok(output), Some(status)) => Ok((status, output)),
        _ => {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("did not finish within {limit:?} and was stopped"))
        }
    }
}

/// Unix: kills the process group that `leader` started with `process_group(0)` (the
/// group has the leader's id): that process and every process it started, and nothing
/// else. Elsewhere it does nothing.
pub fn kill_group(leader: u32) {
    if cfg!(unix) {
        let group = format!("-{leader}");
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    }
}

/// Waits for `child` to exit; kills it and returns `None` if it takes longer than `limit`.
pub fn wait_at_most(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("can wait for the child") {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// A server program started for one test. It is stopped when the value is dropped.
pub struct Server {
    child: Child,
    /// The address the server printed on its first line.
    pub addr: SocketAddr,
    lines: Receiver<String>,
    log: Vec<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: thread::JoinHandle<()>,
}

impl Server {
    /// Starts `program` with `args` and reads the address from its first line,
    /// `listening on ADDRESS` (and maybe more words).
    pub fn start(program: &Path, args: &[&str]) -> Server {
        let mut command = Command::new(program);
        command.args(args);
        let mut server = Server::spawn(command);
        let first = server.wait_for_line("listening on ");
        server.addr = first
            .trim_start_matches("listening on ")
            .split(' ')
            .next()
            .unwrap_or_default()
            .parse()
            .unwrap_or_else(|e| panic!("first line `{first}` has no address: {e}"));
        server
    }

    /// Starts `command`, a server that will listen on `addr` but does not say so (the
    /// Python post's server, for one). Connections are refused until it listens.
    pub fn start_at(command: Command, addr: SocketAddr) -> Server {
        let mut server = Server::spawn(command);
        server.addr = addr;
        server
    }

    /// Starts `command` with its output read line by line and its errors collected.
    fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let (tx, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut from = child.stderr.take().expect("piped stderr");
        let to = Arc::clone(&stderr);
        let stderr_reader = thread::spawn(move || {
            let mut buf = [0; 1024];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                to.lock()
                    .expect("lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Server {
            child,
            addr: "0.0.0.0:0".parse().expect("an address"),
            lines,
            log: Vec::new(),
            stderr,
            stderr_reader,
        }
    }

    /// Connects a client, with [`LIMIT`] as its read and write timeout.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("the server accepts connections");
        stream.set_read_timeout(Some(LIMIT)).expect("timeout");
        stream.set_write_timeout(Some(LIMIT)).expect("timeout");
        stream
    }

    /// Waits (at most [`LIMIT`]) for the next line of the server's log that contains
    /// `needle`, and returns it.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "the server printed no line with `{needle}` within {LIMIT:?}; its log:\n{}\nstderr:\n{}",
                    self.log.join("\n"),
                    self.stderr()
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "the server exited before printing `{needle}`; its log:\n{}\nstderr:\n{}",
                    self.log.join("\n"),
                    self.stderr()
                ),
            }
        }
    }

    /// Every line the server has printed so far that a test has read.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    /// The same lines as one text, each ending in a newline, as a terminal shows them.
    pub fn log_text(&self) -> String {
        self.log.iter().map(|line| format!("{line}\n")).collect()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("can wait").is_none()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How many threads the server process has now (Linux: from `/proc`).
    pub fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/PID/status is readable");
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("a Threads: line")
    }

    /// The names of the server's threads (Linux: `/proc/PID/task/*/comm`), sorted. A
    /// thread that Rust did not name has its program's name, cut to 15 bytes.
    pub fn thread_names(&self) -> Vec<String> {
        let tasks = format!("/proc/{}/task", self.pid());
        let mut names: Vec<String> = std::fs::read_dir(&tasks)
            .expect("/proc/PID/task is readable")
            .filter_map(|task| {
                let comm = task.ok()?.path().join("comm");
                Some(std::fs::read_to_string(comm).ok()?.trim_end().to_owned())
            })
            .collect();
        names.sort();
        names
    }

    /// Sends the server SIGINT, as Ctrl-C in its terminal would.
    pub fn interrupt(&self) {
        self.signal("INT");
    }

    /// Sends the server a signal by name (`INT`, as Ctrl-C does, or `TERM`), to this
    /// process only, by its id.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "cannot send SIG{name} to the server");
    }

    /// Whether one of the server's threads is in the system call that sends on a socket
    /// (`sendto`), from `/proc/PID/task/*/syscall`; `None` where that cannot be seen
    /// (not Linux, or a processor whose system call numbers this does not know).
    pub fn a_thread_is_sending(&self) -> Option<bool> {
        let sendto = if cfg!(not(target_os = "linux")) {
            return None;
        } else if cfg!(target_arch = "x86_64") {
            "44 "
        } else if cfg!(target_arch = "aarch64") {
            "206 "
        } else {
            return None;
        };
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.pid())).ok()?;
        Some(tasks.flatten().any(|task| {
            std::fs::read_to_string(task.path().join("syscall"))
                .is_ok_and(|call| call.starts_with(sendto))
        }))
    }

    /// Waits at most `limit` for the server to exit, then reads the rest of its log and
    /// stderr. Returns `None` (after killing it) if it did not exit in time.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let status = wait_at_most(&mut self.child, limit);
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(1)) {
            self.log.push(line);
        }
        // And the last of its stderr, which arrives when the pipe closes.
        let deadline = Instant::now() + Duration::from_secs(1);
        while !self.stderr_reader.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        status
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only this test's own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads exactly `n` bytes from `stream`, failing the test if they do not come in time.
pub fn read_n(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    stream
        .read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("reading {n} bytes: {e}"));
    buf
}

/// The output a chapter shows is kept in a file beside the listing. This checks that
/// `fresh`, from a run just now, matches the file once both are passed through
/// `normalize` (which removes what legitimately varies between runs). With
/// `UPDATE_OUTPUTS=1` in the environment (`cargo xtask outputs` sets it) it writes `fresh`
/// to the file instead.
pub fn shown_output(file: &Path, fresh: &str, normalize: fn(&str) -> String) {
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        std::fs::write(file, fresh).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        return;
    }
    let shown = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert_eq!(
        normalize(&shown),
        normalize(fresh),
        "{} no longer matches what the program prints; run `cargo xtask outputs`",
        file.display()
    );
}

/// For [`shown_output`]: the output must be the same, byte for byte.
pub fn exactly(text: &str) -> String {
    text.to_owned()
}

/// For [`shown_output`]: the same lines, in any order (threads interleave).
pub fn same_lines(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    lines.join("\n")
}

/// For [`shown_output`]: port numbers vary from run to run.
pub fn any_ports(text: &str) -> String {
    let port = Regex::new(r"(\d+\.\d+\.\d+\.\d+):\d+").expect("valid regex");
    port.replace_all(text, "$1:PORT").into_owned()
}

/// `n` bytes that look random, all 256 values included, the same for the same `seed`.
pub fn pseudo_random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            // xorshift64: plenty for test data.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

/// Runs `program` with a terminal as its standard input, as when a user types the command
/// (`script` from util-linux provides the terminal). Returns what it printed, with the
/// terminal's `\r\n` line ends turned back into `\n`.
pub fn run_in_terminal(program: &Path, args: &[&str]) -> Finished {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut command = quote(&program.to_string_lossy());
    for arg in args {
        command += " ";
        command += &quote(arg);
    }
    let mut finished = run(
        Path::new("script"),
        &["--quiet", "--return", "--command", &command, "/dev/null"],
        b"",
    );
    let text = String::from_utf8_lossy(&finished.stdout).replace("\r\n", "\n");
    finished.stdout = text.into_bytes();
    finished
}

/// Whether `cargo xtask outputs` is refreshing the shown outputs.
pub fn updating_outputs() -> bool {
    std::env::var_os("UPDATE_OUTPUTS").is_some()
}

/// Sends `rounds` messages of different sizes (up to 20,000 bytes, all byte values) and
/// checks that each comes back byte for byte.
pub fn exchange(client: &mut TcpStream, seed: u64, rounds: usize) {
    for round in 0..rounds {
        let size = 1 + (seed as usize * 7919 + round * 104_729) % 20_000;
        let message = pseudo_random_bytes(size, seed * 1000 + round as u64);
        client
            .write_all(&message)
            .expect("the server takes the message");
        let echo = read_n(client, size);
        assert!(
            echo == message,
            "client {seed}, round {round}: echo differs"
        );
    }
}

/// Everything the server still sends until it closes the connection.
pub fn read_to_end(client: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    client
        .read_to_end(&mut rest)
        .expect("the connection ends cleanly");
    rest
}

/// Starts `program` (a server) with room for only `files` open files, exactly what it
/// needs to start (for a plain server, four: the standard streams and the listener),
/// using `prlimit` from util-linux, so that accepting a connection fails with "too many
/// open files". Checks that the server logs it, waits between attempts instead of
/// spinning, and keeps running.
pub fn check_accept_back_off(program: &str, files: u32) {
    let nofile = format!("--nofile={files}");
    let args = [nofile.as_str(), "--", program, "127.0.0.1:0"];
    let mut server = Server::start(Path::new("prlimit"), &args);
    let _client = server.connect();
    thread::sleep(Duration::from_secs(1));
    let stderr = server.stderr();
    let failures = stderr
        .lines()
        .filter(|l| l.starts_with("cannot accept a connection: "))
        .count();
    assert!(stderr.contains("Too many open files"), "{stderr}");
    assert!(
        (1..=15).contains(&failures),
        "{failures} failures in 1 s:\n{stderr}"
    );
    assert!(server.is_running());
}

/// Checks that `program` (a server taking `[ADDRESS] [--idle-timeout SECONDS]`) turns
/// the usual startup mistakes into one clear line on stderr and a failing exit status.
pub fn check_startup_mistakes(program: &Path) {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = taken.local_addr().expect("an address").to_string();
    let cases = [
        (
            vec![addr.as_str()],
            format!("error: address {addr} is already in use; pass another address\n"),
        ),
        (
            vec!["localhost"],
            "error: `localhost` is not an address like 127.0.0.1:12345 or \
             localhost:12345: invalid socket address\n"
                .to_string(),
        ),
        (
            vec!["--idle-timeout", "soon"],
            "error: --idle-timeout takes a whole number, not `soon`: \
             invalid digit found in string\n"
                .to_string(),
        ),
    ];
    for (args, expected) in cases {
        let finished = run(program, &args, b"");
        assert!(!finished.status.success(), "{args:?}");
        assert_eq!(finished.stderr, expected, "{args:?}");
    }
    check_a_name_that_does_not_resolve(program);
}

/// `program` (a server taking `[ADDRESS]`) started with a host name that cannot exist
/// (`.invalid` is reserved for that) says so in one line and fails. What the operating
/// system says after the colon is its own.
pub fn check_a_name_that_does_not_resolve(program: &Path) {
    let finished = run(program, &["no-such-host.invalid:12345"], b"");
    assert!(!finished.status.success());
    let prefix = "error: cannot listen on no-such-host.invalid:12345: ";
    assert!(
        finished.stderr.starts_with(prefix) && finished.stderr.lines().count() == 1,
        "{:?}",
        finished.stderr
    );
}

/// Starts `program` (an echo server) as people type addresses: `localhost:0`, and
/// `[::1]:0` where this machine has an IPv6 loopback. It must print the address it
/// bound, and echo a client that connects by name: `TcpStream::connect` tries each
/// address a name stands for until one answers.
pub fn check_host_names(program: &Path) {
    let server = Server::start(program, &["localhost:0"]);
    assert!(server.addr.ip().is_loopback(), "{}", server.addr);
    let mut client = TcpStream::connect(("localhost", server.addr.port()))
        .expect("a client that connects to localhost reaches it");
    client.set_read_timeout(Some(LIMIT)).expect("timeout");
    exchange(&mut client, 1, 2);
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        println!("not checked: [::1]:0, as this machine has no IPv6 loopback");
        return;
    }
    let server = Server::start(program, &["[::1]:0"]);
    assert_eq!(server.addr.ip().to_string(), "::1");
    let mut client = server.connect();
    exchange(&mut client, 2, 2);
}

/// Starts `program` (an echo server), connects an idle client and one that has just sent
/// a line, sends SIGINT, and checks that each gets what it is owed (the echo, then a
/// goodbye), the log ends with `stopped`, and the process exits 0 within three seconds.
pub fn check_ctrl_c(program: &Path) {
    let mut server = Server::start(program, &["127.0.0.1:0"]);
    let mut idle = server.connect();
    let mut talking = server.connect();
    exchange(&mut talking, 1, 1);
    talking
        .write_all(b"sent just before Ctrl-C\n")
        .expect("the server takes the line");
    server.wait_for_line("connected");
    server.wait_for_line("connected");
    server.interrupt();
    let goodbye = b"server shutting down; goodbye\n";
    let mut expected = b"sent just before Ctrl-C\n".to_vec();
    expected.extend_from_slice(goodbye);
    assert_eq!(read_to_end(&mut talking), expected);
    assert_eq!(read_to_end(&mut idle), goodbye);
    let started = Instant::now();
    let status = server
        .wait_for_exit(LIMIT)
        .expect("the server exits by itself");
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.log().last().map(String::as_str), Some("stopped"));
}

/// Starts `program` (an echo server), connects `n` clients at once, and checks that each
/// gets its own echoes, byte for byte.
pub fn check_many_clients_at_once(program: &Path, n: usize) {
    let server = Server::start(program, &["127.0.0.1:0"]);
    // Connect them all first, so that they really are connected at the same time.
    let clients: Vec<TcpStream> = (0..n).map(|_| server.connect()).collect();
    thread::scope(|s| {
        for (i, mut client) in clients.into_iter().enumerate() {
            s.spawn(move || exchange(&mut client, i as u64 + 1, 5));
        }
    });
}

/// Starts `program` (an echo server taking `--idle-timeout SECONDS`) with a timeout of
/// one second, and checks that a silent client is told and closed after about a second
/// while a client that talks every 300 ms is served all along.
pub fn check_idle_timeout(program: &Path) {
    let mut server = Server::start(program, &["127.0.0.1:0", "--idle-timeout", "1"]);
    let mut idle = server.connect();
    let mut active = server.connect();
    let started = Instant::now();
    let closed = thread::scope(|s| {
        let closed = s.spawn(|| read_to_end(&mut idle));
        while !closed.is_finished() && started.elapsed() < LIMIT {
            exchange(&mut active, 3, 1);
            thread::sleep(Duration::from_millis(300));
        }
        closed.join().expect("the idle client's reader")
    });
    let waited = started.elapsed();
    assert_eq!(closed, b"closing: idle for 1 s\n");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "closed after {waited:?}"
    );
    server.wait_for_line("idle timeout");
    exchange(&mut active, 4, 1); // the active client is still served
}

/// Starts `program` (an echo server taking `--max-connections N`) with room for two
/// clients, and checks that a third is told so in one line while the two go on, and
/// that a freed place goes to the next client.
pub fn check_connection_cap(program: &Path) {
    let mut server = Server::start(program, &["127.0.0.1:0", "--max-connections", "2"]);
    let mut first = server.connect();
    let mut second = server.connect();
    exchange(&mut first, 1, 1);
    exchange(&mut second, 2, 1);
    let mut third = server.connect();
    assert_eq!(
        read_to_end(&mut third),
        b"server busy: 2 connections already; try again later\n"
    );
    server.wait_for_line("refused: already 2 connections");
    exchange(&mut first, 3, 1);
    drop(second);
    server.wait_for_line("client closed the connection");
    let mut fourth = server.connect();
    exchange(&mut fourth, 4, 1);
    exchange(&mut first, 5, 1);
}

/// A free port on 127.0.0.1 that a program which does not set `SO_REUSEADDR` (a Python
/// server's plain `bind`, for one) can bind. The kernel picks it for a socket without that
/// option, so no earlier connection lingers on it in TIME_WAIT, which a port picked by
/// `TcpListener::bind` (it sets the option) may have after a previous test run.
pub fn free_port_without_reuse() -> u16 {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&any.into()).expect("a free port");
    let bound = socket.local_addr().expect("an address");
    bound.as_socket().expect("an IP address").port()
}

/// An address on 127.0.0.1 where connecting is refused, for the tests of "no server
/// there". The returned socket is bound to it and does not listen: while it lives, no
/// other socket can take the port. (A port found free and closed again can be taken by a
/// server of a test running alongside, and then the connection succeeds.)
pub fn refused_address() -> (socket2::Socket, std::net::SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&any.into()).expect("a free port");
    let bound = socket.local_addr().expect("an address");
    let addr = bound.as_socket().expect("an IP address");
    (socket, addr)
}

/// Whether a connection whose local port is `port` is in TIME_WAIT, from Linux's
/// `/proc/net/tcp` (the local address is `HEXIP:HEXPORT`; state 06 is TIME_WAIT).
pub fn in_time_wait(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let local = format!(":{port:04X}");
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() > 3 && fields[1].ends_with(&local) && fields[3] == "06"
    })
}

/// Waits (at most [`LIMIT`]) until a connection on local port `port` is in TIME_WAIT.
pub fn wait_for_time_wait(port: u16) {
    let deadline = Instant::now() + LIMIT;
    while !in_time_wait(port) {
        assert!(Instant::now() < deadline, "no TIME_WAIT on port {port}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Checks the output of a program in which one thread prints 1 to 10 and another a to
/// j, a line each: both sequences whole and in order, whatever the interleaving, and
/// nothing else (no torn or extra lines).
pub fn check_numbers_and_letters(output: &str) {
    let (numbers, letters): (Vec<&str>, Vec<&str>) =
        output.lines().partition(|l| l.parse::<u32>().is_ok());
    let expected_numbers: Vec<String> = (1..=10).map(|n| n.to_string()).collect();
    let expected_letters: Vec<String> = ('a'..='j').map(|c| c.to_string()).collect();
    assert_eq!(
        numbers, expected_numbers,
        "numbers missing or out of order in:\n{output}"
    );
    assert_eq!(
        letters, expected_letters,
        "letters missing, out of order, torn or extra lines in:\n{output}"
    );
}
