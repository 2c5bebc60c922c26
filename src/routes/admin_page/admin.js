// The admin page: sign in, then the overview (counts, funnel), the lead list
// and one lead's page, routed by the address's hash (`#/?filters`, `#/lead/ID`).
// Everything from the server is rendered as text.

import { api, SignedOut, token } from "./api.js";
import { showLead } from "./lead.js";
import { fillSelect, filtersFromHash, loadList, wireList } from "./list.js";
import { renderCounts, renderFunnels } from "./overview.js";

const $ = (id) => document.getElementById(id);
let lastListHash = "#/";

function say(text, failed) {
  $("status").textContent = text;
  $("status").className = failed ? "failed" : "";
}

function signOut(message, isFailure) {
  token.clear();
  $("rows").replaceChildren();
  $("app").hidden = true;
  $("sign-out").hidden = true;
  $("login").hidden = false;
  say(message || "", isFailure);
  $("token").focus();
}

async function loadOverview() {
  const summary = await api("GET", "/admin/summary?days=" + $("days").value);
  const filters = filtersFromHash();
  renderCounts($("state-counts"), summary.states, filters.get("state"));
  fillSelect($("state"), summary.states.map((s) => s.state), filters.get("state"));
  fillSelect($("form"), summary.forms, filters.get("form"));
  renderFunnels($("funnels"), summary);
}

/** Runs Retry or Release on `ids`, then shows the result and reloads the view. */
async function act(action, ids) {
  if (!ids.length) return;
  try {
    const reply = await api("POST", "/admin/leads/bulk", { action, ids });
    const done = action === "retry" ? "Re-queued" : "Released";
    const skipped = reply.unchanged.length ? `; ${reply.unchanged.length} left as they were` : "";
    await route();
    say(`${done} ${reply.changed.length} lead(s)${skipped}.`);
  } catch (error) {
    failed(error);
  }
}

function failed(error) {
  if (error instanceof SignedOut) signOut(error.message, true);
  else say(error.message, true);
}

async function route() {
  const lead = location.hash.match(/^#\/lead\/([^?]+)/);
  $("login").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  try {
    if (lead) {
      $("overview").hidden = true;
      $("leads").hidden = true;
      $("lead").hidden = false;
      await showLead($("lead"), decodeURIComponent(lead[1]), lastListHash, act);
      say("");
    } else {
      lastListHash = location.hash || "#/";
      $("lead").hidden = true;
      $("overview").hidden = false;
      $("leads").hidden = false;
      const [leads] = await Promise.all([loadList(act), loadOverview()]);
      say(leads.length + " lead(s) shown.");
    }
  } catch (error) {
    failed(error);
  }
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  token.set($("token").value.trim());
  $("token").value = "";
  route().then(() => $("main").focus());
});
$("sign-out").addEventListener("click", () => signOut("Signed out.", false));
$("reload").addEventListener("click", route);
$("days").addEventListener("change", () => loadOverview().catch(failed));
window.addEventListener("hashchange", route);
wireList(act);
if (token.get()) route();
else $("token").focus();
