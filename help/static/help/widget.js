// The help widget: a launcher in a page corner that opens the assistant's panel.
// Reads its configuration from its own <script data-*> attributes; renders inside
// a shadow root so the host page's styles and the widget's cannot touch each other.
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__helpWidgetLoaded) return;
  window.__helpWidgetLoaded = true;
  const config = script.dataset;

  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  }

  function matchesShortcut(event, shortcut) {
    const parts = shortcut.toLowerCase().split("+");
    const key = parts.pop();
    return (
      event.key.toLowerCase() === key &&
      event.altKey === parts.includes("alt") &&
      event.shiftKey === parts.includes("shift") &&
      event.ctrlKey === parts.includes("ctrl") &&
      event.metaKey === parts.includes("meta")
    );
  }

  function mount() {
    const host = el("div", { id: "help-widget-host", "data-help-ignore": "" });
    const root = host.attachShadow({ mode: "open" });
    root.append(el("link", { rel: "stylesheet", href: config.cssUrl }));

    const launcher = el(
      "button",
      {
        type: "button",
        class: `launcher ${config.position || "bottom-right"}`,
        "aria-haspopup": "dialog",
        "aria-expanded": "false",
        "aria-keyshortcuts": config.shortcut || "",
        "data-part": "launcher",
      },
      [config.labelLauncher || "Aide"],
    );
    const titleId = "help-panel-title";
    const close = el(
      "button",
      { type: "button", class: "close", "aria-label": config.labelClose || "Fermer" },
      ["×"],
    );
    const panel = el(
      "section",
      {
        class: `panel ${config.position || "bottom-right"}`,
        role: "dialog",
        "aria-labelledby": titleId,
        "data-part": "panel",
        hidden: "",
      },
      [
        el("header", {}, [el("h2", { id: titleId }, [config.labelTitle || "Aide"]), close]),
        el("p", { class: "intro" }, [config.labelIntro || ""]),
      ],
    );

    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      close.focus();
    }
    function shut() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }

    launcher.addEventListener("click", () => (panel.hidden ? open() : shut()));
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") shut();
    });
    document.addEventListener("keydown", (event) => {
      if (config.shortcut && matchesShortcut(event, config.shortcut)) {
        event.preventDefault();
        panel.hidden ? open() : shut();
      }
    });

    root.append(launcher, panel);
    document.body.append(host);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
