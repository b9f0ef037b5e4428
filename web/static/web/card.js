/* Paying by card with Stripe.js (loaded from STRIPE_JS_URL before this file).
 *
 * The card Element sends the card to Stripe, which answers with a token (`stripe.createToken`); only the token
 * comes to our server, which pays the order's PaymentIntent with it and checks the outcome with Stripe itself
 * (orders.services.order_pay_with_card). When the bank wants 3D Secure, the server sends the page back with the
 * check form: `stripe.confirmCardPayment(client_secret)` runs the bank's step, then the server checks again. */
(function () {
  "use strict";
  var cardForm = document.getElementById("card-form");
  var checkForm = document.getElementById("check-form");
  var form = cardForm || checkForm;
  if (!form) { return; }
  if (typeof window.Stripe !== "function") {
    var errors = document.getElementById("card-errors");
    if (errors) { errors.textContent = form.dataset.genericError || ""; }
    return;
  }
  var stripe = window.Stripe(form.dataset.publishableKey);

  if (checkForm) {
    var checkButton = document.getElementById("check-button");
    checkButton.disabled = true;
    stripe.confirmCardPayment(checkForm.dataset.clientSecret).then(function () {
      // Whatever the browser was told, the server asks Stripe.
      checkForm.submit();
    }, function () { checkButton.disabled = false; });
    return;
  }

  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var button = document.getElementById("card-button");
  var errorText = document.getElementById("card-errors");
  var sending = false;

  function fail(message) {
    errorText.textContent = message || cardForm.dataset.genericError;
    button.disabled = false;
    sending = false;
  }

  cardForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) { return; }
    sending = true;
    button.disabled = true;
    errorText.textContent = "";
    Promise.resolve().then(function () { return stripe.createToken(card); }).then(function (result) {
      if (!result || result.error || !result.token) {
        fail(result && result.error && result.error.message);
        return;
      }
      cardForm.elements.card_token.value = result.token.id;
      cardForm.submit();  // a programmatic submit: this handler does not run again
    }, function () { fail(); });
  });
}());
