//! Command-line options: `chat-server [ADDRESS] [--max-connections N] [--max-line BYTES]`.

use anyhow::{Context, Result, bail};
use std::net::SocketAddr;

pub struct Config {
    pub addr: SocketAddr,
    pub max_connections: usize,
    pub max_line: usize,
}

impl Config {
    pub fn from_args() -> Result<Config> {
        let mut config = Config {
            addr: "127.0.0.1:12345".parse()?,
            max_connections: 100,
            max_line: 1024,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |option: &str| -> Result<usize> {
                let value = args
                    .next()
                    .with_context(|| format!("{option} needs a number"))?;
                value
                    .parse()
                    .with_context(|| format!("{option} takes a whole number, not `{value}`"))
            };
            match arg.as_str() {
                "--max-connections" => config.max_connections = number(&arg)?,
                "--max-line" => config.max_line = number(&arg)?.max(1),
                _ if arg.starts_with("--") => bail!(
                    "unknown option {arg}; usage: [ADDRESS] [--max-connections N] \
                     [--max-line BYTES]"
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
