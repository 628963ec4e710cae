/*
 * Agency Engine: partial page updates without a framework (docs/architecture.md).
 *
 *   data-get="/url" | data-post="/url"   on a link, button or form
 *   data-target="#id"                    element to update (default: the element itself)
 *   data-swap="outerHTML|innerHTML|beforeend|afterbegin"   (default outerHTML)
 *   data-trigger="click|change|input|submit|load|every 30s|notice|notice:offer"
 *                                        (default: submit for forms, click otherwise; "notice" fires when
 *                                        the server's event stream, /events, reports a notification)
 *   data-confirm="Question?"             ask first (also on ordinary forms)
 *   data-push-url                        put a GET's address in the history, so back and reload work
 *   data-countdown="<RFC 3339 time>"     the element's text counts down to that moment every second:
 *                                        "04:59", or "2 h 05 min" from an hour up. A screen reader
 *                                        hears it only at 5 min, 1 min and 0 left (a polite live region
 *                                        beside it); at zero the element gets the class
 *                                        "countdown-expired" and the text of data-countdown-expired
 *                                        (default "00:00"). data-countdown-now="<RFC 3339>" (the
 *                                        server's clock when the page was made) corrects a wrong
 *                                        clock in the browser. The server still enforces every deadline.
 *   data-show-when="field=value"         shown only while the form field named "field" has that value;
 *                                        "field=a|b" for several values, and several conditions
 *                                        separated by spaces show it when any one holds. The server
 *                                        renders the right state first (with hidden) and ignores the
 *                                        fields of a hidden part, so it works without this script.
 *   data-open-wide="64rem"               on a <details>: opened when the page loads on a screen at least
 *                                        that wide (a side panel on a desktop, a closed disclosure on a phone).
 *
 * Requests carry X-Partial: 1 and the page's CSRF token in X-CSRF-Token; the server answers with one
 * block of the page. Every page works without this script: links and forms do full loads.
 */
(function () {
  "use strict";

  var INPUT_DELAY_MS = 300;
  var inputTimers = new WeakMap();
  var intervals = new WeakMap();
  var inflight = new WeakMap();

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function triggersOf(el) {
    var t = el.getAttribute("data-trigger");
    if (t) return t.split(/\s+(?=[a-z])/).map(function (s) { return s.trim(); });
    return [el.tagName === "FORM" ? "submit" : "click"];
  }

  function hasTrigger(el, name) {
    return triggersOf(el).some(function (t) { return t === name || t.indexOf(name + " ") === 0; });
  }

  function targetOf(el) {
    var sel = el.getAttribute("data-target");
    return (sel && document.querySelector(sel)) || el;
  }

  function say(message, level) {
    var box = document.getElementById("flash");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "flash flash-" + (level || "error");
    p.textContent = message;
    box.appendChild(p);
  }

  function swapInto(target, how, html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var nodes = Array.prototype.slice.call(tpl.content.children);
    switch (how) {
      case "innerHTML": target.replaceChildren(tpl.content); break;
      case "beforeend": target.append(tpl.content); break;
      case "afterbegin": target.prepend(tpl.content); break;
      default: target.replaceWith(tpl.content);
    }
    nodes.forEach(activate);
  }

  function formQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      // Empty fields are left out, so addresses stay short and shareable.
      if (typeof value === "string" && value !== "" && key !== "csrf_token") params.append(key, value);
    });
    return params.toString();
  }

  function request(el) {
    var message = el.getAttribute("data-confirm");
    if (message && !window.confirm(message)) return Promise.resolve();
    var isForm = el.tagName === "FORM";
    var method = el.hasAttribute("data-post") ? "POST" : "GET";
    var url = el.getAttribute(method === "POST" ? "data-post" : "data-get") || (isForm ? el.action : el.href);
    var body = null;
    if (isForm && method === "GET") {
      var q = formQuery(el);
      url = url.split("?")[0] + (q ? "?" + q : "");
    } else if (isForm) {
      body = el.enctype === "multipart/form-data" ? new FormData(el) : new URLSearchParams(new FormData(el));
    } else if (method === "POST" && el.form) {
      // A button with its own data-post sends its form's fields (e.g. "try this rule" beside "save").
      body = el.form.enctype === "multipart/form-data" ? new FormData(el.form) : new URLSearchParams(new FormData(el.form));
    }
    var target = targetOf(el);
    var previous = inflight.get(target);
    if (previous) previous.abort();
    var controller = new AbortController();
    inflight.set(target, controller);
    target.setAttribute("aria-busy", "true");
    return fetch(url, {
      method: method,
      body: body,
      credentials: "same-origin",
      signal: controller.signal,
      headers: { "X-Partial": "1", "X-CSRF-Token": csrfToken(), "Accept": "text/html" }
    }).then(function (res) {
      // A redirect (for example to the sign-in page) means a whole new page.
      if (res.redirected) { window.location.assign(res.url); return; }
      return res.text().then(function (html) {
        if (!res.ok && res.status !== 422) {
          say(res.status === 403 ? "You cannot do that, or this page is out of date. Reload it and try again."
            : "That did not work (" + res.status + "). Please try again.");
          return;
        }
        swapInto(target, el.getAttribute("data-swap") || "outerHTML", html);
        if (method === "GET" && el.hasAttribute("data-push-url")) {
          window.history.pushState({ partial: true }, "", url);
        }
        document.dispatchEvent(new CustomEvent("ae:updated", { detail: { url: url } }));
      });
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      say("The connection failed. Check your network and try again.");
    }).finally(function () {
      if (inflight.get(target) === controller) inflight.delete(target);
      if (target.isConnected) target.removeAttribute("aria-busy");
      var fresh = el.getAttribute("data-target") && document.querySelector(el.getAttribute("data-target"));
      if (fresh) fresh.removeAttribute("aria-busy");
    });
  }

  function isPartial(el) {
    return el && (el.hasAttribute("data-get") || el.hasAttribute("data-post"));
  }

  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-get], [data-post]");
    if (!el || el.tagName === "FORM" || !hasTrigger(el, "click")) return;
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button === 1) return; // open in a new tab as usual
    e.preventDefault();
    request(el);
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!isPartial(form)) {
      var message = form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) e.preventDefault();
      return;
    }
    if (!hasTrigger(form, "submit")) return;
    e.preventDefault();
    request(form);
  });

  document.addEventListener("change", function (e) {
    var form = e.target.form || e.target.closest("[data-get], [data-post]");
    if (isPartial(form) && hasTrigger(form, "change") && e.target.type !== "search" && e.target.type !== "text") request(form);
  });

  document.addEventListener("input", function (e) {
    var form = e.target.form;
    if (!isPartial(form) || !hasTrigger(form, "input")) return;
    clearTimeout(inputTimers.get(form));
    inputTimers.set(form, setTimeout(function () { request(form); }, INPUT_DELAY_MS));
  });

  // "load" and "every Ns" triggers, on the page and on anything swapped in.
  function activate(root) {
    if (!(root instanceof Element)) return;
    var all = Array.prototype.slice.call(root.querySelectorAll("[data-trigger]"));
    if (root.hasAttribute("data-trigger")) all.unshift(root);
    all.forEach(function (el) {
      if (!isPartial(el)) return;
      triggersOf(el).forEach(function (t) {
        if (t === "load") request(el);
        var m = /^every\s+(\d+)(ms|s)$/.exec(t);
        if (m && !intervals.has(el)) {
          var ms = parseInt(m[1], 10) * (m[2] === "s" ? 1000 : 1);
          var id = setInterval(function () {
            if (!el.isConnected) { clearInterval(id); return; }
            if (!document.hidden) request(el);
          }, ms);
          intervals.set(el, id);
        }
      });
    });
  }

  // Live updates: the server's event stream says when a notification arrives for this person; the
  // badge shows the new count and elements with data-trigger="notice:<kind>" (or "notice") reload.
  //
  // A page in the browser's back/forward cache must not keep its stream open: over HTTP/1.1 the
  // browser has six connections per host, and after a few page views they would all be held by
  // pages nobody looks at. So the stream closes on "pagehide" and opens again on "pageshow". Tabs of
  // the same person share one stream: the tab holding the "ae-events" lock listens and passes each
  // notice on over a BroadcastChannel; when it goes away, a waiting tab takes the lock.
  function deliver(data) {
    if (typeof data.unread === "number") {
      document.querySelectorAll("[data-unread]").forEach(function (n) { n.textContent = String(data.unread); });
      document.querySelectorAll("[data-unread-box]").forEach(function (b) { b.hidden = data.unread === 0; });
    }
    document.querySelectorAll("[data-trigger]").forEach(function (t) {
      if (!isPartial(t)) return;
      if (hasTrigger(t, "notice") || hasTrigger(t, "notice:" + data.kind) || data.kind === "refresh" && triggersOf(t).some(function (x) { return x.indexOf("notice") === 0; })) request(t);
    });
  }

  var live = null; // { source, channel, release, abort } while this page listens

  function openStream(url, onNotice) {
    var source = new EventSource(url);
    // On (re)connecting the server sends the unread count alone.
    source.addEventListener("unread", function (e) {
      try { onNotice({ kind: "unread", unread: JSON.parse(e.data).unread }); } catch (_) { /* ignore */ }
    });
    source.addEventListener("notice", function (e) {
      var data = {};
      try { data = JSON.parse(e.data); } catch (_) { /* a refresh with no details */ }
      onNotice(data);
    });
    return source;
  }

  function listen() {
    var el = document.querySelector("[data-events]");
    if (live || !el || !window.EventSource) return;
    var url = el.getAttribute("data-events");
    var state = { source: null, channel: null, release: null, abort: null };
    live = state;
    if (!window.BroadcastChannel || !navigator.locks || !window.AbortController) {
      state.source = openStream(url, deliver);
      return;
    }
    var name = "ae-events:" + (el.getAttribute("data-events-user") || "") + ":" + url;
    state.channel = new BroadcastChannel(name);
    state.channel.onmessage = function (e) { deliver(e.data || {}); };
    state.abort = new AbortController();
    var held = new Promise(function (resolve) { state.release = resolve; });
    navigator.locks.request(name, { signal: state.abort.signal }, function () {
      if (live !== state) return null; // put away before the lock came
      state.source = openStream(url, function (data) {
        deliver(data);
        if (state.channel) state.channel.postMessage(data);
      });
      return held;
    }).catch(function () { /* the request was abandoned on pagehide */ });
  }

  function stopListening() {
    var state = live;
    live = null;
    if (!state) return;
    if (state.source) state.source.close();
    if (state.channel) state.channel.close();
    if (state.abort) state.abort.abort();
    if (state.release) state.release();
  }

  window.addEventListener("pagehide", stopListening);
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    listen();
    // Whatever arrived while the page was put away: the live parts catch up (the stream's first
    // frame brings the unread count).
    deliver({ kind: "refresh" });
  });

  // ---- Countdowns: data-countdown (see the header) ----------------------------------------------
  function startCountdowns(root) {
    var THRESHOLDS = [300, 60, 0]; // seconds left at which a screen reader is told
    var all = Array.prototype.slice.call(root.querySelectorAll("[data-countdown]"));
    if (root.matches && root.matches("[data-countdown]")) all.unshift(root);
    all.forEach(function (el) {
      if (el.hasAttribute("data-countdown-started")) return;
      var deadline = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(deadline)) return;
      el.setAttribute("data-countdown-started", "");
      var serverNow = Date.parse(el.getAttribute("data-countdown-now") || "");
      var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
      var live = document.createElement("span");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      el.insertAdjacentElement("afterend", live);
      var told = {};
      function two(n) { return (n < 10 ? "0" : "") + n; }
      function text(left) {
        if (left >= 3600) return Math.floor(left / 3600) + " h " + two(Math.floor(left % 3600 / 60)) + " min";
        return two(Math.floor(left / 60)) + ":" + two(left % 60);
      }
      function tick() {
        var left = Math.max(0, Math.ceil((deadline - (Date.now() + skew)) / 1000));
        if (left === 0) {
          el.textContent = el.getAttribute("data-countdown-expired") || "00:00";
          el.classList.add("countdown-expired");
        } else {
          el.textContent = text(left);
        }
        THRESHOLDS.forEach(function (t) {
          if (left <= t && !told[t]) {
            told[t] = true;
            // Only a threshold crossed while the page is open is announced, not the one it opened in.
            if (started) live.textContent = left === 0 ? el.textContent : text(left) + " left";
          }
        });
        started = true;
        if (left === 0 || !el.isConnected) { clearInterval(timer); if (!el.isConnected) live.remove(); }
      }
      var started = false;
      var timer = setInterval(tick, 1000);
      tick();
    });
  }

  // ---- Parts of a form that follow a choice: data-show-when (see the header) ---------------------
  function fieldValues(form, name) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (f) {
      if (f.name !== name || f.disabled) return;
      if ((f.type === "checkbox" || f.type === "radio") && !f.checked) return;
      if (f.tagName === "SELECT" && f.multiple) {
        Array.prototype.forEach.call(f.selectedOptions, function (o) { values.push(o.value); });
      } else {
        values.push(f.value);
      }
    });
    return values;
  }

  function applyShowWhen(root) {
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      var form = el.closest("form");
      if (!form) return;
      var show = el.getAttribute("data-show-when").trim().split(/\s+/).some(function (cond) {
        var eq = cond.indexOf("=");
        if (eq < 1) return false;
        var wanted = cond.slice(eq + 1).split("|");
        return fieldValues(form, cond.slice(0, eq)).some(function (v) { return wanted.indexOf(v) >= 0; });
      });
      el.hidden = !show;
    });
  }

  document.addEventListener("change", function (e) {
    if (e.target.form) applyShowWhen(e.target.form);
  });
  document.addEventListener("ae:updated", function () { applyShowWhen(document); startCountdowns(document.body); });
  function openWhenWide() {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) {
      if (window.matchMedia("(min-width: " + d.getAttribute("data-open-wide") + ")").matches) d.open = true;
    });
  }
  function startOwnBehaviours() { applyShowWhen(document); startCountdowns(document.body); openWhenWide(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startOwnBehaviours);
  else startOwnBehaviours();

  window.addEventListener("popstate", function (e) {
    if (e.state && e.state.partial) window.location.reload();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { activate(document.body); listen(); });
  } else {
    activate(document.body);
    listen();
  }
  window.history.replaceState({ partial: true }, "", window.location.href);
})();
