/* Nudge admin: minimal vanilla JS. Pages work without it (standalone); it adds the session
   token inside Shopify, copy buttons, the colour picker mirror, progress polling and the
   recipe editor's live email preview. */
(function () {
  "use strict";

  var embedded = document.documentElement.dataset.embedded === "1";

  function hasAppBridge() {
    return embedded && window.shopify && typeof window.shopify.idToken === "function";
  }

  /* The one way the page talks to the server: inside Shopify every request carries a fresh
     session token (App Bridge `shopify.idToken()`); standalone, the session's CSRF token. */
  async function authHeaders() {
    if (hasAppBridge()) {
      return { Authorization: "Bearer " + (await window.shopify.idToken()) };
    }
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? { "X-CSRF-Token": meta.content } : {};
  }

  async function adminFetch(url, options) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    var extra = await authHeaders();
    Object.keys(extra).forEach(function (name) { headers.set(name, extra[name]); });
    headers.set("X-Requested-With", "fetch");
    return fetch(url, Object.assign({}, options, { headers: headers, credentials: "same-origin" }));
  }

  window.nudge = { adminFetch: adminFetch };

  /* --- Embedded navigation: document loads carry a fresh id_token, as Shopify's own do. --- */

  function isAdminUrl(url) {
    return url.origin === window.location.origin && url.pathname.indexOf("/admin") === 0;
  }

  async function navigate(url) {
    if (hasAppBridge()) {
      url.searchParams.set("id_token", await window.shopify.idToken());
    }
    window.location.assign(url.toString());
  }

  function withoutToken(rawUrl) {
    var url = new URL(rawUrl);
    url.searchParams.delete("id_token");
    return url.pathname + url.search + url.hash;
  }

  function actionOf(form, submitter) {
    // A button's own formaction (Preview, Send test, Dry run) wins over the form's action.
    return submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
  }

  async function submitWithToken(form, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    var response = await adminFetch(actionOf(form, submitter), { method: "POST", body: body });
    var html = await response.text();
    var next = new DOMParser().parseFromString(html, "text/html");
    var page = next.getElementById("page");
    if (!page) { throw new Error("unexpected response " + response.status); }
    document.getElementById("page").replaceWith(page);
    document.title = next.title;
    // After a redirect the address is the new page's; a page drawn in answer to the POST itself
    // (a refused form, a test email sent) stays at the address it was posted from.
    if (response.redirected) { window.history.pushState({}, "", withoutToken(response.url)); }
    enhance(page);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!hasAppBridge() || !link || event.defaultPrevented || event.metaKey || event.ctrlKey) {
      return;
    }
    var url = new URL(link.href, window.location.href);
    if (!isAdminUrl(url) || link.target) { return; }
    event.preventDefault();
    navigate(url);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formtarget")) {
      // Preview: the draft goes into the preview frame, the page stays.
      if (!hasAppBridge()) { return; }
      event.preventDefault();
      postIntoFrame(submitter.formAction, new FormData(form), submitter.getAttribute("formtarget"));
      return;
    }
    if (submitter) {
      // Pages work without this; it only stops a double click from sending twice.
      window.setTimeout(function () { submitter.disabled = true; submitter.classList.add("is-busy"); });
    }
    if (!hasAppBridge()) { return; }
    event.preventDefault();
    if ((form.method || "get").toLowerCase() === "get") {
      var url = new URL(form.action, window.location.href);
      url.search = new URLSearchParams(new FormData(form)).toString();
      navigate(url);
      return;
    }
    submitWithToken(form, submitter).catch(function (error) {
      console.error(error);
      if (submitter) { submitter.disabled = false; submitter.classList.remove("is-busy"); }
      window.shopify.toast.show("Something went wrong. Try again.", { isError: true });
    });
  });

  /* --- Small enhancements --- */

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.copy);
    var done = function () {
      var label = button.textContent;
      button.textContent = button.dataset.copiedText || "Copied";
      window.setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done);
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  document.addEventListener("input", function (event) {
    var picker = event.target.closest("[data-mirror]");
    if (picker) {
      document.getElementById(picker.dataset.mirror).value = picker.value;
      return;
    }
    var text = event.target;
    var mirrored = text.id && document.querySelector('[data-mirror="' + text.id + '"]');
    if (mirrored && /^#[0-9a-fA-F]{6}$/.test(text.value)) { mirrored.value = text.value; }
  });

  function showToast(root) {
    var banner = root.querySelector("[data-toast]");
    if (banner && hasAppBridge() && window.shopify.toast) {
      window.shopify.toast.show(banner.dataset.toast);
      banner.hidden = true;
    }
  }

  /* Long operations: the page polls their progress records until none is running. */
  function pollProgress(root) {
    var cards = root.querySelectorAll("[data-progress]");
    if (!cards.length) { return; }
    var url = cards[0].dataset.progressUrl;
    var tick = async function () {
      var response = await adminFetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) { return; }
      var data = await response.json();
      var running = false;
      data.operations.forEach(function (operation) {
        var card = root.querySelector('[data-progress="' + operation.operation + '"]');
        if (!card) { return; }
        running = running || operation.state === "running";
        var bar = card.querySelector("[data-progress-bar]");
        if (operation.percent !== null) { bar.value = operation.percent; }
        card.querySelector("[data-progress-state]").textContent =
          operation.state === "done" ? "Done" : operation.state === "failed" ? "Stopped"
            : operation.percent !== null ? operation.percent + "%" : "Working…";
        card.querySelector("[data-progress-text]").textContent =
          operation.done.toLocaleString() +
          (operation.total ? " of " + operation.total.toLocaleString() : "") +
          (operation.message ? " · " + operation.message : "");
      });
      if (running) { window.setTimeout(tick, 2000); return; }
      if (root.querySelector("[data-reload-when-finished]")) {
        // A dry run finished: its results are drawn by the server, so load the page again.
        var here = new URL(window.location.href);
        here.searchParams.delete("notice");
        if (hasAppBridge()) {
          navigate(here);  // with a fresh id_token, so always a new load
        } else if (here.toString() !== window.location.href) {
          window.location.assign(here.toString());
        } else {
          window.location.reload();
        }
      }
    };
    window.setTimeout(tick, 1000);
  }

  /* --- Email preview: the real renderer's output in a sandboxed frame, live as one types --- */

  /* A form posted into the frame (a frame's document load cannot carry a header, so inside
     Shopify the session token rides in the URL, as on every document load). */
  var frameTickets = {};

  async function postIntoFrame(url, data, target) {
    var ticket = (frameTickets[target] || 0) + 1;
    frameTickets[target] = ticket;
    var frame = document.querySelector('iframe[name="' + target + '"]');
    if (frame) { frame.dataset.drafted = "1"; }  // the page-load src must not replace a draft
    var action = new URL(url, window.location.href);
    if (hasAppBridge()) { action.searchParams.set("id_token", await window.shopify.idToken()); }
    if (frameTickets[target] !== ticket) { return; }  // a newer draft is on its way
    var form = document.createElement("form");
    form.method = "post";
    form.action = action.toString();
    form.target = target;
    form.hidden = true;
    data.forEach(function (value, name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }

  function showProblems(form, problems) {
    ["subject", "body"].forEach(function (part) {
      var key = form.dataset.step + "." + part;
      var box = form.querySelector('[data-problems-for="' + key + '"]');
      if (!box) { return; }
      var found = (problems && problems[part]) || [];
      box.textContent = found.map(function (p) { return "Line " + p.line + ": " + p.message; })
        .join("; ");
      box.hidden = !found.length;
      box.closest(".field").classList.toggle("has-error", found.length > 0);
    });
  }

  var describeTickets = new WeakMap();

  async function describePreview(form) {
    var ticket = (describeTickets.get(form) || 0) + 1;
    describeTickets.set(form, ticket);
    var response = await adminFetch(form.dataset.previewUrl, {
      method: "POST", body: new FormData(form), headers: { Accept: "application/json" },
    });
    if (!response.ok) { return null; }
    var data = await response.json();
    if (describeTickets.get(form) !== ticket) { return null; }  // answers to older text
    var pane = document.getElementById("email-" + form.dataset.step);
    if (data.subject !== null) { pane.querySelector("[data-preview-subject]").textContent = data.subject; }
    pane.querySelector("[data-preview-source]").textContent = data.source === "customer"
      ? "· shown with " + data.customer_email + "'s data"
      : "· shown with a sample customer (your store has no matching data yet)";
    showProblems(form, data.problems);
    return data;
  }

  async function refreshPreview(form) {
    var data = await describePreview(form);
    if (data) { postIntoFrame(form.dataset.previewUrl, new FormData(form), form.dataset.previewFrame); }
  }

  var previewTimers = new WeakMap();
  document.addEventListener("input", function (event) {
    var form = event.target.closest("[data-preview-form]");
    if (!form || !event.target.hasAttribute("data-preview-input")) { return; }
    window.clearTimeout(previewTimers.get(form));
    previewTimers.set(form, window.setTimeout(function () {
      refreshPreview(form).catch(function (error) { console.error(error); });
    }, 400));
  });

  async function startPreviews(root) {
    var frames = root.querySelectorAll("iframe[data-preview-src]");
    for (var i = 0; i < frames.length; i++) {
      if (hasAppBridge()) {
        var url = new URL(frames[i].dataset.previewSrc, window.location.href);
        url.searchParams.set("id_token", await window.shopify.idToken());
        if (!frames[i].dataset.drafted) { frames[i].src = url.toString(); }
      }
    }
    root.querySelectorAll("[data-preview-form]").forEach(function (form) {
      describePreview(form).catch(function (error) { console.error(error); });
    });
  }

  function enhance(root) {
    showToast(root);
    pollProgress(root);
    startPreviews(root).catch(function (error) { console.error(error); });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
})();
