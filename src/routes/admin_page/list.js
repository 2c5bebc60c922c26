// The lead list: filters (kept in the address, so Back returns to them),
// rows with a link to each lead's page, and bulk retry and release.

import { api, canRelease, canRetry, el, stateBadge, when } from "./api.js";

const $ = (id) => document.getElementById(id);
const FILTERS = ["q", "form", "state", "from", "to"];

/** The filters the address names (`#/?state=dead&q=ann`). */
export function filtersFromHash() {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query);
}

export function fillSelect(select, values, current) {
  const first = select.options[0];
  select.replaceChildren(first, ...values.map((value) => el("option", { value }, value)));
  select.value = values.includes(current) ? current : "";
}

function showFilters(params) {
  for (const name of FILTERS) $(name).value = params.get(name) || "";
}

function hashOf(form) {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  const query = params.toString();
  return "#/" + (query ? "?" + query : "");
}

function selectedIds() {
  return [...document.querySelectorAll("#rows input[type=checkbox]:checked")].map((box) => box.value);
}

function updateBulk() {
  const boxes = [...document.querySelectorAll("#rows input[type=checkbox]")];
  const chosen = boxes.filter((box) => box.checked);
  $("bulk-retry").disabled = !chosen.some((box) => canRetry(box.dataset.state));
  $("bulk-release").disabled = !chosen.some((box) => canRelease(box.dataset.state));
  $("select-all").checked = boxes.length > 0 && chosen.length === boxes.length;
}

function row(lead, act) {
  const who = lead.name || lead.email;
  const label = (action) => `${action} ${who}`;
  const actions = el("td", { class: "actions" },
    el("a", { href: "#/lead/" + encodeURIComponent(lead.id), class: "view" }, "View"),
    canRetry(lead.state) && el("button", { type: "button", class: "retry", "aria-label": label("Retry"), onclick: () => act("retry", [lead.id]) }, "Retry"),
    canRelease(lead.state) && el("button", { type: "button", class: "release", "aria-label": label("Release"), onclick: () => act("release", [lead.id]) }, "Release"));
  return el("tr", { "data-lead-id": lead.id },
    el("td", { class: "select" },
      el("input", { type: "checkbox", value: lead.id, "data-state": lead.state, "aria-label": "Select " + who, onchange: updateBulk })),
    el("td", { class: "received", "data-label": "Received" }, when(lead.created_at_ms)),
    el("td", { class: "who" },
      lead.name && el("div", { class: "name" }, lead.name),
      el("div", { class: "email" }, lead.email || "(no e-mail)")),
    el("td", { class: "inline", "data-label": "Form" }, lead.form),
    el("td", { class: "inline", "data-label": "State" }, stateBadge(lead.state)),
    el("td", { class: "inline attempts", "data-label": "Tries" }, String(lead.attempts)),
    el("td", { class: "why why-" + lead.state, "data-label": lead.last_error ? "Why" : false },
      lead.state === "delivered" ? "" : lead.last_error || ""),
    actions);
}

/** Loads and shows the leads the address's filters name. */
export async function loadList(act) {
  const params = filtersFromHash();
  showFilters(params);
  params.set("limit", "200");
  const leads = await api("GET", "/admin/leads?" + params.toString());
  $("rows").replaceChildren(...leads.map((lead) => row(lead, act)));
  $("empty").hidden = leads.length > 0;
  updateBulk();
  return leads;
}

/** Wires the filter form and the bulk buttons; `act(action, ids)` runs an action. */
export function wireList(act) {
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = hashOf($("filters"));
  });
  $("clear").addEventListener("click", () => {
    $("filters").reset();
    location.hash = "#/";
  });
  $("select-all").addEventListener("change", () => {
    for (const box of document.querySelectorAll("#rows input[type=checkbox]")) box.checked = $("select-all").checked;
    updateBulk();
  });
  $("bulk-retry").addEventListener("click", () => act("retry", selectedIds()));
  $("bulk-release").addEventListener("click", () => act("release", selectedIds()));
}
