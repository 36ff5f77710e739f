// The help widget, in a shadow root; server text enters as text nodes, never as HTML. The
// panel is a non-modal dialog: Tab goes on to the page, Esc closes it from anywhere.
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__helpWidget) return;
  const config = script.dataset;
  const labels = JSON.parse(config.labels || "{}");
  const t = (key, value) => (labels[key] || key).replace(/%\(\w+\)s/, value);
  const number = (value, fallback) => Number(value) || fallback;

  const WAIT_LIMIT_MS = number(config.deadlineMs, 5000) * 1.2 + 1500; // then, silence is a fault
  const TIMEOUT_MS = number(config.timeoutMs, 30000);
  const MAX_HINTS_CHARS = number(config.maxHintsChars, 400);
  const CACHE_TTL_MS = number(config.cacheTtl, 3600) * 1000;
  const REPEAT_MS = 300; // Enter pressed twice
  const ARTICLES_PATH = new URL(config.articlesUrl || "/help/articles/", location.href).pathname;
  const PHONE = matchMedia("(max-width: 30rem)");
  const TURN = ["question", "text", "id", "sources", "verified", "followUp", "kind", "note", "rated"];

  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children); // strings become text nodes
    return node;
  }

  function button(text, className, action, attributes) {
    const node = el("button", { type: "button", class: className, ...attributes }, [text]);
    if (action) node.addEventListener("click", action);
    return node;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // A focus inside `node` must not fall to <body>.
  function swap(node, children, target) {
    const had = node.contains(ui.root.activeElement);
    node.replaceChildren(...children);
    if (had) (target || node.querySelector("button, a") || ui.input).focus();
  }

  function stored(name, value) {
    const key = `help-widget:${name}`;
    try {
      if (value === undefined) return JSON.parse(sessionStorage.getItem(key));
      if (value === null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, JSON.stringify(value));
    } catch {
      // unavailable
    }
  }

  // Mirror of the server's help.search.text.fold_question: both caches must agree.
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

  // A model can be talked into any URL.
  function articleUrl(href, trusted) {
    try {
      const url = new URL(href, location.href);
      if (
        trusted
          ? /^(https?|mailto):$/.test(url.protocol)
          : url.origin === location.origin && url.pathname.startsWith(ARTICLES_PATH)
      ) {
        return url.href;
      }
    } catch {
      // not a URL: shown as text
    }
    return null;
  }

  function csrfToken() {
    const name = config.csrfCookie || "csrftoken";
    const cookie = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
    return cookie ? decodeURIComponent(cookie.slice(name.length + 1)) : "";
  }

  function post(url, body, signal) {
    const headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
    return fetch(url, { method: "POST", signal, headers, body: JSON.stringify(body) });
  }

  async function getJson(path, params, signal) {
    const url = new URL(path, location.href);
    url.search = new URLSearchParams(params);
    const response = await fetch(url, { signal });
    if (!response.ok) throw response;
    return response.json();
  }

  const INLINE = /\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  const LIST_ITEM = /^(?:[-*•]|(\d+)[.)])\s+(.*)$/;

  function inline(text) {
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      const [whole, bold, code, label, href] = match;
      nodes.push(text.slice(last, match.index));
      last = match.index + whole.length;
      const url = articleUrl(href);
      if (bold !== undefined) nodes.push(el("strong", {}, [bold]));
      else if (code !== undefined) nodes.push(el("code", {}, [code]));
      else nodes.push(url ? el("a", { href: url }, [label]) : label);
    }
    nodes.push(text.slice(last));
    return nodes;
  }

  function markdown(text) {
    const fragment = document.createDocumentFragment();
    let block = null;
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

  // No Markdown; `numbered` keeps the steps' numbers.
  function plain(node, numbered) {
    return [...node.querySelectorAll("p, li")]
      .map((block) => {
        const list = block.parentNode;
        const at = [...list.children].indexOf(block);
        return (numbered && list.tagName === "OL" ? `${list.start + at}. ` : "") + block.textContent;
      })
      .join("\n");
  }

  const toPlain = (text) => plain(el("div", {}, [markdown(text)]));

  // Known tags only, and no attribute but a checked href.
  const TAGS = /^(P|BR|UL|OL|LI|STRONG|EM|CODE|PRE|BLOCKQUOTE|HR|TABLE|THEAD|TBODY|TR|TH|TD|A|H\d)$/;

  function rebuild(parent) {
    return [...parent.childNodes].flatMap((node) => {
      if (node.nodeType === Node.TEXT_NODE) return [node.data];
      const children = rebuild(node);
      const tag = node.tagName;
      const href = node.getAttribute("href");
      const url = tag === "A" && (href ? articleUrl(href, true) : null);
      if (!TAGS.test(tag) || url === null) return children;
      return [el(url ? "a" : tag[0] === "H" ? "h4" : tag, url ? { href: url } : {}, children)];
    });
  }

  // ---- sessionStorage, per user session (scope)

  const answers = {
    read() {
      const data = stored("answers");
      if (data?.version === config.articlesVersion && data.scope === config.scope) {
        return data.entries;
      }
      if (data) stored("answers", null); // an article changed, or the user did
      return [];
    },
    write(entries) {
      stored("answers", { version: config.articlesVersion, scope: config.scope, entries });
    },
    get(key) {
      const now = Date.now();
      const entries = this.read().filter(([, entry]) => now - entry.at < CACHE_TTL_MS);
      const index = entries.findIndex(([k]) => k === key);
      const hit = index < 0 ? null : entries.splice(index, 1)[0];
      if (hit) entries.push(hit);
      this.write(entries);
      return hit && hit[1];
    },
    put(key, value) {
      const entries = this.read().filter(([k]) => k !== key);
      entries.push([key, { ...value, at: Date.now() }]);
      this.write(entries.slice(-50));
    },
  };
  answers.read(); // at once: another user's answers must not stay in the tab

  // Site-wide answers without the path; follow-ups with their context's digest.
  function cacheKey(question, scope, context) {
    const digest = [...JSON.stringify(context || "")].reduce(
      (hash, char) => Math.imul(hash ^ char.codePointAt(0), 16777619),
      0x811c9dc5,
    );
    const page = scope === "site" ? "" : location.pathname;
    return [fold(question), config.lang, page, context ? digest >>> 0 : ""].join("\n");
  }

  let thread = stored("thread");
  if (thread?.scope !== config.scope || !Array.isArray(thread.turns)) {
    thread = { scope: config.scope, turns: [] };
  }
  const saveThread = () => stored("thread", thread);
  saveThread(); // at once: another user's thread must not stay in the tab

  // ---- page hints: never what the user typed

  const HINT_SOURCES = [
    ["h1", "h1"],
    ["current", "nav [aria-current], nav .active"],
    ["h2", "h2"],
    ["h3", "h3"],
    ["button", "button[type=submit], a[class*=primary], button[class*=primary]"],
    ["nav", "nav a[href]"],
    ["label", "label, legend"],
  ];
  // User data, or not text.
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
    let size = -1;
    for (const [kind, selector] of HINT_SOURCES) {
      for (const node of document.querySelectorAll(selector)) {
        const text = visibleText(node);
        const line = `${kind}: ${text}`;
        if (!text || seen.has(line) || size + 1 + line.length > MAX_HINTS_CHARS) continue;
        if (lines.length >= 40) break;
        seen.add(line);
        lines.push(line);
        size += 1 + line.length;
      }
    }
    return lines.join("\n");
  }

  let hints = { path: null, text: "" };
  function pageHints() {
    if (hints.path !== location.pathname) {
      hints = { path: location.pathname, text: computeHints() };
    }
    return hints.text;
  }

  // ---- the panel

  const ui = {};

  function buildPanel(position) {
    ui.close = button("×", "icon close", () => setOpen(false, true), { "aria-label": t("close") });
    ui.grow = button("", "icon grow", () => grow(!thread.big));
    ui.reset = button("+", "icon", reset, { "aria-label": t("newChat"), title: t("newChat") });
    // said through ui.status
    ui.log = el("div", { class: "log", role: "log", "aria-live": "off", tabindex: "0" });
    ui.status = el("div", { class: "sr-only", role: "status" });
    ui.list = el("div", { id: "help-list", role: "listbox", "aria-labelledby": "help-sugg" });
    ui.suggestions = el("div", { class: "suggestions", hidden: "" }, [
      el("p", { id: "help-sugg" }, [t("suggestions")]),
      ui.list,
    ]);
    ui.input = el("input", {
      ...{ id: "help-q", type: "text", role: "combobox", autocomplete: "off" },
      ...{ "aria-autocomplete": "list", "aria-expanded": false, "aria-controls": "help-list" },
      ...{ maxlength: config.maxQuestionChars || 500, placeholder: t("placeholder") },
    });
    ui.send = el("button", { type: "submit", class: "send" }, [t("send")]);
    ui.stop = button(t("stop"), "stop", () => current && stopRun(current, "stop"), { hidden: "" });
    const label = el("label", { for: "help-q", class: "sr-only" }, [t("question")]);
    ui.form = el("form", { class: "ask" }, [label, ui.input, ui.send, ui.stop]);
    ui.back = button(t("back"), "chip back", closeView);
    ui.view = el("div", { class: "view", hidden: "" });
    const head = [el("h2", { id: "help-title" }, [t("title")]), ui.reset, ui.grow, ui.close];
    ui.panel = el(
      "section",
      { class: `panel ${position}`, role: "dialog", "aria-labelledby": "help-title", hidden: "" },
      [el("div", { class: "head" }, head), ui.log, ui.view, ui.suggestions, ui.form, ui.status],
    );
    ui.panel.dataset.part = "panel";
  }

  const say = (text) => (ui.status.textContent = text);

  function setOpen(open, focus) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", open);
    thread.open = open;
    saveThread();
    lock();
    if (open) fillStarters();
    if (open) showLatest();
    const first = ui.view.hidden ? (ui.input.disabled ? ui.close : ui.input) : ui.back;
    if (focus) (open ? first : ui.launcher).focus();
  }

  const toggle = () => setOpen(ui.panel.hidden, true);

  function grow(big) {
    thread.big = big;
    saveThread();
    ui.panel.classList.toggle("big", big);
    ui.grow.title = t(big ? "shrink" : "expand");
    ui.grow.setAttribute("aria-label", ui.grow.title);
  }

  // The phone's sheet covers the page: no scroll behind it, and Tab stays in it (inert).
  let locked = null; // the page's overflow and the nodes made inert
  function lock() {
    const style = document.documentElement.style;
    const on = !ui.panel.hidden && PHONE.matches;
    if (on && !locked) {
      const nodes = [...document.body.children].filter((node) => !node.inert && node !== ui.host);
      locked = [style.overflow, nodes];
      style.overflow = "hidden";
      for (const node of nodes) node.inert = true;
    } else if (!on && locked) {
      style.overflow = locked[0];
      for (const node of locked[1]) node.inert = false;
      locked = null;
    }
  }

  // event.code too: on macOS Option+Shift+H types "Ó".
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

  const scrollTo = (node) => node && (ui.log.scrollTop = node.offsetTop - 8);
  const showLatest = () => scrollTo(ui.log.querySelector(".exchange:last-child"));

  // What the user reads stays put.
  function steady(change) {
    const log = ui.log;
    const anchor = [...log.children].find((node) => node.offsetTop + node.offsetHeight > log.scrollTop);
    const top = anchor?.offsetTop;
    change();
    if (anchor) log.scrollTop += anchor.offsetTop - top;
  }

  let starters = null;

  function showIntro() {
    ui.intro = el("div", { class: "intro" }, [el("p", {}, [t("intro")])]);
    if (config.shortcut) ui.intro.append(el("p", { class: "hint" }, [t("shortcut", config.shortcut)]));
    ui.log.replaceChildren(ui.intro);
    ui.reset.hidden = true;
    if (!ui.panel.hidden) fillStarters();
  }

  async function fillStarters() {
    const intro = ui.intro;
    if (!config.startersUrl || !intro?.isConnected || intro.filled) return;
    intro.filled = true;
    const params = { path: location.pathname, lang: config.lang };
    starters ||= getJson(config.startersUrl, params).then((data) => data.questions, () => []);
    const questions = await starters;
    if (!questions.length) return;
    const items = questions.map((text) => el("li", {}, [button(text, "chip", () => submit(text))]));
    intro.firstChild.after(
      el("p", { id: "help-start" }, [t("starters")]),
      el("ul", { class: "starters", "aria-labelledby": "help-start" }, items),
    );
  }

  function reset() {
    if (current) stopRun(current, "replaced");
    thread.turns = [];
    saveThread();
    viewing(false);
    showIntro();
    ui.input.focus();
  }

  // ---- a view in place of the thread

  function showView(title, children, opener) {
    ui.opener = opener;
    const heading = el("h3", { tabindex: "-1" }, [title]);
    ui.view.replaceChildren(ui.back, heading, ...children);
    viewing(true);
    heading.focus();
  }

  function closeView() {
    viewing(false);
    (ui.opener?.isConnected ? ui.opener : ui.input).focus();
  }

  function viewing(on) {
    hideList();
    ui.view.hidden = !on;
    ui.log.hidden = ui.form.hidden = on;
  }

  async function openArticle(url, opener) {
    try {
      const lang = url.searchParams.get("lang") || config.lang;
      const data = await getJson(`${url.pathname}panel`, { lang });
      const body = new DOMParser().parseFromString(data.html, "text/html").body;
      showView(data.title, [el("div", { class: "article", lang: data.lang }, rebuild(body))], opener);
    } catch {
      location.assign(url);
    }
  }

  function ticketForm(exchange, opener) {
    const field = (name, tag, attributes) => [
      el("label", { for: `help-${name}` }, [t(name)]),
      el(tag, { id: `help-${name}`, name, required: "", ...attributes }),
    ];
    const error = el("p", { class: "notice", hidden: "" });
    const form = el("form", { class: "ticket" }, [
      el("p", {}, [t("ticketIntro")]),
      ...(config.visitor ? field("email", "input", { type: "email", autocomplete: "email" }) : []),
      ...field("message", "textarea", { rows: "5", maxlength: "4000" }),
      error,
      el("button", { type: "submit", class: "send" }, [t("send")]),
    ]);
    const box = el("div", {}, [form]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.sending) return;
      form.sending = true;
      const { email, message } = form.elements;
      const response = await post(config.ticketsUrl, {
        message: message.value.trim(),
        ...(email && { email: email.value.trim() }),
        answer_id: exchange.id,
        path: location.pathname,
        lang: config.lang,
        thread: thread.turns.map((turn) => ({ question: turn.question, answer: turn.text })),
      }).catch(() => ({}));
      form.sending = false;
      const result = t(response.ok ? "ticketSent" : "ticketError");
      say(result);
      if (response.ok) return swap(box, [el("p", { class: "notice better" }, [result])], ui.back);
      error.textContent = result;
      error.hidden = false;
    });
    showView(t("support"), [box], opener);
  }

  function support(exchange) {
    if (config.supportUrl) return [el("a", { class: "chip", href: config.supportUrl }, [t("support")])];
    if (!config.ticketsUrl) return [];
    return [button(t("support"), "chip", (event) => ticketForm(exchange, event.currentTarget))];
  }

  class Exchange {
    constructor(question, turn = {}) {
      this.question = question;
      this.turn = turn;
      this.text = this.id = this.kind = "";
      this.sources = [];
      this.body = el("div", { class: "answer" });
      this.notice = el("p", { class: "notice", hidden: "" });
      this.extra = el("div");
      this.node = el("article", { class: "exchange" }, [
        el("p", { class: "question" }, [question]),
        this.body,
        this.notice,
        this.extra,
      ]);
      ui.intro?.remove();
      ui.reset.hidden = false;
      ui.log.append(this.node);
    }

    waiting() {
      this.body.replaceChildren(
        el("span", { class: "typing", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]),
      );
      say(t("answering"));
    }

    show(text) {
      this.text = text;
      this.body.replaceChildren(markdown(text));
    }

    // A `kind` (slow, better) goes above the answer, said with it; a note below, said now.
    setNotice(message, kind = "") {
      if (message && !kind) say(message);
      this.notice.hidden = !message;
      this.notice.textContent = message;
      this.notice.className = `notice ${kind}`;
      this.body[kind ? "before" : "after"](this.notice);
      this.kind = kind;
    }

    // A fallback opens with the server's word on it (fallback.py): said once, as notice.
    degrade(answer) {
      const [first, ...rest] = answer.split(/\n\s*\n/);
      this.show(rest.length ? rest.join("\n\n") : answer);
      this.setNotice(rest.length ? toPlain(first) : t("slow"), "slow");
    }

    setSources(sources) {
      this.sources = (sources || []).filter((source) => articleUrl(source.url));
    }

    complete(quiet) {
      const said = `${this.notice.hidden ? "" : this.notice.textContent} ${plain(this.body)}`;
      if (!quiet && said !== this.said) say((this.said = said).trim());
      this.remember();
      if (this.built) return;
      this.built = true;
      const extra = [];
      if (this.verified) {
        const mark = el("span", { "aria-hidden": "true" }, ["✓ "]);
        extra.push(el("p", { class: "verified" }, [mark, t("verified")]));
      }
      if (this.followUp) extra.push(el("p", { class: "meta" }, [t("followUp")]));
      if (this.sources.length) {
        const items = this.sources.map((source) =>
          el("li", {}, [el("a", { href: articleUrl(source.url) }, [source.title])]),
        );
        extra.push(el("div", { class: "sources" }, [el("p", {}, [t("sources")]), el("ul", {}, items)]));
      }
      const actions = el("div", { class: "actions" });
      if (this.id) actions.append((this.rating = el("div", { class: "feedback", role: "group" })));
      if (navigator.clipboard) {
        actions.append((this.copier = button(t("copy"), "chip", () => this.copy())));
      }
      if (this.id) this.rate();
      this.extra.replaceChildren(...extra, actions);
    }

    remember() {
      this.note = this.kind ? this.notice.textContent : "";
      for (const name of TURN) this.turn[name] = this[name];
      if (!thread.turns.includes(this.turn)) thread.turns = [...thread.turns, this.turn].slice(-20);
      saveThread();
    }

    rate() {
      const row = this.rating;
      const choose = (label, names, pick) => {
        row.setAttribute("aria-label", label);
        const choices = names.map((name) => button(t(name), "chip", () => pick(name)));
        swap(row, [el("span", { "aria-hidden": "true" }, [label]), ...choices]);
      };
      if (!this.rated) {
        return choose(t("helpful"), ["yes", "no"], (answer) =>
          answer === "yes"
            ? this.send({ helpful: true }, answer)
            : choose(t("why"), ["wrong", "incomplete", "outdated", "other"], (reason) =>
                this.send({ helpful: false, reason }, answer),
              ),
        );
      }
      row.setAttribute("aria-label", t("helpful"));
      const offer = this.rated === "no" ? support(this) : [];
      swap(row, [el("span", {}, [t("thanks")]), ...offer], !offer.length && this.copier);
    }

    async send(choice, rated) {
      if (this.sending) return;
      this.sending = true;
      // its row may not be written yet
      for (const delay of [0, 500, 1500]) {
        await sleep(delay);
        const response = await post(config.feedbackUrl, { id: this.id, ...choice }).catch(() => ({}));
        if (response.ok) {
          this.rated = rated;
          this.rate();
          say(t("thanks"));
          this.remember();
        }
        if (response.status !== 404) break;
      }
      this.sending = false;
    }

    async copy() {
      try {
        await navigator.clipboard.writeText(plain(this.body, true));
        this.copier.textContent = t("copied");
        await sleep(2000);
        this.copier.textContent = t("copy");
      } catch {
        // refused: the text stays selectable
      }
    }

    fail(message) {
      if (!this.text) this.body.replaceChildren();
      this.setNotice(message);
      this.built = false;
      const again = button(t("retry"), "chip retry", () => {
        this.extra.replaceChildren();
        this.setNotice("");
        this.text = "";
        ui.input.focus(); // the button is gone
        retryAsk(this);
      });
      this.extra.replaceChildren(el("div", { class: "actions" }, [again]));
    }
  }

  let current = null; // the run the user waits for
  let lastSubmit = -Infinity;
  let blockedUntil = 0;

  function setBusy(busy) {
    if (!busy && ui.root.activeElement === ui.stop) ui.input.focus();
    ui.send.hidden = busy;
    ui.stop.hidden = !busy;
  }

  function submit(question = ui.input.value.trim()) {
    const now = performance.now();
    const repeated = now - lastSubmit < REPEAT_MS;
    lastSubmit = now;
    if (repeated || !question || Date.now() < blockedUntil) return;
    ui.input.value = "";
    ui.input.focus(); // Envoyer hides
    hideList();
    if (current) stopRun(current, "replaced");
    const exchange = new Exchange(question);
    // Room below its question for the view to start there, whatever the answer's length.
    for (const node of ui.log.children) node.style.minHeight = "";
    exchange.node.style.minHeight = `${ui.log.clientHeight}px`;
    scrollTo(exchange.node);
    ask(exchange);
  }

  function retryAsk(exchange) {
    if (current) stopRun(current, "replaced");
    ask(exchange);
  }

  async function ask(exchange) {
    const context = thread.turns.slice(-2).map((turn) => ({
      question: turn.question,
      answer: toPlain(turn.text).slice(0, 200),
    }));
    const hit = ["page", "site"]
      .flatMap((scope) => [[scope, context], [scope]])
      .map((key) => answers.get(cacheKey(exchange.question, ...key)))
      .find(Boolean);
    if (hit) {
      Object.assign(exchange, { id: hit.id, verified: hit.verified, followUp: hit.followUp });
      exchange.setSources(hit.sources);
      exchange.show(hit.answer);
      return exchange.complete();
    }
    exchange.waiting();
    const run = { exchange, context, controller: new AbortController(), usable: false, reason: "" };
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
    if (run.context.length) body.context = run.context;
    const response = await post(config.streamUrl, body, run.controller.signal);
    if (!response.ok) return refused(run, response);
    for await (const event of ndjson(response.body)) handle(run, event);
  }

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
      exchange.followUp = event.follow_up;
      exchange.setSources(event.sources);
      run.scope = event.scope;
    } else if (event.event === "token") {
      exchange.show(exchange.text + event.text);
      run.usable = true;
    } else if (event.event === "fallback") {
      // the model may still answer
      exchange.setSources(event.sources);
      exchange.degrade(event.answer);
      exchange.complete();
      run.usable = run.degraded = true;
      release(run);
    } else if (event.event === "upgrade") {
      improve(run, event.answer);
    } else if (event.event === "done") {
      exchange.verified = event.match === "curated";
      if (!event.degraded) {
        if (event.answer !== exchange.text) exchange.show(event.answer);
        keep(run, event.answer, event.scope || run.scope);
      }
      run.finished = true;
      exchange.complete();
      if (event.pending) poll(run);
    }
    watch(run, run.degraded ? TIMEOUT_MS + 2000 : WAIT_LIMIT_MS);
  }

  function improve(run, answer) {
    steady(() => {
      run.exchange.show(answer);
      run.exchange.setNotice(t("upgraded"), "better");
    });
    run.exchange.complete();
  }

  function keep(run, answer, scope) {
    const { exchange } = run;
    answers.put(cacheKey(exchange.question, scope, exchange.followUp && run.context), {
      id: exchange.id,
      answer,
      sources: exchange.sources,
      verified: exchange.verified,
      followUp: exchange.followUp,
    });
  }

  async function poll(run) {
    if (!config.answerUrl) return;
    const url = config.answerUrl.replace("00000000-0000-0000-0000-000000000000", run.exchange.id);
    for (let waited = 0, wait = 1000; waited < TIMEOUT_MS; wait *= 2) {
      wait = Math.min(wait, TIMEOUT_MS - waited);
      waited += wait;
      await sleep(wait);
      if (!run.exchange.node.isConnected) return; // a new conversation
      try {
        const data = await getJson(url);
        if (data.ready) return keep(run, data.answer, run.scope), improve(run, data.answer);
      } catch (error) {
        if (error instanceof Response) return; // no answer is coming
      }
    }
  }

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
    if (run.degraded || run.finished) return; // answered already
    if (run.reason === "stop" || run.reason === "replaced") {
      if (!run.usable) exchange.body.replaceChildren();
      exchange.setNotice(t("stopped"));
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
      // a proxy's page: the generic message
    }
    run.finished = true;
    if (response.status === 429) {
      const seconds = Number.parseInt(response.headers.get("Retry-After"), 10) || 10;
      block(seconds);
      run.exchange.body.replaceChildren();
      return run.exchange.setNotice(t("rateLimited", seconds));
    }
    run.exchange.fail(t(code === "question_too_long" ? "tooLong" : "error"));
  }

  function block(seconds) {
    blockedUntil = Date.now() + seconds * 1000;
    ui.input.disabled = ui.send.disabled = true;
    setTimeout(() => {
      ui.input.disabled = ui.send.disabled = false;
      if (!ui.panel.hidden) ui.input.focus();
    }, seconds * 1000);
  }

  let suggestTimer = 0;
  let suggestController = null;
  let listQuery = "";
  let active = -1;

  async function suggest() {
    suggestController?.abort(); // no stale list over a fresher one
    const query = ui.input.value.trim();
    if (fold(query).length < 3) return hideList();
    const controller = (suggestController = new AbortController());
    const params = { q: query, lang: config.lang, path: location.pathname };
    try {
      const { results } = await getJson(config.suggestUrl, params, controller.signal);
      const found = results.filter((result) => articleUrl(result.url));
      // "Comment " finds nothing: the list found for its start stays.
      if (found.length || !query.startsWith(listQuery)) {
        listQuery = query;
        const option = ({ url, title, snippet }, index) =>
          el("a", { role: "option", id: `help-o${index}`, href: articleUrl(url), tabindex: -1 }, [
            el("strong", {}, [title]),
            el("span", {}, [snippet || ""]),
          ]);
        ui.list.replaceChildren(...found.map(option));
        expand(false);
        expand(found.length > 0);
      }
    } catch {
      // refused (429): no older list
      if (!controller.signal.aborted) hideList();
    }
  }

  function expand(open) {
    ui.suggestions.hidden = !open;
    ui.input.setAttribute("aria-expanded", open);
    if (!open) highlight(-1);
  }

  function highlight(index) {
    const option = ui.list.children[index];
    active = index;
    for (const node of ui.list.children) node.setAttribute("aria-selected", node === option);
    if (option) {
      ui.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      ui.input.removeAttribute("aria-activedescendant");
    }
  }

  function hideList() {
    clearTimeout(suggestTimer);
    suggestController?.abort();
    listQuery = "";
    ui.list.replaceChildren();
    expand(false);
  }

  function onInputKey(event) {
    const count = ui.list.children.length;
    const down = event.key === "ArrowDown";
    const open = !ui.suggestions.hidden;
    if ((down || event.key === "ArrowUp") && count) {
      event.preventDefault();
      expand(true);
      highlight((active + (down ? 1 : count - 1 + (active < 0))) % count);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      openArticle(new URL(ui.list.children[active].href), ui.input);
    } else if (event.key === "Escape" && open) {
      event.preventDefault(); // the list closes first, the panel on the next Esc
      expand(false);
    }
  }

  function mount() {
    const position = config.position || "bottom-right";
    const host = (ui.host = el("div", { id: "help-widget-host", "data-help-ignore": "" }));
    ui.root = host.attachShadow({ mode: "open" });
    // Hidden until the stylesheet is in: never unstyled.
    const sheet = el("link", { rel: "stylesheet", href: config.cssUrl });
    sheet.nonce = script.nonce; // for a nonce-based style-src
    host.hidden = true;
    for (const type of ["load", "error"]) {
      sheet.addEventListener(type, () => {
        host.hidden = false;
        showLatest();
      });
    }

    ui.launcher = button(t("launcher"), `launcher ${position}`, toggle, {
      ...{ "aria-haspopup": "dialog", "aria-expanded": false, "data-part": "launcher" },
      ...(config.shortcut && { "aria-keyshortcuts": config.shortcut }),
      ...(config.shortcut && { title: t("shortcut", config.shortcut) }),
    });
    buildPanel(position);
    for (const turn of thread.turns) {
      const exchange = new Exchange(turn.question, turn);
      Object.assign(exchange, turn);
      exchange.show(turn.text);
      exchange.setNotice(turn.note, turn.kind);
      exchange.complete(true);
    }
    if (!thread.turns.length) showIntro();
    grow(!!thread.big);
    setOpen(!!thread.open, false);

    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    ui.input.addEventListener("focus", pageHints); // prefetch, cached per path
    ui.input.addEventListener("input", () => {
      highlight(-1);
      clearTimeout(suggestTimer);
      suggestTimer = setTimeout(suggest, 300);
    });
    ui.input.addEventListener("keydown", onInputKey);
    ui.list.addEventListener("mousedown", (event) => event.button || event.preventDefault());
    // Articles open in the panel; a modified or middle click opens the page.
    ui.panel.addEventListener("click", (event) => {
      const link = event.target.closest("a[href]");
      if (!link || event.button || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const url = new URL(link.href);
      const slug = url.pathname.slice(ARTICLES_PATH.length);
      if (url.origin !== location.origin || !url.pathname.startsWith(ARTICLES_PATH)) return;
      if (!/^[\w-]+\/$/.test(slug)) return;
      event.preventDefault();
      openArticle(url, link); // an option is gone on the way back: the field then
    });
    document.addEventListener("keydown", (event) => {
      if (config.shortcut && !event.repeat && matchesShortcut(event, config.shortcut)) {
        event.preventDefault();
        toggle();
      } else if (event.key === "Escape" && !ui.panel.hidden && !event.defaultPrevented) {
        ui.view.hidden ? setOpen(false, true) : closeView();
      }
    });
    PHONE.addEventListener("change", lock);

    ui.root.append(sheet, ui.launcher, ui.panel);
    document.body.append(host);
  }

  // for tests against the server's
  window.__helpWidget = { fold };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
