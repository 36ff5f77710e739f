// The help widget: a launcher in a page corner that opens the assistant's panel.
// Configured by this script's data-* attributes (templates/help/widget.html). It renders
// in a shadow root, so the host page's styles and the widget's cannot touch each other.
// Model, article and server text enters the page as text nodes, never through innerHTML.
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__helpWidget) return;
  const config = script.dataset;
  const labels = JSON.parse(config.labels || "{}");
  const t = (key) => labels[key] || key;
  const number = (value, fallback) => Number(value) || fallback;

  const DEADLINE_MS = number(config.deadlineMs, 5000);
  // By its deadline the server has sent tokens or its fallback: silence after that means
  // a stuck network or server, and the user must not wait on.
  const WAIT_LIMIT_MS = DEADLINE_MS * 1.2 + 1500;
  // After a fallback the stream stays open for the model's late answer, at most this long.
  const UPGRADE_LIMIT_MS = number(config.timeoutMs, 30000) + 2000;
  const MAX_HINTS_CHARS = number(config.maxHintsChars, 400);
  const MAX_HINTS = 40;
  const CACHE_TTL_MS = number(config.cacheTtl, 3600) * 1000;
  const CACHE_SIZE = 50;
  const CACHE_STORE = "help-widget:answers";
  const REPEAT_MS = 300; // submissions closer than this are one (Enter pressed twice)
  const SUGGEST_DELAY_MS = 300;
  const ARTICLES_PATH = new URL(config.articlesUrl || "/help/articles/", location.href).pathname;

  // ---- small helpers

  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children); // strings become text nodes: never parsed as HTML
    return node;
  }

  function button(text, className, attributes = {}) {
    return el("button", { type: "button", class: className, ...attributes }, [text]);
  }

  // Mirror of help.search.text.fold_question on the server, so both caches agree on what
  // "the same question" is: Latin accents, case and punctuation fold; other scripts, digits
  // and meaningful signs stay. The replacements make up for Python's casefold.
  function fold(text) {
    return text
      .normalize("NFKC")
      .toLowerCase()
      .normalize("NFD")
      .replace(/[ßẞ]/g, "ss")
      .replace(/\u0345/g, "ι")
      .replace(/ς/g, "σ")
      .replace(/œ/g, "oe")
      .replace(/æ/g, "ae")
      .replace(/([a-z])\p{M}+/gu, "$1")
      .replace(/[^\p{L}\p{N}\p{M}\p{Sm}\p{Sc}\p{So}%#@&]+/gu, " ")
      .normalize("NFC")
      .trim();
  }

  // Only same-origin help articles may become links: a model can be talked into
  // writing any URL, including javascript: ones.
  function articleUrl(href) {
    try {
      const url = new URL(href, location.href);
      if (url.origin === location.origin && url.pathname.startsWith(ARTICLES_PATH)) {
        return url.href;
      }
    } catch {
      // not a URL: shown as text
    }
    return null;
  }

  function articleLink(href, children) {
    // A new tab keeps whatever the user was typing in the page.
    return el("a", { href, target: "_blank", rel: "noopener" }, children);
  }

  function csrfToken() {
    const name = config.csrfCookie || "csrftoken";
    const cookie = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
    return cookie ? decodeURIComponent(cookie.slice(name.length + 1)) : "";
  }

  function post(url, body, signal) {
    return fetch(url, {
      method: "POST",
      signal,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
  }

  // ---- safe Markdown subset: paragraphs, lists, **bold**, `code`, article links

  const INLINE = /\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  const LIST_ITEM = /^(?:[-*•]|(\d+)[.)])\s+(.*)$/;

  function inline(text) {
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      const [whole, bold, code, label, href] = match;
      nodes.push(text.slice(last, match.index));
      last = match.index + whole.length;
      if (bold !== undefined) nodes.push(el("strong", {}, [bold]));
      else if (code !== undefined) nodes.push(el("code", {}, [code]));
      else {
        const url = articleUrl(href);
        nodes.push(url ? articleLink(url, [label]) : label);
      }
    }
    nodes.push(text.slice(last));
    return nodes;
  }

  function markdown(text) {
    const fragment = document.createDocumentFragment();
    let block = null; // the <p>, <ul> or <ol> lines are added to
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      const item = LIST_ITEM.exec(line);
      if (!line) {
        block = null;
      } else if (item) {
        const tag = item[1] ? "OL" : "UL";
        if (block?.tagName !== tag) {
          block = el(tag, item[1] ? { start: item[1] } : {});
          fragment.append(block);
        }
        block.append(el("li", {}, inline(item[2])));
      } else {
        if (block?.tagName !== "P") fragment.append((block = el("p")));
        else block.append(" ");
        block.append(...inline(line));
      }
    }
    return fragment;
  }

  // ---- client cache: an LRU in sessionStorage, so it survives page changes. It belongs
  // to one user's session (config.scope changes on login and logout).

  const answers = {
    read() {
      try {
        const data = JSON.parse(sessionStorage.getItem(CACHE_STORE));
        if (data?.version === config.articlesVersion && data.scope === config.scope) {
          return data.entries;
        }
        // An article changed, or the user did: no stored answer may be shown.
        if (data) sessionStorage.removeItem(CACHE_STORE);
      } catch {
        // storage disabled or corrupt: behave as empty
      }
      return [];
    },
    write(entries) {
      const data = { version: config.articlesVersion, scope: config.scope, entries };
      try {
        sessionStorage.setItem(CACHE_STORE, JSON.stringify(data));
      } catch {
        // full or disabled: the cache is only a speed-up
      }
    },
    get(key) {
      const now = Date.now();
      const entries = this.read().filter(([, entry]) => now - entry.at < CACHE_TTL_MS);
      const index = entries.findIndex(([k]) => k === key);
      const hit = index < 0 ? null : entries.splice(index, 1)[0];
      if (hit) entries.push(hit); // most recently used goes last
      this.write(entries);
      return hit && hit[1];
    },
    put(key, value) {
      const entries = this.read().filter(([k]) => k !== key);
      entries.push([key, { ...value, at: Date.now() }]);
      this.write(entries.slice(-CACHE_SIZE));
    },
  };
  answers.read(); // at once: another user's answers must not stay in the tab

  // ---- page hints: what the page shows, never what the user typed

  const HINT_SOURCES = [
    ["h1", "h1"],
    ["current", "nav [aria-current], nav .active"],
    ["h2", "h2"],
    ["h3", "h3"],
    ["button", "button[type=submit], a[class*=primary], button[class*=primary]"],
    ["nav", "nav a[href]"],
    ["label", "label, legend"],
  ];
  // Text under these is user data (field values, editable text, a table's cells) or not
  // text at all; in a table body only header cells (th) describe the page.
  const PRIVATE = "input, select, textarea, option, [contenteditable], script, style, template, td";
  const isPrivate = (node) =>
    node.closest(PRIVATE) || (node.closest("tbody") && !node.closest("th"));

  function shown(node) {
    if (node.closest("[data-help-ignore], [hidden], [aria-hidden=true]")) return false;
    const options = { visibilityProperty: true, opacityProperty: true };
    return node.checkVisibility?.(options) ?? node.getClientRects().length > 0;
  }

  function visibleText(node) {
    if (!shown(node) || isPrivate(node)) return "";
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT, {
      acceptNode: (text) =>
        isPrivate(text.parentElement) || !shown(text.parentElement)
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    let text = "";
    while (walker.nextNode()) text += ` ${walker.currentNode.data}`;
    return text.replace(/\s+/g, " ").trim().slice(0, 80);
  }

  function computeHints() {
    const lines = [];
    const seen = new Set();
    let size = -1; // the first line has no "\n" before it
    for (const [kind, selector] of HINT_SOURCES) {
      for (const node of document.querySelectorAll(selector)) {
        const text = visibleText(node);
        const line = `${kind}: ${text}`;
        if (!text || seen.has(line) || size + 1 + line.length > MAX_HINTS_CHARS) continue;
        if (lines.length >= MAX_HINTS) break;
        seen.add(line);
        lines.push(line);
        size += 1 + line.length;
      }
    }
    return lines.join("\n");
  }

  let hints = { path: null, text: "" };
  // Computed on the input's first focus, ahead of the question, and again whenever the
  // page's path has changed since (single-page navigation).
  function pageHints() {
    if (hints.path !== location.pathname) {
      hints = { path: location.pathname, text: computeHints() };
    }
    return hints.text;
  }

  // ---- the panel

  const ui = {};

  function buildPanel(position) {
    ui.close = button("×", "close", { "aria-label": t("close") });
    ui.log = el("div", { class: "log" }, [el("p", { class: "intro" }, [t("intro")])]);
    ui.status = el("div", { class: "sr-only", role: "status", "aria-live": "polite" });
    ui.suggestions = el("div", { class: "suggestions", hidden: "" });
    ui.input = el("input", {
      id: "help-q",
      type: "text",
      autocomplete: "off",
      maxlength: config.maxQuestionChars || "500",
      placeholder: t("placeholder"),
    });
    ui.send = el("button", { type: "submit", class: "send" }, [t("send")]);
    ui.stop = button(t("stop"), "stop", { hidden: "" });
    ui.form = el("form", { class: "ask" }, [
      el("label", { for: "help-q", class: "sr-only" }, [t("question")]),
      ui.input,
      ui.send,
      ui.stop,
    ]);
    ui.panel = el(
      "section",
      {
        class: `panel ${position}`,
        role: "dialog",
        "aria-labelledby": "help-title",
        "data-part": "panel",
        hidden: "",
      },
      [
        el("div", { class: "head" }, [el("h2", { id: "help-title" }, [t("title")]), ui.close]),
        ui.log,
        ui.suggestions,
        ui.form,
        ui.status,
      ],
    );
  }

  function open() {
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.input.disabled ? ui.close.focus() : ui.input.focus();
  }

  function shut() {
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  const toggle = () => (ui.panel.hidden ? open() : shut());

  // "Alt+Shift+H": compares event.code too, because on macOS Option+Shift+H types "Ó".
  function matchesShortcut(event, shortcut) {
    const parts = shortcut.toLowerCase().split("+");
    const key = parts.pop();
    return (
      (event.key.toLowerCase() === key || event.code.toLowerCase() === `key${key}`) &&
      event.altKey === parts.includes("alt") &&
      event.shiftKey === parts.includes("shift") &&
      event.ctrlKey === parts.includes("ctrl") &&
      event.metaKey === parts.includes("meta")
    );
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  // ---- one question and its answer

  class Exchange {
    constructor(question) {
      this.question = question;
      this.id = "";
      this.text = "";
      this.sources = [];
      this.announced = "";
      this.body = el("div", { class: "answer" });
      this.notice = el("p", { class: "notice", hidden: "" });
      this.extra = el("div", { class: "extra" });
      this.node = el("article", { class: "exchange" }, [
        el("p", { class: "question" }, [question]),
        this.body,
        this.notice,
        this.extra,
      ]);
      ui.log.querySelector(".intro")?.remove();
      ui.log.append(this.node);
      this.waiting();
    }

    waiting() {
      this.body.replaceChildren(
        el("span", { class: "typing", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]),
        el("span", { class: "sr-only" }, [t("answering")]),
      );
      scrollToEnd();
    }

    show(text) {
      this.text = text;
      this.body.replaceChildren(markdown(text));
      scrollToEnd();
    }

    append(token) {
      this.show(this.text + token);
    }

    setNotice(message) {
      this.notice.hidden = !message;
      this.notice.textContent = message || "";
    }

    setSources(sources) {
      this.sources = (sources || []).filter((source) => articleUrl(source.url));
    }

    // The finished answer goes to the live region once, not token by token.
    announce() {
      if (this.text && this.text !== this.announced) {
        this.announced = this.text;
        ui.status.textContent = this.text;
      }
    }

    complete() {
      this.announce();
      this.extra.replaceChildren();
      // A curated answer, written or approved by the site's staff: said in words.
      if (this.verified) {
        const mark = el("span", { "aria-hidden": "true" }, ["✓ "]);
        this.extra.append(el("p", { class: "verified" }, [mark, t("verified")]));
      }
      if (this.sources.length) this.extra.append(this.sourceList());
      const actions = el("div", { class: "actions" });
      if (this.id) actions.append(this.feedback());
      if (navigator.clipboard) actions.append(this.copyButton());
      this.extra.append(actions);
      scrollToEnd();
    }

    sourceList() {
      const items = this.sources.map((source) =>
        el("li", {}, [articleLink(articleUrl(source.url), [source.title])]),
      );
      return el("div", { class: "sources" }, [
        el("p", {}, [t("sources")]),
        el("ul", {}, items),
      ]);
    }

    feedback() {
      const row = el("div", { class: "feedback", role: "group", "aria-label": t("helpful") }, [
        el("span", { "aria-hidden": "true" }, [t("helpful")]),
      ]);
      for (const helpful of [true, false]) {
        const choice = button(t(helpful ? "yes" : "no"), "chip");
        choice.addEventListener("click", () => sendFeedback(this.id, helpful, row));
        row.append(choice);
      }
      return row;
    }

    copyButton() {
      const copy = button(t("copy"), "chip");
      copy.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(this.text);
          copy.textContent = t("copied");
        } catch {
          // refused: the text stays selectable
        }
      });
      return copy;
    }

    fail(message) {
      if (!this.text) this.body.replaceChildren();
      this.setNotice(message);
      const again = button(t("retry"), "chip retry");
      again.addEventListener("click", () => {
        this.extra.replaceChildren();
        this.setNotice("");
        this.text = "";
        this.waiting();
        retryAsk(this);
      });
      this.extra.replaceChildren(el("div", { class: "actions" }, [again]));
      scrollToEnd();
    }
  }

  async function sendFeedback(id, helpful, row) {
    for (const button of row.querySelectorAll("button")) button.disabled = true;
    // The answer's row is written as its stream closes: a very quick click may be first.
    for (const delay of [0, 500, 1500]) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        const response = await post(config.feedbackUrl, { id, helpful });
        if (response.ok) return row.replaceChildren(el("span", {}, [t("thanks")]));
        if (response.status !== 404) break;
      } catch {
        break;
      }
    }
    for (const button of row.querySelectorAll("button")) button.disabled = false;
  }

  // ---- asking

  let current = null; // the run whose answer the user is waiting for
  let lastSubmit = -Infinity;
  let blockedUntil = 0;

  function setBusy(busy) {
    ui.send.hidden = busy;
    ui.stop.hidden = !busy;
  }

  function submit() {
    const question = ui.input.value.trim();
    const now = performance.now();
    const repeated = now - lastSubmit < REPEAT_MS;
    lastSubmit = now;
    if (repeated || !question || Date.now() < blockedUntil) return;
    ui.input.value = "";
    ui.input.focus(); // the send button it may have come from hides while busy
    hideSuggestions();
    if (current) stopRun(current, "replaced");
    ask(new Exchange(question));
  }

  function retryAsk(exchange) {
    if (current) stopRun(current, "replaced");
    ask(exchange);
  }

  function cacheKey(question) {
    return [fold(question), config.lang, location.pathname].join("\n");
  }

  async function ask(exchange) {
    const key = cacheKey(exchange.question);
    const hit = answers.get(key);
    if (hit) {
      exchange.id = hit.id;
      exchange.verified = hit.verified;
      exchange.setSources(hit.sources);
      exchange.show(hit.answer);
      return exchange.complete();
    }
    const run = { exchange, key, controller: new AbortController(), usable: false, reason: "" };
    current = run;
    setBusy(true);
    watch(run, WAIT_LIMIT_MS);
    try {
      await stream(run);
      if (!run.finished && !run.degraded) throw new Error("the stream ended before its end");
    } catch {
      failed(run);
    } finally {
      clearTimeout(run.timer);
      release(run);
    }
  }

  async function stream(run) {
    const body = {
      question: run.exchange.question,
      path: location.pathname,
      hints: pageHints(),
      lang: config.lang,
    };
    const response = await post(config.streamUrl, body, run.controller.signal);
    if (!response.ok) return refused(run, response);
    for await (const event of ndjson(response.body)) handle(run, event);
  }

  // One JSON object per line; a line may arrive split across network chunks.
  async function* ndjson(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const lines = (buffer + value).split("\n");
      buffer = lines.pop();
      for (const line of lines) if (line.trim()) yield JSON.parse(line);
    }
    if (buffer.trim()) yield JSON.parse(buffer);
  }

  function handle(run, event) {
    const { exchange } = run;
    if (event.event === "start") {
      exchange.id = event.id;
      exchange.setSources(event.sources);
    } else if (event.event === "token") {
      exchange.append(event.text);
      run.usable = true;
    } else if (event.event === "fallback") {
      // Usable steps from the articles: the user stops waiting here, while the stream
      // stays open for the model's answer to replace them.
      exchange.setSources(event.sources);
      exchange.show(event.answer);
      exchange.setNotice(t("slow"));
      exchange.complete();
      run.usable = run.degraded = true;
      release(run);
    } else if (event.event === "upgrade") {
      exchange.show(event.answer);
      exchange.setNotice("");
    } else if (event.event === "done") {
      exchange.verified = event.match === "curated";
      exchange.show(event.answer);
      if (!event.degraded) {
        exchange.setNotice("");
        // Only the model's (or the server cache's) answer is kept, never a fallback.
        answers.put(run.key, {
          id: exchange.id,
          answer: event.answer,
          sources: exchange.sources,
          verified: exchange.verified,
        });
      }
      run.finished = true;
      exchange.complete();
    }
    watch(run, run.degraded ? UPGRADE_LIMIT_MS : WAIT_LIMIT_MS);
  }

  // Every event restarts the clock: a stream that goes quiet is ended, never waited on.
  function watch(run, limit) {
    clearTimeout(run.timer);
    if (!run.finished) run.timer = setTimeout(() => stopRun(run, "timeout"), limit);
  }

  function stopRun(run, reason) {
    clearTimeout(run.timer);
    run.reason = reason;
    run.controller.abort();
    release(run);
  }

  function release(run) {
    if (current !== run) return;
    current = null;
    setBusy(false);
  }

  function failed(run) {
    const { exchange } = run;
    if (run.degraded || run.finished) return; // the user already has an answer
    if (run.reason === "stop" || run.reason === "replaced") {
      exchange.setNotice(t("stopped"));
      if (!run.usable) exchange.body.replaceChildren();
    } else if (run.reason === "timeout") {
      exchange.fail(run.usable ? t("stopped") : t("noAnswer"));
    } else {
      exchange.fail(t("network"));
    }
  }

  async function refused(run, response) {
    let code = "";
    try {
      code = (await response.json()).error.code;
    } catch {
      // a proxy's page, not our JSON: the generic message will do
    }
    run.finished = true;
    if (response.status === 429) {
      const seconds = Number.parseInt(response.headers.get("Retry-After"), 10) || 10;
      block(seconds);
      run.exchange.body.replaceChildren();
      run.exchange.setNotice(t("rateLimited").replace("%(seconds)s", seconds));
      return;
    }
    run.exchange.fail(t(code === "question_too_long" ? "tooLong" : "error"));
  }

  // After a 429 the input rests until the server's Retry-After has passed.
  function block(seconds) {
    blockedUntil = Date.now() + seconds * 1000;
    ui.input.disabled = ui.send.disabled = true;
    setTimeout(() => {
      ui.input.disabled = ui.send.disabled = false;
      if (!ui.panel.hidden) ui.input.focus();
    }, seconds * 1000);
  }

  // ---- suggestions while typing

  let suggestTimer = 0;
  let suggestController = null;

  function scheduleSuggest() {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, SUGGEST_DELAY_MS);
  }

  async function suggest() {
    suggestController?.abort(); // a stale answer must not overwrite a fresher one
    const query = ui.input.value.trim();
    if (fold(query).length < 3) return hideSuggestions();
    const controller = (suggestController = new AbortController());
    const url = new URL(config.suggestUrl, location.href);
    url.search = new URLSearchParams({ q: query, lang: config.lang, path: location.pathname });
    try {
      const response = await fetch(url, { signal: controller.signal });
      // A refusal (429 past the suggestion limit) must not leave an older query's list.
      if (!response.ok) return hideSuggestions();
      showSuggestions((await response.json()).results || []);
    } catch {
      // aborted or offline: suggestions are a nicety
    }
  }

  function showSuggestions(results) {
    const items = results
      .filter((result) => articleUrl(result.url))
      .map((result) =>
        el("li", {}, [
          articleLink(articleUrl(result.url), [
            el("strong", {}, [result.title]),
            el("span", {}, [result.snippet || ""]),
          ]),
        ]),
      );
    ui.suggestions.replaceChildren(
      el("p", { id: "help-sugg" }, [t("suggestions")]),
      el("ul", { "aria-labelledby": "help-sugg" }, items),
    );
    ui.suggestions.hidden = !items.length;
  }

  function hideSuggestions() {
    clearTimeout(suggestTimer);
    suggestController?.abort();
    ui.suggestions.hidden = true;
    ui.suggestions.replaceChildren();
  }

  // ---- mounting

  function mount() {
    const position = config.position || "bottom-right";
    const host = el("div", { id: "help-widget-host", "data-help-ignore": "" });
    const root = host.attachShadow({ mode: "open" });
    // Hidden until the stylesheet is in, so the launcher never flashes unstyled.
    const sheet = el("link", { rel: "stylesheet", href: config.cssUrl });
    sheet.nonce = script.nonce; // a nonce-based style-src would refuse it otherwise
    host.hidden = true;
    const reveal = () => (host.hidden = false);
    sheet.addEventListener("load", reveal);
    sheet.addEventListener("error", reveal);

    ui.launcher = el(
      "button",
      {
        type: "button",
        class: `launcher ${position}`,
        "aria-haspopup": "dialog",
        "aria-expanded": "false",
        "aria-keyshortcuts": config.shortcut || "",
        "data-part": "launcher",
      },
      [t("launcher")],
    );
    buildPanel(position);

    ui.launcher.addEventListener("click", toggle);
    ui.close.addEventListener("click", shut);
    ui.stop.addEventListener("click", () => current && stopRun(current, "stop"));
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    ui.input.addEventListener("focus", pageHints); // prefetch, cached per path
    ui.input.addEventListener("input", scheduleSuggest);
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") shut();
    });
    document.addEventListener("keydown", (event) => {
      if (config.shortcut && !event.repeat && matchesShortcut(event, config.shortcut)) {
        event.preventDefault();
        toggle();
      }
    });

    root.append(sheet, ui.launcher, ui.panel);
    document.body.append(host);
  }

  // fold is exposed so that tests can check it against the server's.
  window.__helpWidget = { fold };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
