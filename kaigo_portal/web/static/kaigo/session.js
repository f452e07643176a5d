// Warns before the idle sign-out (KAIGO_SESSION_IDLE_SECONDS) and lets the user stay signed in.
(function () {
  "use strict";
  var dialog = document.getElementById("session-warning");
  if (!dialog) { return; }
  var idle = Number(dialog.dataset.idleSeconds);
  var warning = Number(dialog.dataset.warningSeconds);
  var remaining = document.getElementById("session-remaining");
  var deadline, timer;

  function reset() {
    deadline = Date.now() + idle * 1000;
    if (dialog.open) { dialog.close(); }
  }
  function tick() {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) {
      window.clearInterval(timer);
      window.location.reload();  // the server ends the session and shows the sign-in page
      return;
    }
    if (left <= warning) {
      remaining.textContent = Math.floor(left / 60) + "分" + (left % 60) + "秒";
      if (!dialog.open) { dialog.showModal(); document.getElementById("session-stay").focus(); }
    }
  }
  document.getElementById("session-stay").addEventListener("click", function () {
    fetch(dialog.dataset.keepaliveUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": dialog.dataset.csrfToken}
    }).then(function (response) {
      if (response.ok) { reset(); } else { window.location.reload(); }
    });
  });
  reset();
  timer = window.setInterval(tick, 1000);
})();
