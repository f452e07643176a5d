// Saves the subsidy application as the office types, and shows the grant the server computes.
// Without JavaScript the form's own buttons do the same (下書きを保存 / 申請する).
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form || !window.fetch) { return; }
  var url = form.dataset.autosaveUrl;
  var status = document.getElementById("autosave-status");
  var timer = null, inFlight = false, pending = false, dirty = false;
  var AMOUNTS = ["limit_amount", "eligible_cost", "grant_amount"];

  function data() {
    var body = new FormData(form);
    body.delete("receipt");
    body.delete("action");
    return body;
  }

  function show(text) { status.textContent = text; }

  function render(result) {
    var calc = result.calculation;
    Object.keys(calc).forEach(function (key) {
      document.querySelectorAll('[data-calc="' + key + '"]').forEach(function (el) {
        el.textContent = AMOUNTS.indexOf(key) >= 0 ? Number(calc[key]).toLocaleString("ja-JP") : calc[key];
      });
    });
    var over = document.querySelector("[data-calc-over]");
    if (over) { over.hidden = !calc.readers_over_cap; }
    document.querySelectorAll("[data-error-for]").forEach(function (list) {
      var messages = result.errors[list.dataset.errorFor] || [];
      list.innerHTML = "";
      messages.forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
      list.hidden = messages.length === 0;
      var input = form.elements[list.dataset.errorFor];
      if (input) { input.setAttribute("aria-invalid", messages.length ? "true" : "false"); }
    });
    var missing = document.getElementById("missing"), missingList = document.getElementById("missing-list");
    if (missing && missingList) {
      missingList.innerHTML = "";
      result.missing.forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        missingList.appendChild(item);
      });
      missing.hidden = result.missing.length === 0;
    }
    Object.keys(result.normalized).forEach(function (name) {
      var input = form.elements[name];
      // Show what will be stored (half-width kana, digits), but never under the person's cursor.
      if (input && input !== document.activeElement && input.value !== result.normalized[name]) {
        input.value = result.normalized[name];
      }
    });
  }

  function save() {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    dirty = false;
    show("保存しています…");
    fetch(url, {
      method: "POST", body: data(), credentials: "same-origin",
      headers: {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (!result.ok) {
        show(result.body.error ? result.body.error.message : "保存できませんでした。");
        return;
      }
      render(result.body);
      show("下書きを自動保存しました（" + result.body.saved_at_text + "）。");
    }).catch(function () {
      dirty = true;
      show("自動保存できませんでした。通信状況を確かめて「下書きを保存」を押してください。");
    }).finally(function () {
      inFlight = false;
      if (pending) { pending = false; save(); }
    });
  }

  function later() {
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 800);
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "file") { later(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") { window.clearTimeout(timer); save(); }
  });
  form.addEventListener("submit", function () { window.clearTimeout(timer); dirty = false; });
  // Leaving the page with unsaved typing: send it anyway, so nothing half-filled is lost.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && navigator.sendBeacon) {
      window.clearTimeout(timer);
      dirty = false;
      navigator.sendBeacon(url, data());
    }
  });
})();
