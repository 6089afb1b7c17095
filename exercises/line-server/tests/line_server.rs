//! What `line-server` must do. Run with `cargo test -p line-server`; each test's name
//! says what it checks and its message says what went wrong.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use testkit::Server;

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_line-server")
        .or(option_env!("CARGO_BIN_EXE_line-server-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// A server on a free port and one client connected to it.
fn start() -> (Server, BufReader<TcpStream>) {
    let server = Server::start(program(), &["127.0.0.1:0"]);
    let client = connect(&server);
    (server, client)
}

fn connect(server: &Server) -> BufReader<TcpStream> {
    let stream = server.connect();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a timeout");
    BufReader::new(stream)
}

/// Sends `bytes` and reads one line back (without its newline).
fn ask(client: &mut BufReader<TcpStream>, bytes: &[u8]) -> String {
    client
        .get_mut()
        .write_all(bytes)
        .expect("the server takes the line");
    reply(client, bytes)
}

fn reply(client: &mut BufReader<TcpStream>, sent: &[u8]) -> String {
    let mut line = String::new();
    let sent = String::from_utf8_lossy(sent);
    match client.read_line(&mut line) {
        Ok(0) => {
            panic!("the server closed the connection instead of answering {sent:?}")
        }
        Ok(_) if line.ends_with('\n') => line.trim_end_matches('\n').to_string(),
        Ok(_) => panic!("the reply to {sent:?} must end with a newline: {line:?}"),
        Err(e) => panic!("no reply to {sent:?} within 5 s: {e}"),
    }
}

/// Checks that the server closed the connection.
fn closed(client: &mut BufReader<TcpStream>, after: &str) {
    let mut rest = Vec::new();
    match client.read_to_end(&mut rest) {
        Ok(_) => assert!(
            rest.is_empty(),
            "after {after} the server sent more: {rest:?}"
        ),
        Err(e) => panic!("after {after} the server must close the connection: {e}"),
    }
}

#[test]
fn ping_gets_pong() {
    let (_server, mut client) = start();
    assert_eq!(ask(&mut client, b"PING\n"), "PONG");
}

#[test]
fn echo_sends_the_text_back() {
    let (_server, mut client) = start();
    assert_eq!(ask(&mut client, b"ECHO hello world\n"), "hello world");
    assert_eq!(
        ask(&mut client, "ECHO 안녕하세요\n".as_bytes()),
        "안녕하세요"
    );
}

#[test]
fn time_is_the_current_unix_time() {
    let (_server, mut client) = start();
    let answer = ask(&mut client, b"TIME\n");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    let seconds: u64 = answer
        .strip_prefix("NOW ")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            panic!("TIME must get `NOW <seconds since 1970>`, not {answer:?}")
        });
    assert!(
        seconds.abs_diff(now.as_secs()) <= 5,
        "TIME said {seconds}, but it is {} now",
        now.as_secs()
    );
}

#[test]
fn an_unknown_command_gets_a_clear_error() {
    let (_server, mut client) = start();
    for (line, command) in [
        ("FOO\n", "FOO"),
        ("ping\n", "ping"),
        ("DANCE now\n", "DANCE"),
    ] {
        let answer = ask(&mut client, line.as_bytes());
        assert_eq!(
            answer,
            format!(
                "ERR unknown command `{command}`; try PING, TIME, ECHO text or QUIT"
            ),
            "the error must name the command and list the ones that exist"
        );
    }
    assert_eq!(
        ask(&mut client, b"PING\n"),
        "PONG",
        "an error does not end the connection"
    );
}

#[test]
fn echo_without_text_and_an_empty_line_get_errors() {
    let (_server, mut client) = start();
    assert_eq!(
        ask(&mut client, b"ECHO\n"),
        "ERR ECHO needs text, as in `ECHO hello`"
    );
    assert_eq!(
        ask(&mut client, b"\n"),
        "ERR empty line; try PING, TIME, ECHO text or QUIT"
    );
}

#[test]
fn quit_says_bye_and_closes() {
    let (_server, mut client) = start();
    assert_eq!(ask(&mut client, b"QUIT\n"), "BYE");
    closed(&mut client, "BYE");
}

#[test]
fn two_commands_in_one_write_get_two_replies() {
    let (_server, mut client) = start();
    assert_eq!(ask(&mut client, b"PING\nECHO two\n"), "PONG");
    assert_eq!(reply(&mut client, b"ECHO two\n"), "two");
}

#[test]
fn a_command_sent_one_byte_at_a_time_is_one_command() {
    let (_server, mut client) = start();
    for byte in b"ECHO slowly\n" {
        client.get_mut().write_all(&[*byte]).expect("sent");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(reply(&mut client, b"ECHO slowly\n"), "slowly");
}

#[test]
fn windows_line_endings_work_too() {
    let (_server, mut client) = start();
    assert_eq!(
        ask(&mut client, b"PING\r\n"),
        "PONG",
        "`PING\\r\\n` is PING"
    );
}

#[test]
fn a_line_that_is_not_utf8_gets_an_error() {
    let (_server, mut client) = start();
    assert_eq!(ask(&mut client, b"ECHO \xff\xfe\n"), "ERR not UTF-8");
    assert_eq!(
        ask(&mut client, b"PING\n"),
        "PONG",
        "the connection goes on"
    );
}

#[test]
fn a_line_longer_than_1024_bytes_is_refused() {
    let (_server, mut client) = start();
    let mut long = vec![b'x'; 2000];
    long.push(b'\n');
    assert_eq!(ask(&mut client, &long), "ERR line longer than 1024 bytes");
    closed(&mut client, "a line that is too long");
}

#[test]
fn the_next_client_is_served_after_one_vanishes_mid_line() {
    let (server, mut client) = start();
    client.get_mut().write_all(b"PIN").expect("sent");
    drop(client); // gone before the newline
    let mut next = connect(&server);
    assert_eq!(
        ask(&mut next, b"PING\n"),
        "PONG",
        "the server must go on serving"
    );
}
