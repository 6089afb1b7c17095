//! Threads move money between the accounts of one bank while an auditor checks that no
//! money appears or disappears: `bank [--threads N] [--transfers N]`.

use anyhow::{Context, Result, bail};
use std::sync::Mutex;

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
        // Your task: lock both accounts, then move the money if `from` has enough.
        // Hint: what if another thread transfers from `to` to `from` at the same time?
        todo!("move {amount} from account {from} to account {to}")
    }

    /// All the money in the bank, counted while no transfer is half done.
    fn total(&self) -> u64 {
        // Your task: add up every balance so that no transfer is half done meanwhile.
        todo!("add up the {} accounts", self.accounts.len())
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
    // Your task: start `threads` threads that each make `transfers` transfers between
    // random accounts (use `Random`), and one auditor thread that checks `bank.total()`
    // again and again until they are done. Then fill in the `Outcome`.
    todo!(
        "{threads} threads, {transfers} transfers each, {} accounts",
        bank.accounts.len()
    )
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
