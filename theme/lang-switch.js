// The language switcher opens the same page in the other edition (xtask puts the link in
// the menu bar). Here it also keeps the heading the reader is at (both editions use the
// same heading ids) and remembers the choice for the landing page.
"use strict";
document.addEventListener("click", (event) => {
    const link = event.target.closest("a.lang-switch");
    if (!link) {
        return;
    }
    link.href = link.href.split("#")[0] + window.location.hash;
    try {
        localStorage.setItem("book-language", link.hreflang);
    } catch (e) {
        // Storage may be disabled; the link works without it.
    }
});
