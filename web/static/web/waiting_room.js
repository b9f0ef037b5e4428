/* The waiting room: shows the countdown to the opening, then the place in the queue and the estimated wait, by
 * polling the page's status URL (JSON); when the visitor's turn comes the server has set the pass cookie, and the
 * page goes on to the seat map. The place is the server's: a reload or a second tab shows the same one. */
(function () {
  "use strict";
  var room = document.getElementById("waiting-room");
  if (!room) { return; }
  var pollMs = Number(room.dataset.pollMs) || 3000;
  var sections = ["before", "waiting", "admitted", "expired"];
  var waitAtUpdate = null;
  var updatedAt = Date.now();

  function show(name) {
    sections.forEach(function (s) { document.getElementById("queue-" + s).hidden = (s !== name); });
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h > 0 && m < 10 ? "0" : "") + m;
    return (h > 0 ? h + ":" : "") + mm + ":" + ("0" + s).slice(-2);
  }

  function render(state) {
    room.dataset.status = state.status;
    if (state.status === "admitted") {
      show("admitted");
      window.location.assign(room.dataset.nextUrl);
      return;
    }
    if (state.status === "expired") { show("expired"); return; }
    waitAtUpdate = state.estimated_wait_seconds;
    updatedAt = Date.now();
    if (!state.opened) {
      show("before");
    } else {
      show("waiting");
      document.getElementById("queue-position").textContent = state.position;
    }
    tick();
  }

  function tick() {
    if (waitAtUpdate === null) { return; }
    var left = waitAtUpdate - (Date.now() - updatedAt) / 1000;
    document.getElementById("queue-countdown").textContent = clock(left);
    document.getElementById("queue-wait").textContent = clock(left);
  }

  function poll() {
    fetch(room.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        document.getElementById("queue-unavailable").hidden = true;
        render(state);
        if (state.status !== "admitted" && state.status !== "expired") { setTimeout(poll, pollMs); }
      })
      .catch(function () {
        document.getElementById("queue-unavailable").hidden = false;
        setTimeout(poll, pollMs * 2);
      });
  }

  if (room.dataset.status === "waiting") {
    render({ status: "waiting", opened: room.dataset.opened === "1", position: room.dataset.position,
             estimated_wait_seconds: Number(room.dataset.wait) });
  }
  setInterval(tick, 500);
  setTimeout(poll, room.dataset.status === "waiting" ? pollMs : 0);
}());
