//! Builds and checks the two editions of the book with mdBook's library.
//!
//! `cargo xtask` (src/main.rs) and the book-level tests (tests/ at the repository root)
//! share this code, so what the tests check is exactly what the build does.

use anyhow::{Context, Result, bail};
use mdbook_driver::MDBook;
use mdbook_driver::book::{BookItem, Chapter};
use mdbook_driver::builtin_renderers::MarkdownRenderer;
use mdbook_driver::config::Config;
use regex::Regex;
use std::collections::HashMap;
use std::fmt::Debug;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;

pub mod blocks;
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
    strict(|| MDBook::load_with_config(root, config))
        .with_context(|| format!("cannot load the {} edition", edition.lang))
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
        fix_not_found_page(&dest.join(edition.lang).join("404.html"))?;
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

/// mdBook titles every 404 page "Page not found", whatever its language, and the page's
/// `<base>` (it is served for any missing path) turns its heading's `#id` links into links
/// to the edition's front page. Gives it its own heading as title and links that stay.
fn fix_not_found_page(page: &Path) -> Result<()> {
    let html =
        fs::read_to_string(page).with_context(|| format!("cannot read {}", page.display()))?;
    let heading = Regex::new(r#"<h1 id="[^"]*"><a class="header" href="[^"]*">([^<]*)</a></h1>"#)?
        .captures(&html)
        .map(|c| c[1].to_owned())
        .with_context(|| format!("{} has no heading", page.display()))?;
    let html = html
        .replacen(
            "<title>Page not found - ",
            &format!("<title>{heading} - "),
            1,
        )
        .replace("href=\"#", "href=\"404.html#");
    fs::write(page, html).with_context(|| format!("cannot write {}", page.display()))
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

/// Gives every page `<link rel="alternate" hreflang>` links to the same page in each
/// edition, and puts a link to the other edition's page in the menu bar.
fn add_language_links(dest: &Path, site_url: Option<&str>) -> Result<()> {
    for edition in &EDITIONS {
        let dir = dest.join(edition.lang);
        for page in html_files(&dir)? {
            let file = dir.join(&page);
            let html = fs::read_to_string(&file)?;
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
            let html = localize_chrome(&html, edition.lang)
                .replacen("</head>", &format!("{head}</head>"), 1)
                .replacen(
                    "<div class=\"right-buttons\">",
                    &format!("<div class=\"right-buttons\">\n{switch}"),
                    1,
                );
            fs::write(&file, html)?;
        }
    }
    Ok(())
}

/// mdBook's buttons and keyboard help speak English in every book. The Korean edition gets
/// its own words for the labels in the page (not for the code blocks' buttons, which
/// mdBook's script makes and compares by their English titles), and both editions' help
/// lists the search key of theme/search.js.
fn localize_chrome(html: &str, lang: &str) -> String {
    const SEARCH_HELP: &str = "<p>Press <kbd>?</kbd> to show this help</p>";
    let mut html = html.replacen(
        SEARCH_HELP,
        &format!(
            "<p>Press <kbd>S</kbd> or <kbd>/</kbd> to search this edition</p>\n                \
             {SEARCH_HELP}"
        ),
        1,
    );
    if lang == "ko" {
        const KOREAN: [(&str, &str); 13] = [
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
        for (english, korean) in KOREAN {
            html = html.replace(english, korean);
        }
    }
    html
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
