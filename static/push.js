// Opt this device in or out of Web Push. The page names the server's VAPID public key and
// the URLs in data- attributes (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box) return;
  var status = document.getElementById("push-status");
  var enable = box.querySelector("[data-push-enable]");
  var disable = box.querySelector("[data-push-disable]");
  var csrf = box.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(text) { status.textContent = text; }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) return r.json().then(function (j) { throw new Error(j.error || "Refused"); });
      return r;
    });
  }

  function show(subscribed) {
    enable.hidden = subscribed;
    disable.hidden = !subscribed;
    say(subscribed ? "Notifications are on for this device." : "Notifications are off for this device.");
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("This browser can't show notifications. On an iPhone, add Lasso to the Home Screen first (Share → Add to Home Screen), then open it from there.");
    return;
  }

  function registration() {
    return navigator.serviceWorker.register(document.body.dataset.serviceWorker, { scope: "/app/" })
      .then(function () { return navigator.serviceWorker.ready; });
  }

  registration().then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (sub) { show(Boolean(sub)); })
    .catch(function () { show(false); });

  enable.addEventListener("click", function () {
    enable.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("Notifications are blocked for this site in the browser's settings.");
      return registration();
    }).then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.vapidKey) });
    }).then(function (sub) {
      return post(box.dataset.subscribeUrl, sub.toJSON ? sub.toJSON() : sub);
    }).then(function () {
      show(true);
      say("Notifications are on for this device.");
    }).catch(function (error) {
      say("Could not turn notifications on: " + error.message);
    }).then(function () { enable.disabled = false; });
  });

  disable.addEventListener("click", function () {
    registration().then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        if (!sub) return null;
        var endpoint = sub.endpoint;
        return sub.unsubscribe().then(function () { return post(box.dataset.unsubscribeUrl, { endpoint: endpoint }); });
      })
      .then(function () { show(false); })
      .catch(function (error) { say("Could not turn notifications off: " + error.message); });
  });
})();
