/* The door scanner: the phone's camera reads a ticket's QR code, the server admits it (tickets.services.checkin),
 * and the whole screen says green "Admit" or red "Do not admit" with the reason, the seat, the ticket type and the
 * show. A typed code works the same way.
 *
 * Decoding: the browser's BarcodeDetector where it exists (Android's Chrome), else jsQR (Apache-2.0, shipped in
 * vendor/jsqr, loaded only when needed) on frames drawn to a canvas. After an answer the scanner pauses for
 * data-result-ms (or until a tap), then reads again: the same ticket shown again is answered again ("already used
 * at 19:02"), which is what the usher should see.
 */
(function () {
  "use strict";
  var root = document.getElementById("door-scanner");
  if (!root) { return; }
  var video = document.getElementById("door-video");
  var cameraButton = document.getElementById("door-camera");
  var cameraError = document.getElementById("door-camera-error");
  var form = document.getElementById("door-form");
  var input = document.getElementById("door-code");
  var result = document.getElementById("door-result");
  var counts = document.getElementById("door-counts");
  var resultMs = parseInt(root.dataset.resultMs, 10) || 2500;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var busy = false;
  var showingUntil = 0;
  var hideTimer = null;
  var decode = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  function text(id) { return document.getElementById(id).content.textContent.trim(); }
  function setText(id, value) {
    var node = document.getElementById(id);
    node.textContent = value || "";
    node.hidden = !value;
  }

  function hideResult() {
    result.hidden = true;
    showingUntil = 0;
    if (hideTimer) { clearTimeout(hideTimer); hideTimer = null; }
  }
  result.addEventListener("click", hideResult);

  function show(answer) {
    result.classList.toggle("admitted", answer.admitted);
    result.classList.toggle("refused", !answer.admitted);
    result.dataset.outcome = answer.admitted ? "admitted" : "refused";
    setText("door-symbol", answer.admitted ? "✔" : "✖");
    setText("door-verdict", text(answer.admitted ? "door-admitted-text" : "door-refused-text"));
    setText("door-reason", answer.reason);
    setText("door-seat", answer.seat ? text("door-seat-text").replace("%(seat)s", answer.seat) : "");
    setText("door-type", answer.type);
    setText("door-show-text", answer.show);
    result.hidden = false;
    result.focus();
    if (answer.checked_in !== undefined && counts) {
      counts.textContent = root.dataset.countsText.replace("%(admitted)s", answer.checked_in)
        .replace("%(expected)s", answer.expected);
    }
    showingUntil = Date.now() + resultMs;
    hideTimer = setTimeout(hideResult, resultMs);
  }

  function check(code) {
    code = (code || "").trim();
    if (!code || busy) { return; }
    busy = true;
    fetch(root.dataset.checkinUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ code: code, show_id: root.dataset.showId })
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(show).catch(function () {
      show({ admitted: false, reason: root.dataset.networkError });
    }).then(function () { busy = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    check(input.value);
    input.value = "";
  });

  function useJsQr() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(); return; }
      var script = document.createElement("script");
      script.src = root.dataset.decoderUrl;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    }).then(function () {
      decode = function () {
        var width = video.videoWidth, height = video.videoHeight;
        if (!width || !height) { return Promise.resolve(null); }
        canvas.width = width; canvas.height = height;
        context.drawImage(video, 0, 0, width, height);
        var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                                { inversionAttempts: "dontInvert" });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }

  function chooseDecoder() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) { return useJsQr(); }
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        decode = function () {
          return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
        return null;
      }, useJsQr);
    }
    return useJsQr();
  }

  function scan() {
    var waiting = busy || Date.now() < showingUntil || !decode || video.readyState < 2;
    (waiting ? Promise.resolve(null) : decode()).then(function (code) {
      if (code) { check(code); }
    }).catch(function () { /* a frame that could not be read: the next one may */ })
      .then(function () { setTimeout(scan, 150); });
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setText("door-camera-error", root.dataset.cameraError);
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        cameraButton.hidden = true;
        setText("door-camera-error", "");
        return video.play();
      })
      .then(chooseDecoder)
      .then(function () {
        if (root.dataset.scanning === "1") { return; }
        root.dataset.scanning = "1";
        scan();
      })
      .catch(function () { setText("door-camera-error", root.dataset.cameraError); });
  }
  cameraButton.addEventListener("click", startCamera);
  startCamera();

  var showSelect = document.getElementById("door-show");
  if (showSelect) { showSelect.addEventListener("change", function () { showSelect.form.submit(); }); }
}());
