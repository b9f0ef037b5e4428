/* The countdown of a hold or a pending order: minutes and seconds left, from the server's clock (the page carries
 * the server's "now", so a wrong clock on the phone does not matter). At zero the buttons marked
 * data-disable-on-expiry are disabled and the page says so. */
(function () {
  "use strict";
  var el = document.getElementById("countdown");
  if (!el) { return; }
  var remainingAtLoad = (Number(el.dataset.expiresAt) - Number(el.dataset.now)) * 1000;
  var loadedAt = Date.now();
  function tick() {
    var left = Math.max(0, remainingAtLoad - (Date.now() - loadedAt));
    var seconds = Math.ceil(left / 1000);
    el.textContent = Math.floor(seconds / 60) + ":" + ("0" + (seconds % 60)).slice(-2);
    if (left <= 0) {
      document.getElementById("expired-text").hidden = false;
      Array.prototype.forEach.call(document.querySelectorAll("[data-disable-on-expiry]"), function (b) {
        b.disabled = true;
      });
      return;
    }
    setTimeout(tick, 250);
  }
  tick();
}());

/* A double click on "Pay" must not send the form twice (the second would find the hold already used). Forms
 * marked data-own-submit (the card form) handle this themselves. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form[method=post]:not([data-own-submit])"), function (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
}());
