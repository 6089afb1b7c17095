//! Builds and checks the two editions of the book with mdBook's library.
//!
//! `cargo xtask` (src/main.rs) and the book-level tests (tests/ at the repository root)
//! share this code, so what the tests check is exactly what the build does.

use anyhow::{Context, Result, anyhow, bail};
use mdbook_driver::MDBook;
use mdbook_driver::book::{BookItem, Chapter};
use mdbook_driver::builtin_renderers::MarkdownRenderer;
use mdbook_driver::config::Config;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::fmt::{Debug, Display};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;

pub mod blocks;
pub mod comments;
pub mod course;
pub mod report;
pub mod search;
pub mod site;

/// The mdBook library this crate builds with, for the tests that look inside a book.
pub use mdbook_driver;

/// One language edition of the book: its sources are `src/<lang>/`, its pages `book/<lang>/`.
pub struct Edition {
    pub lang: &'static str,
    /// The language's own name, shown on the language switcher.
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

pub const EDITIONS: [Edition; 2] = [
    Edition {
        lang: "ko",
        name: "한국어",
        title: "Rust로 배우는 스레드와 소켓",
        description: "스레드 두 개와 에코 서버에서 시작해, 여러 클라이언트를 동시에 처리하는 서버와 그 성능 측정까지 Rust로 배우는 책",
    },
    Edition {
        lang: "en",
        name: "English",
        title: "Threads and Sockets in Rust",
        description: "From two threads and an echo server to servers that handle many clients at once, and measuring them, in Rust",
    },
];

/// Loads one edition: the shared `book.toml`, with the edition's sources, language and title.
pub fn load(root: &Path, edition: &Edition) -> Result<MDBook> {
    let mut config = Config::from_disk(root.join("book.toml"))
        .with_context(|| format!("cannot read {}", root.join("book.toml").display()))?;
    config.book.src = PathBuf::from("src").join(edition.lang);
    config.book.language = Some(edition.lang.to_owned());
    config.book.title = Some(edition.title.to_owned());
    config.book.description = Some(edition.description.to_owned());
    let mut book = strict(|| MDBook::load_with_config(root, config))
        .with_context(|| format!("cannot load the {} edition", edition.lang))?;
    if edition.lang == "ko" {
        book.with_preprocessor(comments::KoreanComments::new(root)?);
    }
    Ok(book)
}

/// The chapters of one edition after mdBook's preprocessors ran: includes are expanded,
/// so this is the Markdown a reader sees.
pub fn expanded_chapters(root: &Path, edition: &Edition) -> Result<Vec<Chapter>> {
    let book = load(root, edition)?;
    check_include_anchors(&book)?;
    let (expanded, _) = strict(|| book.preprocess_book(&MarkdownRenderer::new()))?;
    Ok(chapters(&expanded.items))
}

/// Every chapter with a file, depth first, in reading order.
pub fn chapters(items: &[BookItem]) -> Vec<Chapter> {
    let mut out = Vec::new();
    for item in items {
        if let BookItem::Chapter(ch) = item {
            if ch.path.is_some() {
                out.push(ch.clone());
            }
            out.extend(chapters(&ch.sub_items));
        }
    }
    out
}

/// Renders both editions into `dest/<lang>/`, adds the language links, writes the landing
/// page `dest/index.html` and fails on any broken internal link or anchor.
///
/// `site_url` (such as `https://example.org/book/`) makes the `hreflang` links absolute, as
/// search engines want them; without it they are relative.
pub fn build(root: &Path, dest: &Path, site_url: Option<&str>) -> Result<()> {
    // The path the site is served under: `/` locally, `/repo/` on a project's Pages site.
    let site_path = match site_url.and_then(|u| u.split_once("://")) {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => site_url.unwrap_or("/"),
    };
    let site_path = format!("/{}/", site_path.trim_matches('/')).replace("//", "/");
    for edition in &EDITIONS {
        let mut book = load(root, edition)?;
        check_include_anchors(&book)?;
        book.config.build.build_dir = dest.join(edition.lang);
        // The 404 page links with absolute paths, so it must know where its edition lives.
        book.config.set(
            "output.html.site-url",
            format!("{site_path}{}/", edition.lang),
        )?;
        strict(|| book.build()).with_context(|| format!("cannot render {}", edition.lang))?;
        fix_not_found_page(dest, edition.lang)?;
        // The book's own search (theme/search.js) reads this; see search.rs for why.
        let chapters = expanded_chapters(root, edition)?;
        let json = search::index_json(&search::sections(&chapters), &search::aliases(&chapters))?;
        let index = dest.join(edition.lang).join("search-index.json");
        fs::write(&index, json).with_context(|| format!("cannot write {}", index.display()))?;
    }
    add_language_links(dest, site_url)?;
    let landing = root.join("theme/landing.html");
    fs::copy(&landing, dest.join("index.html"))
        .with_context(|| format!("cannot copy {}", landing.display()))?;
    check_links(dest, &site_path)
}

/// `cargo xtask serve`: builds the book from `root` into `dest`, serves it on `listener`,
/// and rebuilds when a file under `src/`, `theme/` or `listings/` (or `book.toml`)
/// changes. The open pages reload by themselves after a build, and show the error of a
/// build that failed (site::serve_with). `say` gets what to tell the person at the
/// terminal, first the address, with the port the system chose if the listener was bound
/// to port 0. Runs until the process ends.
pub fn serve(
    root: &Path,
    dest: &Path,
    listener: std::net::TcpListener,
    say: impl Fn(String) + Send + 'static,
) -> Result<()> {
    use notify::{RecursiveMode, Watcher};
    use std::time::Duration;
    let url = format!("http://{}/", listener.local_addr()?);
    build_beside(root, dest)?;
    let builds = Arc::new(site::Builds::default());
    builds.finished(&Ok(()));
    say(format!(
        "serving the book on {url} (Ctrl-C to stop); open pages reload after each rebuild"
    ));

    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    for path in ["src", "theme", "listings", "book.toml"] {
        let path = root.join(path);
        if path.exists() {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    let (root, dest_for_builds, for_builds) =
        (root.to_path_buf(), dest.to_path_buf(), builds.clone());
    std::thread::spawn(move || {
        // The watcher lives as long as this thread.
        let _watcher = watcher;
        let is_source = |event: &notify::Result<notify::Event>| {
            let Ok(event) = event else { return false };
            !event.kind.is_access()
                && event.paths.iter().all(|path| {
                    let inside = path.strip_prefix(&root).unwrap_or(path);
                    !inside.components().any(|c| c.as_os_str() == "target")
                })
        };
        while let Ok(event) = rx.recv() {
            if !is_source(&event) {
                continue;
            }
            // Editors write a file in several steps: wait until the changes settle.
            while rx.recv_timeout(Duration::from_millis(300)).is_ok() {}
            let result = build_beside(&root, &dest_for_builds);
            match &result {
                Ok(()) => say("rebuilt; open pages reload".into()),
                Err(e) => say(format!(
                    "build failed (the open pages show why, over the last good build): {e:#}"
                )),
            }
            for_builds.finished(&result);
        }
    });
    site::serve_with(&listener, dest, Some(builds));
    Ok(())
}

/// Builds into a folder beside `dest` and puts it in `dest`'s place only if the build
/// succeeded: a failed build leaves the last good one served, whole.
fn build_beside(root: &Path, dest: &Path) -> Result<()> {
    let mut next = dest.as_os_str().to_owned();
    next.push(".next");
    let next = PathBuf::from(next);
    let _ = fs::remove_dir_all(&next);
    build(root, &next, None)?;
    if dest.exists() {
        fs::remove_dir_all(dest).with_context(|| format!("cannot replace {}", dest.display()))?;
    }
    fs::rename(&next, dest).with_context(|| format!("cannot move the build to {}", dest.display()))
}

/// mdBook titles every 404 page "Page not found", whatever its language, and the page's
/// `<base>` (it is served for any missing path) turns its heading's `#id` links into links
/// to the edition's front page. Gives it its own heading as title and links that stay.
fn fix_not_found_page(dest: &Path, lang: &str) -> Result<()> {
    let page = format!("{lang}/404.html");
    let file = dest.join(&page);
    let mut html =
        fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let heading = Regex::new(r#"<h1 id="[^"]*"><a class="header" href="[^"]*">([^<]*)</a></h1>"#)?
        .captures(&html)
        .map(|c| c[1].to_owned())
        .with_context(|| format!("{page} has no heading"))?;
    replace_checked(
        &mut html,
        "<title>Page not found - ",
        &format!("<title>{heading} - "),
        "the 404 page's title",
        &page,
    )?;
    replace_checked(
        &mut html,
        "href=\"#",
        "href=\"404.html#",
        "the 404 page's heading links",
        &page,
    )?;
    fs::write(&file, html).with_context(|| format!("cannot write {}", file.display()))
}

/// Replaces every `from` in `html` with `to`, or fails if `html` has none. xtask edits
/// mdBook's pages by plain string replacement, so when an mdBook update changes the markup
/// an edit looks for, the edit finds nothing and the book quietly loses what it adds; this
/// makes that an error naming the edit, the page and the markup.
fn replace_checked(html: &mut String, from: &str, to: &str, edit: &str, page: &str) -> Result<()> {
    if !html.contains(from) {
        return Err(not_found(edit, from, page));
    }
    *html = html.replace(from, to);
    Ok(())
}

/// The error for an edit that found none of the markup it expected in `place`: a page, or
/// all the pages of an edition.
fn not_found(edit: &str, markup: &str, place: impl Display) -> anyhow::Error {
    anyhow!(
        "{place}: {edit} expected `{markup}` in mdBook's HTML and found none; \
         did an mdBook update change its markup?"
    )
}

/// Runs `f` while listening to mdBook's log, and turns anything mdBook only logged as a
/// warning or an error (an include whose file is missing, for one) into a failure that
/// carries those messages.
fn strict<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    #[derive(Clone, Default)]
    struct Problems(Arc<Mutex<Vec<String>>>);
    impl<S: tracing::Subscriber> Layer<S> for Problems {
        fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<S>) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn Debug) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            let line = format!("{}: {}", event.metadata().level(), message.0);
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    }
    let problems = Problems::default();
    let subscriber =
        tracing_subscriber::registry().with(problems.clone().with_filter(LevelFilter::WARN));
    let value = tracing::subscriber::with_default(subscriber, f)?;
    let problems = problems.0.lock().unwrap_or_else(|e| e.into_inner());
    if !problems.is_empty() {
        bail!("mdBook reported:\n  {}", problems.join("\n  "));
    }
    Ok(value)
}

static INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{#(?:include|rustdoc_include)\s+([^}\s]+)\s*\}\}").expect("valid regex")
});

/// mdBook includes nothing, silently, when `{{#include file:name}}` names an anchor that
/// the file does not have, and it shows the `ANCHOR:` comments when a whole file (or a
/// range of lines) is included. Refuse both.
fn check_include_anchors(book: &MDBook) -> Result<()> {
    let src = book.root.join(&book.config.book.src);
    for chapter in chapters(&book.book.items) {
        let Some(path) = &chapter.path else { continue };
        let dir = src
            .join(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for cap in INCLUDE.captures_iter(&chapter.content) {
            let mut parts = cap[1].splitn(2, ':');
            let file = dir.join(parts.next().unwrap_or_default());
            let Ok(text) = fs::read_to_string(&file) else {
                continue; // mdBook itself reports a missing file
            };
            let anchor = parts.next().unwrap_or_default();
            let is_line_range = anchor.chars().all(|c| c.is_ascii_digit() || c == ':');
            if is_line_range {
                if text.contains("ANCHOR:") {
                    bail!(
                        "{}: `{}` would show the file's `ANCHOR:` comments to readers; \
                         include a named anchor instead",
                        path.display(),
                        &cap[0]
                    );
                }
                continue;
            }
            let start = Regex::new(&format!(r"ANCHOR:\s*{}\b", regex::escape(anchor)))?;
            let end = Regex::new(&format!(r"ANCHOR_END:\s*{}\b", regex::escape(anchor)))?;
            if !start.is_match(&text) || !end.is_match(&text) {
                bail!(
                    "{}: `{}` names the anchor `{anchor}`, but {} has no `ANCHOR: {anchor}` \
                     ... `ANCHOR_END: {anchor}` pair",
                    path.display(),
                    &cap[0],
                    file.display()
                );
            }
        }
    }
    Ok(())
}

/// Every `.html` file under `dir`, as paths relative to `dir`, sorted.
fn html_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                out.push(path.strip_prefix(dir)?.to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// mdBook's `toc.html` is the sidebar for readers without JavaScript, shown in a frame: it
/// has a `<head>`, but no menu bar and no keyboard help.
const SIDEBAR_FRAME: &str = "toc.html";

const RIGHT_BUTTONS: &str = "<div class=\"right-buttons\">";

/// Gives every page `<link rel="alternate" hreflang>` links to the same page in each
/// edition, puts a link to the other edition's page in the menu bar and has mdBook's
/// buttons and help speak the edition's language.
fn add_language_links(dest: &Path, site_url: Option<&str>) -> Result<()> {
    for edition in &EDITIONS {
        let dir = dest.join(edition.lang);
        let mut labels_replaced = HashSet::new();
        for page in html_files(&dir)? {
            let file = dir.join(&page);
            let mut html = fs::read_to_string(&file)?;
            let page_url = page.to_string_lossy().replace('\\', "/");
            let depth = page.components().count() - 1;
            let base = match site_url {
                Some(url) => format!("{}/", url.trim_end_matches('/')),
                None => "../".repeat(depth + 1),
            };
            let mut head = String::new();
            let mut switch = String::new();
            for other in &EDITIONS {
                let target = if dest.join(other.lang).join(&page).is_file() {
                    page_url.clone()
                } else {
                    "index.html".to_owned()
                };
                head += &format!(
                    "<link rel=\"alternate\" hreflang=\"{}\" href=\"{base}{}/{target}\">\n",
                    other.lang, other.lang
                );
                if other.lang != edition.lang {
                    let href = format!("{}{}/{target}", "../".repeat(depth + 1), other.lang);
                    switch += &format!(
                        "<a class=\"lang-switch\" href=\"{href}\" hreflang=\"{0}\" lang=\"{0}\" \
                         title=\"{1}\" aria-label=\"{1}\">{1}</a>\n",
                        other.lang, other.name
                    );
                }
            }
            let name = format!("{}/{page_url}", edition.lang);
            if page_url == SIDEBAR_FRAME {
                insert_language_links(&mut html, &name, &head, None)?;
            } else {
                insert_language_links(&mut html, &name, &head, Some(&switch))?;
                localize_chrome(&mut html, edition.lang, &name, &mut labels_replaced)?;
            }
            fs::write(&file, html)?;
        }
        // The only check for the labels of ON_SOME_PAGES: each page checked the others.
        if edition.lang == "ko" {
            for (english, korean) in KOREAN_LABELS {
                if !labels_replaced.contains(english) {
                    let edit = format!("the Korean label `{korean}`");
                    return Err(not_found(
                        &edit,
                        english,
                        format!("{}/*.html", edition.lang),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Puts a page's `hreflang` links (`head`) before `</head>` and its language switcher, if
/// it has a menu bar to put it in, first among the buttons on the right.
fn insert_language_links(
    html: &mut String,
    page: &str,
    head: &str,
    switch: Option<&str>,
) -> Result<()> {
    // mdBook empties an edition's folder before rendering it, on `xtask serve`'s rebuilds
    // too, so every page comes here fresh from mdBook. Should that ever change, refuse a
    // page that has its links rather than give it a second set.
    if html.contains("<link rel=\"alternate\" hreflang=") {
        bail!("{page}: already has its language links; mdBook did not render it afresh");
    }
    replace_checked(
        html,
        "</head>",
        &format!("{head}</head>"),
        "the hreflang links",
        page,
    )?;
    if let Some(switch) = switch {
        replace_checked(
            html,
            RIGHT_BUTTONS,
            &format!("{RIGHT_BUTTONS}\n{switch}"),
            "the language switcher",
            page,
        )?;
    }
    Ok(())
}

/// mdBook's English labels, and the Korean edition's words for them.
pub const KOREAN_LABELS: [(&str, &str); 13] = [
    ("=\"Toggle Table of Contents\"", "=\"목차 펴고 접기\""),
    ("=\"Change theme\"", "=\"테마 바꾸기\""),
    ("=\"Themes\"", "=\"테마\""),
    ("=\"Print this book\"", "=\"책 전체 인쇄\""),
    ("=\"Previous chapter\"", "=\"이전 장\""),
    ("=\"Next chapter\"", "=\"다음 장\""),
    ("=\"Page navigation\"", "=\"장 이동\""),
    ("=\"Table of contents\"", "=\"목차\""),
    (">Keyboard shortcuts<", ">단축키<"),
    (
        "Press <kbd>←</kbd> or <kbd>→</kbd> to navigate between chapters",
        "<kbd>←</kbd> <kbd>→</kbd> 이전 장, 다음 장으로 가기",
    ),
    (
        "Press <kbd>S</kbd> or <kbd>/</kbd> to search this edition",
        "<kbd>S</kbd> <kbd>/</kbd> 이 판 검색",
    ),
    (
        "Press <kbd>?</kbd> to show this help",
        "<kbd>?</kbd> 이 도움말 보기",
    ),
    (
        "Press <kbd>Esc</kbd> to hide this help",
        "<kbd>Esc</kbd> 도움말 닫기",
    ),
];

/// The labels that only some pages have: the first page has no previous chapter, the last
/// no next one, and neither has 404.html or print.html. Each must be replaced on some page
/// of the edition; every other label on every page that has a menu bar.
const ON_SOME_PAGES: [&str; 2] = ["=\"Previous chapter\"", "=\"Next chapter\""];

/// mdBook's buttons and keyboard help speak English in every book. The Korean edition gets
/// its own words for the labels in the page (not for the code blocks' buttons, which
/// mdBook's script makes and compares by their English titles: theme/code-buttons.js
/// gives those Korean labels in the browser), and both editions' help
/// lists the search key of theme/search.js. `replaced` collects the English labels this
/// page had, for the labels checked per edition.
fn localize_chrome(
    html: &mut String,
    lang: &str,
    page: &str,
    replaced: &mut HashSet<&'static str>,
) -> Result<()> {
    const HELP_KEY: &str = "<p>Press <kbd>?</kbd> to show this help</p>";
    const SEARCH_KEY: &str = "<p>Press <kbd>S</kbd> or <kbd>/</kbd> to search this edition</p>";
    replace_checked(
        html,
        HELP_KEY,
        &format!("{SEARCH_KEY}\n                {HELP_KEY}"),
        "the search key in the keyboard help",
        page,
    )?;
    if lang != "ko" {
        return Ok(());
    }
    for (english, korean) in KOREAN_LABELS {
        if html.contains(english) {
            *html = html.replace(english, korean);
            replaced.insert(english);
        } else if !ON_SOME_PAGES.contains(&english) {
            return Err(not_found(
                &format!("the Korean label `{korean}`"),
                english,
                page,
            ));
        }
    }
    Ok(())
}

static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\b(?:href|src)="([^"]*)""#).expect("valid regex"));
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bid="([^"]*)""#).expect("valid regex"));

/// Fails if any page under `dir` links to a file that is not there (or lies outside `dir`),
/// or to an `#anchor` that the target page does not have. `dir` is served as `site_path`,
/// which is how links that start with `/` are resolved.
pub fn check_links(dir: &Path, site_path: &str) -> Result<()> {
    let mut ids: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut broken = Vec::new();
    for page in html_files(dir)? {
        let html = fs::read_to_string(dir.join(&page))?;
        for cap in LINK.captures_iter(&html) {
            let link = &cap[1];
            let external =
                link.starts_with("//") || link.split('/').next().unwrap_or("").contains(':');
            if link.is_empty() || external {
                continue;
            }
            let (path, fragment) = link.split_once('#').unwrap_or((link, ""));
            let path = path.split('?').next().unwrap_or_default();
            let target = if path.is_empty() {
                Some(page.clone())
            } else if path.starts_with('/') {
                path.strip_prefix(site_path)
                    .or_else(|| (path == site_path.trim_end_matches('/')).then_some(""))
                    .and_then(|p| normalize(Path::new(p)))
            } else {
                normalize(&page.parent().unwrap_or(Path::new("")).join(path))
            };
            let Some(mut target) = target.filter(|t| dir.join(t).exists()) else {
                broken.push(format!("{}: `{link}` points to no file", page.display()));
                continue;
            };
            if dir.join(&target).is_dir() {
                target.push("index.html");
            }
            if fragment.is_empty() || target.extension().is_none_or(|e| e != "html") {
                continue;
            }
            let known = ids.entry(target.clone()).or_insert_with(|| {
                let text = fs::read_to_string(dir.join(&target)).unwrap_or_default();
                ID.captures_iter(&text).map(|c| c[1].to_owned()).collect()
            });
            if !known.iter().any(|id| id == fragment) {
                broken.push(format!(
                    "{}: `{link}`: {} has no id `{fragment}`",
                    page.display(),
                    target.display()
                ));
            }
        }
    }
    if !broken.is_empty() {
        bail!(
            "{} broken link(s):\n  {}",
            broken.len(),
            broken.join("\n  ")
        );
    }
    Ok(())
}

/// Resolves `.` and `..` without touching the disk; `None` if the path climbs out of its root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gets_its_language_links_once() {
        let mut html = "<head>\n</head>\n<div class=\"right-buttons\">\n</div>".to_owned();
        let head = "<link rel=\"alternate\" hreflang=\"en\" href=\"../en/index.html\">\n";
        let switch = Some("<a class=\"lang-switch\" href=\"../en/index.html\">English</a>\n");
        insert_language_links(&mut html, "ko/index.html", head, switch).expect("a fresh page");
        let error = insert_language_links(&mut html, "ko/index.html", head, switch)
            .expect_err("a page that has its links");
        assert!(
            error.to_string().starts_with("ko/index.html: already has"),
            "{error}"
        );
        assert_eq!(html.matches("hreflang=").count(), 1, "{html}");
    }
}
