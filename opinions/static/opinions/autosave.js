// Saves the opinion draft as the doctor types: a quiet POST of the whole form (action=autosave) a moment
// after the last change. Without JavaScript the section buttons save the draft the same way.
(function () {
  const form = document.getElementById("opinion-form");
  const status = document.getElementById("autosave-status");
  if (!form || !status || !window.fetch) return;
  let timer = null;
  function save() {
    const data = new FormData(form);
    data.set("action", "autosave");
    fetch(window.location.href, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) { status.textContent = "下書きを自動保存しました（" + body.saved_at + "）。"; })
      .catch(function () { status.textContent = "下書きを自動保存できませんでした。「下書き保存」ボタンで保存してください。"; });
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 1500); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 800); });
  form.addEventListener("submit", function () { clearTimeout(timer); });
})();
