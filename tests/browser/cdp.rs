//! Just enough of the Chrome DevTools Protocol to drive headless Chromium: start it, open
//! tabs in it, open a page, run JavaScript in it, type, take a screenshot, and keep every
//! console message, exception and failed request the page produced.
//!
//! A crate such as `headless_chrome` does this and much more, but it builds the whole
//! protocol (about two minutes and a hundred crates on two cores); the test needs about
//! twenty methods, so it speaks them over a WebSocket itself.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// How long one page may take to load, or one command to answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A headless Chromium, stopped (by its process id) when dropped. Tabs are opened in it
/// with [`Browser::new_tab`].
pub struct Chromium {
    child: Child,
    /// The browser's DevTools socket: `ws://127.0.0.1:PORT/devtools/browser/ID`.
    url: String,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts `chromium` with a fresh profile.
    pub fn launch(chromium: &Path) -> Result<Chromium> {
        let profile = tempfile::tempdir()?;
        let mut child = Command::new(chromium)
            .args([
                "--headless",
                // Chromium refuses its sandbox as root (as in CI); the pages are our own.
                "--no-sandbox",
                "--disable-gpu",
                // No connections beyond loopback: this machine's network is closed.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", chromium.display()))?;

        // Chromium prints the address of its DevTools socket on stderr.
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(at) = line.find("ws://") {
                    sent = tx.send(line[at..].trim().to_owned()).is_ok();
                }
            }
        });
        match rx.recv_timeout(TIMEOUT) {
            Ok(url) => Ok(Chromium {
                child,
                url,
                _profile: profile,
            }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("{} did not open its DevTools socket", chromium.display());
            }
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tab of its own for one test, in a browser context of its own: the tab shares the
/// Chromium process with other tests' tabs but not their cookies, storage or cache, as if
/// it had a fresh profile. Closed when dropped; the Chromium stops when its last tab is
/// dropped.
pub struct Browser {
    socket: WebSocket<TcpStream>,
    /// The browser context the tab is in, disposed of (with the tab) on drop.
    context: String,
    session: String,
    next_id: u64,
    /// Events that arrived while waiting for something else, oldest first.
    events: Vec<Value>,
    /// Keeps Chromium running while the tab is open.
    _chromium: Arc<Chromium>,
}

impl Browser {
    /// Opens a tab of `width` × `height` pixels in a new browser context of `chromium`,
    /// over a DevTools connection of its own, so that tests on other threads drive their
    /// tabs at the same time. Headless Chromium shows every tab and gives each the focus,
    /// so a key pressed in one does not depend on the others.
    pub fn new_tab(chromium: &Arc<Chromium>, width: u32, height: u32) -> Result<Browser> {
        let url = &chromium.url;
        let host = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .context("DevTools address without a host")?;
        let stream = TcpStream::connect(host)
            .with_context(|| format!("cannot connect to Chromium's DevTools socket {url}"))?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        let (socket, _) = tungstenite::client(url.as_str(), stream)
            .map_err(|e| anyhow::anyhow!("cannot open the DevTools socket {url}: {e}"))?;

        let mut browser = Browser {
            socket,
            context: String::new(),
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            _chromium: Arc::clone(chromium),
        };
        let context = browser.call_browser("Target.createBrowserContext", json!({}))?;
        browser.context = context["browserContextId"]
            .as_str()
            .context("no browserContextId")?
            .to_owned();
        let target = browser.call_browser(
            "Target.createTarget",
            json!({ "url": "about:blank", "browserContextId": browser.context }),
        )?;
        let target = target["targetId"].as_str().context("no targetId")?;
        let attached = browser.call_browser(
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )?;
        browser.session = attached["sessionId"]
            .as_str()
            .context("no sessionId")?
            .to_owned();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            browser.call(&format!("{domain}.enable"), json!({}))?;
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        Ok(browser)
    }

    /// Sends one command to the tab and waits for its answer, keeping the events that
    /// arrive meanwhile.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let session = self.session.clone();
        self.send(Some(session), method, params)
    }

    /// Sends one command to Chromium itself (the `Target` domain: contexts and tabs).
    fn call_browser(&mut self, method: &str, params: Value) -> Result<Value> {
        self.send(None, method, params)
    }

    /// Sends one command in the tab's `session`, or to Chromium itself without one.
    fn send(&mut self, session: Option<String>, method: &str, params: Value) -> Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .with_context(|| format!("cannot send {method}"))?;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next_message(deadline)?;
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    bail!("{method} failed: {error}");
                }
                return Ok(message["result"].clone());
            }
            self.events.push(message);
        }
    }

    /// Opens `url` in the tab and waits until it has loaded (images, scripts and all).
    pub fn open(&mut self, url: &str) -> Result<()> {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        let navigated = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(error) = navigated.get("errorText") {
            bail!("cannot open {url}: {error}");
        }
        if let Err(e) = self.wait_for_event("Page.loadEventFired") {
            bail!(
                "{url} did not finish loading ({e}); still waiting for: {:?}",
                self.pending()
            );
        }
        Ok(())
    }

    /// The requests that were sent and have neither finished nor failed.
    fn pending(&self) -> Vec<String> {
        let mut pending = std::collections::BTreeMap::new();
        for event in &self.events {
            let id = event["params"]["requestId"].to_string();
            match event["method"].as_str().unwrap_or("") {
                "Network.requestWillBeSent" => {
                    pending.insert(id, text(&event["params"]["request"]["url"]));
                }
                "Network.loadingFinished" | "Network.loadingFailed" => {
                    pending.remove(&id);
                }
                _ => {}
            }
        }
        pending.into_values().collect()
    }

    /// Waits for an event of the tab, such as `Page.loadEventFired` after a click.
    pub fn wait_for_event(&mut self, method: &str) -> Result<()> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
                self.events.remove(at);
                return Ok(());
            }
            let message = self.next_message(deadline)?;
            self.events.push(message);
        }
    }

    /// Runs JavaScript in the page and returns its value (a promise is awaited).
    pub fn eval(&mut self, script: &str) -> Result<Value> {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": script, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(exception) = result.get("exceptionDetails") {
            bail!("script failed: {exception}\n{script}");
        }
        Ok(result["result"]["value"].clone())
    }

    /// Runs JavaScript in the page until it returns something other than null or false.
    pub fn eval_until(&mut self, script: &str) -> Result<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let value = self.eval(script)?;
            if !value.is_null() && value != json!(false) {
                return Ok(value);
            }
            if Instant::now() > deadline {
                bail!("waited {TIMEOUT:?} in vain for {script}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` into the focused element, as a keyboard would.
    pub fn type_text(&mut self, text: &str) -> Result<()> {
        self.call("Input.insertText", json!({ "text": text }))?;
        Ok(())
    }

    /// Saves what the tab shows as a PNG file, once it stops changing: Chromium paints
    /// text whose font is still loading (a bold Korean face, say) only when it arrives.
    pub fn screenshot(&mut self, path: &Path) -> Result<()> {
        let deadline = Instant::now() + TIMEOUT;
        let mut last = String::new();
        loop {
            let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }))?;
            let data = shot["data"]
                .as_str()
                .context("no screenshot data")?
                .to_owned();
            if data == last || Instant::now() > deadline {
                let png = data_encoding::BASE64
                    .decode(data.as_bytes())
                    .context("screenshot is not base64")?;
                return std::fs::write(path, png)
                    .with_context(|| format!("cannot write {}", path.display()));
            }
            last = data;
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Everything that went wrong in the page since the last call, one line each:
    /// uncaught exceptions, console errors, failed requests and answers of 400 or more.
    pub fn problems(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut urls = std::collections::HashMap::new();
        for event in self.events.drain(..) {
            let params = &event["params"];
            match event["method"].as_str().unwrap_or("") {
                "Network.requestWillBeSent" => {
                    urls.insert(
                        params["requestId"].clone(),
                        params["request"]["url"].clone(),
                    );
                }
                "Runtime.exceptionThrown" => problems.push(format!(
                    "exception: {}",
                    params["exceptionDetails"]["exception"]["description"]
                )),
                "Runtime.consoleAPICalled" if params["type"] == "error" => {
                    problems.push(format!("console.error: {}", params["args"]))
                }
                "Log.entryAdded" if params["entry"]["level"] == "error" => problems.push(format!(
                    "{}: {}",
                    text(&params["entry"]["url"]),
                    text(&params["entry"]["text"])
                )),
                "Network.loadingFailed" => problems.push(format!(
                    "request failed: {} ({})",
                    text(
                        urls.get(&params["requestId"])
                            .unwrap_or(&params["requestId"])
                    ),
                    text(&params["errorText"])
                )),
                "Network.responseReceived"
                    if params["response"]["status"].as_u64() >= Some(400) =>
                {
                    problems.push(format!(
                        "{} answered {}",
                        text(&params["response"]["url"]),
                        params["response"]["status"]
                    ))
                }
                _ => {}
            }
        }
        problems
    }

    fn next_message(&mut self, deadline: Instant) -> Result<Value> {
        loop {
            if Instant::now() > deadline {
                bail!("Chromium did not answer within {TIMEOUT:?}");
            }
            match self.socket.read().context("lost the DevTools socket")? {
                Message::Text(text) => return Ok(serde_json::from_str(text.as_str())?),
                Message::Close(_) => bail!("Chromium closed the DevTools socket"),
                _ => continue,
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closes the tab and forgets what it stored. Then the `Arc` goes, and with the last
        // one Chromium.
        if !self.context.is_empty() {
            let context = json!({ "browserContextId": self.context });
            let _ = self.call_browser("Target.disposeBrowserContext", context);
        }
        let _ = self.socket.close(None);
    }
}

/// A JSON string as plain text, anything else as JSON.
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}
