//! plain: the yardstick for echo-server-async, the plainest tokio echo server there
//! is, with no limits, no timeouts and no shutdown. Shown in the Non-blocking I/O
//! chapter; run it with `cargo run -p echo-server-async --example plain [ADDRESS]`.

// ANCHOR: program
use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:12345".into());
    let listener = TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (mut stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let mut buf = [0; 4096];
            // Until the client closes (a read of 0 bytes) or an error.
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
    }
}
// ANCHOR_END: program
