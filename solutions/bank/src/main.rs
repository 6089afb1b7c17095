//! Threads move money between the accounts of one bank while an auditor checks that no
//! money appears or disappears: `bank [--threads N] [--transfers N]`.

use anyhow::{Context, Result, bail};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

const ACCOUNTS: usize = 10;
const START: u64 = 1000;

fn main() -> Result<()> {
    let (threads, transfers) = options()?;
    let bank = Bank::new();
    let outcome = run(&bank, threads, transfers);
    println!(
        "{threads} threads made {} transfers ({} declined)",
        outcome.made, outcome.declined
    );
    println!("total: {} in {ACCOUNTS} accounts", bank.total());
    match outcome.wrong_totals.first() {
        None => println!("audits: {}, every one saw {}", outcome.audits, START * 10),
        Some(total) => println!("audits: {}, one saw {total}", outcome.audits),
    }
    Ok(())
}

/// Ten accounts, each behind its own lock, so that transfers between different
/// accounts can happen at the same time.
struct Bank {
    accounts: Vec<Mutex<u64>>,
}

impl Bank {
    fn new() -> Bank {
        Bank {
            accounts: (0..ACCOUNTS).map(|_| Mutex::new(START)).collect(),
        }
    }

    /// Moves `amount` from account `from` to account `to`, if `from` has that much.
    /// Returns whether it did. Nobody may see the money in neither or in both accounts.
    fn transfer(&self, from: usize, to: usize, amount: u64) -> bool {
        // Both locks, always the lower account first: two transfers in opposite
        // directions would otherwise each hold one lock and wait for the other forever.
        let (first, second) = (from.min(to), from.max(to));
        let mut first = self.accounts[first].lock().expect("no thread panics");
        let mut second = self.accounts[second].lock().expect("no thread panics");
        let (from_balance, to_balance) = if from < to {
            (&mut *first, &mut *second)
        } else {
            (&mut *second, &mut *first)
        };
        if *from_balance < amount {
            return false;
        }
        *from_balance -= amount;
        *to_balance += amount;
        true
    }

    /// All the money in the bank, counted while no transfer is half done.
    fn total(&self) -> u64 {
        // Every lock, in the same order as transfers take them, held until the end.
        let guards: Vec<_> = self
            .accounts
            .iter()
            .map(|a| a.lock().expect("no thread panics"))
            .collect();
        guards.iter().map(|balance| **balance).sum()
    }
}

/// What happened during a run.
struct Outcome {
    made: u64,
    declined: u64,
    audits: u64,
    wrong_totals: Vec<u64>,
}

/// `threads` threads make `transfers` random transfers each, while one more thread
/// audits the total again and again until they are done.
fn run(bank: &Bank, threads: usize, transfers: u64) -> Outcome {
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let auditor = s.spawn(|| {
            let (mut audits, mut wrong_totals) = (0, Vec::new());
            while !done.load(Ordering::Relaxed) {
                let total = bank.total();
                if total != START * ACCOUNTS as u64 {
                    wrong_totals.push(total);
                }
                audits += 1;
            }
            (audits, wrong_totals)
        });
        let workers: Vec<_> = (0..threads)
            .map(|id| {
                s.spawn(move || {
                    let mut random = Random(id as u64 + 1);
                    let mut declined = 0;
                    for _ in 0..transfers {
                        let from = random.below(ACCOUNTS as u64) as usize;
                        let to =
                            (from + 1 + random.below(ACCOUNTS as u64 - 1) as usize)
                                % ACCOUNTS;
                        if !bank.transfer(from, to, 1 + random.below(200)) {
                            declined += 1;
                        }
                    }
                    declined
                })
            })
            .collect();
        let declined = workers
            .into_iter()
            .map(|w| w.join().expect("no thread panics"))
            .sum();
        done.store(true, Ordering::Relaxed);
        let (audits, wrong_totals) = auditor.join().expect("no thread panics");
        Outcome {
            made: threads as u64 * transfers,
            declined,
            audits,
            wrong_totals,
        }
    })
}

/// A small pseudo-random number generator (xorshift), so that no crate is needed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `[--threads N] [--transfers N]`: 8 threads, 10,000 transfers each, unless told.
fn options() -> Result<(usize, u64)> {
    let (mut threads, mut transfers) = (8, 10_000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{arg} needs a number"))?;
        let number: u64 = value
            .parse()
            .with_context(|| format!("{arg} takes a number, not `{value}`"))?;
        match arg.as_str() {
            "--threads" if number > 0 => threads = number as usize,
            "--transfers" => transfers = number,
            _ => bail!("usage: bank [--threads N (at least 1)] [--transfers N]"),
        }
    }
    Ok((threads, transfers))
}
