//! echo-server-async keeps the threaded server's promises (so that the Measuring chapter
//! compares like with like): byte-exact echoes for many clients at once, the same
//! connection cap, idle timeout, messages, clean Ctrl-C and one-line errors. The checks
//! are testkit's, shared with echo-server-threaded; the hostile-client contract is in
//! tests/contract.rs.

use std::path::Path;

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_echo-server-async"))
}

#[test]
fn two_hundred_clients_at_once_each_get_their_own_echoes() {
    testkit::check_many_clients_at_once(program(), 200);
}

#[test]
fn an_idle_client_is_closed_after_the_idle_timeout_and_others_go_on() {
    testkit::check_idle_timeout(program());
}

#[test]
fn beyond_the_connection_cap_a_client_is_told_and_others_go_on() {
    testkit::check_connection_cap(program());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
)]
fn ctrl_c_echoes_what_clients_sent_then_exits_0() {
    testkit::check_ctrl_c(program());
}

#[test]
fn host_names_work_as_people_type_them() {
    testkit::check_host_names(program());
}

#[test]
fn startup_mistakes_are_one_clear_line() {
    testkit::check_startup_mistakes(program());
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs prlimit from util-linux: Linux only"
)]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    // Six more than a plain server: tokio's runtime (epoll, its waker) and signal pipes.
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_echo-server-async"), 10);
}
