//! publish-once: a loader thread builds a configuration and publishes it once; four
//! worker threads wait until it is there, then read it, with no lock. Run it with
//! `cargo run -p publish-once`.
//!
//! This program is complete: the code to write is in `src/lib.rs`, where the
//! `todo!()`s are.

use publish_once::Reader;
use std::thread;

/// What the workers wait for: more than a flag, so that a reader that sees the flag
/// must see all of this too.
struct Config {
    port: u16,
    routes: Vec<String>,
}

fn main() {
    let (publisher, reader) = publish_once::slot::<Config>();
    let workers: Vec<_> = (1..=4)
        .map(|n| {
            let reader = reader.clone();
            thread::spawn(move || {
                let config = wait_for(&reader);
                let last = config.routes.last().map_or("none", String::as_str);
                format!(
                    "worker {n} sees port {} and {} routes, the last {last}",
                    config.port,
                    config.routes.len()
                )
            })
        })
        .collect();
    let loader = thread::spawn(move || {
        let routes = (1..=1000).map(|i| format!("/route/{i}")).collect();
        publisher.publish(Config { port: 7878, routes });
    });
    // If the loader fails, no worker would ever see a configuration: stop here.
    loader.join().expect("the loader thread panicked");
    for worker in workers {
        println!("{}", worker.join().expect("a worker thread panicked"));
    }
}

/// Asks again and again until the configuration is there.
fn wait_for<T>(reader: &Reader<T>) -> &T {
    loop {
        if let Some(value) = reader.get() {
            return value;
        }
        thread::yield_now();
    }
}
