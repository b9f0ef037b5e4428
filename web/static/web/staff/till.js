/* The box-office till: keyboard shortcuts over the customers' seat map (web/seatmap.js does the map itself).
 *
 * C sells the chosen seats paid in cash, K paid by card on the cinema's terminal, E goes to the e-mail field,
 * S to the show list, R to the refund field, P prints the last sale's tickets, M (or Escape) goes back to the
 * map. Letters typed into a field stay in the field. The page lists the keys for the cashier.
 */
(function () {
  "use strict";
  var map = document.getElementById("seat-map");
  var form = document.getElementById("hold-form");
  var cash = document.getElementById("hold-button");
  var card = document.getElementById("pay-card");
  var showSelect = document.getElementById("till-show");

  function focusMap() {
    if (!map) { return; }
    var seat = map.querySelector("button.seat[tabindex='0']") || map.querySelector("button.seat");
    if (seat) { seat.focus(); }
  }
  function chosenCount() {
    return map ? map.querySelectorAll("button.seat[aria-pressed='true']").length : 0;
  }
  function sell(button) {
    if (!form || !button || chosenCount() === 0) { return; }
    form.requestSubmit(button);
  }
  function syncCard() {
    if (card) { card.disabled = chosenCount() === 0; }
  }

  if (showSelect) {
    showSelect.addEventListener("change", function () { showSelect.form.submit(); });
  }
  if (map) {
    map.addEventListener("click", function () { setTimeout(syncCard, 0); });
    map.addEventListener("keyup", syncCard);
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (!window.confirm(f.dataset.confirm)) { event.preventDefault(); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target.matches("input, select, textarea");
    if (event.key === "Escape") { event.preventDefault(); focusMap(); return; }
    if (typing) { return; }
    var key = event.key.toLowerCase();
    var actions = {
      c: function () { sell(cash); },
      k: function () { sell(card); },
      e: function () { var f = document.getElementById("till-email"); if (f) { f.focus(); } },
      s: function () { if (showSelect) { showSelect.focus(); } },
      r: function () { document.getElementById("refund-order").focus(); },
      p: function () { var p = document.getElementById("print-ticket"); if (p) { p.click(); } },
      m: focusMap
    };
    if (actions[key]) { event.preventDefault(); actions[key](); }
  });

  // In the e-mail field, Enter sells for cash (the common case) rather than submitting with the first button.
  var email = document.getElementById("till-email");
  if (email) {
    email.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); sell(cash); }
    });
  }

  syncCard();
  var print = document.getElementById("print-ticket");
  if (print) { print.focus(); } else { focusMap(); }
}());
