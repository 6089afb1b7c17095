//! The rendered book in a real browser: headless Chromium, driven over the DevTools
//! protocol, reads both editions served on 127.0.0.1 as a reader gets them.
//!
//! Needs Chromium (Debian's `chromium`, which `.ci/run` installs). Without it these tests
//! pass with a printed reason, unless `REQUIRE_BROWSER` is set, as `.ci/run` does: then a
//! missing Chromium fails them. `CHROMIUM=/path/to/chrome` picks another browser.

#[path = "browser/cdp.rs"]
mod cdp;
#[path = "common/small_book.rs"]
mod small_book;

use cdp::{Browser, Chromium};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

/// Both editions, built once for all the tests here and served on a loopback port.
struct Site {
    dest: PathBuf,
    /// `http://127.0.0.1:PORT`
    origin: String,
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-book");
        let _ = std::fs::remove_dir_all(&dest);
        xtask::build(root, &dest, None).expect("the book builds");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().expect("its address"));
        let served = dest.clone();
        std::thread::spawn(move || xtask::site::serve(&listener, &served));
        Site { dest, origin }
    })
}

/// Writes a line the test harness does not capture, so that it is seen without
/// `--nocapture`.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The test's own tab in headless Chromium, as fresh as a new profile (no cookies, storage
/// or cache from other tests), and the served book; or `None` (said on stderr) when there
/// is no Chromium and the run does not require one.
fn start(test: &str) -> Option<(Browser, &'static Site)> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let chromium = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        std::env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|n| dir.join(n)))
            .find(|file| file.is_file())
    });
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but there is no Chromium: install Debian's chromium \
             (.ci/run does) or point CHROMIUM at a Chrome"
        );
        say(&format!(
            "browser test {test} skipped: no chromium on PATH (install Debian's chromium, \
             or set CHROMIUM=/path/to/chrome)"
        ));
        return None;
    };
    let site = site();
    let browser = Browser::new_tab(&shared_chromium(&chromium), 1280, 900)
        .unwrap_or_else(|e| panic!("cannot open a tab in Chromium: {e:#}"));
    Some((browser, site))
}

/// The Chromium that the tests running at the same time share: the first one starts it,
/// each tab holds it, and it stops when the last tab closes. The tests run a few at a time
/// and follow each other closely, so a run usually starts it once instead of once per test
/// (with `--test-threads=1`, once per test again). The static holds only a `Weak`: statics
/// are never dropped, and a Chromium held there would outlive the tests.
fn shared_chromium(path: &Path) -> Arc<Chromium> {
    static RUNNING: Mutex<Weak<Chromium>> = Mutex::new(Weak::new());
    // A test that panicked in here (Chromium did not start) left nothing half-done.
    let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(chromium) = running.upgrade() {
        return chromium;
    }
    let chromium = Chromium::launch(path).unwrap_or_else(|e| panic!("Chromium starts: {e:#}"));
    let chromium = Arc::new(chromium);
    *running = Arc::downgrade(&chromium);
    chromium
}

/// Where the screenshots go for a reviewer to look at: `target/tmp/browser-screenshots`.
fn screenshots() -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    folder
}

/// Every HTML file under `dir`, as URL paths such as `/ko/threads.html`.
fn html_pages(dest: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            html_pages(dest, &path, out);
        } else if path.extension().is_some_and(|e| e == "html")
            // The table of contents for readers without JavaScript, which every page shows
            // in a frame; opened on its own it has no icon and Chromium asks for
            // /favicon.ico.
            && path.file_name().is_some_and(|n| n != "toc.html")
        {
            let relative = path.strip_prefix(dest).expect("under dest");
            out.push(format!("/{}", relative.to_string_lossy()));
        }
    }
}

/// What a page holds once its scripts ran: its element ids and where its links go.
const PAGE_FACTS: &str = r##"({
    ids: Array.from(document.querySelectorAll("[id]"), (e) => e.id),
    links: Array.from(document.querySelectorAll("a[href]"), (a) => a.href)
        .filter((href) => href.startsWith(location.origin)),
    lang: document.documentElement.lang,
    labels: Array.from(document.querySelectorAll("[title], [aria-label]"),
        (e) => e.getAttribute("aria-label") || e.title),
})"##;

/// The English label a Korean page may keep: the switcher to the English edition. The
/// buttons mdBook's script adds to code blocks get Korean ones from theme/code-buttons.js.
const ENGLISH_LABELS: [&str; 1] = ["English"];

#[test]
fn every_page_of_both_editions_loads_cleanly_and_every_link_and_anchor_resolves() {
    let Some((mut browser, site)) = start("every_page_loads_cleanly") else {
        return;
    };
    let mut pages = Vec::new();
    for lang in ["ko", "en"] {
        html_pages(&site.dest, &site.dest.join(lang), &mut pages);
    }
    pages.sort();
    assert!(pages.len() >= 20, "too few pages: {pages:?}");

    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut links = Vec::new();
    for page in &pages {
        browser
            .open(&format!("{}{page}", site.origin))
            .unwrap_or_else(|e| panic!("{page}: {e:#}"));
        let facts = browser.eval(PAGE_FACTS).expect("page facts");
        let lang = &page[1..3];
        if facts["lang"] != json!(lang) {
            problems.push(format!("{page}: <html lang={}>", facts["lang"]));
        }
        if lang == "ko" {
            for label in facts["labels"].as_array().expect("labels") {
                let label = label.as_str().unwrap_or("");
                let hangul = label.chars().any(|c| ('가'..='힣').contains(&c));
                if !hangul && !ENGLISH_LABELS.contains(&label) {
                    problems.push(format!("{page}: a label in English: {label:?}"));
                }
            }
        }
        for problem in browser.problems() {
            problems.push(format!("{page}: {problem}"));
        }
        let page_ids = facts["ids"].as_array().expect("ids").iter();
        ids.insert(
            page.clone(),
            page_ids
                .filter_map(|id| id.as_str().map(String::from))
                .collect(),
        );
        for link in facts["links"].as_array().expect("links") {
            links.push((page.clone(), link.as_str().unwrap_or("").to_owned()));
        }
    }

    for (page, link) in &links {
        let local = &link[site.origin.len()..];
        let (path, anchor) = local.split_once('#').unwrap_or((local, ""));
        let path = path.split('?').next().unwrap_or(path);
        let path = if path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_owned()
        };
        let decoded = percent_encoding::percent_decode_str(anchor).decode_utf8_lossy();
        match ids.get(&path) {
            Some(targets) if anchor.is_empty() || targets.contains(decoded.as_ref()) => {}
            Some(_) => problems.push(format!("{page}: link to a missing anchor {local}")),
            None if site.dest.join(path.trim_start_matches('/')).is_file() => {}
            None => problems.push(format!("{page}: link to a missing page {local}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in the rendered book:\n{}",
        problems.len(),
        problems.join("\n")
    );
    say(&format!(
        "browser: {} pages loaded cleanly, {} internal links resolve",
        pages.len(),
        links.len()
    ));
}

#[test]
fn a_missing_page_gets_its_editions_404_page_with_working_styles() {
    let Some((mut browser, site)) = start("missing_page") else {
        return;
    };
    for (lang, heading) in [
        ("ko", "페이지를 찾을 수 없습니다"),
        ("en", "Page not found"),
    ] {
        let url = format!("{}/{lang}/no/such/page.html", site.origin);
        browser.open(&url).expect("the 404 page loads");
        let shown = browser
            .eval(r##"[document.documentElement.lang, document.querySelector("main h1").textContent,
                     getComputedStyle(document.body).fontFamily, document.querySelectorAll("link[rel=stylesheet]").length]"##)
            .expect("page facts");
        assert_eq!(shown[0], json!(lang), "{url}: <html lang>");
        assert_eq!(shown[1], json!(heading), "{url}: heading");
        let problems = browser.problems();
        let expected = format!("{url} answered 404");
        assert!(
            problems.contains(&expected),
            "{url}: not a 404 status: {problems:?}"
        );
        // The browser reports the page's own 404 twice: as a status and on the console.
        let others: Vec<_> = problems.iter().filter(|p| !p.starts_with(&url)).collect();
        assert!(
            others.is_empty(),
            "{url}: its styles or scripts fail to load: {others:?}"
        );
    }
}

#[test]
fn the_language_switcher_opens_the_same_chapter_at_the_same_heading() {
    let Some((mut browser, site)) = start("language_switcher") else {
        return;
    };
    for (from, to, page) in [("ko", "en", "sockets.html"), ("en", "ko", "threads.html")] {
        browser
            .open(&format!("{}/{from}/{page}", site.origin))
            .expect("chapter loads");
        // The second heading of the chapter, wherever it is in either edition.
        let anchor = browser
            .eval(r##"document.querySelectorAll("main h2")[1].id"##)
            .expect("a second heading");
        let anchor = anchor.as_str().expect("heading id").to_owned();
        browser
            .eval(&format!("location.hash = {}", json!(anchor)))
            .expect("go to the heading");
        browser
            .eval(r##"document.querySelector("a.lang-switch").click()"##)
            .expect("click the switcher");
        browser
            .wait_for_event("Page.loadEventFired")
            .expect("the other edition loads");
        let landed = browser
            .eval("[location.pathname, location.hash, document.documentElement.lang]")
            .expect("where we are");
        assert_eq!(
            landed,
            json!([format!("/{to}/{page}"), format!("#{anchor}"), to]),
            "the switcher on /{from}/{page}#{anchor}"
        );
        // The landing page remembers the choice.
        browser
            .open(&format!("{}/", site.origin))
            .expect("landing page");
        let edition = browser
            .eval_until(r#"location.pathname.endsWith("/index.html") && location.pathname"#)
            .expect("sent to an edition");
        assert_eq!(
            edition,
            json!(format!("/{to}/index.html")),
            "the landing page after choosing {to}"
        );
        assert_no_problems(&mut browser);
    }
}

/// The first code block on the page with hidden lines (`# ` lines in a Rust listing), as a
/// reader finds it: its buttons' labels, as [title, aria-label] (what a hovering mouse
/// shows and what a screen reader says), the copy button's tooltip if it shows, and whether
/// the hidden lines are shown.
const HIDDEN_LINES_BLOCK: &str = r##"(() => {
    const code = Array.from(document.querySelectorAll("main pre > code"))
        .find((c) => c.querySelector(".boring"));
    const eye = code.parentElement.querySelector(".buttons > button:not(.clip-button)");
    const copy = code.parentElement.querySelector(".buttons > button.clip-button");
    const tooltip = copy.querySelector(".tooltiptext");
    return {
        eye: [eye.title, eye.getAttribute("aria-label")],
        copy: [copy.title, copy.getAttribute("aria-label")],
        tooltip: getComputedStyle(tooltip).visibility === "visible" ? tooltip.textContent : "",
        hiddenLinesShown: getComputedStyle(code.querySelector(".boring")).display !== "none",
    };
})()"##;

/// Clicks a button of that code block with the mouse, as a reader does: moves onto it,
/// waits until it shows (mdBook shows the buttons only while the mouse is over the block,
/// fading them in), presses and releases. `which` is "eye" (show or hide the hidden lines)
/// or "copy". A click on the eye lands on its icon, inside the button, as most do.
fn click_code_button(browser: &mut Browser, which: &str) {
    let button = format!(
        r##"Array.from(document.querySelectorAll("main pre > code"))
            .find((c) => c.querySelector(".boring"))
            .parentElement.querySelector({})"##,
        json!(if which == "eye" {
            ".buttons > button:not(.clip-button)"
        } else {
            ".buttons > button.clip-button"
        })
    );
    let at = browser
        .eval(&format!(
            r##"(() => {{
            const button = {button};
            button.closest("pre").scrollIntoView({{ block: "center" }});
            const r = button.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2];
        }})()"##
        ))
        .expect("the button's place");
    let (x, y) = (at[0].as_f64().unwrap_or(0.0), at[1].as_f64().unwrap_or(0.0));
    let mouse = |kind: &str| {
        let mut event = json!({ "type": kind, "x": x, "y": y });
        if kind != "mouseMoved" {
            event["button"] = json!("left");
            event["clickCount"] = json!(1);
        }
        event
    };
    browser
        .call("Input.dispatchMouseEvent", mouse("mouseMoved"))
        .unwrap_or_else(|e| panic!("move onto the {which} button: {e:#}"));
    browser
        .eval_until(&format!(
            "{button}.contains(document.elementFromPoint({x}, {y}))"
        ))
        .unwrap_or_else(|e| panic!("the {which} button does not show under the mouse: {e:#}"));
    for kind in ["mousePressed", "mouseReleased"] {
        browser
            .call("Input.dispatchMouseEvent", mouse(kind))
            .unwrap_or_else(|e| panic!("{kind} on the {which} button: {e:#}"));
    }
}

#[test]
fn code_block_buttons_speak_the_editions_language_and_still_show_hidden_lines_and_copy() {
    let Some((mut browser, site)) = start("code_block_buttons") else {
        return;
    };
    // (edition, the eye's label while the lines are hidden, while they are shown, the copy
    // button's label, its tooltip after a copy)
    for (lang, show, hide, copy, copied) in [
        (
            "ko",
            "숨긴 줄 보기",
            "줄 다시 숨기기",
            "클립보드로 복사",
            "복사했습니다",
        ),
        (
            "en",
            "Show hidden lines",
            "Hide lines",
            "Copy to clipboard",
            "Copied!",
        ),
    ] {
        browser
            .open(&format!("{}/{lang}/threads.html", site.origin))
            .expect("chapter loads");
        let block = |eye: &str, shown: bool, tooltip: &str| {
            json!({ "eye": [eye, eye], "copy": [copy, copy], "tooltip": tooltip,
                    "hiddenLinesShown": shown })
        };
        let state = browser.eval(HIDDEN_LINES_BLOCK).expect("the code block");
        assert_eq!(state, block(show, false, ""), "{lang}: before any click");
        // mdBook's eye button decides what a click does by its own title: each click must
        // still show or hide the lines, and its label must say what the next one does.
        // mdBook's script gives the eye the aria-label "undefined" when the click is on its
        // icon (it copies the title of the click's target, the icon, which has none). The
        // English edition keeps mdBook's script as it is: there only the title is checked.
        let after_click = |browser: &mut Browser| {
            let mut state = browser.eval(HIDDEN_LINES_BLOCK).expect("the code block");
            if lang == "en" {
                state["eye"][1] = state["eye"][0].clone();
            }
            state
        };
        for round in 1..=2 {
            click_code_button(&mut browser, "eye");
            let state = after_click(&mut browser);
            assert_eq!(
                state,
                block(hide, true, ""),
                "{lang}: eye click {}",
                2 * round - 1
            );
            click_code_button(&mut browser, "eye");
            let state = after_click(&mut browser);
            assert_eq!(
                state,
                block(show, false, ""),
                "{lang}: eye click {}",
                2 * round
            );
        }
        click_code_button(&mut browser, "copy");
        let state = after_click(&mut browser);
        assert_eq!(state, block(show, false, copied), "{lang}: after a copy");
        if lang == "ko" {
            let shot = screenshots().join("code-buttons-ko.png");
            browser.screenshot(&shot).expect("screenshot");
        }
        assert_no_problems(&mut browser);
    }
}

/// A key as the browser reports it to the page: what it means (`key`: the letter it gives,
/// or a name such as "Enter"), where it is on the keyboard (`code`), its Windows key code,
/// and the text it types.
struct Key {
    key: &'static str,
    code: &'static str,
    windows: u32,
    text: &'static str,
}

const S: Key = Key {
    key: "s",
    code: "KeyS",
    windows: 83,
    text: "s",
};
/// The same key with the Korean IME on, as Korean readers type: the 2-set layout (두벌식)
/// has ㄴ there.
const S_KOREAN: Key = Key {
    key: "ㄴ",
    code: "KeyS",
    windows: 83,
    text: "ㄴ",
};
const ARROW_DOWN: Key = Key {
    key: "ArrowDown",
    code: "ArrowDown",
    windows: 40,
    text: "",
};
const ENTER: Key = Key {
    key: "Enter",
    code: "Enter",
    windows: 13,
    text: "\r",
};
const ESCAPE: Key = Key {
    key: "Escape",
    code: "Escape",
    windows: 27,
    text: "",
};

/// Fails with every console error, exception and failed request the page has had since
/// the last check.
fn assert_no_problems(browser: &mut Browser) {
    let problems = browser.problems();
    assert!(
        problems.is_empty(),
        "problems in the page:\n{}",
        problems.join("\n")
    );
}

/// Presses and releases a key in the page, as a keyboard does.
fn press(browser: &mut Browser, key: &Key) {
    for kind in ["keyDown", "keyUp"] {
        let mut event = json!({
            "type": kind, "key": key.key, "code": key.code, "windowsVirtualKeyCode": key.windows,
        });
        if kind == "keyDown" && !key.text.is_empty() {
            event["text"] = json!(key.text);
        }
        browser
            .call("Input.dispatchKeyEvent", event)
            .unwrap_or_else(|e| panic!("press {}: {e:#}", key.key));
    }
}

/// The results' pages, in order, once the search panel shows them.
fn search(browser: &mut Browser, query: &str) -> Vec<String> {
    // Empty the box as a reader would, and wait until the last results are gone.
    browser
        .eval(
            r##"{ const input = document.querySelector("#tas-search input");
                    input.value = ""; input.dispatchEvent(new Event("input")); input.focus(); }"##,
        )
        .expect("empty the search box");
    browser
        .eval_until(
            r##"document.querySelector("#tas-search .tas-search-status").textContent === """##,
        )
        .expect("the old results go");
    browser.type_text(query).expect("type the query");
    let found = browser
        .eval_until(&format!(
            r##"(() => {{
                const input = document.querySelector("#tas-search input");
                const status = document.querySelector("#tas-search .tas-search-status").textContent;
                const links = Array.from(document.querySelectorAll("#tas-search li a"));
                if (input.value !== {query} || status === "" || /…$/.test(status)) return null;
                return links.map((a) => new URL(a.href).pathname.split("/").pop());
            }})()"##,
            query = json!(query)
        ))
        .expect("search results");
    serde_json::from_value(found).expect("a list of pages")
}

#[test]
fn search_finds_korean_and_english_words_and_opens_the_page_at_the_match() {
    let Some((mut browser, site)) = start("search") else {
        return;
    };
    // (edition, query, the chapter that teaches it: one of the first three results, those a
    // reader sees without scrolling)
    let queries = [
        ("ko", "스레드", "threads.html"),
        ("ko", "소켓", "sockets.html"),
        ("ko", "에코 서버", "sockets.html"),
        ("ko", "뮤텍스", "threads.html"),
        ("ko", "스레드를", "threads.html"),
        ("ko", "TcpListener", "sockets.html"),
        ("ko", "JoinHandle", "threads.html"),
        ("ko", "지연 시간", "measuring.html"),
        ("en", "thread", "threads.html"),
        ("en", "socket", "sockets.html"),
        ("en", "echo server", "sockets.html"),
        ("en", "mutex", "threads.html"),
        ("en", "TcpListener", "sockets.html"),
        ("en", "JoinHandle", "threads.html"),
        ("en", "latency", "measuring.html"),
        ("en", "listen", "sockets.html"),
    ];
    let mut wrong = Vec::new();
    for lang in ["ko", "en"] {
        browser
            .open(&format!("{}/{lang}/introduction.html", site.origin))
            .expect("introduction loads");
        // The reader's way in: the S key opens the search box.
        press(&mut browser, &S);
        let open = browser
            .eval(r##"document.activeElement === document.querySelector("#tas-search input")"##)
            .expect("focus");
        assert_eq!(open, json!(true), "{lang}: S does not open the search box");
        for (_, query, expected) in queries.iter().filter(|q| q.0 == lang) {
            let pages = search(&mut browser, query);
            if !pages.iter().take(3).any(|page| page == expected) {
                wrong.push(format!("{lang}: {query:?} should find {expected} in the first three results, found {pages:?}"));
            }
        }
        let nothing = search(&mut browser, "zzqx없는말");
        assert!(
            nothing.is_empty(),
            "{lang}: a word that is nowhere found {nothing:?}"
        );
        assert_no_problems(&mut browser);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The glossary pairs 뮤텍스 with mutex: the Korean word finds `Mutex` in the code too.
    browser
        .open(&format!(
            "{}/ko/introduction.html?search=뮤텍스",
            site.origin
        ))
        .expect("introduction loads");
    let marked = browser
        .eval_until(r##"(() => {
            const marks = Array.from(document.querySelectorAll("#tas-search mark"), (m) => m.textContent);
            return marks.length > 0 ? marks : null;
        })()"##)
        .expect("marked results");
    assert!(
        marked
            .as_array()
            .is_some_and(|m| m.contains(&json!("Mutex"))),
        "뮤텍스 does not find Mutex: {marked}"
    );

    // A result opens its page with every match marked, also inside a longer word.
    browser
        .open(&format!(
            "{}/ko/introduction.html?search=스레드",
            site.origin
        ))
        .expect("introduction loads");
    browser
        .eval_until(r##"document.querySelector("#tas-search li a") !== null"##)
        .expect("results");
    // 스레드 is in more sections than the list shows, and the status says so.
    let shown = browser
        .eval(
            r##"[document.querySelector("#tas-search .tas-search-status").textContent,
                   document.querySelectorAll("#tas-search li").length]"##,
        )
        .expect("status");
    let status = shown[0].as_str().unwrap_or("");
    let total: u64 = status
        .split('곳')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        total > 30 && status.ends_with("앞의 30곳을 보여 줍니다.") && shown[1] == json!(30),
        "{shown}"
    );
    let shot = screenshots().join("search-ko.png");
    browser.screenshot(&shot).expect("screenshot");
    // From the box, ↓ goes to the first result and Enter opens it.
    press(&mut browser, &ARROW_DOWN);
    let focused = browser
        .eval(r##"document.activeElement === document.querySelector("#tas-search li a")"##)
        .expect("focus");
    assert_eq!(focused, json!(true), "↓ does not reach the first result");
    press(&mut browser, &ENTER);
    browser
        .wait_for_event("Page.loadEventFired")
        .expect("the result's page loads");
    let at = browser
        .eval_until(
            r##"(() => {
            const marks = document.querySelectorAll("main mark");
            const visible = Array.from(marks).some((m) => {
                const r = m.getBoundingClientRect();
                return r.top >= 0 && r.bottom <= innerHeight;
            });
            return marks.length > 0 && visible ? [location.pathname, marks[0].textContent] : null;
        })()"##,
        )
        .expect("marked matches in view");
    assert_eq!(at, json!(["/ko/threads.html", "스레드"]));
    let marked = browser
        .eval(
            r##"Array.from(document.querySelectorAll("main mark"), (m) =>
            (m.previousSibling ? m.previousSibling.textContent.slice(-2) : "") + m.textContent +
            (m.nextSibling ? m.nextSibling.textContent.slice(0, 1) : "")).join(" ")"##,
        )
        .expect("marks");
    let marked = marked.as_str().unwrap_or("");
    for word in ["스레드를", "스레드가", "멀티스레드"] {
        assert!(
            marked.contains(word),
            "스레드 is not marked in {word}: {marked}"
        );
    }
    assert_no_problems(&mut browser);
}

#[test]
fn the_s_key_opens_the_search_with_the_korean_ime_on() {
    let Some((mut browser, site)) = start("s_key_korean_ime") else {
        return;
    };
    browser
        .open(&format!("{}/ko/introduction.html", site.origin))
        .expect("introduction loads");
    press(&mut browser, &S_KOREAN);
    let search = browser
        .eval(
            r##"(() => {
            const input = document.querySelector("#tas-search input");
            return {
                shown: !document.querySelector("#tas-search").hidden,
                focused: document.activeElement === input,
                typed: input.value,
            };
        })()"##,
        )
        .expect("the search box");
    assert_eq!(
        search,
        json!({ "shown": true, "focused": true, "typed": "" }),
        "the S key with the Korean IME on (it gives ㄴ) should open the search box, focus it \
         and type nothing in it"
    );
    let problems = browser.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn what_is_typed_before_the_search_index_arrives_is_searched_once_it_does() {
    let Some((mut browser, site)) = start("slow_search_index") else {
        return;
    };
    // A slow network: every response comes 500 ms after its request, the index too,
    // which the page fetches only when the search opens.
    browser
        .call(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 500, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .expect("a slow network");
    browser
        .open(&format!("{}/en/introduction.html", site.origin))
        .expect("introduction loads");
    press(&mut browser, &S);
    browser.type_text("thread").expect("type the query");
    let found = browser
        .eval_until(
            r##"(() => {
            const links = document.querySelectorAll("#tas-search li a");
            return links.length > 0 ? links.length : null;
        })()"##,
        )
        .expect("results once the index has arrived");
    assert!(found.as_u64().is_some_and(|n| n > 0), "{found}");
    assert_no_problems(&mut browser);
}

/// Asserts that the search panel is shown, or not, and that its button's `aria-expanded`
/// says the same.
fn assert_search_shown(browser: &mut Browser, shown: bool, after: &str) {
    let state = browser
        .eval(
            r##"[!document.querySelector("#tas-search").hidden,
                document.querySelector("#tas-search-toggle").getAttribute("aria-expanded")]"##,
        )
        .expect("the panel and its button");
    assert_eq!(
        state,
        json!([shown, shown.to_string()]),
        "[panel shown, aria-expanded] after {after}"
    );
}

/// Presses Esc in the open search panel, and asserts that it closes and that the focus
/// goes back to the search button (left in the hidden panel, it would drop to the page).
fn assert_esc_closes_the_search(browser: &mut Browser, opened_by: &str) {
    press(browser, &ESCAPE);
    assert_search_shown(browser, false, &format!("Esc (opened by {opened_by})"));
    let focused = browser
        .eval(r##"document.activeElement === document.querySelector("#tas-search-toggle")"##)
        .expect("focus");
    assert_eq!(
        focused,
        json!(true),
        "after Esc (opened by {opened_by}), the search button should have the focus"
    );
}

#[test]
fn the_search_button_tells_screen_readers_what_it_opens_and_gets_the_focus_back_on_esc() {
    let Some((mut browser, site)) = start("search_accessibility") else {
        return;
    };
    browser
        .open(&format!("{}/en/introduction.html", site.origin))
        .expect("introduction loads");
    let button = browser
        .eval(
            r##"(() => {
            const toggle = document.querySelector("#tas-search-toggle");
            const panel = document.querySelector("#tas-search");
            const controls = toggle.getAttribute("aria-controls");
            return {
                controls,
                controlsThePanel: controls !== null && document.getElementById(controls) === panel,
                shortcuts: toggle.getAttribute("aria-keyshortcuts"),
                landmark: panel.getAttribute("role") === "search" || panel.localName === "search",
            };
        })()"##,
        )
        .expect("the search button");
    assert_eq!(
        button["controlsThePanel"],
        json!(true),
        "aria-controls should name the search panel: {button}"
    );
    // ARIA separates shortcuts with spaces and does not care about a letter's case.
    let shortcuts = button["shortcuts"].as_str().unwrap_or("").to_lowercase();
    assert_eq!(
        shortcuts.split(' ').collect::<Vec<_>>(),
        ["s", "/"],
        "aria-keyshortcuts should list S and /: {button}"
    );
    assert_eq!(
        button["landmark"],
        json!(true),
        "the search panel is not a search landmark"
    );

    // aria-expanded follows the panel whichever way it opens or closes.
    assert_search_shown(&mut browser, false, "the page loads");
    let click = r##"document.querySelector("#tas-search-toggle").click()"##;
    browser.eval(click).expect("click the search button");
    assert_search_shown(&mut browser, true, "a click on the button");
    browser.eval(click).expect("click the search button");
    assert_search_shown(&mut browser, false, "a second click on the button");
    press(&mut browser, &S);
    assert_search_shown(&mut browser, true, "the S key");
    assert_esc_closes_the_search(&mut browser, "the S key");

    browser
        .open(&format!(
            "{}/en/introduction.html?search=socket",
            site.origin
        ))
        .expect("introduction loads");
    assert_search_shown(&mut browser, true, "a ?search= link");
    assert_esc_closes_the_search(&mut browser, "a ?search= link");
    let problems = browser.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn the_s_key_in_the_search_box_types_an_s() {
    let Some((mut browser, site)) = start("s_key_in_the_box") else {
        return;
    };
    browser
        .open(&format!(
            "{}/en/introduction.html?search=thread",
            site.origin
        ))
        .expect("introduction loads");
    browser
        .eval_until(r##"document.querySelector("#tas-search li a") !== null"##)
        .expect("results");
    press(&mut browser, &S);
    let search = browser
        .eval(
            r##"(() => {
            const input = document.querySelector("#tas-search input");
            return {
                typed: input.value,
                focused: document.activeElement === input,
                expanded: document.querySelector("#tas-search-toggle").getAttribute("aria-expanded"),
            };
        })()"##,
        )
        .expect("the search box");
    assert_eq!(
        search,
        json!({ "typed": "threads", "focused": true, "expanded": "true" }),
        "S in the search box should type an s and leave the search as it was"
    );
    let problems = browser.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

/// Draws Hangul syllables on a canvas in the page's own font and compares the pixels: real
/// glyphs differ from each other and from the "missing glyph" box, tofu does not.
const HANGUL_PIXELS: &str = r##"(() => {
    const family = getComputedStyle(document.querySelector("main h1")).fontFamily;
    const draw = (text) => {
        const canvas = document.createElement("canvas");
        canvas.width = 64; canvas.height = 64;
        const g = canvas.getContext("2d");
        g.fillStyle = "white"; g.fillRect(0, 0, 64, 64);
        g.fillStyle = "black"; g.font = `48px ${family}`;
        g.fillText(text, 4, 52);
        const data = g.getImageData(0, 0, 64, 64).data;
        let ink = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] < 128) ink += 1;
        return [canvas.toDataURL(), ink];
    };
    const [a, inkA] = draw("스"), [b, inkB] = draw("레"), [missing] = draw("\u{10FFFD}");
    return { family, inked: inkA > 50 && inkB > 50, distinct: a !== b && a !== missing && b !== missing };
})()"##;

#[test]
fn hangul_is_drawn_with_a_real_font_and_screenshots_are_saved() {
    let Some((mut browser, site)) = start("hangul_and_screenshots") else {
        return;
    };
    browser
        .open(&format!("{}/ko/threads.html", site.origin))
        .expect("chapter loads");
    let pixels = browser.eval(HANGUL_PIXELS).expect("canvas");
    // Which font the browser really drew the heading with, for the failure message.
    let document = browser.call("DOM.getDocument", json!({})).expect("DOM");
    let heading = browser
        .call(
            "DOM.querySelector",
            json!({ "nodeId": document["root"]["nodeId"], "selector": "main h1" }),
        )
        .expect("the heading");
    browser.call("CSS.enable", json!({})).expect("CSS domain");
    let fonts = browser
        .call(
            "CSS.getPlatformFontsForNode",
            json!({ "nodeId": heading["nodeId"] }),
        )
        .expect("fonts");
    let fonts: Vec<&Value> = fonts["fonts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| &f["familyName"])
        .collect();
    assert!(
        pixels["inked"] == json!(true) && pixels["distinct"] == json!(true),
        "Hangul is not drawn with a real font (tofu): {pixels}, fonts used: {fonts:?}; \
         install a Korean font such as Debian's fonts-noto-cjk"
    );

    let folder = screenshots();
    let mut sizes = Vec::new();
    for lang in ["ko", "en"] {
        for (name, theme) in [("light", "light"), ("dark", "navy")] {
            browser
                .eval(&format!("localStorage.setItem('mdbook-theme', '{theme}')"))
                .expect("choose the theme");
            browser
                .open(&format!("{}/{lang}/threads.html", site.origin))
                .expect("chapter loads");
            let themed = browser
                .eval(&format!(
                    "document.documentElement.classList.contains('{theme}')"
                ))
                .expect("theme class");
            assert_eq!(
                themed,
                json!(true),
                "{lang}: the {theme} theme is not applied"
            );
            let file = folder.join(format!("threads-{lang}-{name}.png"));
            browser.screenshot(&file).expect("screenshot");
            sizes.push(std::fs::metadata(&file).expect("screenshot written").len());
        }
    }
    assert_no_problems(&mut browser);
    // A blank 1280×900 page compresses to a few kilobytes; a page of text does not.
    assert!(
        sizes.iter().all(|&size| size > 30_000),
        "blank screenshots? sizes {sizes:?}"
    );
    say(&format!(
        "browser: Hangul drawn with {fonts:?}; screenshots in {}",
        folder.display()
    ));
}

#[test]
fn print_page_holds_the_whole_edition() {
    let Some((mut browser, site)) = start("print_page") else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for edition in &xtask::EDITIONS {
        let lang = edition.lang;
        let titles: Vec<String> = xtask::expanded_chapters(root, edition)
            .expect("chapters")
            .iter()
            .map(|chapter| chapter.name.clone())
            .collect();
        browser
            .open(&format!("{}/{lang}/print.html", site.origin))
            .expect("print page loads");
        let headings = browser
            .eval(r##"Array.from(document.querySelectorAll("main h1"), (h) => h.textContent)"##)
            .expect("headings");
        let headings: Vec<String> = serde_json::from_value(headings).expect("strings");
        assert_eq!(
            headings, titles,
            "{lang}/print.html: the chapters' headings"
        );
        let blocks = browser
            .eval(r##"document.querySelectorAll("main pre code").length"##)
            .expect("code blocks");
        assert!(
            blocks.as_u64() > Some(20),
            "{lang}/print.html: {blocks} code blocks"
        );
        assert_no_problems(&mut browser);
    }
}

/// Runs `script` in the page until it returns something other than null or false, through
/// reloads (while a page reloads, there is no page to ask); at most 60 s.
fn wait_in_page(browser: &mut Browser, script: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Ok(value) = browser.eval(script)
            && !value.is_null()
            && value != json!(false)
        {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited 60 s in vain for {script}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `cargo xtask serve` on a small book: an open page reloads by itself after an edit,
/// shows the error of a build that failed over the last good page (in its edition's
/// language), and reloads again once the book builds.
#[test]
fn xtask_serve_reloads_the_open_page_and_shows_a_failed_build() {
    let Some((mut browser, _)) = start("live_reload") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().to_path_buf();
    small_book::write(&root).expect("the small book");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let origin = format!("http://{}", listener.local_addr().expect("its address"));
    let (said, lines) = std::sync::mpsc::channel();
    let served = root.clone();
    std::thread::spawn(move || {
        let say = move |line: String| {
            let _ = said.send(line);
        };
        xtask::serve(&served, &served.join("book"), listener, say)
    });
    lines
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the small book is served");

    browser
        .open(&format!("{origin}/ko/chapter.html"))
        .expect("the page opens");
    let chapter = root.join("src/ko/chapter.md");
    let edit = |from: &str, to: &str| {
        let text = std::fs::read_to_string(&chapter).expect("the chapter");
        std::fs::write(&chapter, text.replacen(from, to, 1)).expect("writable");
    };
    edit(
        "# Chapter {#chapter}",
        "# Chapter {#chapter}\n\n새 문단입니다.",
    );
    wait_in_page(
        &mut browser,
        "document.body.innerText.includes('새 문단입니다.')",
    );

    edit("listing.rs:main", "missing.rs:main");
    let error = wait_in_page(
        &mut browser,
        "(document.getElementById('xtask-build-error') || {}).textContent",
    );
    let error = error.as_str().expect("text");
    assert!(
        error.starts_with("책을 다시 만들지 못했습니다.") && error.contains("missing.rs"),
        "{error}"
    );
    let page = browser.eval("document.body.innerText").expect("the page");
    assert!(
        page.to_string().contains("새 문단입니다."),
        "the last good page stays: {page}"
    );

    edit("missing.rs:main", "listing.rs:main");
    edit("새 문단입니다.", "고친 문단입니다.");
    wait_in_page(
        &mut browser,
        "document.body.innerText.includes('고친 문단입니다.') \
         && !document.getElementById('xtask-build-error')",
    );
    assert_no_problems(&mut browser);
}
