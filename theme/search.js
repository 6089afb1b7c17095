// Search for both editions. mdBook's own search drops Hangul, so xtask writes
// search-index.json (every section of the edition as plain text) and this finds a query
// anywhere in a word: 스레드 in 스레드를, 스레드가 and 멀티스레드, TcpListener in code.
//
// The index is fetched the first time the reader opens the search, not before.
// `?search=QUERY` opens it with a query; a result links to its page with
// `?highlight=QUERY#section`, which marks the matches there and scrolls to the first.
(function () {
    "use strict";

    const korean = document.documentElement.lang === "ko";
    const words = korean
        ? { button: "검색 (S)", placeholder: "이 판에서 찾기…", none: "찾는 글이 없습니다.",
            found: (n, shown) => `${n}곳에서 찾았습니다.` + (shown < n ? ` 앞의 ${shown}곳을 보여 줍니다.` : ""),
            loading: "검색 목록을 불러오는 중…",
            failed: "검색 목록을 불러오지 못했습니다." }
        : { button: "Search (S)", placeholder: "Search this edition…", none: "No results.",
            found: (n, shown) => (n === 1 ? "1 result." : `${n} results.`) + (shown < n ? ` Showing the first ${shown}.` : ""),
            loading: "Loading the search index…", failed: "Cannot load the search index." };
    const root = typeof path_to_root === "string" ? path_to_root : "";
    const MAX_RESULTS = 30;

    let index = null; // {pages, sections, haystacks} once loaded
    let loading = null; // the fetch of the index, while it is on its way

    function normalize(text) {
        return text.normalize("NFC").toLowerCase();
    }

    function terms(query) {
        return normalize(query).split(/\s+/).filter((t) => t.length > 0);
    }

    function escapeHtml(text) {
        return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    }

    // One fetch, however many times the reader types before it arrives; a failed one is
    // tried again the next time.
    function loadIndex() {
        if (index) return Promise.resolve(index);
        if (loading) return loading;
        loading = fetch(root + "search-index.json")
            .then((response) => {
                if (!response.ok) throw new Error(response.statusText);
                return response.json();
            })
            .then((data) => {
                data.haystacks = data.sections.map((s) => ({
                    heading: normalize(s[2]),
                    text: normalize(s[3]),
                }));
                // The glossary's pairs, both ways: 뮤텍스 also finds Mutex, and mutex 뮤텍스.
                data.aliasMap = new Map();
                for (const [a, b] of data.aliases || []) {
                    for (const [from, to] of [[a, b], [b, a]]) {
                        const key = normalize(from);
                        if (!data.aliasMap.has(key)) data.aliasMap.set(key, []);
                        data.aliasMap.get(key).push(normalize(to));
                    }
                }
                index = data;
                return index;
            })
            .finally(() => {
                loading = null;
            });
        return loading;
    }

    function count(haystack, term) {
        let n = 0;
        for (let at = haystack.indexOf(term); at !== -1; at = haystack.indexOf(term, at + term.length)) {
            n += 1;
        }
        return n;
    }

    // The query as groups of words, each group found where any of its words is: a word
    // and its glossary pair (지연 시간 and latency as a whole, 뮤텍스 and mutex).
    function groups(query) {
        const words = terms(query);
        const whole = words.join(" ");
        const also = (word) => index.aliasMap.get(word) || [];
        if (words.length > 1 && also(whole).length > 0) return [[whole, ...also(whole)]];
        return words.map((word) => [word, ...also(word)]);
    }

    // Every section that holds every group, best first. A match in a heading counts more
    // than one in the text, the more so the more of the heading it covers; then the words
    // side by side as typed, then how much the whole chapter says about them.
    function search(query) {
        const wanted = groups(query);
        if (wanted.length === 0) return [];
        const phrase = terms(query).join(" ");
        const matches = [];
        const perPage = new Map();
        index.sections.forEach((section, i) => {
            const hay = index.haystacks[i];
            const chapter = normalize(index.pages[section[0]][1]);
            let score = 0;
            let found = 0;
            for (const group of wanted) {
                const inHeading = group.some((w) => hay.heading.includes(w));
                const inText = group.reduce((n, w) => n + count(hay.text, w), 0);
                if (!inHeading && inText === 0) return;
                found += inText;
                score += (inHeading ? 20 : 0) + (group.some((w) => chapter.includes(w)) ? 5 : 0) + Math.min(inText, 10);
            }
            if (wanted.length > 1) {
                score += (hay.heading.includes(phrase) ? 10 : 0) + Math.min(count(hay.text, phrase), 10);
            }
            // The more of the heading the query covers, the more the section is about it:
            // 에코 서버 is "에코 서버" before "async 에코 서버".
            const covered = Math.max(0, ...[phrase, ...wanted.flat()].filter((w) => hay.heading.includes(w)).map((w) => w.length));
            if (hay.heading.length > 0) score += (15 * covered) / hay.heading.length;
            perPage.set(section[0], (perPage.get(section[0]) || 0) + found);
            matches.push({ i, score });
        });
        for (const m of matches) {
            m.score += Math.min(perPage.get(index.sections[m.i][0]), 30) / 3;
        }
        matches.sort((a, b) => b.score - a.score || a.i - b.i);
        return matches.map((m) => m.i);
    }

    // Every word a query marks in a snippet or on a page.
    function markWords(query) {
        return index ? groups(query).flat() : terms(query);
    }

    // Up to ~160 characters of text around the first match, with every match marked.
    function snippet(text, wanted) {
        const hay = normalize(text);
        let at = -1;
        for (const term of wanted) {
            at = hay.indexOf(term);
            if (at !== -1) break;
        }
        const start = Math.max(0, at - 60);
        const end = Math.min(text.length, Math.max(at, 0) + 100);
        const part = text.slice(start, end);
        return (start > 0 ? "…" : "") + mark(part, wanted) + (end < text.length ? "…" : "");
    }

    function mark(text, wanted) {
        const hay = normalize(text);
        const spans = [];
        for (const term of wanted) {
            for (let at = hay.indexOf(term); at !== -1; at = hay.indexOf(term, at + term.length)) {
                spans.push([at, at + term.length]);
            }
        }
        spans.sort((a, b) => a[0] - b[0]);
        let out = "";
        let done = 0;
        for (const [from, to] of spans) {
            if (from < done) continue;
            out += escapeHtml(text.slice(done, from)) + "<mark>" + escapeHtml(text.slice(from, to)) + "</mark>";
            done = to;
        }
        return out + escapeHtml(text.slice(done));
    }

    function link(section, query) {
        const page = index.pages[section[0]][0];
        const hash = section[1] ? "#" + section[1] : "";
        // The page marks these words; it has no index to find the glossary's pairs.
        return root + page + "?highlight=" + encodeURIComponent(markWords(query).join(" ")) + hash;
    }

    function show(panel, query) {
        const list = panel.querySelector("ul");
        const status = panel.querySelector("p");
        list.innerHTML = "";
        if (terms(query).length === 0) {
            status.textContent = "";
            return;
        }
        const found = search(query);
        const shown = found.slice(0, MAX_RESULTS);
        status.textContent = found.length === 0 ? words.none : words.found(found.length, shown.length);
        const wanted = markWords(query);
        for (const i of shown) {
            const section = index.sections[i];
            const title = index.pages[section[0]][1];
            const heading = section[2] && section[2] !== title ? " › " + section[2] : "";
            const item = document.createElement("li");
            item.innerHTML =
                `<a href="${escapeHtml(link(section, query))}">${mark(title + heading, wanted)}</a>` +
                `<span class="tas-snippet">${snippet(section[3], wanted)}</span>`;
            list.appendChild(item);
        }
    }

    function buildPanel() {
        const panel = document.createElement("div");
        panel.id = "tas-search";
        // A search landmark, which screen readers list and jump to. The role rather than a
        // <search> element, which browsers older than 2023 show as an unknown element.
        panel.setAttribute("role", "search");
        panel.hidden = true;
        panel.innerHTML =
            `<input type="search" placeholder="${words.placeholder}" aria-label="${words.placeholder}">` +
            `<p class="tas-search-status" aria-live="polite"></p><ul class="tas-search-results"></ul>`;
        const content = document.getElementById("mdbook-content") || document.body;
        content.insertBefore(panel, content.firstChild);
        const input = panel.querySelector("input");
        let timer = null;
        input.addEventListener("input", () => {
            clearTimeout(timer);
            // The index may still be on its way (a slow connection, a fast typist).
            timer = setTimeout(() => loadIndex().then(() => show(panel, input.value), () => {}), 80);
        });
        input.addEventListener("keydown", (event) => {
            if (event.key === "Enter") {
                const first = panel.querySelector("ul a");
                if (first) window.location.href = first.href;
            }
        });
        // ↓ and ↑ walk from the box through the results (Enter opens one).
        panel.addEventListener("keydown", (event) => {
            const stops = [input, ...panel.querySelectorAll("ul a")];
            const at = stops.indexOf(document.activeElement);
            const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
            if (step && at !== -1) {
                event.preventDefault();
                stops[Math.min(Math.max(at + step, 0), stops.length - 1)].focus();
            }
        });
        return panel;
    }

    // The menu bar's button that opens and closes the panel.
    function buildToggle(panel) {
        const button = document.createElement("button");
        button.id = "tas-search-toggle";
        button.className = "icon-button";
        button.type = "button";
        button.title = words.button;
        button.setAttribute("aria-label", words.button);
        button.setAttribute("aria-controls", panel.id);
        button.setAttribute("aria-expanded", "false");
        // The two keys the page listens for (below), each a shortcut of its own: ARIA's
        // notation separates shortcuts with spaces.
        button.setAttribute("aria-keyshortcuts", "S /");
        button.innerHTML =
            '<span class="fa-svg"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">' +
            '<path d="M416 208c0 45.9-14.9 88.3-40 122.7L502.6 457.4c12.5 12.5 12.5 32.8 0 45.3s-32.8 12.5-45.3 0L330.7 376c-34.4 25.2-76.8 40-122.7 40C93.1 416 0 322.9 0 208S93.1 0 208 0S416 93.1 416 208zM208 352a144 144 0 1 0 0-288 144 144 0 1 0 0 288z"/>' +
            "</svg></span>";
        return button;
    }

    // open() and close() are the only ways the panel is shown or hidden, so the button's
    // aria-expanded always tells a screen reader which it is.
    function open(ui, query) {
        const { panel, toggle } = ui;
        panel.hidden = false;
        toggle.setAttribute("aria-expanded", "true");
        const input = panel.querySelector("input");
        if (query !== undefined) input.value = query;
        input.focus();
        const status = panel.querySelector("p");
        if (!index) status.textContent = words.loading;
        loadIndex().then(
            () => show(panel, input.value),
            () => { status.textContent = words.failed; }
        );
    }

    function close(ui) {
        ui.panel.hidden = true;
        ui.toggle.setAttribute("aria-expanded", "false");
        // Focus left in the hidden panel would drop to the top of the page; the button is
        // where the reader opens the search again.
        ui.toggle.focus();
    }

    // Whether a key goes into something the reader is typing in, not to the page.
    function typing(event) {
        return event.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    }

    // Marks the query's terms in the page and scrolls to the first mark in the section
    // the link pointed at.
    function highlight(query) {
        const wanted = terms(query);
        const main = document.querySelector("#mdbook-content main");
        if (!main || wanted.length === 0) return;
        const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
        const nodes = [];
        while (walker.nextNode()) nodes.push(walker.currentNode);
        for (const node of nodes) {
            const hay = normalize(node.nodeValue);
            if (!wanted.some((t) => hay.includes(t))) continue;
            const span = document.createElement("span");
            span.innerHTML = mark(node.nodeValue, wanted);
            node.replaceWith(...span.childNodes);
        }
        const marks = Array.from(main.querySelectorAll("mark"));
        const target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
        const first = target
            ? marks.find((m) => target.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING)
            : marks[0];
        if (first) first.scrollIntoView({ block: "center" });
    }

    document.addEventListener("DOMContentLoaded", () => {
        const panel = buildPanel();
        const ui = { panel, toggle: buildToggle(panel) };
        ui.toggle.addEventListener("click", () => (panel.hidden ? open(ui) : close(ui)));
        const buttons = document.querySelector("#mdbook-menu-bar .left-buttons");
        if (buttons) buttons.appendChild(ui.toggle);

        // Esc inside an IME composition cancels the syllable being composed, not the search.
        panel.addEventListener("keydown", (event) => {
            if (event.key === "Escape" && !event.isComposing) close(ui);
        });

        document.addEventListener("keydown", (event) => {
            if (typing(event) || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
            // S by its place on the keyboard, not by what it types: with the Korean IME on, as
            // Korean readers type, that key types ㄴ.
            // "/" by what it types: the key in the US "/" place types "-" on a German keyboard.
            if (event.code === "KeyS" || event.key === "/") {
                // Or the key would also type its letter into the box it just focused.
                event.preventDefault();
                open(ui);
            }
        });

        const params = new URLSearchParams(window.location.search);
        if (params.has("highlight")) highlight(params.get("highlight"));
        if (params.has("search")) open(ui, params.get("search"));
    });
})();
