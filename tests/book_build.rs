//! The build renders both editions with working language links, and refuses a book with a
//! missing include file, a missing anchor or a broken internal link, or one whose pages lack
//! the mdBook markup that xtask's edits of them look for.

#[path = "common/small_book.rs"]
mod small_book;

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn both_editions_render_with_language_links() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("temporary folder");
    xtask::build(root, out.path(), None).expect("the book builds");

    let landing = read(&out.path().join("index.html"));
    assert!(
        landing.contains("href=\"ko/index.html\"") && landing.contains("href=\"en/index.html\"")
    );

    for (lang, other) in [("ko", "en"), ("en", "ko")] {
        for page in [
            "index.html",
            "introduction.html",
            "threads.html",
            "glossary.html",
            "print.html",
        ] {
            let html = read(&out.path().join(lang).join(page));
            assert!(
                html.contains(&format!("<html lang=\"{lang}\"")),
                "{lang}/{page}: html lang"
            );
            for l in ["ko", "en"] {
                let alternate =
                    format!("<link rel=\"alternate\" hreflang=\"{l}\" href=\"../{l}/{page}\">");
                assert!(
                    html.contains(&alternate),
                    "{lang}/{page}: missing {alternate}"
                );
            }
            let switch = format!("<a class=\"lang-switch\" href=\"../{other}/{page}\"");
            assert!(
                html.contains(&switch),
                "{lang}/{page}: no switcher to {other}"
            );
        }
    }
    // Each edition describes itself to search engines, and its 404 page speaks its language.
    for edition in &xtask::EDITIONS {
        let description = format!(
            "<meta name=\"description\" content=\"{}\">",
            edition.description
        );
        for page in ["index.html", "threads.html", "404.html"] {
            let html = read(&out.path().join(edition.lang).join(page));
            assert!(
                html.contains(&description),
                "{}/{page}: description",
                edition.lang
            );
        }
        let not_found = read(&out.path().join(edition.lang).join("404.html"));
        let heading = if edition.lang == "ko" {
            "페이지를 찾을 수 없습니다"
        } else {
            "Page not found"
        };
        assert!(
            not_found.contains(&format!("<title>{heading} - {}</title>", edition.title)),
            "{}/404.html: title",
            edition.lang
        );
        assert!(
            !not_found.contains("href=\"#"),
            "{}/404.html: #links under <base>",
            edition.lang
        );
    }
    // Every Korean label replaced its English original: some Korean page has it, none the
    // English.
    let korean_pages: Vec<String> = fs::read_dir(out.path().join("ko"))
        .expect("the Korean edition")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| read(&p))
        .collect();
    for (english, korean) in xtask::KOREAN_LABELS {
        assert!(
            korean_pages.iter().any(|html| html.contains(korean)),
            "no Korean page has {korean}"
        );
        assert!(
            !korean_pages.iter().any(|html| html.contains(english)),
            "a Korean page still has {english}"
        );
    }
    let threads = read(&out.path().join("ko/threads.html"));
    assert!(threads.contains("id=\"arc-mutex\""), "shared heading ids");
    assert!(
        threads.contains("img/thread-timeline.svg"),
        "the timeline picture"
    );
    assert!(!threads.contains("{{#"), "every include was expanded");
    let css = fs::read_dir(out.path().join("ko/theme"))
        .expect("theme folder")
        .map(|e| read(&e.expect("entry").path()))
        .collect::<String>();
    assert!(css.contains("word-break: keep-all"), "Korean line breaking");
}

/// Builds the small book (tests/common/small_book.rs); `break_it` gets its folder to
/// damage before the build.
fn build_small_book(break_it: impl FnOnce(&Path)) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    small_book::write(root)?;
    break_it(root);
    xtask::build(root, &root.join("book"), None)
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = read(file);
    assert!(text.contains(from), "{} has no `{from}`", file.display());
    fs::write(file, text.replacen(from, to, 1)).expect("writable");
}

fn error_of(result: anyhow::Result<()>) -> String {
    format!("{:#}", result.expect_err("the build must fail"))
}

/// Gives the small book at `root` mdBook's own page template with every `from` changed to
/// `to`, as an mdBook update that changes its markup would.
fn change_template(root: &Path, from: &str, to: &str) {
    let scratch = tempfile::tempdir().expect("temporary folder");
    xtask::mdbook_driver::init::BookBuilder::new(scratch.path())
        .copy_theme(true)
        .build()
        .expect("mdBook writes out its theme");
    let template = read(&scratch.path().join("theme/index.hbs"));
    assert!(template.contains(from), "mdBook's template has no `{from}`");
    fs::write(root.join("theme/index.hbs"), template.replace(from, to)).expect("writable");
}

#[test]
fn an_intact_small_book_builds() {
    // Its first page has no previous chapter and its last no next one: the Korean labels for
    // those are required on some page, not on every page.
    build_small_book(|_| {}).expect("the intact book builds");
}

#[test]
fn a_menu_bar_without_its_right_buttons_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        change_template(
            root,
            "<div class=\"right-buttons\">",
            "<div class=\"end-buttons\">",
        )
    }));
    assert!(
        error.contains(
            "ko/404.html: the language switcher expected `<div class=\"right-buttons\">`"
        ),
        "{error}"
    );
}

#[test]
fn a_keyboard_help_without_the_help_key_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        change_template(root, "<p>Press <kbd>?</kbd> to show this help</p>", "")
    }));
    assert!(
        error.contains(
            "ko/404.html: the search key in the keyboard help expected \
             `<p>Press <kbd>?</kbd> to show this help</p>`"
        ),
        "{error}"
    );
}

#[test]
fn a_404_page_not_titled_page_not_found_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        change_template(
            root,
            "<title>{{ title }}</title>",
            "<title>{{ book_title }}</title>",
        )
    }));
    assert!(
        error.contains("ko/404.html: the 404 page's title expected `<title>Page not found - `"),
        "{error}"
    );
}

#[test]
fn a_label_missing_from_every_page_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        change_template(root, "=\"Change theme\"", "=\"Pick a theme\"")
    }));
    assert!(
        error.contains(
            "ko/404.html: the Korean label `=\"테마 바꾸기\"` expected `=\"Change theme\"`"
        ),
        "{error}"
    );
}

#[test]
fn a_label_of_some_pages_missing_from_all_of_them_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        change_template(root, "=\"Previous chapter\"", "=\"Previous page\"")
    }));
    assert!(
        error.contains(
            "ko/*.html: the Korean label `=\"이전 장\"` expected `=\"Previous chapter\"`"
        ),
        "{error}"
    );
}

#[test]
fn a_missing_include_file_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        edit(&root.join("src/en/chapter.md"), "listing.rs", "missing.rs")
    }));
    assert!(error.contains("missing.rs"), "{error}");
}

#[test]
fn a_missing_anchor_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        edit(&root.join("listing.rs"), "ANCHOR: main", "ANCHOR: renamed")
    }));
    assert!(error.contains("the anchor `main`"), "{error}");
}

#[test]
fn a_link_to_a_missing_page_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        edit(
            &root.join("src/ko/chapter.md"),
            "(other.md#other)",
            "(gone.md)",
        )
    }));
    assert!(
        error.contains("ko/chapter.html: `gone.html` points to no file"),
        "{error}"
    );
}

#[test]
fn a_link_to_a_missing_heading_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        edit(&root.join("src/en/chapter.md"), "(#chapter)", "(#nowhere)")
    }));
    assert!(error.contains("has no id `nowhere`"), "{error}");
}

#[test]
fn including_a_whole_file_that_has_anchors_fails_the_build() {
    let error = error_of(build_small_book(|root| {
        edit(
            &root.join("src/ko/chapter.md"),
            "listing.rs:main}}",
            "listing.rs}}",
        )
    }));
    assert!(
        error.contains("would show the file's `ANCHOR:` comments"),
        "{error}"
    );
}

/// Sends `GET path` to the server at `addr` and returns the body.
fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or(answer)
}

/// Asks the server every 100 ms how the builds went until `ready` says yes; at most 60 s.
fn wait_for_builds(
    addr: std::net::SocketAddr,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let builds: serde_json::Value =
            serde_json::from_str(&get(addr, "/__builds")).expect("/__builds answers JSON");
        if ready(&builds) {
            return builds;
        }
        assert!(
            Instant::now() < deadline,
            "the builds never got there: {builds}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `cargo xtask serve` (xtask::serve): pages carry the reload script, a change rebuilds,
/// a failed build is reported with its error while the last good pages stay served, and
/// the next good build clears it.
#[test]
fn serve_rebuilds_on_change_and_reports_a_failed_build() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().to_path_buf();
    small_book::write(&root).expect("the small book");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let (said, lines) = std::sync::mpsc::channel();
    let dest = root.join("book");
    let served = root.clone();
    std::thread::spawn(move || {
        let say = move |line: String| {
            let _ = said.send(line);
        };
        xtask::serve(&served, &dest, listener, say)
    });
    let first = lines
        .recv_timeout(Duration::from_secs(60))
        .expect("serve says where it serves");
    // Bound to port 0, it says which port it got.
    let url = format!("serving the book on http://{addr}/ ");
    assert!(first.starts_with(&url), "{first}");

    let page = get(addr, "/en/chapter.html");
    assert!(page.contains("<h1 id=\"chapter\">"), "{page}");
    assert!(
        page.contains("var page = 1;") && page.contains("fetch(\"/__builds\""),
        "{page}"
    );
    assert_eq!(
        wait_for_builds(addr, |_| true),
        serde_json::json!({"good": 1, "error": null})
    );

    let chapter = root.join("src/en/chapter.md");
    edit(
        &chapter,
        "# Chapter {#chapter}",
        "# Chapter {#chapter}\n\nA new paragraph.",
    );
    wait_for_builds(addr, |b| b["good"] == 2);
    assert!(get(addr, "/en/chapter.html").contains("A new paragraph."));

    edit(&chapter, "listing.rs:main", "missing.rs:main");
    let failed = wait_for_builds(addr, |b| !b["error"].is_null());
    assert_eq!(failed["good"], 2, "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .expect("text")
            .contains("missing.rs"),
        "{failed}"
    );
    let page = get(addr, "/en/chapter.html");
    assert!(
        page.contains("A new paragraph.") && page.contains("fn main"),
        "the last good page: {page}"
    );

    edit(&chapter, "missing.rs:main", "listing.rs:main");
    wait_for_builds(addr, |b| b["good"] == 3 && b["error"].is_null());
}

/// A stock `mdbook build` at the root (mdBook loading book.toml as it is, as the `mdbook`
/// command does) builds the English edition instead of failing on a missing
/// src/SUMMARY.md.
#[test]
fn stock_mdbook_at_the_root_builds_the_english_edition() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut book = xtask::mdbook_driver::MDBook::load(root).expect("mdBook loads book.toml");
    assert_eq!(book.config.build.build_dir, Path::new("book/en"));
    let out = tempfile::tempdir().expect("temporary folder");
    book.config.build.build_dir = out.path().to_path_buf();
    book.build().expect("the English edition builds");
    let page = read(&out.path().join("threads.html"));
    assert!(page.contains("<html lang=\"en\""), "English");
    assert!(page.contains("<h1 id=\"threads\">"), "the Threads chapter");
}
