//! A small two-edition book for the tests that build or serve one: one chapter that
//! includes part of a listing and links to itself, and a second page.

use std::fs;
use std::path::Path;

/// Writes the small book into `root`.
pub fn write(root: &Path) -> std::io::Result<()> {
    let real = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::create_dir_all(root.join("theme"))?;
    fs::copy(
        real.join("theme/landing.html"),
        root.join("theme/landing.html"),
    )?;
    // No playground: its code blocks would ask play.rust-lang.org for its crates.
    fs::write(
        root.join("book.toml"),
        "[book]\n\n[output.html.playground]\nrunnable = false\n",
    )?;
    fs::write(
        root.join("listing.rs"),
        "// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n",
    )?;
    for lang in ["ko", "en"] {
        fs::create_dir_all(root.join("src").join(lang))?;
        fs::write(
            root.join("src").join(lang).join("SUMMARY.md"),
            "# Summary\n\n- [Chapter](chapter.md)\n- [Other](other.md)\n",
        )?;
        fs::write(
            root.join("src").join(lang).join("chapter.md"),
            "# Chapter {#chapter}\n\n```rust\n{{#include ../../listing.rs:main}}\n```\n\n\
             [next](other.md#other), [here](#chapter)\n",
        )?;
        fs::write(
            root.join("src").join(lang).join("other.md"),
            "# Other {#other}\n",
        )?;
    }
    Ok(())
}
