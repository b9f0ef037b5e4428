/* The seat map: choose seats with mouse, touch or keyboard, and keep the map live.
 *
 * Keyboard: the map is one tab stop (roving tabindex, as in the WAI-ARIA grid pattern); the arrow keys move
 * between seats, Home/End to the row's ends, Space or Enter chooses. Each seat's accessible name says row, seat,
 * category, price and state; its state is also drawn with a symbol, never with colour alone.
 *
 * Live: the page polls the show's seat state (ETag / 304, see web/live.py) every data-poll-ms and redraws the
 * seats whose state changed; a chosen seat that someone else takes is unchosen and announced. Polling pauses
 * while the tab is hidden.
 *
 * Texts: every word comes translated from the page (the "seat-texts" JSON the server wrote from its catalogue);
 * this script only fills in seats, counts and amounts (amounts in the page's language with Intl, as the server's
 * CLDR formatting does).
 *
 * Ticket types: when the show sells more than Adult, the page carries the "ticket-types" JSON (the types each seat
 * category offers that the film's certificate allows, named in the page's language, with their prices: from
 * core.selectors.ticket_type_choices). Each chosen seat is then listed with a choice of its category's types,
 * Adult first; the choice is a field of the form ("ticket_type_<seat>") and the total follows it. A show that sells
 * only Adult has no such JSON and the summary is the categories' subtotals, as before.
 *
 * Signing in: the chosen seats ride along in the log-in and sign-up links' "next" address (?seats=25,26), and the
 * page chooses them again on the way back if they are still free (docs/decisions).
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
  var texts = JSON.parse(document.getElementById("seat-texts").textContent);
  var subtotals = document.getElementById("subtotals");
  var runningTotal = document.getElementById("running-total");
  var typeList = document.getElementById("seat-types");
  var typeData = document.getElementById("ticket-types");
  typeData = typeData ? JSON.parse(typeData.textContent) : null;
  var typeNames = {};
  if (typeData) { typeData.types.forEach(function (t) { typeNames[t.code] = t; }); }
  var typeOf = {};  // seat number -> the chosen type's code (Adult when not chosen)
  var moneyFormat = null;
  try {
    moneyFormat = new Intl.NumberFormat(map.dataset.locale, { style: "currency", currency: map.dataset.currency });
  } catch (e) { moneyFormat = null; }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, name) { return name in values ? values[name] : all; });
  }
  function money(cents) {
    var amount = cents / 100;
    return moneyFormat ? moneyFormat.format(amount) : amount.toFixed(2) + " " + map.dataset.currency;
  }
  function seatType(button) {
    var offered = typeData ? typeData.prices[button.dataset.cat] || {} : {};
    var code = typeOf[button.dataset.seat];
    return code && code in offered ? code : "adult";
  }
  function priceText(button) {
    if (typeData) {
      var offered = typeData.prices[button.dataset.cat] || {};
      return offered[seatType(button)];
    }
    return button.dataset.price;
  }
  function cents(button) { return Math.round(parseFloat(priceText(button)) * 100); }
  function stateName(state) { return texts.states[state] || state; }
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

  function typeName(code) { return typeNames[code] ? typeNames[code].name : code; }

  // One line per chosen seat with its types (only on a show that sells more than Adult). Redrawn when the seats
  // change, not when a type does, so the choice being made keeps the focus.
  function drawTypeList(list) {
    if (!typeList) { return; }
    typeList.textContent = "";
    if (!typeData) { return; }
    list.forEach(function (b) {
      var offered = typeData.prices[b.dataset.cat] || {};
      var li = document.createElement("li");
      var id = "ticket-type-" + b.dataset.seat;
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = fill(texts.seat_type, { seat: b.dataset.label });
      var select = document.createElement("select");
      select.id = id;
      select.name = "ticket_type_" + b.dataset.seat;
      select.dataset.seat = b.dataset.seat;
      typeData.types.forEach(function (t) {
        if (!(t.code in offered)) { return; }
        var option = document.createElement("option");
        option.value = t.code;
        option.textContent = fill(t.proof_required ? texts.type_option_proof : texts.type_option,
                                  { type: t.name, amount: money(Math.round(parseFloat(offered[t.code]) * 100)) });
        option.selected = t.code === seatType(b);
        select.appendChild(option);
      });
      li.appendChild(label);
      li.appendChild(select);
      typeList.appendChild(li);
    });
  }
  if (typeList) {
    typeList.addEventListener("change", function (event) {
      var select = event.target.closest("select");
      if (!select) { return; }
      typeOf[select.dataset.seat] = select.value;
      updateTotals(chosen());
    });
  }

  function updateTotals(list) {
    if (subtotals) { subtotals.textContent = ""; }
    if (runningTotal) { runningTotal.textContent = ""; }
    if (list.length === 0) { return; }
    // The running total, per category (per ticket type on a show that sells several) in the order first chosen.
    var order = [], groups = {}, total = 0, priced = true;
    list.forEach(function (b) {
      var name = typeData ? typeName(seatType(b)) : b.dataset.category;
      if (!(name in groups)) { groups[name] = { count: 0, cents: 0 }; order.push(name); }
      groups[name].count += 1;
      if (priceText(b) === undefined) { priced = false; return; }
      groups[name].cents += cents(b);
      total += cents(b);
    });
    if (!priced) { return; }
    if (subtotals) {
      order.forEach(function (name) {
        var li = document.createElement("li");
        li.textContent = fill(texts.subtotal, { count: groups[name].count, category: name,
                                                amount: money(groups[name].cents) });
        subtotals.appendChild(li);
      });
    }
    if (runningTotal) { runningTotal.textContent = fill(texts.total, { amount: money(total) }); }
  }

  function updateSummary() {
    var list = chosen();
    if (list.length === 0) {
      selection.textContent = texts.none;
    } else {
      selection.textContent = fill(texts.chosen, { seats: list.map(function (b) { return b.dataset.label; }).join(", ") });
    }
    drawTypeList(list);
    updateTotals(list);
    if (holdButton) { holdButton.disabled = list.length === 0; }
    keepSeatsInLinks(list);
  }

  function keepSeatsInLinks(list) {
    var numbers = list.map(function (b) { return b.dataset.seat; }).join(",");
    Array.prototype.slice.call(document.querySelectorAll("a.keeps-seats")).forEach(function (link) {
      var url = new URL(link.href, window.location.href);
      var next = new URL(url.searchParams.get("next") || window.location.pathname, window.location.href);
      if (numbers) { next.searchParams.set("seats", numbers); } else { next.searchParams.delete("seats"); }
      url.searchParams.set("next", next.pathname + next.search);
      link.href = url.pathname + url.search;
    });
  }

  function toggle(button) {
    if (button.getAttribute("aria-disabled") === "true") { return; }
    var on = button.getAttribute("aria-pressed") !== "true";
    if (on && chosen().length >= maxSeats) {
      announcer.textContent = texts.limit;
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
      announcer.textContent = fill(texts.taken, { seat: lost.join(", ") });
      updateSummary();
    }
    var count = stateData.available_seats;
    availability.textContent = count === 1 ? texts.free_one : fill(texts.free_many, { count: count });
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
  // Seats chosen before signing in (?seats=), chosen again if still free.
  (map.dataset.preselected || "").split(",").forEach(function (n) {
    var b = bySeat[n];
    if (b && b.dataset.state === "free" && !closed && chosen().length < maxSeats) {
      b.setAttribute("aria-pressed", "true");
      b.classList.add("state-selected");
      describe(b);
    }
  });
  updateSummary();
  setTimeout(poll, pollMs);
  map.dataset.ready = "1";  // the map answers clicks from now on (tests wait for it)
}());
