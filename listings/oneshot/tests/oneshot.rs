//! The one-shot channel with real threads, and the program's output.

use std::path::Path;
use std::thread;
use std::time::Duration;

#[test]
fn a_value_sent_later_is_waited_for() {
    let (sender, receiver) = oneshot::channel();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        sender.send(vec![1, 2, 3]);
    });
    assert_eq!(receiver.recv(), Some(vec![1, 2, 3]));
}

#[test]
fn a_sender_dropped_unsent_gives_none() {
    let (sender, receiver) = oneshot::channel::<u8>();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        drop(sender);
    });
    assert_eq!(receiver.recv(), None);
}

#[test]
fn a_value_sent_before_recv_is_there() {
    let (sender, receiver) = oneshot::channel();
    sender.send('x');
    assert_eq!(receiver.recv(), Some('x'));
}

#[test]
fn shown_output_is_a_real_run_of_the_current_program() {
    let finished = testkit::run(Path::new(env!("CARGO_BIN_EXE_oneshot")), &[], b"");
    assert!(finished.status.success(), "{finished:?}");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &finished.stdout_text(), testkit::exactly);
}
