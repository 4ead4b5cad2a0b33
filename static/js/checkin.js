/* The check-in page: a typed code or name, or the camera (BarcodeDetector where the browser has it, the
   vendored jsQR otherwise), answered at once in green or red. */
(function () {
  "use strict";
  const form = document.getElementById("checkin-form");
  const input = document.getElementById("code");
  const result = document.getElementById("result");
  const matches = document.getElementById("matches");
  const video = document.getElementById("camera");
  const texts = JSON.parse(document.getElementById("checkin-texts").textContent);
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let lastScan = { value: "", at: 0 };

  function show(answer) {
    result.hidden = false;
    result.className = "result " + (answer.ok ? "ok" : "refused");
    result.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = answer.name ? answer.name + (answer.tier ? " · " + answer.tier : "") : "";
    const message = document.createElement("p");
    message.textContent = answer.message;
    if (title.textContent) result.append(title);
    result.append(message);
    if (navigator.vibrate) navigator.vibrate(answer.ok ? 80 : [80, 60, 80]);
    refreshCounts();
  }

  async function checkIn(value, ifUnknown) {
    const body = new URLSearchParams({ code: value });
    try {
      const response = await fetch(form.dataset.scanUrl, {
        method: "POST", body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin",
      });
      const answer = await response.json();
      show(answer);
      if (answer.unknown && ifUnknown) ifUnknown();
    } catch (error) {
      show({ ok: false, message: texts.failed });
    }
  }

  async function search(query) {
    const response = await fetch(form.dataset.searchUrl + "?q=" + encodeURIComponent(query), { credentials: "same-origin" });
    const data = await response.json();
    matches.replaceChildren(...data.results.map(function (row) {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = [row.name, row.company, row.tier, row.phone, row.code, row.status,
        row.checked_in_at ? "✓ " + row.checked_in_at : ""].filter(Boolean).join(" · ");
      item.append(label);
      if (row.active && !row.checked_in_at) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = texts.checkIn;
        button.addEventListener("click", function () { checkIn(row.code); matches.replaceChildren(); });
        item.append(button);
      }
      return item;
    }));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    // A typed ticket code (8 characters of the code alphabet) or a scanned secret checks in; anything else —
    // a name, a phone number, an email address — searches, and so does a code that turns out to be unknown.
    if (/^[2-9A-HJKMNP-Za-hjkmnp-z]{8}$/.test(value) || /^[A-Za-z0-9_-]{30,}$/.test(value)) {
      checkIn(value, function () { search(value); });
      matches.replaceChildren();
    } else {
      search(value);
    }
    input.select();
  });

  async function refreshCounts() {
    try {
      const response = await fetch(form.dataset.statsUrl, { credentials: "same-origin" });
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
    const now = Date.now();
    if (value === lastScan.value && now - lastScan.at < 4000) return;  // the same ticket still in view
    lastScan = { value: value, at: now };
    checkIn(value);
  }

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show({ ok: false, message: texts.noCamera });
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      show({ ok: false, message: texts.noCamera });
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    async function tick() {
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        if (detector) {
          const codes = await detector.detect(video).catch(function () { return []; });
          if (codes.length) onCode(codes[0].rawValue);
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
  document.getElementById("camera-button").addEventListener("click", startCamera);
})();
