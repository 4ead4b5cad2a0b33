/* The check-in page: a typed code or name, or the camera (BarcodeDetector where the browser can read QR codes
   with it, the vendored jsQR otherwise), answered at once in green or red. */
(function () {
  "use strict";
  const form = document.getElementById("checkin-form");
  const input = document.getElementById("code");
  const cameraButton = document.getElementById("camera-button");
  const result = document.getElementById("result");
  const matches = document.getElementById("matches");
  const video = document.getElementById("camera");
  const texts = JSON.parse(document.getElementById("checkin-texts").textContent);
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const inFlight = new Set();  // codes sent and not answered yet (each is sent once; other codes go meanwhile)
  const answered = new Map();  // code → when its answer came: a double tap right after it sends nothing more
  const inView = new Map();    // code → when the camera last saw it

  function show(answer) {
    result.className = "result " + (answer.ok ? "ok" : answer.info ? "info" : "refused");
    result.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = answer.name ? answer.name + (answer.tier ? " · " + answer.tier : "") : "";
    const message = document.createElement("p");
    message.textContent = answer.message;
    if (title.textContent) result.append(title);
    result.append(message);
    if (answer.reload) {
      const link = document.createElement("a");
      link.href = window.location.pathname;
      link.textContent = texts.reload;
      result.append(link);
    }
    if (navigator.vibrate && !answer.info) navigator.vibrate(answer.ok ? 80 : [80, 60, 80]);
  }

  function clearResult() {
    result.className = "result";
    result.replaceChildren();
  }

  // A page that is no longer answered in JSON: the session ended (the sign-in page), the page's form token is
  // stale, or access to this event was taken away. Retrying cannot help; signing in again and reloading can.
  async function answerOf(response) {
    const json = (response.headers.get("Content-Type") || "").startsWith("application/json");
    if (response.redirected || !json || [401, 403, 404].includes(response.status)) {
      if (response.status >= 500) return { ok: false, message: texts.failed };
      return { ok: false, message: texts.signedOut, reload: true };
    }
    return response.json();
  }

  // A request the door's network does not answer within a few seconds is given up, and the helper told so.
  function withTimeout(url, options) {
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, 8000);
    return fetch(url, { ...options, signal: controller.signal }).finally(function () { clearTimeout(timer); });
  }

  async function checkIn(value, ifUnknown, typed) {
    if (inFlight.has(value) || Date.now() - (answered.get(value) || 0) < 2000) return;
    inFlight.add(value);
    let failed = false;
    try {
      const response = await withTimeout(form.dataset.scanUrl, {
        method: "POST", body: new URLSearchParams({ code: value }), headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      const answer = await answerOf(response);
      show(answer);
      if (answer.unknown && ifUnknown) ifUnknown();
      refreshCounts();
    } catch (error) {
      failed = true;
      show({ ok: false, message: texts.failed });
    } finally {
      inFlight.delete(value);
      if (!failed) answered.set(value, Date.now());  // a failure may be retried at once
      // Ready for the next code, unless the helper has begun typing it meanwhile (or scans with the camera).
      if (typed && input.value.trim() === typed) {
        input.focus();
        input.select();
      }
    }
  }

  async function search(query, keepResult) {
    if (!keepResult) clearResult();
    matches.replaceChildren();
    let data;
    try {
      const response = await withTimeout(form.dataset.searchUrl + "?q=" + encodeURIComponent(query), { credentials: "same-origin" });
      const answer = await answerOf(response);
      if (!answer.results) { show(answer); return; }
      data = answer;
    } catch (error) {
      show({ ok: false, message: texts.failed });
      return;
    }
    if (!data.results.length) {
      if (!keepResult) show({ ok: false, info: true, message: texts.noMatch });
      return;
    }
    matches.replaceChildren(...data.results.map(function (row) {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = [row.name, row.company, row.tier, row.phone, row.code, row.status,
        row.checked_in_at ? "✓ " + row.checked_in_at : ""].filter(Boolean).join(" · ");
      item.append(label);
      if (row.can_check_in) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = texts.checkIn;
        button.addEventListener("click", function () {
          matches.replaceChildren();
          input.focus();  // the button goes away: the box keeps the phone's keyboard for the next code
          checkIn(row.code, null, input.value.trim());
        });
        item.append(button);
      }
      return item;
    }));
    if (data.more) {
      const more = document.createElement("li");
      more.className = "more";
      more.textContent = data.more;
      matches.append(more);
    }
  }

  // What a typed code looks like once a Chinese input method's full-width letters, spaces and dashes are gone.
  function asCode(value) {
    return value.normalize("NFKC").replace(/[\s-]/g, "");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    // A typed ticket code (8 characters of the code alphabet) or a scanned secret checks in; anything else —
    // a name, a phone number, an email address — searches, and so does a code that turns out to be unknown.
    const code = asCode(value);
    if (/^[2-9A-HJKMNP-Za-hjkmnp-z]{8}$/.test(code) || /^[A-Za-z0-9_-]{30,}$/.test(value)) {
      matches.replaceChildren();
      checkIn(/^[A-Za-z0-9_-]{30,}$/.test(value) ? value : code, function () { search(value, true); }, value);
    } else {
      search(value);
    }
    input.select();
  });

  async function refreshCounts() {
    try {
      const response = await fetch(form.dataset.statsUrl, { credentials: "same-origin" });
      if (!response.ok || response.redirected) return;
      const data = await response.json();
      document.getElementById("count-checked-in").textContent = data.checked_in;
      document.getElementById("count-in-person").textContent = data.in_person;
      document.getElementById("count-online").textContent = data.online;
      document.getElementById("count-waiting").textContent = data.waiting;
      const rows = data.tiers.map(function (tier) {
        const row = document.createElement("tr");
        [tier.name, tier.registered, tier.came].forEach(function (value) {
          const cell = document.createElement("td");
          cell.textContent = value;
          row.append(cell);
        });
        return row;
      });
      document.querySelector("#tier-counts tbody").replaceChildren(...rows);
      const channelRows = data.channels.map(function (channel) {
        const row = document.createElement("tr");
        [channel.label, channel.registered, channel.came].forEach(function (value) {
          const cell = document.createElement("td");
          cell.textContent = value;
          row.append(cell);
        });
        return row;
      });
      document.querySelector("#channel-counts tbody").replaceChildren(...channelRows);
    } catch (error) { /* the next refresh will try again */ }
  }
  setInterval(refreshCounts, 10000);

  function onCode(value) {
    // A ticket held up to the camera is seen many times a second: it is sent once, and again only after it has
    // been out of view for a few seconds (a second scan of the same ticket, later, is a real second scan).
    const now = Date.now();
    const seen = inView.get(value);
    inView.set(value, now);
    if (seen !== undefined && now - seen < 3000) return;
    checkIn(value);
  }

  // BarcodeDetector only where it reads QR codes: Chrome on phones without Google's services has the object
  // but no formats, and every detect() fails there.
  async function qrDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      return formats.includes("qr_code") ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    } catch (error) {
      return null;
    }
  }

  let cameraOn = false;
  async function startCamera() {
    if (cameraOn) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show({ ok: false, message: texts.noCamera });
      return;
    }
    cameraOn = true;
    cameraButton.disabled = true;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
    } catch (error) {
      cameraOn = false;
      cameraButton.disabled = false;
      show({ ok: false, message: texts.noCamera });
      return;
    }
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let detector = await qrDetector();
    async function tick() {
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        if (detector) {
          try {
            const codes = await detector.detect(video);
            if (codes.length) onCode(codes[0].rawValue);
          } catch (error) {
            detector = null;  // from now on jsQR reads the frames
          }
        } else if (window.jsQR) {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          const image = context.getImageData(0, 0, canvas.width, canvas.height);
          const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
          if (code) onCode(code.data);
        }
      }
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  }
  cameraButton.addEventListener("click", startCamera);
})();
