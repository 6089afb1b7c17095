//! What `chat-commands` must do. Run with `cargo test -p chat-commands`; each test's
//! name says what it checks and its message says what went wrong.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;
use testkit::Server;

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_chat-commands")
        .or(option_env!("CARGO_BIN_EXE_chat-commands-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// One chat member, as its terminal sees the chat.
struct Member {
    name: String,
    reader: BufReader<TcpStream>,
}

impl Member {
    /// Connects, reads the welcome, sends the name and reads the hello.
    fn join(server: &Server, name: &str) -> Member {
        let stream = server.connect();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a timeout");
        let mut member = Member {
            name: name.to_string(),
            reader: BufReader::new(stream),
        };
        member.expect_start("* welcome!");
        member.say(name);
        member.expect_start(&format!("* hello {name};"));
        member
    }

    fn say(&mut self, line: &str) {
        let line = format!("{line}\n");
        self.reader
            .get_mut()
            .write_all(line.as_bytes())
            .expect("sent");
    }

    /// The next line this member receives, without its newline.
    fn next_line(&mut self) -> String {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => panic!("{}: the server closed the connection", self.name),
            Ok(_) => line.trim_end_matches('\n').to_string(),
            Err(e) => panic!("{}: no line arrived within 5 s ({e})", self.name),
        }
    }

    fn expect(&mut self, expected: &str) {
        let line = self.next_line();
        assert_eq!(line, expected, "what {} saw next", self.name);
    }

    fn expect_start(&mut self, start: &str) {
        let line = self.next_line();
        assert!(
            line.starts_with(start),
            "{} expected a line starting with {start:?}, got {line:?}",
            self.name
        );
    }
}

/// A server with alice and bob in it, each having seen the other arrive.
fn alice_and_bob() -> (Server, Member, Member) {
    let server = Server::start(program(), &["127.0.0.1:0"]);
    let mut alice = Member::join(&server, "alice");
    let bob = Member::join(&server, "bob");
    alice.expect("* bob joined");
    (server, alice, bob)
}

#[test]
fn who_lists_everyone_here() {
    let (_server, mut alice, _bob) = alice_and_bob();
    alice.say("/who");
    alice.expect("* here: alice, bob");
}

#[test]
fn nick_renames_and_tells_everyone() {
    let (_server, mut alice, mut bob) = alice_and_bob();
    alice.say("/nick alicia");
    alice.expect("* you are now known as alicia");
    bob.expect("* alice is now known as alicia");
    alice.say("hi");
    bob.expect("alicia: hi");
    bob.say("/who");
    bob.expect("* here: alicia, bob");
}

#[test]
fn a_name_in_use_is_refused() {
    let (_server, _alice, mut bob) = alice_and_bob();
    bob.say("/nick alice");
    bob.expect("* error: the name alice is taken");
    bob.say("/nick");
    bob.expect("* error: /nick needs a name, as in /nick alice");
}

#[test]
fn msg_reaches_one_member_only() {
    let (server, mut alice, mut bob) = alice_and_bob();
    let mut carol = Member::join(&server, "carol");
    alice.expect("* carol joined");
    bob.expect("* carol joined");
    alice.say("/msg bob psst, it is a surprise");
    bob.expect("[private] alice: psst, it is a surprise");
    alice.say("hello everyone");
    bob.expect("alice: hello everyone");
    // Carol's next line is the public one: the private message never reached her.
    carol.expect("alice: hello everyone");
}

#[test]
fn msg_to_nobody_gets_an_error() {
    let (_server, mut alice, _bob) = alice_and_bob();
    alice.say("/msg dave are you there?");
    alice.expect("* error: nobody called dave is here");
    alice.say("/msg bob");
    alice.expect("* error: /msg needs a name and a message, as in /msg bob hi");
}

#[test]
fn an_unknown_command_gets_an_error() {
    let (_server, mut alice, _bob) = alice_and_bob();
    alice.say("/dance");
    alice.expect(
        "* error: unknown command /dance; try /nick NAME, /who or /msg NAME text",
    );
}

#[test]
fn commands_are_not_sent_to_the_others() {
    let (_server, mut alice, mut bob) = alice_and_bob();
    alice.say("/who");
    alice.expect("* here: alice, bob");
    alice.say("hello");
    bob.expect("alice: hello");
}
