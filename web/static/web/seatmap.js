/* The seat map: choose seats with mouse, touch or keyboard, and keep the map live.
 *
 * Keyboard: the map is one tab stop (roving tabindex, as in the WAI-ARIA grid pattern); the arrow keys move
 * between seats, Home/End to the row's ends, Space or Enter chooses. Each seat's accessible name says row, seat,
 * category, price and state; its state is also drawn with a symbol, never with colour alone.
 *
 * Live: the page polls the show's seat state (ETag / 304, see web/live.py) every data-poll-ms and redraws the
 * seats whose state changed; a chosen seat that someone else takes is unchosen and announced. Polling pauses
 * while the tab is hidden.
 */
(function () {
  "use strict";
  var map = document.getElementById("seat-map");
  if (!map) { return; }
  var seats = Array.prototype.slice.call(map.querySelectorAll("button.seat"));
  var bySeat = {};
  seats.forEach(function (b) { bySeat[b.dataset.seat] = b; });
  var form = document.getElementById("hold-form");
  var holdButton = document.getElementById("hold-button");
  var selection = document.getElementById("selection");
  var announcer = document.getElementById("announcer");
  var availability = document.getElementById("availability");
  var maxSeats = parseInt(map.dataset.maxSeats, 10) || 10;
  var closed = map.dataset.closed === "1";
  var pollMs = parseInt(map.dataset.pollMs, 10) || 1000;
  var etag = null;

  function text(id) { var t = document.getElementById(id); return t ? t.content.textContent.trim() : ""; }
  function stateName(state) { return map.getAttribute("data-state-" + state) || state; }
  function chosen() { return seats.filter(function (b) { return b.getAttribute("aria-pressed") === "true"; }); }

  function describe(button) {
    var state = button.getAttribute("aria-pressed") === "true" ? "selected" : button.dataset.state;
    button.setAttribute("aria-label", button.dataset.name + ", " + stateName(state));
  }

  function setState(button, state) {
    button.classList.remove("state-" + button.dataset.state);
    button.dataset.state = state;
    button.classList.add("state-" + state);
    if (state !== "free" || closed) { button.setAttribute("aria-disabled", "true"); }
    else { button.removeAttribute("aria-disabled"); }
    describe(button);
  }

  function updateSummary() {
    var list = chosen();
    if (list.length === 0) {
      selection.textContent = text("no-selection-text");
    } else {
      selection.textContent = text("selection-text").replace("%(seats)s",
        list.map(function (b) { return b.dataset.label; }).join(", "));
    }
    if (holdButton) { holdButton.disabled = list.length === 0; }
  }

  function toggle(button) {
    if (button.getAttribute("aria-disabled") === "true") { return; }
    var on = button.getAttribute("aria-pressed") !== "true";
    if (on && chosen().length >= maxSeats) {
      announcer.textContent = map.dataset.limitMessage;
      return;
    }
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.classList.toggle("state-selected", on);
    describe(button);
    updateSummary();
  }

  // Roving tabindex: exactly one seat is in the tab order; start at the first free one.
  var current = seats.filter(function (b) { return b.dataset.state === "free"; })[0] || seats[0];
  if (current) { current.tabIndex = 0; }
  function focusSeat(button) {
    if (!button) { return; }
    if (current) { current.tabIndex = -1; }
    current = button;
    current.tabIndex = 0;
    current.focus();
  }
  function seatAt(row, col, step) {
    // The nearest seat in that row from `col` in direction `step` (gaps are skipped).
    var candidates = seats.filter(function (b) { return +b.dataset.row === row; });
    if (!candidates.length) { return null; }
    var best = null;
    candidates.forEach(function (b) {
      var c = +b.dataset.col;
      if (step === 0) {
        if (!best || Math.abs(c - col) < Math.abs(+best.dataset.col - col)) { best = b; }
      } else if ((step > 0 && c > col) || (step < 0 && c < col)) {
        if (!best || Math.abs(c - col) < Math.abs(+best.dataset.col - col)) { best = b; }
      }
    });
    return best;
  }
  map.addEventListener("keydown", function (event) {
    var b = event.target.closest("button.seat");
    if (!b) { return; }
    var row = +b.dataset.row, col = +b.dataset.col, target = null;
    switch (event.key) {
      case "ArrowRight": target = seatAt(row, col, 1); break;
      case "ArrowLeft": target = seatAt(row, col, -1); break;
      case "ArrowDown": target = seatAt(row + 1, col, 0); break;
      case "ArrowUp": target = seatAt(row - 1, col, 0); break;
      case "Home": target = seatAt(row, -1, 1); break;
      case "End": target = seatAt(row, 1e6, -1); break;
      default: return;
    }
    event.preventDefault();
    focusSeat(target);
  });
  map.addEventListener("click", function (event) {
    var b = event.target.closest("button.seat");
    if (!b) { return; }
    if (b !== current) { focusSeat(b); }
    toggle(b);
  });

  if (form) {
    form.addEventListener("submit", function () {
      Array.prototype.slice.call(form.querySelectorAll("input[name=seat]")).forEach(function (i) { i.remove(); });
      chosen().forEach(function (b) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "seat"; input.value = b.dataset.seat;
        form.appendChild(input);
      });
    });
  }

  function apply(stateData) {
    var taken = {};
    stateData.booked.forEach(function (n) { taken[n] = "booked"; });
    stateData.held.forEach(function (n) { taken[n] = "held"; });
    (stateData.blocked || []).forEach(function (n) { taken[n] = "blocked"; });
    var lost = [];
    seats.forEach(function (b) {
      var state = taken[b.dataset.seat] || "free";
      if (state === b.dataset.state) { return; }
      if (state !== "free" && b.getAttribute("aria-pressed") === "true") {
        b.setAttribute("aria-pressed", "false");
        b.classList.remove("state-selected");
        lost.push(b.dataset.label);
      }
      setState(b, state);
    });
    if (lost.length) {
      announcer.textContent = map.dataset.takenMessage.replace("%(seat)s", lost.join(", "));
      updateSummary();
    }
    var count = stateData.available_seats;
    availability.textContent = count === 1 ? text("availability-text-one")
      : text("availability-text-many").replace("%(count)s", count);
  }

  function poll() {
    if (document.hidden) { setTimeout(poll, pollMs); return; }
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(map.dataset.stateUrl, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 200) {
          etag = response.headers.get("ETag");
          return response.json().then(apply);
        }
        return null;
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { setTimeout(poll, pollMs); });
  }
  seats.forEach(describe);
  updateSummary();
  setTimeout(poll, pollMs);
}());
