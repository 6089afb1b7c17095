//! Command-line options: `echo-server-pool [ADDRESS] [--workers N] [--queue N]
//! [--idle-timeout SECONDS]`.

use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::time::Duration;

pub struct Config {
    pub addr: SocketAddr,
    pub workers: usize,
    pub queue: usize,
    pub idle_timeout: Duration,
}

impl Config {
    pub fn from_args() -> Result<Config> {
        let mut config = Config {
            addr: "127.0.0.1:12345".parse()?,
            workers: 8,
            queue: 64,
            idle_timeout: Duration::from_secs(30),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |option: &str| -> Result<u64> {
                let value = args
                    .next()
                    .with_context(|| format!("{option} needs a number"))?;
                value
                    .parse()
                    .with_context(|| format!("{option} takes a whole number, not `{value}`"))
            };
            match arg.as_str() {
                "--workers" => config.workers = number(&arg)?.max(1) as usize,
                "--queue" => config.queue = number(&arg)? as usize,
                "--idle-timeout" => config.idle_timeout = Duration::from_secs(number(&arg)?),
                _ if arg.starts_with("--") => bail!(
                    "unknown option {arg}; usage: [ADDRESS] [--workers N] [--queue N] \
                     [--idle-timeout SECONDS]"
                ),
                _ => {
                    config.addr = arg.parse().with_context(|| {
                        format!("`{arg}` is not an address like 127.0.0.1:12345")
                    })?
                }
            }
        }
        Ok(config)
    }
}
