// Polls the job's progress while it runs and reloads the page when it has finished.
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = document.getElementById("import-bar");
  var phase = document.getElementById("import-phase");
  var labels = {queued: "開始を待っています", validate: "検証しています", check: "照合しています", apply: "登録しています"};
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.finished) { window.location.reload(); return; }
        if (data.total) { bar.max = data.total; }
        bar.value = data.done || 0;
        phase.textContent = (labels[data.phase] || "処理しています") + "：" + (data.done || 0) + " 行";
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
