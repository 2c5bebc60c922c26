// leadrelay embed.js: <script src="https://LEADRELAY/embed.js" data-form="NAME" defer></script>
// enhances the page's plain HTML form posting to LEADRELAY/forms/NAME.
// Minified at build time (build.rs); keep it plain ES5 with semicolons.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.fetch || !window.URLSearchParams) return;
  var base = new URL(me.src).origin;
  var opt = me.dataset;
  var nav = navigator;
  // Do Not Track or Global Privacy Control: no funnel reports, and the first
  // touch is kept for this visit only.
  var quiet = nav.doNotTrack == "1" || window.doNotTrack == "1" || nav.globalPrivacyControl === true;
  var KEY = "leadrelay-first-touch";
  var PARAMS = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid"];
  var slots = 0;

  // The first touch: landing page, outside referrer and campaign parameters
  // of the first visit (a campaign visit replaces a direct one), for 90 days.
  function firstTouch() {
    var here = new URL(location.href);
    var params = {};
    var campaign = false;
    var store, kept;
    PARAMS.forEach(function (name) {
      var value = here.searchParams.get(name);
      if (value) {
        params[name] = value.slice(0, 200);
        campaign = true;
      }
    });
    try {
      store = quiet ? sessionStorage : localStorage;
      kept = JSON.parse(store.getItem(KEY));
    } catch (e) {}
    if (!kept || Date.now() - kept.at > 7776e6 || (campaign && !kept.campaign)) {
      kept = { at: Date.now(), landing: here.origin + here.pathname + here.search, params: params, campaign: campaign };
      try {
        if (new URL(document.referrer).host != location.host) kept.referrer = document.referrer;
      } catch (e) {}
      try {
        store.setItem(KEY, JSON.stringify(kept));
      } catch (e) {}
    }
    return kept;
  }

  function report(form, step) {
    if (!quiet && nav.sendBeacon) nav.sendBeacon(base + "/funnel/" + form + "?step=" + step);
  }

  function find(form, attribute, value) {
    return form.querySelector("[" + attribute + '="' + CSS.escape(value) + '"]');
  }

  function enhance(form, name) {
    var touch = firstTouch();
    var key, busy, marks = [];
    var honeypot = opt.honeypot || "_gotcha";
    var status = form.querySelector("[data-leadrelay-status]");
    if (!status) {
      status = form.appendChild(document.createElement("p"));
      status.setAttribute("role", "status");
    }
    if (!find(form, "name", honeypot)) {
      var trap = form.appendChild(document.createElement("div"));
      var input = trap.appendChild(document.createElement("input"));
      trap.setAttribute("aria-hidden", "true");
      trap.style.position = "absolute";
      trap.style.left = "-10000px";
      input.name = honeypot;
      input.tabIndex = -1;
      input.autocomplete = "off";
    }

    function say(text, state) {
      status.textContent = text;
      status.className = "leadrelay-status leadrelay-" + state;
    }

    // Next to the input the server names (a lead field: `email`, `contactNo`…);
    // true when the page has no place for it.
    function mark(field, message) {
      var input = find(form, "name", field) ||
        form.querySelector({ email: "[type=email]", contactNo: "[type=tel]" }[field] || "x-none");
      var slot = find(form, "data-error-for", field);
      var made = !slot && input;
      if (made) {
        slots += 1;
        slot = document.createElement("span");
        slot.className = "leadrelay-error";
        slot.id = "leadrelay-error-" + slots;
        input.insertAdjacentElement("afterend", slot);
        input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + slot.id).trim());
      }
      if (!slot) return true;
      slot.textContent = message;
      if (input) input.setAttribute("aria-invalid", "true");
      marks.push([slot, input, made]);
    }

    function answered(response, reply) {
      if (response.ok) {
        key = null;
        if (/^https?:/i.test(reply.redirect)) return location.assign(reply.redirect);
        form.reset();
        return say(opt.success || "Thank you! Your message has been received.", "ok");
      }
      var error = reply.error || {};
      var fields = error.fields || {};
      var unplaced = Object.keys(fields).filter(function (field) {
        return mark(field, fields[field]);
      }).map(function (field) {
        return fields[field];
      });
      say([error.message || "Sorry, that did not work (HTTP " + response.status + ")."].concat(unplaced).join(" "), "failed");
    }

    report(name, "view");
    form.addEventListener("focusin", function started() {
      report(name, "start");
      form.removeEventListener("focusin", started);
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      marks.forEach(function (m) {
        m[0].textContent = "";
        if (m[1]) m[1].removeAttribute("aria-invalid");
        if (m[2]) m[0].remove();
      });
      marks = [];
      say("Sending…", "sending");
      var body = new FormData(form);
      var add = function (field, value) {
        if (value && !body.has(field)) body.append(field, value);
      };
      if (event.submitter && event.submitter.name) add(event.submitter.name, event.submitter.value);
      add(opt.fillTime || "_ts", String(Math.round(performance.now())));
      PARAMS.forEach(function (param) {
        add(param, touch.params[param]);
      });
      add("page_url", location.href.split("#")[0]);
      add("landing_page", touch.landing);
      add("referrer", touch.referrer);
      key = key || (window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random());
      fetch(base + "/forms/" + name, {
        method: "POST",
        body: /multipart/i.test(form.getAttribute("enctype")) ? body : new URLSearchParams(body),
        headers: { Accept: "application/json", "Idempotency-Key": key }
      }).then(function (response) {
        return response.json().catch(function () {
          return {};
        }).then(function (reply) {
          answered(response, reply);
        });
      }, function () {
        say("Sorry, the message could not be sent. Please try again.", "failed");
      }).then(function () {
        busy = false;
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.forms, function (form) {
      var action = new URL(form.getAttribute("action") || "", location.href);
      var found = action.origin == base && /^\/forms\/([\w-]+)\/?$/.exec(action.pathname);
      if (found && (!opt.form || opt.form == found[1]) && !form.hasAttribute("data-leadrelay")) {
        form.setAttribute("data-leadrelay", found[1]);
        enhance(form, found[1]);
      }
    });
  }
  if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
