// Korean words for the buttons mdBook's script (book.js) puts on code blocks: the eye that
// shows and hides a listing's hidden lines, and the copy button with its "Copied!" tooltip.
// The English edition keeps mdBook's words: this does nothing unless <html lang="ko">.
//
// book.js makes the buttons with English titles and, on a click, the eye button decides
// what to do by comparing its own title: `this.title === 'Show hidden lines'` shows the
// lines and sets the title (and aria-label) to 'Hide lines'; `this.title === 'Hide lines'`
// hides them and sets 'Show hidden lines'; any other title and the click does nothing. So
// the title cannot simply stay Korean. Instead:
//
// - when this script runs, the buttons are all there: book.js made them while it ran, a
//   plain script before this one at the end of <body> (mdBook puts additional-js after
//   its own scripts). Each gets its Korean title (what a mouse hovering over it shows)
//   and aria-label (what a screen reader says).
// - a click listener on the document in the capture phase, which runs before any listener
//   on the button, gives the button back the English title book.js compares;
// - a click listener on the document in the bubble phase, which runs after book.js's
//   listener on the button and clipboard.js's on <body> (it shows "Copied!" there and
//   then), turns the English words they have just set into Korean again. (book.js sets
//   the eye's aria-label to the title of the click's target: "undefined" when that is
//   the icon. Here it gets the Korean title instead.)
//
// The reader never sees or hears the English in between: the browser draws the page, and
// screen readers read it, only after every listener of the click has run. Nothing else
// reads these titles; clipboard.js finds its buttons by their class.
(function () {
    "use strict";

    if (document.documentElement.lang !== "ko") {
        return;
    }

    // mdBook's title (also its aria-label) for each button, and the Korean for it. This
    // book shows neither "Run this code" (runnable = false in book.toml) nor "Undo
    // changes" (no editable code blocks); they are here should that change.
    const LABELS = {
        "Show hidden lines": "숨긴 줄 보기",
        "Hide lines": "줄 다시 숨기기",
        "Copy to clipboard": "클립보드로 복사",
        "Run this code": "코드 실행",
        "Undo changes": "고친 것 되돌리기",
    };
    // The copy button's tooltip after a click (book.js's clipboard part).
    const TOOLTIPS = {
        "Copied!": "복사했습니다",
        "Clipboard error!": "복사하지 못했습니다",
    };
    const ENGLISH = {};
    for (const [english, korean] of Object.entries(LABELS)) {
        ENGLISH[korean] = english;
    }

    const BUTTONS = "pre > .buttons > button";

    // The code-block button a click is on, if it is on one. A click on the eye's icon has
    // the icon as its target, and book.js replaces the icon (the button's innerHTML): by the
    // bubble phase the target is out of the page and has no button around it. The event's
    // path is the one it had when the click began.
    function clicked(event) {
        return event.composedPath().find((node) => node instanceof Element && node.matches(BUTTONS));
    }

    function korean(button) {
        const label = LABELS[button.title];
        if (label) {
            button.title = label;
            button.setAttribute("aria-label", label);
        }
        const tooltip = button.querySelector(".tooltiptext");
        if (tooltip && TOOLTIPS[tooltip.textContent]) {
            tooltip.textContent = TOOLTIPS[tooltip.textContent];
        }
    }

    document.querySelectorAll(BUTTONS).forEach(korean);

    document.addEventListener(
        "click",
        (event) => {
            const button = clicked(event);
            if (button && ENGLISH[button.title]) {
                button.title = ENGLISH[button.title];
            }
        },
        true,
    );
    document.addEventListener("click", (event) => {
        const button = clicked(event);
        if (button) {
            korean(button);
        }
    });
})();
