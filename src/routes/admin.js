// The admin page: the token lives in sessionStorage and goes out only as an
// Authorization header; everything from the server is rendered as text.
"use strict";

const KEY = "leadrelay-admin-token";
const $ = (id) => document.getElementById(id);

function say(text, failed) {
  $("status").textContent = text;
  $("status").className = failed ? "failed" : "";
}

async function api(method, path) {
  const token = sessionStorage.getItem(KEY);
  const response = await fetch(path, {
    method,
    headers: { Authorization: "Bearer " + token, Accept: "application/json" },
  });
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    signOut();
    throw new Error("That admin token is not right.");
  }
  if (!response.ok) {
    throw new Error((body && body.error && body.error.message) || "HTTP " + response.status);
  }
  return body;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function actionButton(lead, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = action;
  button.textContent = action === "retry" ? "Retry" : "Release";
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", "/admin/leads/" + encodeURIComponent(lead.id) + "/" + action);
      say((action === "retry" ? "Re-queued " : "Released ") + lead.email + ".");
      await load();
    } catch (error) {
      say(error.message, true);
      button.disabled = false;
    }
  });
  return button;
}

function row(lead) {
  const tr = document.createElement("tr");
  tr.dataset.leadId = lead.id;
  tr.append(
    cell(new Date(lead.created_at_ms).toLocaleString()),
    cell(lead.form),
    cell(lead.email),
    cell(lead.state, "state"),
    cell(String(lead.attempts), "attempts"),
    cell(lead.last_error || "", "error"),
  );
  const actions = document.createElement("td");
  if (["pending", "retrying", "dead"].includes(lead.state)) actions.append(actionButton(lead, "retry"));
  if (lead.state === "spam") actions.append(actionButton(lead, "release"));
  tr.append(actions);
  return tr;
}

async function load() {
  const state = $("state").value;
  const query = "?limit=200" + (state ? "&state=" + encodeURIComponent(state) : "");
  const leads = await api("GET", "/admin/leads" + query);
  $("rows").replaceChildren(...leads.map(row));
  $("login").hidden = true;
  $("leads").hidden = false;
  return leads;
}

async function show() {
  try {
    const leads = await load();
    say(leads.length + " lead(s).");
  } catch (error) {
    say(error.message, true);
  }
}

function signOut() {
  sessionStorage.removeItem(KEY);
  $("rows").replaceChildren();
  $("leads").hidden = true;
  $("login").hidden = false;
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, $("token").value.trim());
  $("token").value = "";
  show();
});
$("reload").addEventListener("click", show);
$("state").addEventListener("change", show);
$("sign-out").addEventListener("click", () => {
  signOut();
  say("Signed out.");
});
if (sessionStorage.getItem(KEY)) show();
