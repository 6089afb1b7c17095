//! The slot under loom, which runs each test's closure once for every order of the
//! threads' steps it can find (up to its preemption bound) and fails on a data race or
//! a failed assertion in any of them. Only in a loom build; `cargo test -p
//! publish-once` makes one and runs these (see `loom_finds_no_…` in
//! tests/publish_once.rs). By hand:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test -p publish-once --release --test loom`.
#![cfg(loom)]

use loom::thread;
use publish_once::slot;

#[test]
fn a_reader_that_sees_the_flag_sees_the_value() {
    loom::model(|| {
        let (publisher, reader) = slot();
        let publishing =
            thread::spawn(move || publisher.publish(String::from("port 7878")));
        // Before, during or after the publisher's steps: if the flag is up, the
        // value must be readable, with no data race.
        if let Some(value) = reader.get() {
            assert_eq!(value, "port 7878");
        }
        publishing.join().expect("the publisher");
        // `join` makes everything the publisher did visible: now it is there.
        assert_eq!(reader.get().map(String::as_str), Some("port 7878"));
    });
}

#[test]
fn two_readers_on_their_own_threads_see_the_whole_value_or_nothing() {
    loom::model(|| {
        let (publisher, reader) = slot();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let reader = reader.clone();
                thread::spawn(move || reader.get().cloned())
            })
            .collect();
        publisher.publish(vec![1, 2, 3]);
        for reading in readers {
            if let Some(seen) = reading.join().expect("a reader") {
                assert_eq!(seen, [1, 2, 3]);
            }
        }
    });
}

#[test]
fn a_slot_never_published_reads_as_nothing() {
    loom::model(|| {
        let (publisher, reader) = slot::<u32>();
        let dropping = thread::spawn(move || drop(publisher));
        assert_eq!(reader.get(), None);
        dropping.join().expect("the publisher");
        assert_eq!(reader.get(), None);
    });
}
